//! What the user wrote: the TOML document as serde types, every field optional so that an
//! environment section can override any of them. Unknown keys are refused.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Declares `$name` with its own fields and the ones a project writes at the top level and again,
/// key by key, under `[environments.<name>]`: the tags and the overlayable sections. (serde's
/// `flatten` does not go with `deny_unknown_fields`, so the fields are written in, once, here.)
macro_rules! with_sections {
    ($(#[$attr:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        pub(crate) struct $name {
            $($(#[$fattr])* pub(crate) $field: $ty,)*
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
    };
}

with_sections! {
    /// The whole file.
    #[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[schemars(rename = "CorestackToml", title = "corestack.toml")]
    RawConfig {
        default_environment: Option<String>,
        project: Option<RawProject>,
        #[serde(default)]
        runtimes: Vec<RawRuntime>,
        #[serde(default)]
        memories: Vec<crate::raw_platform::RawMemory>,
        #[serde(default)]
        gateways: Vec<crate::raw_platform::RawGateway>,
        #[serde(default)]
        credential_providers: Vec<crate::raw_platform::RawProvider>,
        #[serde(default)]
        check: RawCheck,
        #[serde(default)]
        environments: BTreeMap<String, RawEnvironment>,
    }
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

with_sections! {
    #[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[schemars(rename = "Environment")]
    RawEnvironment {
        region: Option<String>,
        account: Option<String>,
        production: Option<bool>,
        template_bucket: Option<String>,
    }
}

/// An overlayable section: a struct of optional keys, read at the top level and again under
/// `[environments.<name>]`, and its `merge`, which copies each key the environment sets onto
/// the top level's. A new key is one line here.
macro_rules! overlay_section {
    ($schema:literal $name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        #[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(rename = $schema)]
        pub(crate) struct $name {
            $($(#[$attr])* pub(crate) $field: Option<$ty>,)*
        }

        impl $name {
            /// Copies each key that `over` sets onto `self`.
            pub(crate) fn merge(&mut self, over: &$name) {
                $(if over.$field.is_some() {
                    self.$field = over.$field.clone();
                })*
            }
        }
    };
}

overlay_section!("Network" RawNetwork {
    vpc_cidr: String,
    availability_zone_ids: Vec<String>,
    private_subnet_cidrs: Vec<String>,
    public_subnet_cidrs: Vec<String>,
    egress: RawEgress,
    optional_endpoints: Vec<String>,
    s3_prefix_list_id: String,
    flow_log_retention_days: u32,
});

overlay_section!("Security" RawSecurity {
    retain_key: bool,
    workload_user_id_tokens: bool,
});

overlay_section!("Storage" RawStorage {
    repository_name: String,
    keep_images: u32,
});

overlay_section!("AgentCore" RawAgentCore {
    runtimes_per_stack: u32,
    /// The platform of every runtime that names none itself.
    #[serde(default)]
    #[schemars(schema_with = "platform_version_schema")]
    platform_version: corestack_constructs::runtime::PlatformVersion,
});

overlay_section!("Monitoring" RawMonitoring {
    latency_ms: u32,
    system_errors: u32,
    user_errors: u32,
    throttles: u32,
    period_seconds: u32,
    evaluation_periods: u32,
    alarm_actions: Vec<String>,
    alarm_emails: Vec<String>,
    latency_statistic: String,
});

overlay_section!("Observability" RawObservability {
    runtime_log_retention_days: u32,
    deliveries: Vec<String>,
    transaction_search: bool,
    transaction_search_indexing_percent: u32,
});

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
    /// Claims the token must carry: `[[...custom_claims]]` with `name` and one of `equals` (a
    /// string claim), `contains` or `contains_any` (a string-array claim).
    #[serde(default)]
    pub(crate) custom_claims: Vec<RawCustomClaim>,
}

/// A claim a JWT must carry, and the value it must match.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CustomClaim")]
pub(crate) struct RawCustomClaim {
    /// The claim's name in the token.
    pub(crate) name: String,
    /// A string claim equal to this value.
    pub(crate) equals: Option<String>,
    /// A string-array claim holding this value.
    pub(crate) contains: Option<String>,
    /// A string-array claim holding any of these values.
    pub(crate) contains_any: Option<Vec<String>>,
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
