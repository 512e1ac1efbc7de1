//! What the user wrote: the TOML document as serde types, every field optional so that an
//! environment section can override any of them. Unknown keys are refused.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CorestackToml", title = "corestack.toml")]
pub(crate) struct RawConfig {
    pub(crate) default_environment: Option<String>,
    pub(crate) project: Option<RawProject>,
    #[serde(default)]
    pub(crate) tags: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) network: RawNetwork,
    #[serde(default)]
    pub(crate) security: RawSecurity,
    #[serde(default)]
    pub(crate) storage: RawStorage,
    #[serde(default)]
    pub(crate) agentcore: RawAgentCore,
    #[serde(default)]
    pub(crate) monitoring: RawMonitoring,
    #[serde(default)]
    pub(crate) observability: RawObservability,
    #[serde(default)]
    pub(crate) runtimes: Vec<RawRuntime>,
    #[serde(default)]
    pub(crate) memories: Vec<crate::raw_platform::RawMemory>,
    #[serde(default)]
    pub(crate) gateways: Vec<crate::raw_platform::RawGateway>,
    #[serde(default)]
    pub(crate) credential_providers: Vec<crate::raw_platform::RawProvider>,
    #[serde(default)]
    pub(crate) check: RawCheck,
    #[serde(default)]
    pub(crate) environments: BTreeMap<String, RawEnvironment>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Check")]
pub(crate) struct RawCheck {
    #[serde(default)]
    pub(crate) suppressions: Vec<RawSuppression>,
}

#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Suppression")]
pub(crate) struct RawSuppression {
    pub(crate) rule: String,
    pub(crate) resource: String,
    pub(crate) reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Project")]
pub(crate) struct RawProject {
    pub(crate) name: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) cost_center: Option<String>,
    pub(crate) prefix_exports: Option<bool>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Environment")]
pub(crate) struct RawEnvironment {
    pub(crate) region: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) production: Option<bool>,
    pub(crate) template_bucket: Option<String>,
    #[serde(default)]
    pub(crate) tags: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) network: RawNetwork,
    #[serde(default)]
    pub(crate) security: RawSecurity,
    #[serde(default)]
    pub(crate) storage: RawStorage,
    #[serde(default)]
    pub(crate) agentcore: RawAgentCore,
    #[serde(default)]
    pub(crate) monitoring: RawMonitoring,
    #[serde(default)]
    pub(crate) observability: RawObservability,
}

/// Copies each field that `over` sets onto `base`.
macro_rules! merge {
    ($base:expr, $over:expr; $($f:ident),* $(,)?) => { $( if $over.$f.is_some() { $base.$f = $over.$f.clone(); } )* };
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Network")]
pub(crate) struct RawNetwork {
    pub(crate) vpc_cidr: Option<String>,
    pub(crate) availability_zone_ids: Option<Vec<String>>,
    pub(crate) private_subnet_cidrs: Option<Vec<String>>,
    pub(crate) public_subnet_cidrs: Option<Vec<String>>,
    pub(crate) egress: Option<RawEgress>,
    pub(crate) optional_endpoints: Option<Vec<String>>,
    pub(crate) s3_prefix_list_id: Option<String>,
    pub(crate) flow_log_retention_days: Option<u32>,
}

impl RawNetwork {
    pub(crate) fn merge(&mut self, o: &RawNetwork) {
        merge!(self, o; vpc_cidr, availability_zone_ids, private_subnet_cidrs, public_subnet_cidrs, egress,
               optional_endpoints, s3_prefix_list_id, flow_log_retention_days);
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Security")]
pub(crate) struct RawSecurity {
    pub(crate) retain_key: Option<bool>,
    pub(crate) workload_user_id_tokens: Option<bool>,
}

impl RawSecurity {
    pub(crate) fn merge(&mut self, o: &RawSecurity) {
        merge!(self, o; retain_key, workload_user_id_tokens);
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Storage")]
pub(crate) struct RawStorage {
    pub(crate) repository_name: Option<String>,
    pub(crate) keep_images: Option<u32>,
}

impl RawStorage {
    pub(crate) fn merge(&mut self, o: &RawStorage) {
        merge!(self, o; repository_name, keep_images);
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AgentCore")]
pub(crate) struct RawAgentCore {
    pub(crate) runtimes_per_stack: Option<u32>,
    /// The platform of every runtime that names none itself.
    #[serde(default)]
    #[schemars(schema_with = "platform_version_schema")]
    pub(crate) platform_version: Option<corestack_constructs::runtime::PlatformVersion>,
}

impl RawAgentCore {
    pub(crate) fn merge(&mut self, o: &RawAgentCore) {
        merge!(self, o; runtimes_per_stack, platform_version);
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Monitoring")]
pub(crate) struct RawMonitoring {
    pub(crate) latency_ms: Option<u32>,
    pub(crate) system_errors: Option<u32>,
    pub(crate) user_errors: Option<u32>,
    pub(crate) throttles: Option<u32>,
    pub(crate) period_seconds: Option<u32>,
    pub(crate) evaluation_periods: Option<u32>,
    pub(crate) alarm_actions: Option<Vec<String>>,
    pub(crate) alarm_emails: Option<Vec<String>>,
    pub(crate) latency_statistic: Option<String>,
}

impl RawMonitoring {
    pub(crate) fn merge(&mut self, o: &RawMonitoring) {
        merge!(self, o; latency_ms, system_errors, user_errors, throttles, period_seconds, evaluation_periods, alarm_actions,
               alarm_emails, latency_statistic);
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Observability")]
pub(crate) struct RawObservability {
    pub(crate) runtime_log_retention_days: Option<u32>,
    pub(crate) deliveries: Option<Vec<String>>,
    pub(crate) transaction_search: Option<bool>,
    pub(crate) transaction_search_indexing_percent: Option<u32>,
}

impl RawObservability {
    pub(crate) fn merge(&mut self, o: &RawObservability) {
        merge!(self, o; runtime_log_retention_days, deliveries, transaction_search, transaction_search_indexing_percent);
    }
}

#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Runtime")]
pub(crate) struct RawRuntime {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) image_tag: Option<String>,
    pub(crate) image_digest: Option<String>,
    #[serde(default)]
    #[schemars(schema_with = "protocol_schema")]
    pub(crate) protocol: Option<corestack_constructs::runtime::Protocol>,
    pub(crate) network_mode: Option<NetworkMode>,
    #[serde(default)]
    pub(crate) models: Vec<String>,
    #[serde(default)]
    pub(crate) environment: BTreeMap<String, String>,
    pub(crate) idle_timeout_seconds: Option<u32>,
    pub(crate) max_lifetime_seconds: Option<u32>,
    /// The runtime platform, V1 or V2; default: `[agentcore] platform_version`, else the service's (V1).
    #[serde(default)]
    #[schemars(schema_with = "platform_version_schema")]
    pub(crate) platform_version: Option<corestack_constructs::runtime::PlatformVersion>,
    /// A directory of each session's own, mounted under /mnt.
    pub(crate) session_storage: Option<RawSessionStorage>,
    #[serde(default)]
    pub(crate) request_header_allowlist: Vec<String>,
    pub(crate) authorizer: Option<RawAuthorizer>,
    #[serde(default)]
    pub(crate) endpoints: Vec<RawEndpoint>,
    pub(crate) local: Option<RawLocal>,
    pub(crate) build: Option<RawBuild>,
    #[serde(default)]
    pub(crate) memories: Vec<String>,
    #[serde(default)]
    pub(crate) gateways: Vec<String>,
}

/// A session's own storage (`[runtimes.session_storage]`).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SessionStorage")]
pub(crate) struct RawSessionStorage {
    /// Where it is mounted: one directory under /mnt, e.g. "/mnt/workspace".
    pub(crate) mount_path: String,
}

/// How `corestack deploy` builds the agent's image.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Build")]
pub(crate) struct RawBuild {
    pub(crate) dockerfile: String,
    pub(crate) context: Option<String>,
    #[serde(default)]
    pub(crate) args: BTreeMap<String, String>,
}

/// How `corestack dev` runs the agent on this machine.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Local")]
pub(crate) struct RawLocal {
    pub(crate) command: RawCommand,
    pub(crate) build: Option<RawCommand>,
    #[serde(default)]
    pub(crate) bedrock: crate::config::LocalBedrock,
}

/// A command line as one string (split on whitespace) or as a list of arguments.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Command")]
pub(crate) enum RawCommand {
    Line(String),
    Args(Vec<String>),
}

impl RawCommand {
    pub(crate) fn args(self) -> Vec<String> {
        match self {
            RawCommand::Line(l) => l.split_whitespace().map(str::to_string).collect(),
            RawCommand::Args(a) => a,
        }
    }
}

#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Authorizer")]
pub(crate) struct RawAuthorizer {
    pub(crate) discovery_url: String,
    #[serde(default)]
    pub(crate) allowed_audience: Vec<String>,
    #[serde(default)]
    pub(crate) allowed_clients: Vec<String>,
    #[serde(default)]
    pub(crate) allowed_scopes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Endpoint")]
pub(crate) struct RawEndpoint {
    pub(crate) name: String,
    pub(crate) version: Option<RawVersion>,
    pub(crate) description: Option<String>,
}

/// `"current"` or a version number.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Version")]
pub(crate) enum RawVersion {
    Number(i64),
    Word(String),
}

/// `protocol`: the values AgentCore takes (facts §1.2).
/// Where a runtime's network interfaces go: `VPC` (private, the default) or `PUBLIC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
pub(crate) enum NetworkMode {
    /// In the environment's private subnets.
    #[serde(rename = "VPC")]
    Vpc,
    /// On the public network (a check finding unless suppressed with a reason).
    #[serde(rename = "PUBLIC")]
    Public,
}

/// How the private subnets reach the internet: `endpoints-only` (no path; the default) or `nat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawEgress {
    /// VPC endpoints only.
    EndpointsOnly,
    /// NAT gateways in public subnets.
    Nat,
}

fn platform_version_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["V1", "V2"]})
}

fn protocol_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": ["HTTP", "MCP", "A2A", "AGUI"]})
}

/// The JSON Schema of `corestack.toml`, for editors (Taplo and Even Better TOML read a
/// `#:schema` line) and for tools.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RawConfig)).expect("a schema is JSON")
}
