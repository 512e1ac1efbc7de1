//! A deploy in two phases: the stacks up to the image repository, then every runtime's image
//! pinned by digest (built and pushed where the config says), then the stacks that run them.
//! [`Project::prepare_deploy`] checks everything that can be checked before a stack changes;
//! [`Rollout::run`] does the work and keeps a [`Record`] as it goes, so that a failed or
//! interrupted deploy is reported too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use crate::image::{ImageChoices, Registry, RuntimeImage};
use crate::project::{Observer, Project};
use crate::status::StatusReader;
use crate::{DeployError, StackPlan, StackResult, Step};

/// A deploy checked and ready to run.
#[derive(Debug)]
pub struct Rollout {
    notes: Vec<String>,
    before: Vec<StackPlan>,
    after: Vec<StackPlan>,
    choices: ImageChoices,
    base: PathBuf,
}

/// A runtime's status and version after a deploy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployedRuntime {
    /// The runtime's key in the config.
    pub runtime: String,
    /// Its ID.
    pub id: String,
    /// Its status.
    pub status: String,
    /// Its version.
    pub version: Option<String>,
    /// The image it runs.
    pub image: Option<String>,
}

/// What a deploy did so far.
#[derive(Debug, Default)]
pub struct Record {
    results: Mutex<Vec<StackResult>>,
    images: Mutex<Vec<RuntimeImage>>,
    runtimes: Mutex<Vec<DeployedRuntime>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Record {
    /// Each stack deployed (or found unchanged) so far, in the order they finished.
    pub fn results(&self) -> Vec<StackResult> {
        locked(&self.results).clone()
    }
    /// The images the runtimes were pinned to.
    pub fn images(&self) -> Vec<RuntimeImage> {
        locked(&self.images).clone()
    }
    /// The runtimes' statuses, read after the last stack.
    pub fn runtimes(&self) -> Vec<DeployedRuntime> {
        locked(&self.runtimes).clone()
    }
}

impl Project<'_> {
    /// Checks, before any file is written or any stack changes: the images the choices name are
    /// of the project repository, the builds the config asks for can run (from `base`, the
    /// directory the config's paths start from), no export is taken by another project, and no
    /// template is too large to deploy.
    pub async fn prepare_deploy(&self, choices: ImageChoices, base: &Path) -> Result<Rollout, DeployError> {
        let settings = self.settings();
        crate::image::preflight(self.docker(), settings, &self.identity().account, &choices, base).await?;
        let deployer =
            crate::Deployer::new(self.config()).with_template_bucket(settings.environment.template_bucket.clone());
        let (plans, notes) =
            crate::transaction_search::settle(self.config(), &deployer, self.plans(), &self.account_wide()).await?;
        deployer.check_exports(&plans).await?;
        deployer.check_sizes(&plans)?;
        let (before, after) = StackPlan::split_at_images(plans);
        Ok(Rollout { notes, before, after, choices, base: base.to_path_buf() })
    }
}

impl Rollout {
    /// How many stacks the deploy touches.
    pub fn stack_count(&self) -> usize {
        self.before.len() + self.after.len()
    }

    /// Deploys the stacks that create the repository, pins every runtime's image, deploys the
    /// rest with those digests, and reads each runtime's status. `record` keeps what was done.
    pub async fn run(
        self,
        project: &Project<'_>,
        observer: &Arc<dyn Observer>,
        record: &Record,
    ) -> Result<(), DeployError> {
        let Rollout { notes, before, mut after, choices, base } = self;
        for line in &notes {
            observer.note(line);
        }
        let settings = project.settings();
        let deployer = project.deployer(observer);
        let step = |s: Step<'_>| {
            if let Step::Finished(r) = s {
                locked(&record.results).push(r.clone());
            }
            observer.step(s);
        };
        deployer.deploy(&before, &step).await?;
        let note = |line: &str| observer.note(line);
        let registry = Registry::new(project.config());
        let placements = &project.assembly().manifest.runtimes;
        let images =
            crate::image::prepare(&registry, project.docker(), settings, placements, &choices, &base, &note).await?;
        for i in &images {
            observer.image(i);
        }
        // Every image a runtime is about to run on is kept by the lifecycle policy from now on.
        let mut kept = BTreeSet::new();
        for i in &images {
            if kept.insert(i.digest.clone()) {
                let tag = registry.mark_deployed(&settings.repository_name, &i.digest).await?;
                observer
                    .note(&format!("kept {} as {tag} (the lifecycle policy never expires deployed images)", i.digest));
            }
        }
        let mut pinned: std::collections::BTreeMap<String, String> =
            images.iter().map(|i| (i.parameter.clone(), i.parameter_value())).collect();
        let logs = crate::logs::LogReader::new(project.config());
        let (states, notes) = crate::log_groups::states(&deployer, &logs, placements).await?;
        for line in &notes {
            observer.note(line);
        }
        pinned.extend(states);
        for p in &mut after {
            p.set_parameters(&pinned);
        }
        *locked(&record.images) = images;
        deployer.deploy(&after, &step).await?;
        let results = locked(&record.results).clone();
        *locked(&record.runtimes) = runtime_statuses(project, &results).await;
        Ok(())
    }
}

/// The deployed runtimes' status and version, for the report (empty when not readable). Their IDs
/// come from the outputs the deploy already read.
async fn runtime_statuses(project: &Project<'_>, results: &[StackResult]) -> Vec<DeployedRuntime> {
    let reader = StatusReader::new(project.config());
    let mut all = Vec::new();
    for p in &project.assembly().manifest.runtimes {
        let Some(id) = results.iter().filter(|s| s.name == p.stack).find_map(|s| s.outputs.get(&p.outputs.id)) else {
            continue;
        };
        if let Ok(s) = reader.runtime(id).await {
            all.push(DeployedRuntime {
                runtime: p.key.clone(),
                id: id.clone(),
                status: s.status,
                version: s.version,
                image: s.image,
            });
        }
    }
    all
}
