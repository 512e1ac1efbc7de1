//! Amazon Bedrock AgentCore Memory, Gateway and Identity resources. Their nested configurations
//! (memory strategies, target configurations, vendor configurations) are deep unions of the
//! registry schema; they are written as [`Expr::Map`] values by the constructs that build them,
//! and cfn-lint checks them against the schema.

use std::collections::BTreeMap;

use super::Tag;
use crate::Expr;

resource!(
    /// `AWS::BedrockAgentCore::Memory`. `Name` and `EncryptionKeyArn` are create-only.
    Memory = "AWS::BedrockAgentCore::Memory", tags: Map,
    {
        name: Expr, description: Option<Expr>, event_expiry_duration: Expr, encryption_key_arn: Option<Expr>,
        memory_execution_role_arn: Option<Expr>, memory_strategies: Vec<Expr>, tags: BTreeMap<String, Expr>,
    }
    attrs {
        memory_arn => "MemoryArn", memory_id => "MemoryId", status => "Status", failure_reason => "FailureReason",
    }
);

resource!(
    /// `AWS::BedrockAgentCore::Gateway`: an MCP endpoint in front of targets.
    Gateway = "AWS::BedrockAgentCore::Gateway", tags: Map,
    {
        name: Expr, description: Option<Expr>, role_arn: Expr, protocol_type: Option<Expr>,
        protocol_configuration: Option<Expr>, authorizer_type: Expr, authorizer_configuration: Option<Expr>,
        kms_key_arn: Option<Expr>, exception_level: Option<Expr>, tags: BTreeMap<String, Expr>,
    }
    attrs {
        gateway_arn => "GatewayArn", gateway_identifier => "GatewayIdentifier", gateway_url => "GatewayUrl",
        status => "Status",
    }
);

resource!(
    /// `AWS::BedrockAgentCore::GatewayTarget`: one target (Lambda, OpenAPI, Smithy, MCP server).
    /// It takes no tags.
    GatewayTarget = "AWS::BedrockAgentCore::GatewayTarget", tags: None,
    {
        gateway_identifier: Expr, name: Expr, description: Option<Expr>, target_configuration: Expr,
        credential_provider_configurations: Vec<Expr>,
    }
    attrs { target_id => "TargetId", status => "Status" }
);

resource!(
    /// `AWS::BedrockAgentCore::ApiKeyCredentialProvider`, here always with the key in a secret of
    /// the user's (`ApiKeySecretSource: EXTERNAL`), so the key is never in a template.
    ApiKeyCredentialProvider = "AWS::BedrockAgentCore::ApiKeyCredentialProvider", tags: List,
    { name: Expr, api_key_secret_source: Option<Expr>, api_key_secret_config: Option<Expr>, tags: Vec<Tag> }
    attrs { credential_provider_arn => "CredentialProviderArn" }
);

resource!(
    /// `AWS::BedrockAgentCore::OAuth2CredentialProvider`, with the client secret in a secret of the
    /// user's (`ClientSecretSource: EXTERNAL` in the vendor configuration).
    OAuth2CredentialProvider = "AWS::BedrockAgentCore::OAuth2CredentialProvider", tags: List,
    { name: Expr, credential_provider_vendor: Expr, oauth2_provider_config_input: Option<Expr>, tags: Vec<Tag> }
    attrs { credential_provider_arn => "CredentialProviderArn", callback_url => "CallbackUrl" }
);
