//! The AgentCore Runtime data-plane contract, in one place: the protocols a container speaks,
//! with their ports and paths; the names of the headers the service sets and forwards; and the
//! rules a session ID follows. The agent SDK, `corestack dev`, the invoke client and the
//! CloudFormation constructs all read it from here, so that none can drift from the others.
//!
//! Sources: the AgentCore developer guide's runtime service contract (`runtime-service-contract`,
//! ports and paths), the A2A and MCP protocol contracts, and the InvokeAgentRuntime API reference
//! (the session ID header, 33 to 256 characters).

pub mod headers;
mod protocol;
pub mod session_id;

pub use protocol::Protocol;

/// The port `corestack dev` serves the data plane on, on 127.0.0.1, unless given `--port`.
pub const DEV_PORT: u16 = 8787;

/// The health check path every protocol's container answers on its port.
pub const PING_PATH: &str = "/ping";
/// The WebSocket path of HTTP and AG-UI containers.
pub const WS_PATH: &str = "/ws";
/// Where an A2A container serves its agent card.
pub const AGENT_CARD_PATH: &str = "/.well-known/agent-card.json";

/// The largest payload InvokeAgentRuntime takes, and so the largest request body or WebSocket
/// message an agent or `corestack dev` needs to take (facts §5.1): 100 MB.
pub const MAX_PAYLOAD_BYTES: usize = 100_000_000;

/// Percent-encodes everything but RFC 3986's unreserved characters, as the data plane's paths
/// and queries carry an ARN or a qualifier.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The data plane's path of a runtime's invocations, `/runtimes/<ARN, percent-encoded>/invocations/`
/// (InvokeAgentRuntime's request URI; the A2A guide's agent-card URL ends with it).
pub fn invocation_path(arn: &str) -> String {
    format!("/runtimes/{}/invocations/", percent_encode(arn))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_arn_is_percent_encoded_into_the_invocation_path() {
        assert_eq!(
            super::invocation_path("arn:aws:bedrock-agentcore:eu-west-2:123456789012:runtime/peer_dev-Ab12"),
            "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aeu-west-2%3A123456789012%3Aruntime%2Fpeer_dev-Ab12/invocations/"
        );
    }
}
