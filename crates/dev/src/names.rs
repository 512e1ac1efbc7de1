//! The pure parts of the data-plane emulation: which runtime a URL names, session IDs, errors.

/// The operation a request path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `POST /runtimes/{id}/invocations`
    Invoke,
    /// `POST /runtimes/{id}/stopruntimesession`
    StopSession,
    /// `GET /runtimes/{id}/invocations/.well-known/agent-card.json` (GetAgentCard, A2A runtimes)
    GetAgentCard,
    /// `GET /runtimes/{id}/ws`, upgraded to a WebSocket (HTTP and AG-UI runtimes)
    WebSocket,
}

/// Splits `/runtimes/{url-encoded ARN or id}/{operation}` into the decoded runtime reference and
/// the operation.
pub fn parse_path(path: &str) -> Option<(String, Operation)> {
    let rest = path.strip_prefix("/runtimes/")?;
    if let Some(encoded) = rest.strip_suffix("/invocations/.well-known/agent-card.json") {
        return Some((percent_decode(encoded)?, Operation::GetAgentCard));
    }
    let (encoded, op) = rest.rsplit_once('/')?;
    let op = match op {
        "invocations" => Operation::Invoke,
        "stopruntimesession" => Operation::StopSession,
        "ws" => Operation::WebSocket,
        _ => return None,
    };
    Some((percent_decode(encoded)?, op))
}

/// `s` with its `%XX` escapes decoded; `None` when an escape is not one, or the result is not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The runtime name inside an ARN (`arn:...:runtime/<name>-<suffix>[/runtime-endpoint/...]`) or a
/// runtime ID (`<name>-<suffix>`), or a bare name. Names have no hyphens, so the name ends at the
/// first one.
pub fn runtime_name(reference: &str) -> &str {
    let id = match reference.split_once(":runtime/") {
        Some((_, rest)) => rest.split('/').next().unwrap_or(rest),
        None => reference,
    };
    id.split('-').next().unwrap_or(id)
}

pub use corestack_contract::session_id::LENGTH as SESSION_ID_LENGTH;
pub use corestack_contract::session_id::new as new_session_id;
pub(crate) use corestack_contract::session_id::problem as session_id_problem;

pub(crate) use corestack_text::first_chars;

/// An AWS-shaped error: status, `x-amzn-errortype` and a JSON `message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    /// The HTTP status.
    pub status: u16,
    /// The error type the SDKs map to an exception.
    pub kind: &'static str,
    /// The message.
    pub message: String,
}

impl AwsError {
    /// The quota of active sessions is reached (`n` are active).
    pub fn quota(n: usize) -> AwsError {
        AwsError {
            status: 402,
            kind: "ServiceQuotaExceededException",
            message: format!(
                "{n} sessions are active, the most this endpoint runs at once (--max-sessions; the service's quota of active session workloads); stop one (StopRuntimeSession) or wait for one to go idle"
            ),
        }
    }

    /// 400 ValidationException.
    pub fn validation(message: impl Into<String>) -> AwsError {
        AwsError { status: 400, kind: "ValidationException", message: message.into() }
    }
    /// 404 ResourceNotFoundException.
    pub fn not_found(message: impl Into<String>) -> AwsError {
        AwsError { status: 404, kind: "ResourceNotFoundException", message: message.into() }
    }
    /// 424 RuntimeClientError: the agent failed (start-up, crash, or an error status).
    pub fn runtime_client(message: impl Into<String>) -> AwsError {
        AwsError { status: 424, kind: "RuntimeClientError", message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_runtime_references() {
        let (r, op) = parse_path("/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fdemo_agent_dev-AbCdE12345/invocations").unwrap();
        assert_eq!((runtime_name(&r), op), ("demo_agent_dev", Operation::Invoke));
        let (r, op) = parse_path("/runtimes/demo_agent_dev-AbCdE12345/stopruntimesession").unwrap();
        assert_eq!((runtime_name(&r), op), ("demo_agent_dev", Operation::StopSession));
        assert_eq!(runtime_name("arn:aws:bedrock-agentcore:us-east-1:1:runtime/a_b-x/runtime-endpoint/prod"), "a_b");
        assert_eq!(runtime_name("demo_agent"), "demo_agent");
        assert_eq!(parse_path("/runtimes/x/other"), None);
        assert_eq!(parse_path("/ping"), None);
        let (r, op) = parse_path("/runtimes/peer_a2a-x/invocations/.well-known/agent-card.json").unwrap();
        assert_eq!((r.as_str(), op), ("peer_a2a-x", Operation::GetAgentCard));
        assert_eq!(parse_path("/runtimes/%zz/invocations"), None);
    }

    /// Issue 27, 3: the rules hold for IDs from any source, and nothing panics on multibyte text.
    #[test]
    fn session_ids_are_visible_ascii_of_33_to_256() {
        assert_eq!(session_id_problem("id", &"a".repeat(33)), None);
        assert_eq!(session_id_problem("id", &"~".repeat(256)), None);
        assert!(session_id_problem("id", "x").unwrap().contains("33 to 256"));
        assert!(session_id_problem("id", &"x".repeat(60_000)).unwrap().contains("has 60000"));
        let multibyte = format!("a\u{e9}{}", "b".repeat(40));
        assert!(session_id_problem("id", &multibyte).unwrap().contains("visible ASCII"));
        assert!(session_id_problem("id", &format!("{} b", "a".repeat(40))).is_some());
    }

    #[test]
    fn generated_session_ids_are_valid_and_distinct() {
        let a = new_session_id();
        assert_eq!(a.len(), 36);
        assert!(SESSION_ID_LENGTH.contains(&a.len()));
        assert_ne!(a, new_session_id());
    }
}
