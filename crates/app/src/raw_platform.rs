//! What the user wrote about memories, gateways and credential providers (`[[memories]]`,
//! `[[gateways]]`, `[[credential_providers]]`). Unknown keys are refused.

use serde::Deserialize;

use crate::raw::RawAuthorizer;

/// `[[memories]]`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Memory")]
pub(crate) struct RawMemory {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) event_expiry_days: Option<u32>,
    #[serde(default)]
    pub(crate) strategies: Vec<RawStrategy>,
}

/// `[[memories.strategies]]`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "MemoryStrategy")]
pub(crate) struct RawStrategy {
    /// semantic, summary, user_preference or episodic.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) namespaces: Vec<String>,
    /// A custom strategy: the model it runs with, and prompt additions.
    pub(crate) model_id: Option<String>,
    pub(crate) extraction_prompt: Option<String>,
    pub(crate) consolidation_prompt: Option<String>,
}

/// `[[gateways]]`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Gateway")]
pub(crate) struct RawGateway {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// iam (default), jwt or none.
    pub(crate) authorizer: Option<String>,
    pub(crate) jwt: Option<RawAuthorizer>,
    pub(crate) semantic_search: Option<bool>,
    #[serde(default)]
    pub(crate) targets: Vec<RawTarget>,
}

/// `[[gateways.targets]]`: exactly one of lambda, openapi, smithy and mcp_server.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GatewayTarget")]
pub(crate) struct RawTarget {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) lambda: Option<String>,
    pub(crate) tool_schema: Option<String>,
    pub(crate) openapi: Option<String>,
    pub(crate) smithy: Option<String>,
    pub(crate) mcp_server: Option<String>,
    pub(crate) credential_provider: Option<String>,
    pub(crate) credential_location: Option<String>,
    pub(crate) credential_parameter_name: Option<String>,
    pub(crate) credential_prefix: Option<String>,
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
}

/// `[[credential_providers]]`. `api_key` and `client_secret` are accepted only to be refused
/// with a fix: a secret never goes in the config.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CredentialProvider")]
pub(crate) struct RawProvider {
    pub(crate) name: String,
    /// api_key or oauth2.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) secret_arn: Option<String>,
    pub(crate) secret_json_key: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) discovery_url: Option<String>,
    #[schemars(skip)]
    pub(crate) api_key: Option<String>,
    #[schemars(skip)]
    pub(crate) client_secret: Option<String>,
}
