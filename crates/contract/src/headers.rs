//! The headers of the data plane, lowercase as HTTP/2 and hyper carry them.

/// The session a request belongs to (InvokeAgentRuntime's `runtimeSessionId`).
pub const SESSION_ID: &str = "x-amzn-bedrock-agentcore-runtime-session-id";
/// The end user an invocation is for (InvokeAgentRuntime's `runtimeUserId`; it needs
/// `bedrock-agentcore:InvokeAgentRuntimeForUser`).
pub const USER_ID: &str = "x-amzn-bedrock-agentcore-runtime-user-id";
/// The request ID the service gives each invocation.
pub const REQUEST_ID: &str = "x-amzn-bedrock-agentcore-runtime-request-id";
/// The MCP Streamable HTTP session, which the service forwards to MCP containers.
pub const MCP_SESSION_ID: &str = "mcp-session-id";
/// The workload access token for AgentCore Identity.
pub const WORKLOAD_ACCESS_TOKEN: &str = "workloadaccesstoken";
/// The newer name of the workload access token header.
pub const IDENTITY_WAT: &str = "x-amz-bedrock-agentcore-identity-wat";
/// The prefix of the custom headers a runtime's allowlist may forward.
pub const CUSTOM_PREFIX: &str = "x-amzn-bedrock-agentcore-runtime-custom-";
