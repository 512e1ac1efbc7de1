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
use crate::ownership::{ENVIRONMENT_TAG, PROJECT_TAG};
use crate::project::{Observer, Project};
use crate::{DeployError, StackPlan, StackResult, Step};

/// A deploy checked and ready to run.
#[derive(Debug)]
pub struct Rollout {
    notes: Vec<String>,
    before: Vec<StackPlan>,
    after: Vec<StackPlan>,
    choices: ImageChoices,
    base: PathBuf,
    orphans: Vec<StackPlan>,
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
        let deployer = self.quiet_deployer();
        let account_wide = self.account_wide();
        let (mut plans, mut notes) =
            crate::transaction_search::settle(self.config(), &deployer, self.plans(), &account_wide).await?;
        let traces =
            settings.observability.deliveries.contains(&corestack_app::constructs::deliveries::LogDelivery::Traces);
        notes.extend(crate::transaction_search::traces_hint(self.config(), traces, &plans, &account_wide).await);
        notes.extend(crate::model_access::anthropic_hint(self.config(), settings).await);
        crate::prefix_list::fill(self.config(), &mut plans).await?;
        deployer.check_exports(&plans).await?;
        deployer.check_sizes(&plans)?;
        notes.extend(self.adopt_kept_repository(&deployer, &mut plans).await?);
        self.check_runtime_names(&deployer).await?;
        // Only a note: a refused or failed list call says so and the deploy goes on.
        match self.platform_name_notes(&deployer).await {
            Ok(found) => notes.extend(found),
            Err(e) => notes.push(format!("could not check memory and gateway names against the account's ({e})")),
        }
        let orphans = self.orphans(&deployer, &plans).await?;
        let (before, after) = StackPlan::split_at_images(plans);
        Ok(Rollout { notes, before, after, choices, base: base.to_path_buf(), orphans })
    }

    /// An earlier `destroy` keeps the image repository (it holds the images): a new stack that
    /// declared it again would fail half way with RepositoryAlreadyExistsException. When the
    /// repository is this project's (its tags, which CloudFormation propagated from the stack,
    /// name this project and environment), the stack's create imports it; when it is not, the
    /// deploy stops here, before any stack changes. The note says which.
    async fn adopt_kept_repository(
        &self,
        deployer: &crate::Deployer,
        plans: &mut [StackPlan],
    ) -> Result<Option<String>, DeployError> {
        let repository = &self.settings().repository_name;
        let Some(stack) = plans.iter_mut().find(|p| p.template.contains("\"AWS::ECR::Repository\"")) else {
            return Ok(None);
        };
        // A stack left by an interrupted or failed adoption is created afresh too, and must
        // import again what it could not keep hold of.
        if !deployer.creates_afresh(&stack.name).await? {
            return Ok(None);
        }
        let Some(tags) = Registry::new(self.config()).repository_tags(repository).await? else { return Ok(None) };
        let owner = self.owner();
        let tag = |k: &str| tags.get(k).map(String::as_str);
        if tag(PROJECT_TAG) != Some(owner.project.as_str()) || tag(ENVIRONMENT_TAG) != Some(owner.environment.as_str())
        {
            let found: Vec<String> =
                tags.iter().filter(|(k, _)| k.starts_with("corestack:")).map(|(k, v)| format!("{k}={v}")).collect();
            return Err(DeployError::ForeignRepository {
                repository: repository.clone(),
                stack: stack.name.clone(),
                project: format!("{}/{}", owner.project, owner.environment),
                tags: if found.is_empty() { "no corestack tags".into() } else { found.join(", ") },
            });
        }
        stack.import_kept = true;
        Ok(Some(format!(
            "the image repository {repository} outlived an earlier destroy of this project: {} imports it, with its images",
            stack.name
        )))
    }

    /// Runtime names are unique in an account and Region: a name of the config that a runtime
    /// outside this project's stacks already has would fail its stack half way. Found here,
    /// before any stack changes.
    async fn check_runtime_names(&self, deployer: &crate::Deployer) -> Result<(), DeployError> {
        let placements = &self.assembly().manifest.runtimes;
        let mut ours = Vec::new();
        for stack in placements.iter().map(|p| &p.stack).collect::<BTreeSet<_>>() {
            let outputs = deployer.outputs(stack).await?;
            ours.extend(
                placements.iter().filter(|p| &p.stack == stack).filter_map(|p| outputs.get(&p.outputs.id).cloned()),
            );
        }
        let existing = crate::status::StatusReader::new(self.config()).runtime_names().await?;
        for p in placements {
            if let Some((_, id)) = existing.iter().find(|(name, id)| name == &p.name && !ours.contains(id)) {
                return Err(DeployError::NameTaken {
                    kind: "runtime",
                    name: p.name.clone(),
                    id: id.clone(),
                    key: format!("runtimes[{}].name", p.key),
                });
            }
        }
        Ok(())
    }
}

impl Project<'_> {
    /// Notes for memories and gateways whose names another project's already have
    /// ([`crate::platform_names`]); nothing to read when the config has neither.
    async fn platform_name_notes(&self, deployer: &crate::Deployer) -> Result<Vec<String>, DeployError> {
        let entries = &self.assembly().manifest.platform;
        let Some(stack) = entries.first().map(|e| &e.stack) else { return Ok(Vec::new()) };
        let outputs = deployer.outputs(stack).await?;
        let ours: Vec<String> = entries.iter().filter_map(|e| outputs.get(&e.id_output).cloned()).collect();
        let client = aws_sdk_bedrockagentcorecontrol::Client::new(self.config());
        let existing = crate::platform_names::existing(&client).await?;
        Ok(crate::platform_names::notes(entries, &ours, &existing))
    }
}

impl Rollout {
    /// How many stacks the deploy creates or updates.
    pub fn stack_count(&self) -> usize {
        self.before.len() + self.after.len()
    }

    /// The stacks of this project the config no longer names, which the deploy deletes once the
    /// rest is deployed (so nothing imports from them any more).
    pub fn orphans(&self) -> Vec<crate::ownership::Orphan> {
        self.orphans.iter().map(crate::ownership::describe_orphan).collect()
    }

    /// Deploys the stacks that create the repository, pins every runtime's image, deploys the
    /// rest with those digests, and reads each runtime's status. `record` keeps what was done.
    pub async fn run(
        self,
        project: &Project<'_>,
        observer: &Arc<dyn Observer>,
        record: &Record,
    ) -> Result<(), DeployError> {
        let Rollout { notes, before, mut after, choices, base, orphans } = self;
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
        let region = &settings.environment.region;
        pinned.extend(crate::runtime_url::known(&deployer, placements, region).await?);
        for p in &mut after {
            p.set_parameters(&pinned);
        }
        *locked(&record.images) = images;
        deployer.deploy(&after, &step).await?;
        // A runtime created just now has its ARN only now: its agent card's URL is set by a
        // second update of its stack (the first deploy of an A2A runtime only).
        let stale = crate::runtime_url::stale(&after, crate::runtime_url::known(&deployer, placements, region).await?);
        for p in &stale {
            observer.note(&format!("{}: {}", p.name, crate::runtime_url::SECOND_UPDATE));
        }
        deployer.deploy(&stale, &step).await?;
        for o in orphans.iter().map(crate::ownership::describe_orphan) {
            observer.note(&format!(
                "deleting {}: the config no longer names it{}",
                o.stack,
                crate::project::retained_note(&o.retained)
            ));
        }
        deployer.destroy(&orphans, &step).await?;
        *locked(&record.runtimes) = verify(project, observer).await?;
        Ok(())
    }
}

/// How long a deploy waits, after its stacks, for runtimes to be READY and memories ACTIVE.
const SETTLE: crate::Wait =
    crate::Wait { interval: std::time::Duration::from_secs(2), timeout: std::time::Duration::from_secs(1200) };

/// No false success: after the stacks, every runtime the config names has its outputs and is
/// READY (its endpoints not failed), and every memory and gateway is deployed and ACTIVE/READY
/// with its targets; otherwise the deploy fails, saying what is missing.
async fn verify(project: &Project<'_>, observer: &Arc<dyn Observer>) -> Result<Vec<DeployedRuntime>, DeployError> {
    let env = project.settings().environment.name.clone();
    let incomplete = |what: String| DeployError::Incomplete { what, env: env.clone() };
    let waiting = |s: &crate::status::ControlPlaneStatus| {
        if !s.settled() {
            observer.note(&format!("waiting for runtime {} to be READY: {}", s.id, s.status));
        }
    };
    let statuses = match project.statuses(Some(SETTLE), &waiting).await {
        Err(DeployError::NotDeployed { runtime, stack, output, .. }) => {
            return Err(incomplete(format!(
                "runtime {runtime} is not deployed (stack {stack} has no {output} output)"
            )));
        }
        other => other?,
    };
    for r in &statuses {
        if r.status.require_mmdsv2 == Some(false) {
            observer.note(&format!("warning: runtime {}: {}", r.name, crate::status::MMDS_FIX));
        }
        if let Some(e) = r.endpoints.iter().find(|e| e.status.status.ends_with("_FAILED")) {
            return Err(incomplete(format!("endpoint {} of runtime {} is {}", e.name, r.runtime, e.status.status)));
        }
    }
    let manifest = &project.assembly().manifest.platform;
    let deployed = project.platform_ids().await?;
    if let Some(e) = manifest.iter().find(|e| !deployed.iter().any(|(d, _)| d.kind == e.kind && d.key == e.key)) {
        return Err(incomplete(format!(
            "{} {} is not deployed (stack {} has no {} output)",
            e.kind, e.key, e.stack, e.id_output
        )));
    }
    let platform = project.platform_statuses(Some(SETTLE), &|_| {}).await?;
    if let Some(p) = platform.iter().find(|p| !p.ready()) {
        return Err(incomplete(format!("{} {} is {} ({})", p.kind, p.name, p.status, p.reasons.join("; "))));
    }
    if !platform.is_empty() {
        observer.note(&format!("{} memory/gateway resource(s) ACTIVE or READY", platform.len()));
    }
    Ok(statuses
        .into_iter()
        .map(|r| DeployedRuntime {
            runtime: r.runtime,
            id: r.status.id,
            status: r.status.status,
            version: r.status.version,
            image: r.status.image,
        })
        .collect())
}
