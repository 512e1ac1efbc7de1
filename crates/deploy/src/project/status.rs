//! What `status` reads of a deployed project: each runtime with its endpoints, each memory and
//! gateway with its targets.

use serde::Serialize;

use super::{EndpointStatus, Project, RuntimeOutput, RuntimeStatus, Wait};
use crate::DeployError;
use crate::platform_status::{PlatformReader, PlatformStatus};
use crate::status::{ControlPlaneStatus, StatusReader};

/// Everything `status` reports, as one value (its JSON is `{"runtimes": [...], "platform": [...]}`).
#[derive(Clone, Debug, Serialize)]
pub struct ProjectStatus {
    /// Every runtime of the config, with its endpoints.
    pub runtimes: Vec<RuntimeStatus>,
    /// Every memory and gateway, with its targets.
    pub platform: Vec<PlatformStatus>,
}

impl ProjectStatus {
    /// Whether a runtime, a memory, a gateway or a target failed.
    pub fn failed(&self) -> bool {
        self.runtimes.iter().any(|r| r.status.status.ends_with("_FAILED"))
            || self.platform.iter().any(PlatformStatus::failed)
    }
}

impl Project<'_> {
    /// The status of every runtime, then of every memory and gateway; with `wait`, after polling
    /// until each is ready (`polled` gets a line for each poll: what, and its status).
    pub async fn status(
        &self,
        wait: Option<Wait>,
        polled: &(dyn Fn(String) + Sync),
    ) -> Result<ProjectStatus, DeployError> {
        let runtimes = self.statuses(wait, &|s: &ControlPlaneStatus| polled(format!("{} {}", s.id, s.status))).await?;
        let platform = self
            .platform_statuses(wait, &|s: &PlatformStatus| polled(format!("{} {} {}", s.kind, s.name, s.status)))
            .await?;
        Ok(ProjectStatus { runtimes, platform })
    }

    /// The status of every runtime and of its endpoints; with `wait`, after polling until every
    /// runtime is READY (`progress` sees each poll), or failing when one fails or time is up.
    pub async fn statuses(
        &self,
        wait: Option<Wait>,
        progress: &(dyn Fn(&ControlPlaneStatus) + Sync),
    ) -> Result<Vec<RuntimeStatus>, DeployError> {
        let ids = self.runtime_outputs(RuntimeOutput::Id, None).await?;
        let reader = StatusReader::new(&self.config);
        let runtime_ids: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
        let statuses = match wait {
            Some(w) => reader.wait_ready(&runtime_ids, w.interval, w.timeout, progress).await?,
            None => {
                let mut all = Vec::new();
                for id in &runtime_ids {
                    all.push(reader.runtime(id).await?);
                }
                all
            }
        };
        let mut found = Vec::new();
        for ((r, id), mut status) in ids.iter().zip(statuses) {
            let more = reader.unmodelled(&self.config, id).await?;
            status.require_mmdsv2 = Some(more.require_mmdsv2);
            (status.platform_version, status.session_storage) = (more.platform_version, more.session_storage);
            let mut endpoints = Vec::new();
            for e in &r.spec.endpoints {
                endpoints.push(EndpointStatus { name: e.name.clone(), status: reader.endpoint(id, &e.name).await? });
            }
            found.push(RuntimeStatus { runtime: r.key.clone(), name: r.spec.name.clone(), status, endpoints });
        }
        Ok(found)
    }

    /// Each deployed memory's and gateway's status (with its targets); with `wait`, after polling
    /// until memories are ACTIVE and gateways and targets READY.
    pub async fn platform_statuses(
        &self,
        wait: Option<Wait>,
        progress: &(dyn Fn(&PlatformStatus) + Sync),
    ) -> Result<Vec<PlatformStatus>, DeployError> {
        let ids = self.platform_ids().await?;
        PlatformReader::new(&self.config).statuses(&ids, wait.map(|w| (w.interval, w.timeout)), progress).await
    }
}
