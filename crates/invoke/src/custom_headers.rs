//! What `invoke` may add to an InvokeAgentRuntime request: custom headers for the agent
//! (`-H 'Name: value'`) and the end user's ID (`--user-id`), checked against the service's rules
//! before anything is sent.
//!
//! The rules (AgentCore developer guide, "Pass custom headers to Amazon Bedrock AgentCore
//! Runtime"; facts §6.4): a header reaches the container only when the runtime's request header
//! allowlist names it; no `X-Amz-*`, and no `X-Amzn-*` but the
//! `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` prefix; none of the headers the service owns
//! (`Accept*`, `Content-*`, `Host`, ...); a value of at most 4 KB. The user ID
//! (`X-Amzn-Bedrock-AgentCore-Runtime-User-Id`, `runtimeUserId`) is 1-1,024 characters, and
//! needs `bedrock-agentcore:InvokeAgentRuntimeForUser` (InvokeAgentRuntime API reference).

use crate::InvokeError;

/// The longest value of a custom header the service takes.
pub const MAX_VALUE_BYTES: usize = 4096;
/// The longest user ID the service takes.
pub const MAX_USER_ID_CHARS: usize = 1024;

/// The restricted headers: never passed to the agent (developer guide, "Pass custom headers",
/// Restricted headers: authorization, content negotiation, caching, connection management,
/// request context, range and transfer; facts §6.4 adds cookies).
const RESTRICTED: [&str; 38] = [
    "proxy-authorization",
    "www-authenticate",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "content-type",
    "content-length",
    "content-encoding",
    "content-language",
    "content-location",
    "content-range",
    "cache-control",
    "etag",
    "expires",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "pragma",
    "vary",
    "connection",
    "keep-alive",
    "proxy-connection",
    "upgrade",
    "host",
    "referer",
    "user-agent",
    "from",
    "range",
    "accept-ranges",
    "transfer-encoding",
    "te",
    "trailer",
    "cookie",
    "set-cookie",
];
/// Prefixes of restricted headers: CORS, proxies, WebSockets, and SigV4's own.
const RESTRICTED_PREFIXES: [&str; 4] = ["access-control-", "x-forwarded-", "sec-websocket-", "x-amz-"];

fn refused(flag: &str, why: &str, fix: &str) -> InvokeError {
    InvokeError::Flag(format!("-H `{flag}`: {why}\n    fix: {fix}"))
}

/// A `-H 'Name: value'` flag as the header it adds, or the error that says which rule it breaks.
pub fn parse_header(flag: &str) -> Result<(String, String), InvokeError> {
    let Some((name, value)) = flag.split_once(':') else {
        return Err(refused(
            flag,
            "a header is `Name: value`",
            "write it as -H 'X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team: blue'",
        ));
    };
    let (name, value) = (name.trim(), value.trim());
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || !name.chars().all(allowed) {
        return Err(refused(flag, "the name is not a header name", "use letters, digits, hyphens and underscores"));
    }
    let lower = name.to_ascii_lowercase();
    let custom = lower.starts_with(corestack_contract::headers::CUSTOM_PREFIX);
    if lower == "authorization" {
        return Err(refused(
            flag,
            "the request's Authorization is its signature or bearer token",
            "pass a token with --bearer-token",
        ));
    }
    if (lower.starts_with("x-amzn-") && !custom)
        || RESTRICTED.contains(&lower.as_str())
        || RESTRICTED_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return Err(refused(
            flag,
            "the service sets this header itself, or never passes it to the agent",
            "name a custom header, X-Amzn-Bedrock-AgentCore-Runtime-Custom-<Name>",
        ));
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(refused(
            flag,
            &format!("the value is {} bytes, over the service's {MAX_VALUE_BYTES}", value.len()),
            "send less",
        ));
    }
    if !value.chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
        return Err(refused(flag, "the value has characters a header cannot carry", "use printable ASCII"));
    }
    Ok((name.to_string(), value.to_string()))
}

/// `--user-id`, checked: 1-1,024 characters a header can carry.
pub fn check_user_id(id: &str) -> Result<(), InvokeError> {
    let chars = id.chars().count();
    let printable = id.chars().all(|c| (' '..='~').contains(&c));
    if chars == 0 || chars > MAX_USER_ID_CHARS || !printable {
        return Err(InvokeError::Flag(format!(
            "--user-id: {chars} characters; the service takes 1-{MAX_USER_ID_CHARS} printable ASCII characters\n    fix: pass the end user's ID as your identity provider names them"
        )));
    }
    Ok(())
}

/// Every `-H` flag as the header it adds, or the first one's error.
pub fn parse_headers(flags: &[String]) -> Result<Vec<(String, String)>, InvokeError> {
    flags.iter().map(|f| parse_header(f)).collect()
}

/// Whether the runtime's request header `allowlist` lets `name` through to the agent (the
/// service drops any other custom header).
pub fn reaches_the_agent(allowlist: &[String], name: &str) -> bool {
    allowlist.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// A warning for each of `headers` that the runtime's `allowlist` does not name: the service
/// takes the request and drops the header.
pub fn dropped(allowlist: &[String], headers: &[(String, String)], runtime: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(name, _)| !reaches_the_agent(allowlist, name))
        .map(|(name, _)| {
            format!(
                "warning: runtime {runtime}'s request_header_allowlist does not name {name}, so the service drops it; add it there to pass it to the agent"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_header_is_taken_and_the_services_own_are_refused() {
        assert_eq!(
            parse_header("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team:  blue ").unwrap(),
            ("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team".to_string(), "blue".to_string())
        );
        assert!(parse_header("X-Tenant: a").is_ok(), "newer Regions allow other names in the allowlist");
        for bad in [
            "no-colon",
            ": value",
            "bad name: x",
            "Authorization: Bearer x",
            "X-Amzn-Trace-Id: 1",
            "X-Amz-Date: now",
            "Host: example.com",
            "Content-Type: text/plain",
            "Accept-Encoding: gzip",
            "X-Forwarded-For: 1.2.3.4",
            "Sec-WebSocket-Key: k",
            "X-Amzn-Bedrock-AgentCore-Runtime-Custom-A: caf\u{e9}",
        ] {
            let e = parse_header(bad).unwrap_err().to_string();
            assert!(e.contains("fix:"), "{bad}: {e}");
        }
        let long = format!("X-Amzn-Bedrock-AgentCore-Runtime-Custom-A: {}", "v".repeat(MAX_VALUE_BYTES + 1));
        assert!(parse_header(&long).unwrap_err().to_string().contains("over the service's 4096"));
    }

    #[test]
    fn a_user_id_is_one_to_1024_printable_characters() {
        assert!(check_user_id("user-42").is_ok());
        assert!(check_user_id(&"u".repeat(MAX_USER_ID_CHARS)).is_ok());
        assert!(check_user_id("").is_err());
        assert!(check_user_id(&"u".repeat(MAX_USER_ID_CHARS + 1)).is_err());
        assert!(check_user_id("line\nbreak").is_err());
    }

    #[test]
    fn only_an_allowlisted_header_reaches_the_agent_and_the_others_are_warned_of() {
        let allowlist = vec!["X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team".to_string()];
        assert!(reaches_the_agent(&allowlist, "x-amzn-bedrock-agentcore-runtime-custom-team"));
        assert!(!reaches_the_agent(&allowlist, "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Other"));
        let headers = parse_headers(&[
            "x-amzn-bedrock-agentcore-runtime-custom-team: blue".to_string(),
            "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Other: x".to_string(),
        ])
        .unwrap();
        let warned = dropped(&allowlist, &headers, "demo_agent");
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(warned[0].contains("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Other"), "{warned:?}");
        assert!(parse_headers(&["ok-header: 1".into(), "Host: x".into()]).is_err());
    }
}
