//! A runtime's vended logs and traces: CloudWatch Logs deliveries the service writes for it.
//!
//! AgentCore offers a runtime's application logs, usage logs and traces as vended-log delivery
//! sources (`AWS::Logs::DeliverySource` on the runtime ARN, log types `APPLICATION_LOGS`,
//! `USAGE_LOGS` and `TRACES`; AgentCore developer guide, "Add observability to your Amazon Bedrock
//! AgentCore resources"; the AWS CDK's runtime `loggingConfigs` and `tracingEnabled` make the same
//! three). Logs go to a log group made here, under `/aws/vendedlogs/` (the prefix CloudWatch Logs
//! covers with one account policy for every delivery), with the environment's retention and the
//! project's key; traces go to X-Ray (destination type `XRAY`), which writes them to the
//! `aws/spans` log group when Transaction Search is on.

use corestack_cfn::resources::logs::{Delivery, DeliveryDestination, DeliverySource, LogGroup};
use corestack_cfn::{Error, Expr, Stack};

use crate::runtime::AgentRuntime;

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

/// The name of the log group a runtime's `kind` logs are delivered to, given its ID.
pub fn vended_log_group_name(kind: LogDelivery, runtime_id: &str) -> String {
    format!("/aws/vendedlogs/bedrock-agentcore/runtime/{}/{runtime_id}", kind.log_type())
}

/// Adds a delivery of each of `deliveries` for `runtime` (logical ID `id`, AgentCore name `name`,
/// at most 48 characters, so every name below stays within the 60 CloudWatch Logs allows).
pub fn build(
    stack: &mut Stack,
    id: &str,
    name: &str,
    runtime: &AgentRuntime,
    deliveries: &[LogDelivery],
    key_arn: &Expr,
    retention_days: u32,
) -> Result<(), Error> {
    for &kind in deliveries {
        let prefix = format!("{id}{}", kind.logical());
        let source = stack.add(
            &format!("{prefix}Source"),
            DeliverySource {
                name: format!("{name}-{}", kind.short()).into(),
                resource_arn: Some(runtime.runtime.agent_runtime_arn()),
                log_type: Some(kind.log_type().into()),
                ..Default::default()
            },
        )?;
        let destination = if kind == LogDelivery::Traces {
            DeliveryDestination {
                name: format!("{name}-traces-xray").into(),
                delivery_destination_type: Some("XRAY".into()),
                ..Default::default()
            }
        } else {
            let group = stack.add(
                &format!("{prefix}Group"),
                LogGroup {
                    log_group_name: Some(Expr::sub(
                        &vended_log_group_name(kind, "${RuntimeId}"),
                        [("RuntimeId", runtime.runtime.agent_runtime_id())],
                    )),
                    retention_in_days: Some(Expr::Int(i64::from(retention_days))),
                    kms_key_id: Some(key_arn.clone()),
                    ..Default::default()
                },
            )?;
            // Kept when the runtime goes, like its runtime log groups.
            stack.retain(&group);
            DeliveryDestination {
                name: format!("{name}-{}-cwl", kind.short()).into(),
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
                delivery_source_name: source.as_ref(),
                delivery_destination_arn: destination.arn(),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}
