//! The request `corestack invoke`'s flags ask for: what it is (which says how the answer is
//! read), its payload, and its `Accept`.

use serde_json::Value;

use crate::answer::Ask;
use crate::{InvokeError, rpc};

/// What the caller asked to send.
#[derive(Clone, Copy, Debug)]
pub enum Asked<'a> {
    /// An MCP request, as words: `list-tools`, or `call TOOL [ARGUMENTS]`.
    Mcp(&'a [String]),
    /// An A2A message.
    A2a {
        /// Its text.
        text: &'a str,
        /// The A2A context it belongs to.
        session: &'a str,
    },
    /// A payload as given (it must be JSON).
    Payload(&'a str),
}

/// A request ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// What it is.
    pub ask: Ask,
    /// Its body.
    pub payload: String,
    /// Its `Accept` header.
    pub accept: String,
}

fn refused(message: String) -> InvokeError {
    InvokeError::Flag(message)
}

impl Request {
    /// The request for `asked`; `stream` asks for an event stream where the kind allows one.
    pub fn new(asked: Asked<'_>, stream: bool) -> Result<Request, InvokeError> {
        let accept = if stream { "text/event-stream" } else { "application/json" }.to_string();
        let (ask, payload, accept) = match asked {
            Asked::Mcp(words) => mcp(words)?,
            Asked::A2a { text, session } => (Ask::A2a, rpc::a2a_send(text, stream, session), accept),
            Asked::Payload(payload) => {
                if let Err(e) = serde_json::from_str::<Value>(payload) {
                    return Err(refused(format!(
                        "the payload is not JSON: {e}\n    fix: pass a JSON document, e.g. '{{\"prompt\": \"hello\"}}'"
                    )));
                }
                (Ask::Raw, payload.to_string(), accept)
            }
        };
        Ok(Request { ask, payload, accept })
    }
}

fn mcp(words: &[String]) -> Result<(Ask, String, String), InvokeError> {
    let accept = rpc::ACCEPT_JSON_OR_EVENTS.to_string();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["list-tools"] => Ok((Ask::McpTools, rpc::mcp_list_tools(), accept)),
        ["call", tool, rest @ ..] => {
            let arguments: Value = match rest.first() {
                None => Value::Object(Default::default()),
                Some(text) => serde_json::from_str(text).map_err(|e| {
                    refused(format!(
                        "--mcp call {tool}: the arguments are not JSON: {e}\n    fix: pass a JSON object, e.g. '{{\"a\": 1}}'"
                    ))
                })?,
            };
            if !arguments.is_object() {
                return Err(refused(format!(
                    "--mcp call {tool}: the arguments must be a JSON object, not {arguments}\n    fix: e.g. '{{\"text\": \"hello\"}}'"
                )));
            }
            Ok((Ask::McpCall, rpc::mcp_call_tool(tool, arguments), accept))
        }
        other => Err(refused(format!(
            "--mcp {}: not an MCP request corestack sends\n    fix: --mcp list-tools, or --mcp call TOOL '{{\"argument\": ...}}'",
            other.join(" ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corestack_aws::Blamed;

    #[test]
    fn each_kind_gets_its_body_and_accept() {
        let tools = Request::new(Asked::Mcp(&["list-tools".into()]), false).unwrap();
        assert_eq!((tools.ask, tools.accept.as_str()), (Ask::McpTools, rpc::ACCEPT_JSON_OR_EVENTS));
        let raw = Request::new(Asked::Payload("{\"prompt\": 1}"), true).unwrap();
        assert_eq!((raw.ask, raw.accept.as_str()), (Ask::Raw, "text/event-stream"));
        let a2a = Request::new(Asked::A2a { text: "hi", session: "s" }, false).unwrap();
        assert_eq!(a2a.ask, Ask::A2a);
    }

    #[test]
    fn bad_flags_say_what_and_how_to_fix() {
        let words = ["call".to_string(), "echo".into(), "[1]".into()];
        let e = Request::new(Asked::Mcp(&words), false).unwrap_err().to_string();
        assert!(e.contains("must be a JSON object") && e.contains("fix:"), "{e}");
        let e = Request::new(Asked::Payload("not json"), false).unwrap_err().to_string();
        assert!(e.starts_with("the payload is not JSON") && e.contains("fix:"), "{e}");
        assert_eq!(Request::new(Asked::Mcp(&["ping".into()]), false).unwrap_err().blame(), corestack_aws::Blame::Input);
    }
}
