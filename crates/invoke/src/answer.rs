//! Reading a runtime's answer: printed as it arrives (a raw payload, or a streamed A2A answer's
//! text), or held whole, up to a cap, and read as MCP or A2A JSON-RPC. What a server wrote is
//! printed with its control characters escaped.

use std::io::Write;

use bytes::Bytes;
use corestack_text::{excerpt, one_line, printable};
use serde_json::Value;

use crate::rpc::{self, EventReader, MAX_EVENT_BYTES};

/// What was asked, which says how the answer is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// A payload as given; the answer printed as it arrives.
    Raw,
    /// MCP `tools/list`; the tools printed.
    McpTools,
    /// MCP `tools/call`; the tool's content printed.
    McpCall,
    /// An A2A message; the agent's text printed.
    A2a,
}

/// An answer that did not end well is the agent's (a local failure), but when the call itself failed.
impl corestack_aws::Blamed for AnswerError {
    fn blame(&self) -> corestack_aws::Blame {
        match self {
            AnswerError::Invoke(e) => corestack_aws::Blamed::blame(e),
            _ => corestack_aws::Blame::Local,
        }
    }
}

/// Why an answer did not end well.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// Reading stopped: the answer broke a limit.
    #[error("{0}")]
    Refused(String),
    /// The MCP server or A2A agent answered a JSON-RPC error.
    #[error("the {what} answered {error}")]
    Answered {
        /// `MCP server` or `A2A agent`.
        what: &'static str,
        /// The error, as an excerpt.
        error: String,
    },
    /// The answer is not JSON-RPC.
    #[error("the runtime's answer is not JSON-RPC: {0}")]
    NotJsonRpc(String),
    /// The tool answered `isError`; its content is printed.
    #[error("the tool answered an error (isError), printed above")]
    ToolError,
    /// The invocation itself failed.
    #[error(transparent)]
    Invoke(#[from] crate::InvokeError),
}

/// Where an answer's chunks go as they arrive.
#[derive(Debug)]
pub struct Sink {
    ask: Ask,
    stream: bool,
    /// The last byte printed, to end the output with a newline.
    pub last: u8,
    collected: Vec<u8>,
    events: EventReader,
    stream_errors: Vec<String>,
    /// Why reading stopped, when the sink stopped it.
    refused: Option<String>,
}

impl Sink {
    /// A sink for the answer to `ask` (`stream`: the answer was asked for as events).
    pub fn new(ask: Ask, stream: bool) -> Sink {
        let (collected, events) = (Vec::new(), EventReader::default());
        Sink { ask, stream, last: b'\n', collected, events, stream_errors: Vec::new(), refused: None }
    }

    /// Takes one chunk of the answer.
    pub fn take(&mut self, chunk: Bytes, stdout: &mut dyn Write) -> std::io::Result<()> {
        match self.ask {
            Ask::Raw => {
                self.last = chunk.last().copied().unwrap_or(self.last);
                stdout.write_all(&chunk)?;
            }
            // A streamed A2A answer: each event's text as it comes.
            Ask::A2a if self.stream => {
                let events = self.events.push(&chunk).map_err(|e| self.refuse(e))?;
                for event in events {
                    let Ok(message) = serde_json::from_str::<Value>(&event) else { continue };
                    match rpc::rpc_error(&message) {
                        Some(e) => self.stream_errors.push(e),
                        None => {
                            let text = rpc::a2a_text(&message["result"]);
                            self.last = text.as_bytes().last().copied().unwrap_or(self.last);
                            stdout.write_all(printable(&text).as_bytes())?;
                        }
                    }
                }
            }
            _ if self.collected.len() + chunk.len() > MAX_EVENT_BYTES => {
                let why = format!(
                    "the runtime's answer is over {} MiB, past any MCP or A2A answer; stopped reading \
                     (invoke with a JSON payload instead of --mcp or --a2a to see it as it comes)",
                    MAX_EVENT_BYTES >> 20
                );
                return Err(self.refuse(why));
            }
            _ => self.collected.extend_from_slice(&chunk),
        }
        stdout.flush()
    }

    fn refuse(&mut self, why: String) -> std::io::Error {
        let error = std::io::Error::other(why.clone());
        self.refused = Some(why);
        error
    }

    /// What to report for an invocation that ended in `error`: why the sink stopped reading,
    /// when it did.
    pub fn failure(&mut self, error: crate::InvokeError) -> AnswerError {
        match self.refused.take() {
            Some(why) => AnswerError::Refused(why),
            None => AnswerError::Invoke(error),
        }
    }

    /// Once the answer is complete: what a held answer says, printed, or the error it carried.
    pub fn finish(self, out: &mut dyn Write) -> Result<(), AnswerError> {
        if let Some(e) = self.stream_errors.into_iter().next() {
            return Err(answered("A2A agent", &e));
        }
        if self.ask == Ask::Raw || (self.ask == Ask::A2a && self.stream) {
            return Ok(());
        }
        let messages = rpc::messages(&self.collected);
        let Some(answer) = messages.iter().rev().find(|m| m.get("result").is_some() || m.get("error").is_some()) else {
            let text = String::from_utf8_lossy(&self.collected);
            return Err(AnswerError::NotJsonRpc(excerpt(&text, 2000)));
        };
        let what = if self.ask == Ask::A2a { "A2A agent" } else { "MCP server" };
        if let Some(e) = rpc::rpc_error(answer) {
            return Err(answered(what, &e));
        }
        print_result(&self.ask, &answer["result"], out)
    }
}

fn answered(what: &'static str, error: &str) -> AnswerError {
    AnswerError::Answered { what, error: excerpt(error, 2000) }
}

fn print_result(ask: &Ask, result: &Value, out: &mut dyn Write) -> Result<(), AnswerError> {
    match ask {
        Ask::McpTools => print_tools(result, out),
        Ask::McpCall => {
            for item in result["content"].as_array().into_iter().flatten() {
                let _ = match item["text"].as_str() {
                    Some(text) => writeln!(out, "{}", printable(text)),
                    None => writeln!(out, "{}", printable(&item.to_string())),
                };
            }
            if result["isError"] == Value::Bool(true) {
                return Err(AnswerError::ToolError);
            }
        }
        _ => {
            let _ = writeln!(out, "{}", printable(&rpc::a2a_text(result)));
        }
    }
    Ok(())
}

/// Each tool: its name and description, then its arguments (name, type, required), each on one
/// line whatever the server put in them.
fn print_tools(result: &Value, out: &mut dyn Write) {
    let text = |v: &Value| one_line(v.as_str().unwrap_or("")).into_owned();
    for tool in result["tools"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "{}  {}", text(&tool["name"]), text(&tool["description"]));
        let schema = &tool["inputSchema"];
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            let kind = property["type"].as_str().map_or("any".into(), one_line);
            let need = if required.contains(&name.as_str()) { ", required" } else { "" };
            let _ = writeln!(out, "    {} ({kind}{need})", one_line(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(failure: AnswerError) -> String {
        failure.to_string()
    }

    /// Issue 27, 8: a tool list with terminal escapes printed them raw.
    #[test]
    fn a_tool_list_prints_escapes_as_text() {
        let tools = json!({"tools": [{
            "name": "evil\u{1b}[2J", "description": "wipes\nthe screen\u{7}",
            "inputSchema": {"properties": {"x\u{1b}]0;title\u{7}": {"type": "string"}}, "required": []}
        }]});
        let mut out = Vec::new();
        print_tools(&tools, &mut out);
        let printed = String::from_utf8(out).unwrap();
        assert_eq!(printed, "evil\\u{1b}[2J  wipes\\nthe screen\\u{7}\n    x\\u{1b}]0;title\\u{7} (string)\n");
    }

    /// Issue 27, 8: a 300 MB answer that is not JSON-RPC was held whole and printed to stderr.
    #[test]
    fn a_held_answer_stops_at_the_cap_and_an_error_shows_an_excerpt() {
        let mut sink = Sink::new(Ask::McpTools, false);
        let chunk = Bytes::from(vec![b'<'; 1 << 20]);
        let mut stdout = Vec::new();
        let stopped = (0..=64).map(|_| sink.take(chunk.clone(), &mut stdout)).find_map(Result::err);
        assert!(stopped.is_some(), "the 65th MiB is refused");
        assert!(sink.collected.len() <= MAX_EVENT_BYTES);
        let error = message(sink.failure(crate::InvokeError::Stream("x".into())));
        assert!(error.contains("over 64 MiB"), "{error}");

        let mut sink = Sink::new(Ask::McpTools, false);
        sink.take(Bytes::from(format!("\u{1b}[31m{}", "x".repeat(10_000))), &mut stdout).unwrap();
        let error = message(sink.finish(&mut stdout).unwrap_err());
        assert!(error.contains("not JSON-RPC: \\u{1b}[31mxxx"), "{error}");
        assert!(error.len() < 2200 && error.contains("(10005 bytes in all)"), "{error}");
    }
}
