//! From `corestack.toml` to validated [`Settings`] for one environment.
//!
//! Precedence, lowest first: built-in defaults, the top-level sections of the file, the selected
//! `[environments.<name>]` section (field by field), then command-line flags (applied by the caller).
//! Every problem is collected, so the user fixes them all in one pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use corestack_constructs::Problem;
use corestack_constructs::monitoring::Thresholds;
use corestack_constructs::network::NetworkProps;
use corestack_constructs::runtime::RuntimeSpec;

use crate::raw::RawConfig;

mod defaults;
mod gateways;
mod jwt;
mod locate;
mod memories;
mod network;
mod observability;
mod platform;
mod providers;
mod targets;
pub use observability::ObservabilitySettings;
pub(crate) mod project;
mod runtime;
mod sections;
mod source;
pub use source::{PROJECT_FILE, Source};

/// What can be wrong with a configuration file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {reason}\n    fix: check the path, or pass --config FILE", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: std::io::Error,
    },
    /// The file is not valid TOML or has keys corestack does not know.
    #[error("{}:{line}:{column}: {message}\n{snippet}{}", path.display(), hint.as_ref().map(|h| format!("\n    fix: {h}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, with the key it is about.
        message: String,
        /// The line, with a caret under the refused value.
        snippet: String,
        /// A suggestion, such as the key that was probably meant.
        hint: Option<String>,
    },
    /// The file parsed but breaks rules.
    #[error("{} in environment `{env}`: {} problem(s)\n{}", path.display(), problems.len(),
            problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The environment being resolved.
        env: String,
        /// Everything that is wrong.
        problems: Vec<Problem>,
    },
    /// A command that works on an AWS account found no project config to work on.
    #[error(
        "`corestack {command}` works on your project's AWS account and needs its corestack.toml, and there is none in this directory (the embedded demo config is only for synth, check and dev)\n    fix: run it in the project's directory, or pass --config FILE; a new project starts with `corestack init`"
    )]
    NoProjectFile {
        /// The command, e.g. `deploy`.
        command: String,
    },
    /// The requested environment is not in the file.
    #[error("{}: no environment `{name}`; the file defines {}\n    fix: pass --env with one of them, or add [environments.{name}]", path.display(), if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownEnvironment {
        /// The file.
        path: PathBuf,
        /// The requested name.
        name: String,
        /// The names the file defines.
        known: Vec<String>,
    },
}

/// The project's identity, used in names and tags.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectSettings {
    /// Lowercase name, prefix of every stack name.
    pub name: String,
    /// `Owner` tag.
    pub owner: String,
    /// `CostCenter` tag.
    pub cost_center: String,
    /// Whether the contract's exports start with `<project>-` (`<project>-<env>-AgentRuntimeArn`).
    pub prefix_exports: bool,
}

/// The environment being synthesized.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Environment {
    /// Its name, e.g. `dev`.
    pub name: String,
    /// The AWS region.
    pub region: String,
    /// The account, when the environment is pinned to one.
    pub account: Option<String>,
    /// Whether this is production (stricter checks).
    pub production: bool,
    /// The S3 bucket deploy uploads templates over CloudFormation's inline limit to, if any.
    pub template_bucket: Option<String>,
}

/// Network settings.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSettings {
    /// What the network construct builds.
    pub props: NetworkProps,
    /// The region's S3 managed prefix list, for the runtime security group; `None`: a stack
    /// parameter that deploy fills.
    pub s3_prefix_list_id: Option<String>,
    /// Flow log retention.
    pub flow_log_retention_days: u32,
}

/// How the image is referenced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageRef {
    /// By tag.
    Tag(String),
    /// By digest, `sha256:...`.
    Digest(String),
}

impl ImageRef {
    /// The suffix to append to the repository URI: `:tag` or `@sha256:...`.
    pub fn suffix(&self) -> String {
        match self {
            ImageRef::Tag(t) => format!(":{t}"),
            ImageRef::Digest(d) => format!("@{d}"),
        }
    }
}

/// One runtime, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeSettings {
    /// The name as written in the file.
    pub key: String,
    /// The PascalCase stem of its logical IDs and outputs.
    pub logical: String,
    /// The image.
    pub image: ImageRef,
    /// `VPC` (default) or `PUBLIC`.
    pub public: bool,
    /// Models the role may invoke.
    pub models: Vec<String>,
    /// What the service is told; its name is `<key>_<environment>`.
    pub spec: RuntimeSpec,
    /// How `corestack dev` runs it locally, if the file says.
    pub local: Option<LocalCommand>,
    /// How `corestack deploy` builds its image, if the file says.
    pub build: Option<BuildSettings>,
    /// The memories it uses, by config name.
    pub memories: Vec<String>,
    /// The gateways it calls, by config name.
    pub gateways: Vec<String>,
}

/// An image build for `corestack deploy`: always `linux/arm64` (the service runs nothing else).
/// Relative paths are relative to the config file's directory.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BuildSettings {
    /// The Dockerfile.
    pub dockerfile: PathBuf,
    /// The build context directory (default: the config file's directory).
    pub context: PathBuf,
    /// `--build-arg` values.
    pub args: BTreeMap<String, String>,
}

/// A local command for `corestack dev`: the agent's command line, and a build step run once first.
/// Relative program paths are relative to the config file's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalCommand {
    /// Program and arguments.
    pub command: Vec<String>,
    /// Program and arguments of the build step; empty for none.
    pub build: Vec<String>,
    /// Which Bedrock the agent calls when run locally.
    pub bedrock: LocalBedrock,
}

/// Which Bedrock Runtime an agent run by `corestack dev` calls (`[runtimes.local] bedrock`, and
/// dev's `--bedrock`): `aws` or `local`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum LocalBedrock {
    /// The real service, with the credentials of the shell that runs `corestack dev`.
    #[default]
    Aws,
    /// corestack dev's stand-in for Converse and ConverseStream on 127.0.0.1: no account needed.
    #[serde(rename = "local")]
    #[cfg_attr(feature = "clap", value(name = "local"))]
    StandIn,
}

/// Everything the standard architecture needs, for one environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The project.
    pub project: ProjectSettings,
    /// The environment.
    pub environment: Environment,
    /// Tags on every taggable resource: Project, Environment, Owner, CostCenter and extras.
    pub tags: BTreeMap<String, String>,
    /// Network.
    pub network: NetworkSettings,
    /// Keep the KMS key when its stack is deleted.
    pub retain_key: bool,
    /// Grant `GetWorkloadAccessTokenForUserId`.
    pub workload_user_id_tokens: bool,
    /// ECR repository name.
    pub repository_name: String,
    /// Images the lifecycle policy keeps.
    pub keep_images: u32,
    /// Most runtimes in one AgentCore stack.
    pub runtimes_per_stack: u32,
    /// Alarm thresholds.
    pub thresholds: Thresholds,
    /// The runtimes' log groups and deliveries, and the account's Transaction Search.
    pub observability: ObservabilitySettings,
    /// Memories, gateways and credential providers.
    pub platform: corestack_constructs::platform::PlatformSpec,
    /// SNS topic ARNs notified by alarms.
    pub alarm_actions: Vec<String>,
    /// Email addresses subscribed to a topic corestack makes for the alarms.
    pub alarm_emails: Vec<String>,
    /// The runtimes, in file order; the first is the primary (the seed's unprefixed outputs).
    pub runtimes: Vec<RuntimeSettings>,
    /// The AWS profile to reach the account with (the `--profile` flag), not read from the file;
    /// `None`: the SDK's own choice (`AWS_PROFILE`, else `default`).
    pub aws_profile: Option<String>,
    /// Check findings the user accepts, each with a reason (`[[check.suppressions]]`).
    pub suppressions: Vec<SuppressionSetting>,
}

/// One accepted check finding: a rule on a resource (`LogicalId` or `Stack/LogicalId`), and why.
/// A missing or empty reason is reported by the check itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionSetting {
    /// The rule ID, e.g. `VPC01`.
    pub rule: String,
    /// The resource.
    pub resource: String,
    /// Why the finding is acceptable.
    pub reason: String,
}

/// The largest config file read: a config with the most runtimes an environment takes is about
/// 100 KB.
pub const MAX_CONFIG_BYTES: u64 = 1_000_000;

/// Most runtimes one environment takes; see where it is checked.
pub const MAX_RUNTIMES: usize = 150;

/// Values given on the command line in place of the config file's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The environment's AWS region (`--region`), as the AWS CLI's flag.
    pub region: Option<String>,
}

impl Settings {
    /// Reads and resolves a file for an environment (`None`: the file's `default_environment`, or its
    /// only environment).
    pub fn load(path: &Path, env: Option<&str>) -> Result<Settings, ConfigError> {
        Settings::load_with(path, env, &Overrides::default())
    }

    /// [`Settings::load`], with values given on the command line in place of the file's.
    pub fn load_with(path: &Path, env: Option<&str>, overrides: &Overrides) -> Result<Settings, ConfigError> {
        let text = corestack_text::file::read_regular_file(path, MAX_CONFIG_BYTES).map_err(|e| {
            let reason = match e {
                corestack_text::file::FileError::Io(reason) => reason,
                other => std::io::Error::other(other.to_string()),
            };
            ConfigError::Read { path: path.to_path_buf(), reason }
        })?;
        Settings::from_toml_with(&text, path, env, overrides)
    }

    /// Resolves TOML text; `path` is only used in messages.
    pub fn from_toml(text: &str, path: &Path, env: Option<&str>) -> Result<Settings, ConfigError> {
        Settings::from_toml_with(text, path, env, &Overrides::default())
    }

    /// [`Settings::from_toml`], with values given on the command line in place of the file's;
    /// they are checked as the file's are, and a problem with one is named by its flag.
    pub fn from_toml_with(
        text: &str,
        path: &Path,
        env: Option<&str>,
        overrides: &Overrides,
    ) -> Result<Settings, ConfigError> {
        let mut raw: RawConfig = read_raw(text, path)?;
        let known: Vec<String> = raw.environments.keys().cloned().collect();
        let env_name = match (env, raw.default_environment.as_deref()) {
            (Some(e), _) | (None, Some(e)) => e.to_string(),
            (None, None) if known.len() == 1 => known[0].clone(),
            (None, None) => {
                return Err(ConfigError::UnknownEnvironment { path: path.into(), name: "(none given)".into(), known });
            }
        };
        if !raw.environments.contains_key(&env_name) {
            return Err(ConfigError::UnknownEnvironment { path: path.into(), name: env_name, known });
        }
        if let (Some(region), Some(section)) = (&overrides.region, raw.environments.get_mut(&env_name)) {
            section.region = Some(region.clone());
        }
        let mut problems = Vec::new();
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let settings = resolve(raw, &env_name, base, &mut problems);
        if problems.is_empty()
            && let Some(s) = settings
        {
            return Ok(s);
        }
        if overrides.region.is_some() {
            let key = format!("environments.{env_name}.region");
            problems.iter_mut().filter(|p| p.at == key).for_each(|p| p.at = "--region".into());
            // The zones are the file's, and belong to the file's region.
            for p in problems.iter_mut().filter(|p| p.at.contains("availability_zone_ids")) {
                p.fix.push_str(" (--region moved the environment to another region than the file's zones are in; or drop --region)");
            }
        }
        // Each problem the file writes is shown at its line, as a parse error is.
        let locator = locate::Locator::new(text);
        for p in &mut problems {
            if let Some(line) = locator.line_of(&p.at, &env_name) {
                p.at = format!("{}:{line}: {}", path.display(), p.at);
            }
        }
        Err(ConfigError::Invalid { path: path.into(), env: env_name, problems })
    }

    /// The runtimes a command works on: every one, or the one whose config key or AgentCore name
    /// is `name`.
    pub fn pick_runtimes(&self, name: Option<&str>) -> Result<Vec<&RuntimeSettings>, UnknownRuntime> {
        let Some(name) = name else { return Ok(self.runtimes.iter().collect()) };
        let found: Vec<&RuntimeSettings> =
            self.runtimes.iter().filter(|r| r.key == name || r.spec.name == name).collect();
        if found.is_empty() {
            return Err(UnknownRuntime {
                name: name.into(),
                known: self.runtimes.iter().map(|r| r.key.clone()).collect(),
            });
        }
        Ok(found)
    }

    /// The runtime whose config key or name is `name`, or the first of the config.
    pub fn pick_runtime(&self, name: Option<&str>) -> Result<&RuntimeSettings, UnknownRuntime> {
        let picked = self.pick_runtimes(name)?;
        picked.first().copied().ok_or_else(|| UnknownRuntime { name: "(any)".into(), known: Vec::new() })
    }
}

/// A runtime the config does not have.
#[derive(Debug, thiserror::Error)]
#[error("no runtime `{name}` in the config; it has {}\n    fix: pass --runtime with one of those", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
pub struct UnknownRuntime {
    /// The name asked for.
    pub name: String,
    /// The config keys of the runtimes it has.
    pub known: Vec<String>,
}

/// Parses the file into what the user wrote; a shape error names the key it is about.
fn read_raw(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    let deserializer =
        toml::de::Deserializer::parse(text).map_err(|e| crate::parse_error::parse_error(text, path, &e, ""))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        crate::parse_error::parse_error(text, path, e.inner(), &key)
    })
}

/// The problems found so far, and how keys are named: a value the environment's section sets is
/// reported under `environments.<env>.<section>.<key>`, one from the file's own section under
/// `<section>.<key>`, so that the user finds the key they wrote.
pub(crate) struct Problems<'a> {
    list: &'a mut Vec<Problem>,
    env_key: String,
}

impl Problems<'_> {
    pub(crate) fn push(&mut self, problem: Problem) {
        self.list.push(problem);
    }

    /// `environments.<env>`.
    pub(crate) fn env_key(&self) -> &str {
        &self.env_key
    }

    /// Where a merged value came from, named as the user wrote it.
    pub(crate) fn key(&self, section: &str, field: &str, set_by_env: bool) -> String {
        if set_by_env { format!("{}.{section}.{field}", self.env_key) } else { format!("{section}.{field}") }
    }

    /// A log retention in days, which must be one CloudWatch Logs accepts.
    pub(crate) fn retention(&mut self, (section, field, set_by_env): (&str, &str, bool), days: u32) {
        if !network::RETENTION_DAYS.contains(&days) {
            let key = self.key(section, field, set_by_env);
            let values: Vec<String> = network::RETENTION_DAYS.iter().map(u32::to_string).collect();
            self.push(Problem::new(
                &key,
                format!("{days} is not a retention CloudWatch Logs accepts"),
                format!("use one of {}", values.join(", ")),
            ));
        }
    }

    /// A whole-number setting that must lie in `range`.
    pub(crate) fn within(
        &mut self,
        (section, field, set_by_env): (&str, &str, bool),
        value: u32,
        range: std::ops::RangeInclusive<u32>,
        fix: &str,
    ) {
        if !range.contains(&value) {
            let key = self.key(section, field, set_by_env);
            self.push(Problem::new(&key, format!("{value} is outside {}-{}", range.start(), range.end()), fix));
        }
    }
}

/// One validator per section; the environment's section overrides the file's field by field.
fn resolve(mut raw: RawConfig, env_name: &str, base: &Path, list: &mut Vec<Problem>) -> Option<Settings> {
    let env_raw = raw.environments.remove(env_name).unwrap_or_default();
    let problems = &mut Problems { list, env_key: format!("environments.{env_name}") };
    project::environment_name(env_name, problems);
    let project = project::project(raw.project.take().unwrap_or_default(), problems);
    let tags = project::tags(&project, env_name, &raw.tags, &env_raw.tags, problems);
    let environment = project::environment(env_name, &env_raw, problems);
    let region = environment.region.clone();
    let network =
        network::network(raw.network, &env_raw.network, &region, &format!("{}-{env_name}", project.name), problems);
    let (repository_name, keep_images) =
        sections::storage(raw.storage, &env_raw.storage, &project.name, env_name, problems);
    let (runtimes_per_stack, platform_version) = sections::agentcore(raw.agentcore, &env_raw.agentcore, problems);
    let (thresholds, alarm_actions, alarm_emails) = sections::monitoring(raw.monitoring, &env_raw.monitoring, problems);
    let observability = observability::observability(raw.observability, &env_raw.observability, problems);
    raw.security.merge(&env_raw.security);
    let runtimes = runtime::runtimes(raw.runtimes, (env_name, &region, platform_version), problems);
    let platform = platform::platform(
        std::mem::take(&mut raw.memories),
        std::mem::take(&mut raw.gateways),
        std::mem::take(&mut raw.credential_providers),
        (&project.name, env_name),
        base,
        problems,
    );
    let mut network = network;
    platform::uses(&runtimes, &platform, &mut network, problems);
    Some(Settings {
        aws_profile: None,
        project,
        environment,
        tags,
        network,
        retain_key: raw.security.retain_key.unwrap_or(defaults::RETAIN_KEY),
        workload_user_id_tokens: raw.security.workload_user_id_tokens.unwrap_or(false),
        repository_name,
        keep_images,
        runtimes_per_stack,
        thresholds,
        observability,
        platform,
        alarm_actions,
        alarm_emails,
        runtimes,
        suppressions: raw
            .check
            .suppressions
            .into_iter()
            .map(|s| SuppressionSetting { rule: s.rule, resource: s.resource, reason: s.reason.unwrap_or_default() })
            .collect(),
    })
}
