//! From `corestack.toml` to validated [`Settings`] for one environment.
//!
//! Precedence, lowest first: built-in defaults, the top-level sections of the file, the selected
//! `[environments.<name>]` section (field by field), then command-line flags (applied by the caller).
//! Every problem is collected, so the user fixes them all in one pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use corestack_constructs::Problem;
use corestack_constructs::cidr::Cidr;
use corestack_constructs::monitoring::Thresholds;
use corestack_constructs::network::{Egress, NetworkProps, OPTIONAL_INTERFACE_ENDPOINTS, Zone};
use corestack_constructs::rules;
use corestack_constructs::runtime::{AgentRuntime, EndpointProps, JwtAuthorizer, RuntimeSpec, VersionPin};

use crate::raw::{RawConfig, RawRuntime, RawVersion};

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
pub struct Project {
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
    /// The region's S3 managed prefix list, for the runtime security group.
    pub s3_prefix_list_id: String,
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

/// Which Bedrock Runtime an agent run by `corestack dev` calls (`[runtimes.local] bedrock`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LocalBedrock {
    /// The real service, with the credentials of the shell that runs `corestack dev`.
    #[default]
    Aws,
    /// corestack dev's stand-in for Converse and ConverseStream on 127.0.0.1: no account needed.
    StandIn,
}

impl LocalBedrock {
    /// Reads a config or flag value: `"aws"` or `"local"`.
    pub fn parse(value: &str) -> Option<LocalBedrock> {
        match value {
            "aws" => Some(LocalBedrock::Aws),
            "local" => Some(LocalBedrock::StandIn),
            _ => None,
        }
    }
}

/// Everything the standard architecture needs, for one environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The project.
    pub project: Project,
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
    /// SNS topic ARNs notified by alarms.
    pub alarm_actions: Vec<String>,
    /// Email addresses subscribed to a topic corestack makes for the alarms.
    pub alarm_emails: Vec<String>,
    /// The runtimes, in file order; the first is the primary (the seed's unprefixed outputs).
    pub runtimes: Vec<RuntimeSettings>,
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

/// Most runtimes one environment takes; see where it is checked.
pub const MAX_RUNTIMES: usize = 150;

/// Retention values CloudWatch Logs accepts.
const RETENTION_DAYS: &[u32] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

impl Settings {
    /// Reads and resolves a file for an environment (`None`: the file's `default_environment`, or its
    /// only environment).
    pub fn load(path: &Path, env: Option<&str>) -> Result<Settings, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|reason| ConfigError::Read { path: path.to_path_buf(), reason })?;
        Settings::from_toml(&text, path, env)
    }

    /// Resolves TOML text; `path` is only used in messages.
    pub fn from_toml(text: &str, path: &Path, env: Option<&str>) -> Result<Settings, ConfigError> {
        let raw: RawConfig = read_raw(text, path)?;
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
        let mut problems = Vec::new();
        let settings = resolve(raw, &env_name, &mut problems);
        if problems.is_empty() {
            if let Some(s) = settings {
                return Ok(s);
            }
        }
        Err(ConfigError::Invalid { path: path.into(), env: env_name, problems })
    }
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

fn resolve(mut raw: RawConfig, env_name: &str, problems: &mut Vec<Problem>) -> Option<Settings> {
    let env_raw = raw.environments.remove(env_name).unwrap_or_default();
    let env_key = format!("environments.{env_name}");
    let mut p = |at: &str, message: String, fix: &str| problems.push(Problem::new(at, message, fix));

    let ok_env_name = env_name.len() <= 16
        && env_name.starts_with(|c: char| c.is_ascii_lowercase())
        && env_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !ok_env_name {
        p(
            &env_key,
            format!("environment name `{env_name}` must be 1-16 lowercase letters and digits, starting with a letter"),
            "it becomes part of stack names, runtime names and export names; rename the section, e.g. [environments.prod]",
        );
    }

    // Project and tags.
    let project_raw = raw.project.take().unwrap_or_default();
    let mut required = |key: &str, v: Option<String>, fix: &str| -> String {
        match v {
            Some(v) if v.trim().is_empty() => {
                // One problem here, rather than an empty tag on every resource later.
                problems.push(Problem::new(key, format!("`{key}` is empty"), fix));
                v
            }
            Some(v) => v,
            None => {
                problems.push(Problem::new(key, format!("`{key}` is required"), fix));
                String::new()
            }
        }
    };
    let project = Project {
        name: required("project.name", project_raw.name, "set a lowercase name such as \"agentcore-demo\""),
        owner: required(
            "project.owner",
            project_raw.owner,
            "set the team that owns the stacks; it becomes the Owner tag",
        ),
        cost_center: required(
            "project.cost_center",
            project_raw.cost_center,
            "set the cost center; it becomes the CostCenter tag",
        ),
        prefix_exports: project_raw.prefix_exports.unwrap_or(false),
    };
    let mut p = |at: &str, message: String, fix: &str| problems.push(Problem::new(at, message, fix));
    if !project.name.is_empty() {
        let ok = project.name.len() <= 32
            && project.name.starts_with(|c: char| c.is_ascii_lowercase())
            && project.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !project.name.ends_with('-');
        if !ok {
            p(
                "project.name",
                format!(
                    "project name `{}` must be 1-32 lowercase letters, digits and hyphens, starting with a letter",
                    project.name
                ),
                "it prefixes stack names and the repository name; use e.g. \"agentcore-demo\"",
            );
        }
    }
    let mut tags = BTreeMap::new();
    tags.insert("Project".to_string(), project.name.clone());
    tags.insert("Environment".to_string(), env_name.to_string());
    tags.insert("Owner".to_string(), project.owner.clone());
    tags.insert("CostCenter".to_string(), project.cost_center.clone());
    for (origin, extra) in [("tags", &raw.tags), (&*format!("{env_key}.tags"), &env_raw.tags)] {
        for (k, v) in extra {
            if ["Project", "Environment", "Owner", "CostCenter"].contains(&k.as_str()) {
                p(
                    &format!("{origin}.{k}"),
                    format!("tag `{k}` is set by corestack"),
                    "set it through [project] (or the environment name) instead",
                );
            } else if k.to_ascii_lowercase().starts_with("aws:") || k.is_empty() || k.len() > 128 {
                p(
                    &format!("{origin}.{k}"),
                    format!("tag key `{k}` is not allowed (reserved `aws:` prefix, empty, or over 128 characters)"),
                    "rename the tag",
                );
            } else {
                tags.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in &tags {
        if let Err(violation) = rules::tag_value(v) {
            if !v.is_empty() {
                problems.push(Problem::from_violation(&format!("tags.{k}"), violation));
            }
        }
    }
    let mut p = |at: &str, message: String, fix: &str| problems.push(Problem::new(at, message, fix));

    // Environment.
    let region = env_raw.region.clone().unwrap_or_else(|| {
        p(
            &format!("{env_key}.region"),
            "`region` is required".into(),
            "set the AWS region, e.g. region = \"us-east-1\"",
        );
        String::new()
    });
    if !region.is_empty() {
        if let Err(v) = rules::region(&region) {
            problems.push(Problem::from_violation(&format!("{env_key}.region"), v));
        }
    }
    if let Some(Err(v)) = env_raw.account.as_deref().map(rules::account_id) {
        problems.push(Problem::from_violation(&format!("{env_key}.account"), v));
    }
    if let Some(bucket) = env_raw.template_bucket.as_deref().filter(|b| !bucket_name_ok(b)) {
        problems.push(Problem::new(
            &format!("{env_key}.template_bucket"),
            format!("`{bucket}` is not an S3 bucket name"),
            "use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
        ));
    }
    let environment = Environment {
        name: env_name.to_string(),
        region: region.clone(),
        account: env_raw.account.clone(),
        production: env_raw.production.unwrap_or(false),
        template_bucket: env_raw.template_bucket.clone(),
    };

    // Sections, with the environment's fields over the file's.
    let over = &env_raw.network;
    let net_at = |field: &str, set_by_env: bool| {
        if set_by_env { format!("{env_key}.network.{field}") } else { format!("network.{field}") }
    };
    // Where a merged value came from, named as the user wrote it: the environment's section when
    // it sets the field, else the file's top-level section.
    let origin = |section: &str, field: &str, set_by_env: bool| {
        if set_by_env { format!("{env_key}.{section}.{field}") } else { format!("{section}.{field}") }
    };
    let (env_storage, env_agentcore, env_monitoring) =
        (env_raw.storage.clone(), env_raw.agentcore.clone(), env_raw.monitoring.clone());
    raw.network.merge(over);
    raw.security.merge(&env_raw.security);
    raw.storage.merge(&env_raw.storage);
    raw.agentcore.merge(&env_raw.agentcore);
    raw.monitoring.merge(&env_raw.monitoring);
    let n = raw.network;

    let vpc_at = net_at("vpc_cidr", over.vpc_cidr.is_some());
    let vpc_cidr: Option<Cidr> = match n.vpc_cidr.as_deref().unwrap_or("10.0.0.0/16").parse::<Cidr>() {
        Ok(c) if (16..=24).contains(&c.prefix()) => Some(c),
        Ok(c) => {
            problems.push(Problem::new(
                &vpc_at,
                format!("VPC block {c} must have a prefix from /16 to /24 (EC2 takes up to /28, but corestack plans a subnet per zone inside it)"),
                "use e.g. 10.0.0.0/16",
            ));
            None
        }
        Err(e) => {
            problems.push(Problem::new(&vpc_at, e.to_string(), "use e.g. 10.0.0.0/16"));
            None
        }
    };
    let az_at = net_at("availability_zone_ids", over.availability_zone_ids.is_some());
    let az_ids = n.availability_zone_ids.clone().unwrap_or_default();
    if n.availability_zone_ids.is_none() && !region.is_empty() {
        let hint = rules::supported_az_ids(&region)
            .map(|s| s.join(", "))
            .unwrap_or_else(|| "the region's supported AZ IDs".into());
        problems.push(Problem::new(&az_at, "`availability_zone_ids` is required (zones differ per account by name, so corestack places subnets by AZ ID)".to_string(), format!("list two or more of {hint}")));
    } else if !region.is_empty() {
        for (i, v) in rules::availability_zone_ids(&region, &az_ids) {
            let at = i.map(|i| format!("{az_at}[{i}]")).unwrap_or_else(|| az_at.clone());
            problems.push(Problem::from_violation(&at, v));
        }
    }
    let egress_at = net_at("egress", over.egress.is_some());
    let egress = match n.egress.as_deref().unwrap_or("endpoints-only") {
        "endpoints-only" => Egress::EndpointsOnly,
        "nat" => Egress::Nat,
        other => {
            problems.push(Problem::new(
                &egress_at,
                format!("egress `{other}` is not known"),
                "use \"endpoints-only\" (no internet path) or \"nat\"",
            ));
            Egress::EndpointsOnly
        }
    };
    let mut cidr_list = |field: &str,
                         set_by_env: bool,
                         list: &Option<Vec<String>>,
                         plan: &dyn Fn(u32) -> Option<Cidr>,
                         wanted: bool|
     -> Vec<Option<Cidr>> {
        let at = net_at(field, set_by_env);
        match list {
            Some(list) if !wanted => {
                if !list.is_empty() {
                    problems.push(Problem::new(
                        &at,
                        format!("`{field}` is only used with egress = \"nat\""),
                        "remove it, or set egress = \"nat\"",
                    ));
                }
                vec![None; az_ids.len()]
            }
            Some(list) => {
                if list.len() != az_ids.len() {
                    problems.push(Problem::new(
                        &at,
                        format!("{} block(s) for {} AZ ID(s)", list.len(), az_ids.len()),
                        "give one block per entry of availability_zone_ids, in the same order",
                    ));
                }
                (0..az_ids.len())
                    .map(|i| match list.get(i).map(|s| s.parse::<Cidr>()) {
                        Some(Ok(c)) => Some(c),
                        Some(Err(e)) => {
                            problems.push(Problem::new(
                                &format!("{at}[{i}]"),
                                e.to_string(),
                                "write blocks like 10.0.0.0/20",
                            ));
                            None
                        }
                        None => None,
                    })
                    .collect()
            }
            None if wanted => (0..az_ids.len() as u32).map(plan).collect(),
            None => vec![None; az_ids.len()],
        }
    };
    let sub_prefix = vpc_cidr.map(|c| (c.prefix() + 4).min(28));
    let plan_private = |i: u32| vpc_cidr.zip(sub_prefix).and_then(|(c, p)| c.subnet(p, i));
    let plan_public = |i: u32| vpc_cidr.zip(sub_prefix).and_then(|(c, p)| c.subnet(p, 8 + i));
    let private = cidr_list(
        "private_subnet_cidrs",
        over.private_subnet_cidrs.is_some(),
        &n.private_subnet_cidrs,
        &plan_private,
        true,
    );
    let public = cidr_list(
        "public_subnet_cidrs",
        over.public_subnet_cidrs.is_some(),
        &n.public_subnet_cidrs,
        &plan_public,
        egress == Egress::Nat,
    );
    let zones: Vec<Zone> = az_ids
        .iter()
        .zip(private.iter().zip(public.iter()))
        .filter_map(|(az, (pr, pu))| pr.map(|private_cidr| Zone { az_id: az.clone(), private_cidr, public_cidr: *pu }))
        .collect();
    let optional_endpoints = n
        .optional_endpoints
        .clone()
        .unwrap_or_else(|| OPTIONAL_INTERFACE_ENDPOINTS.iter().map(|s| s.to_string()).collect());
    let network_props = NetworkProps {
        name: format!("{}-{env_name}", project.name),
        vpc_cidr: vpc_cidr.unwrap_or_else(|| "10.0.0.0/16".parse().expect("literal CIDR")),
        zones,
        egress,
        optional_endpoints,
    };
    if vpc_cidr.is_some() && network_props.zones.len() == az_ids.len() {
        for problem in corestack_constructs::network::PrivateNetwork::validate(&network_props) {
            let field = problem.at.split('[').next().unwrap_or_default().to_string();
            let set_by_env = match field.as_str() {
                "private_subnet_cidrs" => over.private_subnet_cidrs.is_some(),
                "public_subnet_cidrs" => over.public_subnet_cidrs.is_some(),
                _ => over.optional_endpoints.is_some(),
            };
            let base = net_at(&field, set_by_env);
            problems.push(Problem { at: problem.at.replacen(&field, &base, 1), ..problem });
        }
    }
    let pl_at = net_at("s3_prefix_list_id", over.s3_prefix_list_id.is_some());
    let s3_prefix_list_id = n.s3_prefix_list_id.clone().unwrap_or_default();
    let pl_ok = s3_prefix_list_id
        .strip_prefix("pl-")
        .is_some_and(|h| (8..=17).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()));
    if !pl_ok {
        let what = if s3_prefix_list_id.is_empty() {
            "`s3_prefix_list_id` is required".to_string()
        } else {
            format!("`{s3_prefix_list_id}` is not a prefix list ID")
        };
        problems.push(Problem::new(&pl_at, format!("{what}: the runtime security group allows HTTPS to S3 only through this list, and CloudFormation cannot look it up"),
            format!("run `aws ec2 describe-managed-prefix-lists --region {region} --filters Name=prefix-list-name,Values=com.amazonaws.{region}.s3` and copy its PrefixListId")));
    }
    let flow_log_retention_days = n.flow_log_retention_days.unwrap_or(90);
    if !RETENTION_DAYS.contains(&flow_log_retention_days) {
        problems.push(Problem::new(&net_at("flow_log_retention_days", over.flow_log_retention_days.is_some()),
            format!("{flow_log_retention_days} is not a retention CloudWatch Logs accepts"),
            "use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"));
    }

    let repository_name = raw.storage.repository_name.clone().unwrap_or_else(|| format!("{}-{env_name}", project.name));
    if !project.name.is_empty() {
        if let Err(v) = rules::repository_name(&repository_name) {
            problems.push(Problem::from_violation(
                &origin("storage", "repository_name", env_storage.repository_name.is_some()),
                v,
            ));
        }
    }
    let keep_images = raw.storage.keep_images.unwrap_or(30);
    if !(1..=1000).contains(&keep_images) {
        problems.push(Problem::new(
            &origin("storage", "keep_images", env_storage.keep_images.is_some()),
            format!("{keep_images} is outside 1-1000"),
            "keep e.g. 30 images",
        ));
    }
    let runtimes_per_stack = raw.agentcore.runtimes_per_stack.unwrap_or(20);
    if !(1..=50).contains(&runtimes_per_stack) {
        problems.push(Problem::new(
            &origin("agentcore", "runtimes_per_stack", env_agentcore.runtimes_per_stack.is_some()),
            format!("{runtimes_per_stack} is outside 1-50"),
            "use e.g. 20; stacks also split by themselves before CloudFormation's limits",
        ));
    }
    let m = raw.monitoring;
    let d = Thresholds::default();
    let thresholds = Thresholds {
        latency_ms: m.latency_ms.unwrap_or(d.latency_ms),
        latency_statistic: m.latency_statistic.clone().unwrap_or(d.latency_statistic),
        system_errors: m.system_errors.unwrap_or(d.system_errors),
        user_errors: m.user_errors.unwrap_or(d.user_errors),
        throttles: m.throttles.unwrap_or(d.throttles),
        period_seconds: m.period_seconds.unwrap_or(d.period_seconds),
        evaluation_periods: m.evaluation_periods.unwrap_or(d.evaluation_periods),
    };
    if ![10, 30].contains(&thresholds.period_seconds)
        && (thresholds.period_seconds == 0 || thresholds.period_seconds % 60 != 0)
    {
        problems.push(Problem::new(
            &origin("monitoring", "period_seconds", env_monitoring.period_seconds.is_some()),
            format!("{} is not a CloudWatch alarm period", thresholds.period_seconds),
            "use 10, 30 or a multiple of 60",
        ));
    }
    if !(1..=100).contains(&thresholds.evaluation_periods) {
        problems.push(Problem::new(
            &origin("monitoring", "evaluation_periods", env_monitoring.evaluation_periods.is_some()),
            format!("{} is outside 1-100", thresholds.evaluation_periods),
            "use e.g. 1",
        ));
    }
    let statistic = &thresholds.latency_statistic;
    if !(corestack_constructs::monitoring::is_percentile(statistic)
        || ["Average", "Maximum"].contains(&statistic.as_str()))
    {
        problems.push(Problem::new(
            &origin("monitoring", "latency_statistic", env_monitoring.latency_statistic.is_some()),
            format!("`{statistic}` is not a latency statistic corestack alarms on"),
            "use a percentile such as \"p95\" or \"p99\", or \"Average\" or \"Maximum\"",
        ));
    }
    let alarm_emails = m.alarm_emails.unwrap_or_default();
    for (i, a) in alarm_emails.iter().enumerate() {
        let ok = a.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        }) && !a.contains(char::is_whitespace);
        if !ok {
            problems.push(Problem::new(
                &format!("{}[{i}]", origin("monitoring", "alarm_emails", env_monitoring.alarm_emails.is_some())),
                format!("`{a}` is not an email address"),
                "write it as name@example.com; each address confirms its subscription once, from AWS's email",
            ));
        }
    }
    let alarm_actions = m.alarm_actions.unwrap_or_default();
    for (i, a) in alarm_actions.iter().enumerate() {
        if !(a.starts_with("arn:") && a.contains(":sns:")) {
            problems.push(Problem::new(
                &format!("{}[{i}]", origin("monitoring", "alarm_actions", env_monitoring.alarm_actions.is_some())),
                format!("`{a}` is not an SNS topic ARN"),
                "use arn:aws:sns:<region>:<account>:<topic>",
            ));
        }
    }

    // Runtimes.
    if raw.runtimes.is_empty() {
        problems.push(Problem::new(
            "runtimes",
            "no runtime is configured",
            "add a [[runtimes]] section with a name and an image_tag",
        ));
    }
    if raw.runtimes.len() > MAX_RUNTIMES {
        problems.push(Problem::new(
            "runtimes",
            format!("{} runtimes; one environment takes at most {MAX_RUNTIMES}: each adds an execution role, its policy and an export to the Security stack, which must stay within CloudFormation's limits (500 resources, 200 outputs, 1 MB)", raw.runtimes.len()),
            "split the runtimes over two projects (config files), or ask for roles to be spread over several stacks",
        ));
    }
    let mut runtimes: Vec<RuntimeSettings> = Vec::new();
    for (i, r) in raw.runtimes.into_iter().enumerate() {
        let at = format!("runtimes[{i}]");
        if let Some(first) = runtimes.iter().position(|o| o.key == r.name) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!("runtime `{}` is also runtimes[{first}]", r.name),
                "give every runtime its own name",
            ));
            continue;
        }
        let settings = runtime(r, env_name, &region, &at, problems);
        if let Some(other) = runtimes.iter().find(|o| o.logical == settings.logical) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!(
                    "runtimes `{}` and `{}` give the same logical ID `{}`",
                    other.key, settings.key, settings.logical
                ),
                "rename one of them",
            ));
        }
        runtimes.push(settings);
    }

    Some(Settings {
        project,
        environment,
        tags,
        network: NetworkSettings { props: network_props, s3_prefix_list_id, flow_log_retention_days },
        retain_key: raw.security.retain_key.unwrap_or(true),
        workload_user_id_tokens: raw.security.workload_user_id_tokens.unwrap_or(false),
        repository_name,
        keep_images,
        runtimes_per_stack,
        thresholds,
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

fn runtime(r: RawRuntime, env_name: &str, region: &str, at: &str, problems: &mut Vec<Problem>) -> RuntimeSettings {
    let name = format!("{}_{env_name}", r.name);
    if let Err(v) = rules::runtime_name(&r.name) {
        problems.push(Problem::from_violation(&format!("{at}.name"), v));
    } else if rules::runtime_name(&name).is_err() {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("runtime name `{name}` (the name plus `_` and the environment) is over 48 characters"),
            format!("shorten the name to at most {} characters", 47 - env_name.len()),
        ));
    }
    let image = match (r.image_tag, r.image_digest) {
        (Some(tag), None) => {
            if let Err(v) = rules::image_tag(&tag) {
                problems.push(Problem::from_violation(&format!("{at}.image_tag"), v));
            }
            ImageRef::Tag(tag)
        }
        (None, Some(digest)) => {
            if let Err(v) = rules::image_digest(&digest) {
                problems.push(Problem::from_violation(&format!("{at}.image_digest"), v));
            }
            ImageRef::Digest(digest)
        }
        (Some(_), Some(_)) => {
            problems.push(Problem::new(
                at,
                "both image_tag and image_digest are set",
                "keep one: a digest pins the exact image, a tag is easier to read",
            ));
            ImageRef::Tag(String::new())
        }
        (None, None) => {
            problems.push(Problem::new(
                at,
                "the runtime has no image: AgentCore needs a tag or a digest",
                "set image_tag = \"v1\" or image_digest = \"sha256:...\" (deploy can override it)",
            ));
            ImageRef::Tag(String::new())
        }
    };
    let public = match r.network_mode.as_deref().unwrap_or("VPC") {
        "VPC" => false,
        "PUBLIC" => true,
        other => {
            problems.push(Problem::new(
                &format!("{at}.network_mode"),
                format!("network mode `{other}` is not known"),
                "use \"VPC\" (private, the default) or \"PUBLIC\"",
            ));
            false
        }
    };
    for (j, m) in r.models.iter().enumerate() {
        if let Err(v) = rules::model_id(m) {
            problems.push(Problem::from_violation(&format!("{at}.models[{j}]"), v));
        }
    }
    let mut endpoints = Vec::new();
    for (j, e) in r.endpoints.into_iter().enumerate() {
        let version = match e.version {
            None => VersionPin::Current,
            Some(RawVersion::Word(w)) if w == "current" => VersionPin::Current,
            // `"3"` means 3: the service's own version numbers are strings.
            Some(RawVersion::Word(w)) if w.parse::<u32>().is_ok_and(|n| (1..=99_999).contains(&n)) => {
                VersionPin::Fixed(w.parse().expect("checked above"))
            }
            Some(RawVersion::Number(n)) if (1..=99_999).contains(&n) => VersionPin::Fixed(n as u32),
            Some(other) => {
                let given = match other {
                    RawVersion::Number(n) => n.to_string(),
                    RawVersion::Word(w) => format!("\"{w}\""),
                };
                problems.push(Problem::new(
                    &format!("{at}.endpoints[{j}].version"),
                    format!("{given} is not a version"),
                    "use \"current\" (the version this deploy creates) or a number from 1 to 99999",
                ));
                VersionPin::Current
            }
        };
        endpoints.push(EndpointProps { name: e.name, version, description: e.description });
    }
    let mut environment = r.environment;
    // AgentCore's documentation names no region variable that the runtime sets, and the AWS SDKs
    // need one: every container gets the environment's region unless the config sets its own.
    // `corestack dev` passes this same map, so a local run sees what the deployed one sees.
    if !region.is_empty() {
        environment.entry("AWS_REGION".to_string()).or_insert_with(|| region.to_string());
    }
    let spec = RuntimeSpec {
        name,
        description: r.description,
        protocol: r.protocol.unwrap_or_default(),
        environment,
        idle_timeout_seconds: r.idle_timeout_seconds.unwrap_or(900),
        max_lifetime_seconds: r.max_lifetime_seconds.unwrap_or(28_800),
        request_header_allowlist: r.request_header_allowlist,
        authorizer: r.authorizer.map(|a| JwtAuthorizer {
            discovery_url: a.discovery_url,
            allowed_audience: a.allowed_audience,
            allowed_clients: a.allowed_clients,
            allowed_scopes: a.allowed_scopes,
        }),
        endpoints,
    };
    // The construct's own checks, under this runtime's key; the name was checked above.
    for problem in AgentRuntime::validate(&spec) {
        if problem.at != "name" {
            problems.push(problem.under(at));
        }
    }
    let local = r.local.map(|l| {
        let bedrock = match l.bedrock.as_deref().map(|b| (b, LocalBedrock::parse(b))) {
            None => LocalBedrock::default(),
            Some((_, Some(b))) => b,
            Some((other, None)) => {
                problems.push(Problem::new(
                    &format!("{at}.local.bedrock"),
                    format!("`{other}` is not a Bedrock choice"),
                    "use \"local\" (corestack dev's offline stand-in) or \"aws\" (the real service, with your credentials)",
                ));
                LocalBedrock::default()
            }
        };
        LocalCommand { command: l.command.args(), build: l.build.map(|b| b.args()).unwrap_or_default(), bedrock }
    });
    if local.as_ref().is_some_and(|l| l.command.is_empty()) {
        problems.push(Problem::new(
            &format!("{at}.local.command"),
            "the local command is empty",
            "name the program to run, e.g. command = \"target/release/echo-agent\"",
        ));
    }
    let build = r.build.map(|b| {
        if b.dockerfile.trim().is_empty() {
            problems.push(Problem::new(
                &format!("{at}.build.dockerfile"),
                "the Dockerfile path is empty",
                "name the Dockerfile, e.g. dockerfile = \"agents/echo-agent/Dockerfile\"",
            ));
        }
        for key in b.args.keys().filter(|k| k.is_empty() || k.contains('=') || k.contains(char::is_whitespace)) {
            problems.push(Problem::new(
                &format!("{at}.build.args"),
                format!("`{key}` is not a build argument name"),
                "use a name without `=` or spaces, as in the Dockerfile's ARG line",
            ));
        }
        BuildSettings {
            dockerfile: PathBuf::from(b.dockerfile),
            context: PathBuf::from(b.context.unwrap_or_else(|| ".".into())),
            args: b.args,
        }
    });
    RuntimeSettings {
        logical: corestack_cfn::pascal_case(&r.name),
        key: r.name,
        image,
        public,
        models: r.models,
        spec,
        local,
        build,
    }
}

/// S3's bucket naming rules, the ones a typo breaks.
fn bucket_name_ok(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
        && !name.contains("..")
}
