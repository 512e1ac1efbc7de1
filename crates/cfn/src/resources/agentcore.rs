//! Amazon Bedrock AgentCore Runtime resources.
//!
//! The shapes follow the CloudFormation registry schema (see the project's AgentCore facts §1-§2):
//! `ProtocolConfiguration` is a plain string, tags are a map, and the only attributes are the ones
//! listed here (there is no endpoint URL attribute).

use std::collections::BTreeMap;

use crate::Expr;

props!(
    /// A container image in private ECR, by tag or digest.
    ContainerConfiguration { container_uri: Expr }
);
props!(
    /// What the runtime runs.
    AgentRuntimeArtifact { container_configuration: Option<ContainerConfiguration> }
);
props!(
    /// Subnets and security groups for `VPC` network mode.
    NetworkModeConfig { security_groups: Vec<Expr>, subnets: Vec<Expr> }
);
props!(
    /// `PUBLIC` or `VPC`.
    NetworkConfiguration { network_mode: Expr, network_mode_config: Option<NetworkModeConfig> }
);
props!(
    /// Session idle timeout and maximum lifetime, in seconds (60-28800).
    LifecycleConfiguration { idle_runtime_session_timeout: Option<Expr>, max_lifetime: Option<Expr> }
);
props!(
    /// A session's own storage at `MountPath` (`/mnt/<name>`): the service keeps what a session
    /// writes there across its compute being stopped and resumed.
    SessionStorageConfiguration { mount_path: Expr }
);
props!(
    /// One of a runtime's filesystems (up to 5); corestack models session storage.
    FilesystemConfiguration { session_storage: Option<SessionStorageConfiguration> }
);
props!(
    /// Headers forwarded to the container.
    RequestHeaderConfiguration { request_header_allowlist: Vec<Expr> }
);

/// A JWT authorizer; the property names are not plain PascalCase, so this one is written out.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CustomJwtAuthorizer {
    #[serde(rename = "DiscoveryUrl")]
    pub discovery_url: Expr,
    #[serde(rename = "AllowedAudience", skip_serializing_if = "Vec::is_empty")]
    pub allowed_audience: Vec<Expr>,
    #[serde(rename = "AllowedClients", skip_serializing_if = "Vec::is_empty")]
    pub allowed_clients: Vec<Expr>,
    #[serde(rename = "AllowedScopes", skip_serializing_if = "Vec::is_empty")]
    pub allowed_scopes: Vec<Expr>,
    #[serde(rename = "CustomClaims", skip_serializing_if = "Vec::is_empty")]
    pub custom_claims: Vec<Expr>,
}

/// Inbound authorization; without it callers use IAM (SigV4).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct AuthorizerConfiguration {
    #[serde(rename = "CustomJWTAuthorizer")]
    pub custom_jwt_authorizer: CustomJwtAuthorizer,
}

resource!(
    /// `AWS::BedrockAgentCore::Runtime`. Only `AgentRuntimeName` is create-only.
    Runtime = "AWS::BedrockAgentCore::Runtime", tags: Map,
    {
        agent_runtime_name: Expr, agent_runtime_artifact: Option<AgentRuntimeArtifact>, role_arn: Expr,
        network_configuration: Option<NetworkConfiguration>, protocol_configuration: Option<Expr>,
        description: Option<Expr>, environment_variables: BTreeMap<String, Expr>,
        lifecycle_configuration: Option<LifecycleConfiguration>, platform_version: Option<Expr>,
        filesystem_configurations: Vec<FilesystemConfiguration>,
        request_header_configuration: Option<RequestHeaderConfiguration>,
        authorizer_configuration: Option<AuthorizerConfiguration>, tags: BTreeMap<String, Expr>,
    }
    attrs {
        agent_runtime_arn => "AgentRuntimeArn", agent_runtime_id => "AgentRuntimeId",
        agent_runtime_version => "AgentRuntimeVersion", status => "Status", created_at => "CreatedAt",
        last_updated_at => "LastUpdatedAt", failure_reason => "FailureReason",
        workload_identity_details => "WorkloadIdentityDetails",
    }
);

resource!(
    /// `AWS::BedrockAgentCore::RuntimeEndpoint`: a named endpoint pinned to a runtime version.
    RuntimeEndpoint = "AWS::BedrockAgentCore::RuntimeEndpoint", tags: Map,
    {
        agent_runtime_id: Expr, name: Expr, agent_runtime_version: Option<Expr>, description: Option<Expr>,
        tags: BTreeMap<String, Expr>,
    }
    attrs {
        id => "Id", agent_runtime_endpoint_arn => "AgentRuntimeEndpointArn", agent_runtime_arn => "AgentRuntimeArn",
        status => "Status", live_version => "LiveVersion", target_version => "TargetVersion",
        failure_reason => "FailureReason", created_at => "CreatedAt", last_updated_at => "LastUpdatedAt",
    }
);
