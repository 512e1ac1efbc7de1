//! Which of a caller's headers reach the agent: those the service forwards to a runtime's
//! container (facts §6.4: custom headers only when the runtime's request header allowlist names
//! them, `Authorization` only as a bearer token and allow-listed).

use hyper::header::HeaderValue;

use crate::session::LocalRuntime;
use crate::{MCP_SESSION_HEADER, SESSION_HEADER};

/// Headers forwarded to the agent, as the service forwards them (facts §6.4).
pub(crate) fn forwarded(name: &str, runtime: &LocalRuntime, value: &HeaderValue) -> bool {
    let n = name.to_ascii_lowercase();
    n == "content-type"
        || n == "accept"
        || n == SESSION_HEADER
        // Custom headers reach the container only when the runtime's allowlist names them.
        || (n.starts_with(corestack_contract::headers::CUSTOM_PREFIX) && runtime.header_allowlist.contains(&n))
        || matches!(n.as_str(), "traceparent" | "tracestate" | "baggage" | "x-amzn-trace-id" | MCP_SESSION_HEADER | "mcp-protocol-version")
        // SigV4 Authorization is the caller's, not a JWT for the agent.
        || (n == "authorization" && runtime.header_allowlist.iter().any(|h| h == "authorization") && value.to_str().is_ok_and(|v| v.starts_with("Bearer ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime(allowlist: &[&str]) -> LocalRuntime {
        LocalRuntime {
            name: "a".into(),
            aliases: vec![],
            command: vec![],
            cwd: std::env::temp_dir(),
            environment: Default::default(),
            idle_timeout: std::time::Duration::from_secs(60),
            max_lifetime: std::time::Duration::from_secs(60),
            header_allowlist: allowlist.iter().map(|h| h.to_string()).collect(),
            protocol: crate::Protocol::Http,
        }
    }

    #[test]
    fn custom_headers_and_authorization_pass_only_when_allow_listed() {
        let team = "x-amzn-bedrock-agentcore-runtime-custom-team";
        let value = HeaderValue::from_static("blue");
        let bearer = HeaderValue::from_static("Bearer t");
        let none = runtime(&[]);
        assert!(!forwarded(team, &none, &value), "not in the allowlist: dropped, as the service does");
        assert!(!forwarded("Authorization", &none, &bearer));
        let listed = runtime(&[team, "authorization"]);
        assert!(forwarded("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team", &listed, &value));
        assert!(!forwarded("x-amzn-bedrock-agentcore-runtime-custom-other", &listed, &value));
        assert!(forwarded("authorization", &listed, &bearer));
        assert!(
            !forwarded("authorization", &listed, &HeaderValue::from_static("AWS4-HMAC-SHA256 x")),
            "SigV4 is the caller's"
        );
        assert!(forwarded("content-type", &none, &value) && forwarded(SESSION_HEADER, &none, &value));
    }
}
