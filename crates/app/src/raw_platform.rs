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
    #[serde(rename = "type")]
    pub(crate) kind: RawStrategyKind,
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
    #[serde(default)]
    pub(crate) authorizer: RawGatewayAuthorizer,
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
    #[serde(default)]
    pub(crate) credential_location: CredentialLocation,
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
    #[serde(rename = "type")]
    pub(crate) kind: RawProviderType,
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

/// Where a gateway target's API key goes: `header` (the default) or `query_parameter`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CredentialLocation {
    /// In a request header.
    #[default]
    Header,
    /// In a query parameter.
    QueryParameter,
}

impl CredentialLocation {
    /// The CloudFormation value (`CredentialLocation`).
    pub(crate) fn cfn(self) -> &'static str {
        match self {
            CredentialLocation::Header => "HEADER",
            CredentialLocation::QueryParameter => "QUERY_PARAMETER",
        }
    }
}

/// A memory strategy's built-in kind: semantic, summary, user_preference or episodic (with
/// model_id and a prompt, a custom strategy on top of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawStrategyKind {
    Semantic,
    Summary,
    UserPreference,
    Episodic,
}

impl From<RawStrategyKind> for corestack_constructs::platform::StrategyKind {
    fn from(kind: RawStrategyKind) -> Self {
        use corestack_constructs::platform::StrategyKind;
        match kind {
            RawStrategyKind::Semantic => StrategyKind::Semantic,
            RawStrategyKind::Summary => StrategyKind::Summary,
            RawStrategyKind::UserPreference => StrategyKind::UserPreference,
            RawStrategyKind::Episodic => StrategyKind::Episodic,
        }
    }
}

/// A credential provider's type: api_key or oauth2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawProviderType {
    ApiKey,
    Oauth2,
}

/// How callers authenticate to a gateway: `iam` (SigV4, the default), `jwt` (with
/// `[gateways.jwt]`) or `none`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawGatewayAuthorizer {
    /// SigV4 callers with `bedrock-agentcore:InvokeGateway`.
    #[default]
    Iam,
    /// A JWT authorizer, `[gateways.jwt]`.
    Jwt,
    /// Nobody is checked (rule GW01 refuses it in production).
    None,
}
