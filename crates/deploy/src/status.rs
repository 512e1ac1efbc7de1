//! Runtime and endpoint status from the control plane (GetAgentRuntime, GetAgentRuntimeEndpoint).
//! There is no SDK waiter for runtimes (facts §4); `wait_ready` polls with back-off.

use std::time::{Duration, Instant};

use aws_sdk_bedrockagentcorecontrol::Client;
use serde::Serialize;

use crate::{AwsFailure, DeployError};

/// One runtime or endpoint, as the control plane reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ControlPlaneStatus {
    /// The runtime ID, or `<runtime ID>/<endpoint>` for an endpoint.
    pub id: String,
    /// CREATING, READY, CREATE_FAILED, UPDATING, UPDATE_FAILED or DELETING.
    pub status: String,
    /// The runtime version (the live version for an endpoint).
    pub version: Option<String>,
    /// The container image (runtimes).
    pub image: Option<String>,
    /// PUBLIC or VPC (runtimes).
    pub network_mode: Option<String>,
    /// Why it failed, when it did.
    pub failure_reason: Option<String>,
    /// `metadataConfiguration.requireMMDSV2` (runtimes): since 2026-06-30 the service refuses
    /// every invocation of a runtime without `true` ([`MMDS_FIX`]). `None` when not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_mmdsv2: Option<bool>,
    /// The runtime platform (`V1`, `V2`) when the service names one (runtimes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Where session storage is mounted, when the runtime has it (runtimes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_storage: Option<String>,
}

/// What GetAgentRuntime answers that the locked SDK crate does not model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unmodelled {
    /// `metadataConfiguration.requireMMDSV2`; `false` when absent, as the service treats it.
    pub require_mmdsv2: bool,
    /// `platformVersion`.
    pub platform_version: Option<String>,
    /// The first `filesystemConfigurations[].sessionStorage.mountPath`.
    pub session_storage: Option<String>,
}

/// What to do for a runtime without `requireMMDSV2 = true`. AgentCore developer guide,
/// "Troubleshoot AgentCore Runtime", "My agent invocations fail with 'This runtime is not
/// MMDSv2-enabled' ValidationException": from June 30, 2026 InvokeAgentRuntime, its WebSocket,
/// commands, the command shell and GetAgentCard are rejected for such runtimes; the fix is
/// UpdateAgentRuntime with `metadataConfiguration.requireMMDSV2 = true` (existing sessions are not
/// affected). CreateAgentRuntime and the CloudFormation resource take no such property (the API
/// reference and the SDK model of 2026-11: only Update and Get have it), so a stack cannot set it
/// and `check` has no rule for it; runtimes created in 2026 are reported to read back `true`.
pub const MMDS_FIX: &str = "invocations of this runtime are refused since 2026-06-30 (it does not require MMDSv2); run `aws bedrock-agentcore-control update-agent-runtime` for it with `--metadata-configuration requireMMDSV2=true` and its current artifact, role and network configuration (UpdateAgentRuntime; existing sessions are not affected)";

impl ControlPlaneStatus {
    /// Whether polling can stop: READY or a failure.
    pub fn settled(&self) -> bool {
        self.status == "READY" || self.status.ends_with("_FAILED")
    }
}

/// Reads statuses.
#[derive(Clone, Debug)]
pub struct StatusReader {
    client: Client,
}

impl StatusReader {
    /// A reader on this configuration.
    pub fn new(config: &aws_config::SdkConfig) -> StatusReader {
        StatusReader { client: Client::new(config) }
    }

    /// A runtime's status.
    pub async fn runtime(&self, id: &str) -> Result<ControlPlaneStatus, DeployError> {
        let r = self.client.get_agent_runtime().agent_runtime_id(id).send().await.map_err(|e| {
            DeployError::Aws(Box::new(AwsFailure::from_sdk(
                "bedrock-agentcore:GetAgentRuntime",
                Some(&format!("runtime {id}")),
                &e,
            )))
        })?;
        let image = r
            .agent_runtime_artifact()
            .and_then(|a| a.as_container_configuration().ok())
            .map(|c| c.container_uri().to_string());
        Ok(ControlPlaneStatus {
            id: id.to_string(),
            status: r.status().as_str().to_string(),
            version: Some(r.agent_runtime_version().to_string()),
            image,
            network_mode: r.network_configuration().map(|n| n.network_mode().as_str().to_string()),
            failure_reason: r.failure_reason().map(str::to_string),
            ..ControlPlaneStatus::default()
        })
    }

    /// A runtime's `metadataConfiguration.requireMMDSV2`, `platformVersion` and session storage
    /// from GetAgentRuntime's JSON, read with a signed call of its own: the locked SDK crate
    /// models none of the three.
    pub async fn unmodelled(&self, config: &aws_config::SdkConfig, id: &str) -> Result<Unmodelled, DeployError> {
        const OPERATION: &str = "bedrock-agentcore:GetAgentRuntime";
        let subject = format!("runtime {id}");
        let path = format!("/runtimes/{id}/");
        let control = "bedrock-agentcore-control";
        let answer = crate::signed::get(config, "bedrock-agentcore", control, "BEDROCK_AGENTCORE_CONTROL", &path)
            .await
            .map_err(|e| crate::DeployError::Aws(Box::new(e.into_failure(OPERATION, &subject))))?;
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
        if !answer.status.is_success() {
            let message = json["message"].as_str().or(json["Message"].as_str()).unwrap_or("no message");
            let failure = AwsFailure {
                code: answer.error_type.or_else(|| Some(format!("HTTP {}", answer.status.as_u16()))),
                request_id: answer.request_id,
                ..AwsFailure::plain(OPERATION, Some(&subject), message)
            };
            return Err(DeployError::Aws(Box::new(failure)));
        }
        let filesystems = json["filesystemConfigurations"].as_array().cloned().unwrap_or_default();
        Ok(Unmodelled {
            require_mmdsv2: json["metadataConfiguration"]["requireMMDSV2"].as_bool() == Some(true),
            platform_version: json["platformVersion"].as_str().map(str::to_string),
            session_storage: filesystems
                .iter()
                .find_map(|f| f["sessionStorage"]["mountPath"].as_str().map(str::to_string)),
        })
    }

    /// Every runtime of the account and region, as (name, ID), every page.
    pub async fn runtime_names(&self) -> Result<Vec<(String, String)>, DeployError> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let page = self.client.list_agent_runtimes().set_next_token(token).send().await.map_err(|e| {
                DeployError::Aws(Box::new(AwsFailure::from_sdk(
                    "bedrock-agentcore:ListAgentRuntimes",
                    Some("the runtimes of this account and region"),
                    &e,
                )))
            })?;
            for r in page.agent_runtimes() {
                all.push((r.agent_runtime_name().to_string(), r.agent_runtime_id().to_string()));
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(all);
            }
        }
    }

    /// A named endpoint's status.
    pub async fn endpoint(&self, id: &str, name: &str) -> Result<ControlPlaneStatus, DeployError> {
        let e =
            self.client.get_agent_runtime_endpoint().agent_runtime_id(id).endpoint_name(name).send().await.map_err(
                |e| {
                    let subject = format!("endpoint {name} of runtime {id}");
                    DeployError::Aws(Box::new(AwsFailure::from_sdk(
                        "bedrock-agentcore:GetAgentRuntimeEndpoint",
                        Some(&subject),
                        &e,
                    )))
                },
            )?;
        Ok(ControlPlaneStatus {
            id: format!("{id}/{name}"),
            status: e.status().as_str().to_string(),
            version: e.live_version().map(str::to_string),
            image: None,
            network_mode: None,
            failure_reason: e.failure_reason().map(str::to_string),
            ..ControlPlaneStatus::default()
        })
    }

    /// Polls the runtimes until each is READY or failed, backing off from `interval` (x1.5, at
    /// most 15 s). A failure is an error that carries the service's failureReason; so is the timeout.
    pub async fn wait_ready(
        &self,
        ids: &[String],
        interval: Duration,
        timeout: Duration,
        progress: &(dyn Fn(&ControlPlaneStatus) + Sync),
    ) -> Result<Vec<ControlPlaneStatus>, DeployError> {
        poll(interval, timeout, "READY", move || async move {
            let mut all = Vec::new();
            for id in ids {
                let s = self.runtime(id).await?;
                progress(&s);
                all.push(s);
            }
            Ok(all)
        })
        .await
    }
}

/// What [`poll`] waits for.
pub(crate) trait Awaited {
    /// Nothing more to wait for.
    fn settled(&self) -> bool;
    /// The error to stop with when it failed.
    fn failure(&self) -> Option<DeployError>;
    /// What it is and its status, for a timeout's message.
    fn label(&self) -> String;
}

impl Awaited for ControlPlaneStatus {
    fn settled(&self) -> bool {
        ControlPlaneStatus::settled(self)
    }

    fn failure(&self) -> Option<DeployError> {
        self.status.ends_with("_FAILED").then(|| DeployError::Failed {
            stack: self.id.clone(),
            status: self.status.clone(),
            reason: self.failure_reason.clone().unwrap_or_else(|| "the service gave no failureReason".into()),
        })
    }

    fn label(&self) -> String {
        format!("{} {}", self.id, self.status)
    }
}

/// Reads with `read` until every item is settled, sleeping from `interval` between reads, longer
/// by half each time, to 15 s at most. A failed item ends it with its error; so does `timeout`,
/// naming what is not `word` (READY, ready) yet.
pub(crate) async fn poll<T, Fut>(
    interval: Duration,
    timeout: Duration,
    word: &str,
    mut read: impl FnMut() -> Fut,
) -> Result<Vec<T>, DeployError>
where
    T: Awaited,
    Fut: std::future::Future<Output = Result<Vec<T>, DeployError>>,
{
    let started = Instant::now();
    let mut delay = interval;
    loop {
        let all = read().await?;
        if let Some(failed) = all.iter().find_map(Awaited::failure) {
            return Err(failed);
        }
        if all.iter().all(Awaited::settled) {
            return Ok(all);
        }
        if started.elapsed() + delay > timeout {
            let waiting: Vec<String> = all.iter().filter(|s| !s.settled()).map(Awaited::label).collect();
            return Err(DeployError::Failed {
                stack: waiting.join(", "),
                status: format!("not {word}"),
                reason: format!("still not {word} after {} s; wait longer with --timeout", timeout.as_secs()),
            });
        }
        tokio::time::sleep(delay).await;
        delay = delay.mul_f32(1.5).min(Duration::from_secs(15));
    }
}
