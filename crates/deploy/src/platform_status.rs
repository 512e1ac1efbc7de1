//! Memories, gateways and gateway targets as the control plane reports them (GetMemory,
//! GetGateway, ListGatewayTargets), with their failure reasons; `wait` polls with back-off until
//! memories are ACTIVE and gateways and targets READY (the Memory waiter's success state is
//! ACTIVE; gateways and targets have no waiter).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_bedrockagentcorecontrol::Client;
use corestack_app::platform_stack::PlatformEntry;
use serde::Serialize;

use crate::{AwsFailure, DeployError};

/// A gateway target's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetStatus {
    /// Its name.
    pub name: String,
    /// Its ID.
    pub id: String,
    /// CREATING, READY, FAILED, ...
    pub status: String,
    /// Why it is not READY, when the service says.
    pub reasons: Vec<String>,
}

/// A memory's or gateway's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlatformStatus {
    /// `memory` or `gateway`.
    pub kind: String,
    /// Its name in the config.
    pub key: String,
    /// Its AgentCore name.
    pub name: String,
    /// Its ID.
    pub id: String,
    /// CREATING, ACTIVE (memories), READY (gateways), FAILED, ...
    pub status: String,
    /// Why it failed (memories' failureReason, gateways' statusReasons).
    pub reasons: Vec<String>,
    /// A gateway's targets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetStatus>,
}

fn failed(status: &str) -> bool {
    status == "FAILED" || status.ends_with("_FAILED") || status == "UPDATE_UNSUCCESSFUL"
}

impl PlatformStatus {
    /// Whether it and its targets are ready.
    pub fn ready(&self) -> bool {
        let own = if self.kind == "memory" { "ACTIVE" } else { "READY" };
        self.status == own && self.targets.iter().all(|t| t.status == "READY")
    }

    /// Whether it or one of its targets failed.
    pub fn failed(&self) -> bool {
        failed(&self.status) || self.targets.iter().any(|t| failed(&t.status))
    }
}

fn aws<E>(
    operation: &str,
    subject: &str,
    e: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> DeployError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    DeployError::Aws(Box::new(AwsFailure::from_sdk(operation, Some(subject), e)))
}

/// Reads statuses from the control plane.
#[derive(Clone, Debug)]
pub struct PlatformReader {
    client: Client,
}

impl PlatformReader {
    /// A reader on this configuration.
    pub fn new(config: &aws_config::SdkConfig) -> PlatformReader {
        PlatformReader { client: Client::new(config) }
    }

    /// The status of `entry`, whose ID is `id`.
    pub async fn read(&self, entry: &PlatformEntry, id: &str) -> Result<PlatformStatus, DeployError> {
        let subject = format!("{} {} ({id})", entry.kind, entry.name);
        let mut s = PlatformStatus {
            kind: entry.kind.clone(),
            key: entry.key.clone(),
            name: entry.name.clone(),
            id: id.to_string(),
            status: String::new(),
            reasons: Vec::new(),
            targets: Vec::new(),
        };
        if entry.kind == "memory" {
            let out = self
                .client
                .get_memory()
                .memory_id(id)
                .send()
                .await
                .map_err(|e| aws("bedrock-agentcore:GetMemory", &subject, &e))?;
            let m = out.memory();
            s.status = m.map(|m| m.status().as_str().to_string()).unwrap_or_default();
            s.reasons = m.and_then(|m| m.failure_reason()).map(str::to_string).into_iter().collect();
            return Ok(s);
        }
        let g = self
            .client
            .get_gateway()
            .gateway_identifier(id)
            .send()
            .await
            .map_err(|e| aws("bedrock-agentcore:GetGateway", &subject, &e))?;
        s.status = g.status().as_str().to_string();
        s.reasons = g.status_reasons().to_vec();
        let listed = self
            .client
            .list_gateway_targets()
            .gateway_identifier(id)
            .send()
            .await
            .map_err(|e| aws("bedrock-agentcore:ListGatewayTargets", &subject, &e))?;
        for t in listed.items() {
            let detail = self
                .client
                .get_gateway_target()
                .gateway_identifier(id)
                .target_id(t.target_id())
                .send()
                .await
                .map_err(|e| aws("bedrock-agentcore:GetGatewayTarget", &subject, &e))?;
            s.targets.push(TargetStatus {
                name: detail.name().to_string(),
                id: detail.target_id().to_string(),
                status: detail.status().as_str().to_string(),
                reasons: detail.status_reasons().to_vec(),
            });
        }
        Ok(s)
    }

    /// Every entry's status (`ids`: entry key to ID); with `wait`, polled until all are ready,
    /// failing when one fails or time is up.
    pub async fn statuses(
        &self,
        entries: &[(PlatformEntry, String)],
        wait: Option<(Duration, Duration)>,
        progress: &(dyn Fn(&PlatformStatus) + Sync),
    ) -> Result<Vec<PlatformStatus>, DeployError> {
        let Some((interval, timeout)) = wait else {
            let mut all = Vec::new();
            for (e, id) in entries {
                all.push(self.read(e, id).await?);
            }
            return Ok(all);
        };
        crate::status::poll(interval, timeout, "ready", move || async move {
            let mut all = Vec::new();
            for (e, id) in entries {
                let s = self.read(e, id).await?;
                progress(&s);
                all.push(s);
            }
            Ok(all)
        })
        .await
    }
}

impl crate::status::Awaited for PlatformStatus {
    fn settled(&self) -> bool {
        self.ready()
    }

    fn failure(&self) -> Option<DeployError> {
        let reasons: Vec<String> =
            self.reasons.iter().chain(self.targets.iter().flat_map(|t| &t.reasons)).cloned().collect();
        self.failed().then(|| DeployError::Failed {
            stack: format!("{} {}", self.kind, self.name),
            status: self.status.clone(),
            reason: if reasons.is_empty() { "the service gave no reason".into() } else { reasons.join("; ") },
        })
    }

    fn label(&self) -> String {
        format!("{} {} {}", self.kind, self.name, self.status)
    }
}

/// Each entry with its ID, read from its stack's outputs (`outputs`: stack name to outputs);
/// entries whose stack or output is not there are left out.
pub fn deployed(
    entries: &[PlatformEntry],
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<(PlatformEntry, String)> {
    entries.iter().filter_map(|e| Some((e.clone(), outputs.get(&e.stack)?.get(&e.id_output)?.clone()))).collect()
}
