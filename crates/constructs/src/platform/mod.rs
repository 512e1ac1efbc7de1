//! What an agent uses around its runtime: AgentCore Memory (conversation and long-term memory),
//! Gateways (MCP in front of Lambda functions, OpenAPI and Smithy APIs and other MCP servers) and
//! the Identity credential providers that hold a gateway's outbound credentials.
//!
//! The specs here are what the config resolves to; [`memory`], [`identity`] and [`gateway`] build
//! them into a stack, and [`grants`] gives a runtime exactly what it needs of the ones it names.

pub mod gateway;
pub mod grants;
pub mod identity;
pub mod memory;
pub mod monitoring;
pub mod names;

use crate::runtime::JwtAuthorizer;

/// A built-in memory strategy kind (AgentCore developer guide, "Memory strategies").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyKind {
    /// Facts and knowledge (`SemanticMemoryStrategy`).
    Semantic,
    /// Session summaries (`SummaryMemoryStrategy`).
    Summary,
    /// The user's preferences (`UserPreferenceMemoryStrategy`).
    UserPreference,
    /// Episodes and reflections (`EpisodicMemoryStrategy`).
    Episodic,
}

impl StrategyKind {
    /// The config's name for it.
    pub fn key(self) -> &'static str {
        match self {
            StrategyKind::Semantic => "semantic",
            StrategyKind::Summary => "summary",
            StrategyKind::UserPreference => "user_preference",
            StrategyKind::Episodic => "episodic",
        }
    }
}

/// A custom strategy's model and prompt overrides, on top of a built-in kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyOverride {
    /// The model the service runs the strategy with (it needs the memory execution role).
    pub model_id: String,
    /// Appended to the extraction prompt (not for summary).
    pub extraction_prompt: Option<String>,
    /// Appended to the consolidation prompt.
    pub consolidation_prompt: Option<String>,
}

/// One memory strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategySpec {
    /// Built-in kind (the base of a custom one).
    pub kind: StrategyKind,
    /// Its name, `[a-zA-Z][a-zA-Z0-9_]{0,47}`.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// Where its records go, e.g. `/facts/{actorId}`.
    pub namespaces: Vec<String>,
    /// Model and prompt overrides: a custom strategy.
    pub custom: Option<StrategyOverride>,
}

/// One memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemorySpec {
    /// Its name in the config.
    pub key: String,
    /// Its AgentCore name (`<key>_<environment>`).
    pub name: String,
    /// What it holds.
    pub description: Option<String>,
    /// Days until short-term events expire (3-365).
    pub event_expiry_days: u32,
    /// Long-term memory strategies.
    pub strategies: Vec<StrategySpec>,
}

impl MemorySpec {
    /// The models its custom strategies run, which its execution role may invoke.
    pub fn models(&self) -> Vec<String> {
        let mut m: Vec<String> =
            self.strategies.iter().filter_map(|s| s.custom.as_ref()).map(|c| c.model_id.clone()).collect();
        m.sort();
        m.dedup();
        m
    }
}

/// How callers authenticate to a gateway.
#[derive(Clone, Debug, PartialEq)]
pub enum GatewayAuth {
    /// SigV4 (`AWS_IAM`).
    Iam,
    /// A JWT authorizer (`CUSTOM_JWT`).
    Jwt(JwtAuthorizer),
    /// Nobody is checked (`NONE`): refused in production by rule GW01.
    None,
}

/// Where an API-key credential goes in the target's requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyPlacement {
    /// `HEADER` or `QUERY_PARAMETER`.
    pub location: String,
    /// The header or parameter name.
    pub parameter_name: Option<String>,
    /// A prefix such as `Bearer`.
    pub prefix: Option<String>,
}

/// How a gateway authenticates to a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetCredential {
    /// The credential provider's name in the config.
    pub provider: String,
    /// For an API-key provider: where the key goes.
    pub api_key: Option<ApiKeyPlacement>,
    /// For an OAuth2 provider: the scopes to ask for.
    pub scopes: Vec<String>,
}

/// What a target is.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetKind {
    /// A Lambda function and its tools, in the registry schema's `ToolDefinition` form.
    Lambda {
        /// The function ARN.
        arn: String,
        /// The tool definitions (from the config's tool schema file).
        tools: serde_json::Value,
    },
    /// An OpenAPI document (JSON text).
    OpenApi(String),
    /// A Smithy model (JSON AST text).
    Smithy(String),
    /// An MCP server at an `https://` endpoint.
    McpServer(String),
}

/// One gateway target.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetSpec {
    /// Its name, `([0-9a-zA-Z][-]?){1,100}`.
    pub name: String,
    /// What it offers.
    pub description: Option<String>,
    /// What it is.
    pub kind: TargetKind,
    /// Outbound credentials, through a credential provider.
    pub credential: Option<TargetCredential>,
}

/// One gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewaySpec {
    /// Its name in the config.
    pub key: String,
    /// Its AgentCore name (`<key>-<environment>`, `([0-9a-zA-Z][-]?){1,48}`).
    pub name: String,
    /// What it offers.
    pub description: Option<String>,
    /// Inbound authorization.
    pub auth: GatewayAuth,
    /// Semantic tool search (`SearchType: SEMANTIC`).
    pub semantic_search: bool,
    /// Its targets.
    pub targets: Vec<TargetSpec>,
}

/// A credential provider's kind and secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// An API key, in a Secrets Manager secret of the user's.
    ApiKey,
    /// An OAuth2 client whose secret is in a Secrets Manager secret of the user's.
    OAuth2 {
        /// A `CredentialProviderVendor` value, e.g. `GithubOauth2` or `CustomOauth2`.
        vendor: String,
        /// The client ID (not a secret).
        client_id: String,
        /// The OpenID discovery URL (`CustomOauth2` only).
        discovery_url: Option<String>,
    },
}

/// One credential provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSpec {
    /// Its name in the config.
    pub key: String,
    /// Its AgentCore name (`<project>-<environment>-<key>`; names are account-wide).
    pub name: String,
    /// Its kind.
    pub kind: ProviderKind,
    /// The secret's ARN in Secrets Manager.
    pub secret_arn: String,
    /// The JSON key in the secret that holds the value.
    pub secret_json_key: String,
}

/// Everything around the runtimes, as the config says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlatformSpec {
    /// Memories.
    pub memories: Vec<MemorySpec>,
    /// Gateways.
    pub gateways: Vec<GatewaySpec>,
    /// Credential providers.
    pub providers: Vec<ProviderSpec>,
}

impl PlatformSpec {
    /// Whether there is nothing to build.
    pub fn is_empty(&self) -> bool {
        self.memories.is_empty() && self.gateways.is_empty() && self.providers.is_empty()
    }
}

/// The environment variable that holds a memory's ID in the runtimes that use it.
pub fn memory_variable(key: &str) -> String {
    format!("CORESTACK_MEMORY_{}_ID", key.to_ascii_uppercase().replace('-', "_"))
}

/// The environment variable that holds a gateway's MCP URL in the runtimes that use it.
pub fn gateway_variable(key: &str) -> String {
    format!("CORESTACK_GATEWAY_{}_URL", key.to_ascii_uppercase().replace('-', "_"))
}

/// The variable the AgentCore starter toolkit and the Python SDK's memory integrations read,
/// given to a runtime that uses exactly one memory.
pub const SINGLE_MEMORY_VARIABLE: &str = "BEDROCK_AGENTCORE_MEMORY_ID";
