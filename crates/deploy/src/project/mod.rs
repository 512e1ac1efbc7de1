//! A project on its AWS account: what the CLI's `deploy`, `status`, `diff`, `logs` and `destroy`
//! do, as a library. [`Project::connect`] checks the credentials first; every later call finds
//! the runtimes where the synthesis manifest says they are.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use corestack_app::config::RuntimeSettings;
use corestack_app::{Assembly, Settings};
use serde::Serialize;

use crate::image::{Docker, ImageChoices, Registry, RuntimeImage};
use crate::preflight::Identity;
use crate::status::ControlPlaneStatus;
use crate::{DeployError, Deployer, ResourceEvent, StackDiff, StackPlan, StackResult, Step};

/// What a long operation tells as it goes; every method does nothing unless overridden.
pub trait Observer: Send + Sync {
    /// A stack's resource changed state.
    fn event(&self, _event: &ResourceEvent) {}
    /// A stack started or finished.
    fn step(&self, _step: Step<'_>) {}
    /// A line about images: built, pushed, pinned, kept.
    fn note(&self, _line: &str) {}
    /// A runtime's image is pinned.
    fn image(&self, _image: &RuntimeImage) {}
}

/// An observer that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;
impl Observer for Quiet {}

/// Which output of a deployed runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeOutput {
    /// Its ARN (what InvokeAgentRuntime takes).
    Arn,
    /// Its ID (what the control plane and the log groups use).
    Id,
}

mod status;
pub use status::ProjectStatus;

/// A deployed runtime's status and its endpoints' statuses.
#[derive(Clone, Debug, Serialize)]
pub struct RuntimeStatus {
    /// The runtime's key in the config.
    pub runtime: String,
    /// Its AgentCore name.
    pub name: String,
    /// The runtime's status.
    pub status: ControlPlaneStatus,
    /// Each endpoint of the config, by name, with its status.
    pub endpoints: Vec<EndpointStatus>,
}

/// An endpoint's status.
#[derive(Clone, Debug, Serialize)]
pub struct EndpointStatus {
    /// The endpoint's name.
    pub name: String,
    /// Its status.
    pub status: ControlPlaneStatus,
}

/// How `statuses` waits for READY.
#[derive(Clone, Copy, Debug)]
pub struct Wait {
    /// The first polling interval; it grows by half each time, to 15 s at most.
    pub interval: Duration,
    /// When to give up.
    pub timeout: Duration,
}

/// A project's settings and synthesized assembly, with checked AWS credentials of its account.
pub struct Project<'a> {
    settings: &'a Settings,
    assembly: &'a Assembly,
    config: aws_config::SdkConfig,
    identity: Identity,
    docker: Docker,
}

/// The AWS configuration for an environment (its region, the default credential chain and
/// profiles, the standard `AWS_ENDPOINT_URL` overrides), checked: credentials resolve, AWS
/// accepts them, and they are of the environment's account.
pub async fn connect(settings: &Settings) -> Result<(aws_config::SdkConfig, Identity), DeployError> {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).region(Region::new(settings.environment.region.clone()));
    if let Some(profile) = &settings.aws_profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    let env = &settings.environment;
    let profile = settings.aws_profile.as_deref();
    let identity = crate::preflight::preflight(&config, &env.name, env.account.as_deref(), profile).await?;
    Ok((config, identity))
}

/// What `corestack dev` hands its runtimes of the deployed memories and gateways: the
/// [`Project::platform_values`] of the project's deployed stacks, or why they cannot be read.
pub async fn deployed_platform_values(settings: &Settings) -> Result<BTreeMap<(String, String), String>, String> {
    let assembly = corestack_app::synth(settings).map_err(|e| e.to_string())?;
    let project = Project::connect(settings, &assembly).await.map_err(|e| e.to_string())?;
    project.platform_values().await.map_err(|e| e.to_string())
}

impl<'a> Project<'a> {
    /// Loads the environment's AWS configuration and checks it ([`connect`]).
    pub async fn connect(settings: &'a Settings, assembly: &'a Assembly) -> Result<Project<'a>, DeployError> {
        let (config, identity) = connect(settings).await?;
        Ok(Project { settings, assembly, config, identity, docker: Docker::new() })
    }

    /// A project on an AWS configuration already checked.
    pub fn with_config(
        settings: &'a Settings,
        assembly: &'a Assembly,
        config: aws_config::SdkConfig,
        identity: Identity,
    ) -> Project<'a> {
        Project { settings, assembly, config, identity, docker: Docker::new() }
    }

    /// Builds images with this docker CLI instead of `docker` from PATH.
    pub fn with_docker(mut self, docker: Docker) -> Project<'a> {
        self.docker = docker;
        self
    }

    /// The docker CLI that builds images.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The AWS configuration.
    pub fn config(&self) -> &aws_config::SdkConfig {
        &self.config
    }

    /// Who the credentials are.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The settings.
    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    /// The assembly.
    pub fn assembly(&self) -> &'a Assembly {
        self.assembly
    }

    /// The stacks to deploy, in the assembly's order.
    pub fn plans(&self) -> Vec<StackPlan> {
        StackPlan::from_assembly(self.assembly)
    }

    /// A deployer on this account that tells `observer` of every resource event, uploads large
    /// templates to the environment's template bucket and tags stacks as this project's.
    pub fn deployer(&self, observer: &Arc<dyn Observer>) -> Deployer {
        let observer = Arc::clone(observer);
        self.quiet_deployer().with_events(Arc::new(move |e: &ResourceEvent| observer.event(e)))
    }

    /// [`Project::deployer`] with no events.
    pub(crate) fn quiet_deployer(&self) -> Deployer {
        Deployer::new(&self.config)
            .with_template_bucket(self.settings.environment.template_bucket.clone())
            .with_owner(self.owner())
    }

    /// This project and environment, as the stack tags that say what they own.
    pub fn owner(&self) -> crate::ownership::Owner {
        crate::ownership::Owner {
            project: self.settings.project.name.clone(),
            environment: self.settings.environment.name.clone(),
        }
    }

    /// The stacks this project and environment own that the config no longer names, as plans to
    /// delete (account-wide stacks are never among them).
    pub async fn orphans(&self, deployer: &Deployer, plans: &[StackPlan]) -> Result<Vec<StackPlan>, DeployError> {
        let mut keep = self.account_wide();
        keep.push(corestack_app::constructs::transaction_search::STACK_NAME.to_string());
        deployer.orphans(&self.owner(), plans, &keep).await
    }

    /// Each configured runtime (or only the one with config key `only`) with one of its deployed
    /// outputs, read from the stack the manifest places it in (each stack read once).
    pub async fn runtime_outputs(
        &self,
        output: RuntimeOutput,
        only: Option<&str>,
    ) -> Result<Vec<(&'a RuntimeSettings, String)>, DeployError> {
        let deployer = Deployer::new(&self.config);
        let mut read: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut found = Vec::new();
        for r in self.settings.runtimes.iter().filter(|r| only.is_none_or(|k| r.key == k)) {
            let place = self.assembly.manifest.runtime(&r.key).expect("synthesis places every runtime");
            if !read.contains_key(&place.stack) {
                read.insert(place.stack.clone(), deployer.outputs(&place.stack).await?);
            }
            let key = match output {
                RuntimeOutput::Arn => &place.outputs.arn,
                RuntimeOutput::Id => &place.outputs.id,
            };
            match read[&place.stack].get(key) {
                Some(value) => found.push((r, value.clone())),
                None => {
                    return Err(DeployError::NotDeployed {
                        runtime: r.key.clone(),
                        env: self.settings.environment.name.clone(),
                        stack: place.stack.clone(),
                        output: key.clone(),
                    });
                }
            }
        }
        Ok(found)
    }

    /// The outputs of the stacks that hold memories and gateways, by stack name (one
    /// DescribeStacks each; empty for a stack not deployed).
    async fn platform_outputs(&self) -> Result<BTreeMap<String, BTreeMap<String, String>>, DeployError> {
        let deployer = Deployer::new(&self.config);
        let mut outputs = BTreeMap::new();
        for e in &self.assembly.manifest.platform {
            if !outputs.contains_key(&e.stack) {
                outputs.insert(e.stack.clone(), deployer.outputs(&e.stack).await?);
            }
        }
        Ok(outputs)
    }

    /// The deployed memories and gateways (those whose stack has their outputs) with their IDs.
    pub async fn platform_ids(
        &self,
    ) -> Result<Vec<(corestack_app::platform_stack::PlatformEntry, String)>, DeployError> {
        Ok(crate::platform_status::deployed(&self.assembly.manifest.platform, &self.platform_outputs().await?))
    }

    /// The deployed ARN of the runtime with config key `key`.
    pub async fn runtime_arn(&self, key: &str) -> Result<String, DeployError> {
        let arns = self.runtime_outputs(RuntimeOutput::Arn, Some(key)).await?;
        Ok(arns.into_iter().next().map(|(_, arn)| arn).expect("a configured runtime"))
    }

    /// What runtimes are handed of each deployed memory (its ID) and gateway (its MCP URL), by
    /// (`memory` or `gateway`, config name); those not deployed are left out.
    pub async fn platform_values(&self) -> Result<BTreeMap<(String, String), String>, DeployError> {
        let outputs = self.platform_outputs().await?;
        Ok(self
            .assembly
            .manifest
            .platform
            .iter()
            .filter_map(|e| {
                let output = e.url_output.as_ref().unwrap_or(&e.id_output);
                Some(((e.kind.clone(), e.key.clone()), outputs.get(&e.stack)?.get(output)?.clone()))
            })
            .collect())
    }

    /// What a deploy with these image choices would change, stack by stack.
    pub async fn diff(&self, choices: &ImageChoices) -> Result<Vec<(String, StackDiff)>, DeployError> {
        let mut plans = self.plans();
        let deployer = self.quiet_deployer();
        let mut deployed = BTreeMap::new();
        for p in plans.iter().filter(|p| p.takes_image()) {
            deployed.extend(deployer.deployed_parameters(&p.name).await?);
        }
        let values = crate::image::expected_parameters(
            &Registry::new(&self.config),
            &self.settings.repository_name,
            &self.settings.runtimes,
            &self.assembly.manifest.runtimes,
            choices,
            &deployed,
        )
        .await;
        let logs = crate::logs::LogReader::new(&self.config);
        let (states, _) = crate::log_groups::states(&deployer, &logs, &self.assembly.manifest.runtimes).await?;
        let mut values = values;
        values.extend(states);
        for p in &mut plans {
            p.set_parameters(&values);
        }
        crate::prefix_list::fill(&self.config, &mut plans).await?;
        let mut diffs = deployer.diff(&plans).await?;
        for orphan in self.orphans(&deployer, &plans).await? {
            let o = crate::ownership::describe_orphan(&orphan);
            diffs.push((o.stack, StackDiff::Delete { resources: o.resources, retained: o.retained }));
        }
        Ok(diffs)
    }

    /// Prints the log events of a runtime's endpoint into `sink` as `tail` says
    /// ([`crate::logs::LogReader::tail`]). Returns how many events it printed.
    pub async fn tail_logs(
        &self,
        runtime: &str,
        endpoint: &str,
        tail: &crate::logs::Tail,
        sink: &mut dyn FnMut(&crate::logs::Event) -> std::io::Result<()>,
    ) -> Result<usize, DeployError> {
        let ids = self.runtime_outputs(RuntimeOutput::Id, Some(runtime)).await?;
        let Some((_, id)) = ids.into_iter().next() else {
            return Err(DeployError::NotDeployed {
                runtime: runtime.into(),
                env: self.settings.environment.name.clone(),
                stack: "(none)".into(),
                output: "AgentRuntimeId".into(),
            });
        };
        let group = crate::logs::log_group(&id, endpoint);
        crate::logs::LogReader::new(&self.config).tail(&group, tail, sink).await
    }

    /// The names of the assembly's account-wide stacks (see [`crate::transaction_search`]).
    pub fn account_wide(&self) -> Vec<String> {
        self.assembly.manifest.stacks.iter().filter(|s| s.account_wide).map(|s| s.name.clone()).collect()
    }

    /// Deletes every stack of the project and environment, dependents first: those the config
    /// names and those it no longer names (found by ownership, [`crate::ownership`]). The image
    /// repository is retained, and so is the KMS key when the config says so; account-wide
    /// stacks are left, and said so.
    pub async fn destroy(&self, observer: &Arc<dyn Observer>) -> Result<Vec<StackResult>, DeployError> {
        let step = |s: Step<'_>| observer.step(s);
        let shared = self.account_wide();
        for name in &shared {
            observer.note(&crate::transaction_search::left_on_destroy(name));
        }
        let mut plans: Vec<StackPlan> = self.plans().into_iter().filter(|p| !shared.contains(&p.name)).collect();
        let deployer = self.deployer(observer);
        // What a stack imports as deployed, not as the config now says: a section removed without
        // a deploy leaves a deployed stack importing from a stack the config no longer names.
        for p in &mut plans {
            if let Some(template) = deployer.deployed_template(&p.name).await? {
                p.dependencies.extend(crate::ownership::imported_stacks(&template));
                p.dependencies.sort();
                p.dependencies.dedup();
            }
        }
        for orphan in self.orphans(&deployer, &plans).await? {
            let o = crate::ownership::describe_orphan(&orphan);
            observer.note(&format!(
                "{} is not in the config any more but is this project's (its tags say so): deleting it too{}",
                o.stack,
                retained_note(&o.retained)
            ));
            plans.push(orphan);
        }
        // Memories are retained with their stack: read their IDs first, to say what is left.
        let kept: Vec<(String, String)> =
            self.platform_ids().await?.into_iter().filter(|(e, _)| e.retained).map(|(e, id)| (e.name, id)).collect();
        let results = deployer.destroy(&plans, &step).await?;
        for (name, id) in kept {
            observer.note(&format!(
                "kept memory {name} ({id}): memories hold users' data and are retained; delete it yourself when nothing needs it (aws bedrock-agentcore-control delete-memory --memory-id {id})"
            ));
        }
        Ok(results)
    }
}

/// `; it keeps A (T), B (T)` or nothing.
pub(crate) fn retained_note(retained: &[String]) -> String {
    if retained.is_empty() { String::new() } else { format!("; it keeps {}", retained.join(", ")) }
}
