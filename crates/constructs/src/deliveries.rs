//! Vended logs and traces of AgentCore resources: CloudWatch Logs deliveries the service writes.
//!
//! AgentCore offers a runtime's application logs, usage logs and traces, and a memory's or
//! gateway's application logs and traces, as vended-log delivery sources
//! (`AWS::Logs::DeliverySource` on the resource ARN, log types `APPLICATION_LOGS`, `USAGE_LOGS`,
//! `TRACES`; AgentCore developer guide, "Enabling observability for AgentCore runtime, memory,
//! gateway, built-in tools, and identity resources"; the AWS CDK's runtime `loggingConfigs` and
//! `tracingEnabled` make the runtime's three). Logs go to a log group made here, under `/aws/vendedlogs/` (the prefix CloudWatch Logs
//! covers with one account policy for every delivery), with the environment's retention and the
//! project's key; traces go to X-Ray (destination type `XRAY`), which writes them to the
//! `aws/spans` log group when Transaction Search is on.

use corestack_cfn::resources::logs::{Delivery, DeliveryDestination, DeliverySource, LogGroup};
use corestack_cfn::{Error, Expr, Stack};

/// One kind of vended data a runtime can deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogDelivery {
    /// The service's application logs of the runtime (`APPLICATION_LOGS`).
    ApplicationLogs,
    /// Per-session resource usage (`USAGE_LOGS`).
    UsageLogs,
    /// The service's spans of each invocation (`TRACES`), to X-Ray.
    Traces,
}

impl LogDelivery {
    /// Every kind, in the order the config documents them.
    pub const ALL: [LogDelivery; 3] = [LogDelivery::ApplicationLogs, LogDelivery::UsageLogs, LogDelivery::Traces];

    /// The config's name for it (`application_logs`, ...).
    pub fn key(self) -> &'static str {
        match self {
            LogDelivery::ApplicationLogs => "application_logs",
            LogDelivery::UsageLogs => "usage_logs",
            LogDelivery::Traces => "traces",
        }
    }

    /// The kind the config names `key`.
    pub fn from_key(key: &str) -> Option<LogDelivery> {
        LogDelivery::ALL.into_iter().find(|d| d.key() == key)
    }

    /// The delivery source's `LogType`.
    pub fn log_type(self) -> &'static str {
        match self {
            LogDelivery::ApplicationLogs => "APPLICATION_LOGS",
            LogDelivery::UsageLogs => "USAGE_LOGS",
            LogDelivery::Traces => "TRACES",
        }
    }

    /// Whether a resource of `kind` (`runtime`, `memory`, `gateway`) offers it: usage logs are a
    /// runtime's only.
    pub fn offered_by(self, kind: &str) -> bool {
        kind == "runtime" || self != LogDelivery::UsageLogs
    }

    fn short(self) -> &'static str {
        match self {
            LogDelivery::ApplicationLogs => "app",
            LogDelivery::UsageLogs => "usage",
            LogDelivery::Traces => "traces",
        }
    }

    fn logical(self) -> &'static str {
        match self {
            LogDelivery::ApplicationLogs => "ApplicationLogs",
            LogDelivery::UsageLogs => "UsageLogs",
            LogDelivery::Traces => "Traces",
        }
    }
}

/// The name of the log group a resource's `kind` logs are delivered to, given the resource kind
/// (`runtime`, `memory`, `gateway`) and its ID.
pub fn vended_log_group_name(resource: &str, kind: LogDelivery, id: &str) -> String {
    format!("/aws/vendedlogs/bedrock-agentcore/{resource}/{}/{id}", kind.log_type())
}

/// A resource whose logs and traces the service delivers.
#[derive(Clone, Debug)]
pub struct Source {
    /// `runtime`, `memory` or `gateway`.
    pub kind: &'static str,
    /// The stem of the delivery names: the AgentCore name of a runtime (unique in the account and
    /// Region already), or `m-<project>-<name>` / `g-<project>-<name>` for memories and gateways.
    /// Source and destination names are account-wide primary identifiers, a memory may share a
    /// runtime's name, and two projects may name their memories alike.
    pub name: String,
    /// Its ARN.
    pub arn: Expr,
    /// Its ID (the log group names end with it).
    pub id: Expr,
}

/// `name` if it fits the 60 characters CloudWatch Logs allows, else its first 51 and a hash of
/// the whole, so that two long names stay apart.
fn fit(name: String) -> String {
    if name.len() <= 60 {
        return name;
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{}-{:08x}", &name[..51], hash as u32)
}

/// Adds a delivery of each of `deliveries` that `source` offers (logical IDs start with `id`).
pub fn build(
    stack: &mut Stack,
    id: &str,
    source: &Source,
    deliveries: &[LogDelivery],
    key_arn: &Expr,
    retention_days: u32,
) -> Result<(), Error> {
    let name = &source.name;
    for &kind in deliveries.iter().filter(|d| d.offered_by(source.kind)) {
        let prefix = format!("{id}{}", kind.logical());
        let delivery_source = stack.add(
            &format!("{prefix}Source"),
            DeliverySource {
                name: fit(format!("{name}-{}", kind.short())).into(),
                resource_arn: Some(source.arn.clone()),
                log_type: Some(kind.log_type().into()),
                ..Default::default()
            },
        )?;
        let destination = if kind == LogDelivery::Traces {
            DeliveryDestination {
                name: fit(format!("{name}-traces-xray")).into(),
                delivery_destination_type: Some("XRAY".into()),
                ..Default::default()
            }
        } else {
            let group = stack.add(
                &format!("{prefix}Group"),
                LogGroup {
                    log_group_name: Some(Expr::sub(
                        &vended_log_group_name(source.kind, kind, "${ResourceId}"),
                        [("ResourceId", source.id.clone())],
                    )),
                    retention_in_days: Some(Expr::Int(i64::from(retention_days))),
                    kms_key_id: Some(key_arn.clone()),
                    ..Default::default()
                },
            )?;
            // Kept when the resource goes, like a runtime's own log groups.
            stack.retain(&group);
            DeliveryDestination {
                name: fit(format!("{name}-{}-cwl", kind.short())).into(),
                delivery_destination_type: Some("CWL".into()),
                // The group's ARN without the `:*` that its `Arn` attribute ends with, as the
                // CloudWatch Logs API examples write a destination.
                destination_resource_arn: Some(Expr::sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Group}",
                    [("Group", group.as_ref())],
                )),
                ..Default::default()
            }
        };
        let destination = stack.add(&format!("{prefix}Destination"), destination)?;
        stack.add(
            &format!("{prefix}Delivery"),
            Delivery {
                delivery_source_name: delivery_source.as_ref(),
                delivery_destination_arn: destination.arn(),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_sixty_characters_and_long_ones_stay_apart() {
        assert_eq!(fit("demo_agent_dev-app".into()), "demo_agent_dev-app");
        let (a, b) = (format!("g-{}-traces-xray", "a".repeat(48)), format!("g-{}b-traces-xray", "a".repeat(47)));
        assert!(fit(a.clone()).len() <= 60 && fit(b.clone()).len() <= 60);
        assert_ne!(fit(a), fit(b));
        assert!(LogDelivery::UsageLogs.offered_by("runtime") && !LogDelivery::UsageLogs.offered_by("memory"));
        assert!(LogDelivery::Traces.offered_by("gateway"));
    }
}
