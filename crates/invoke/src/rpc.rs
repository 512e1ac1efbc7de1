//! The JSON-RPC payloads `corestack invoke` sends to MCP and A2A runtimes (InvokeAgentRuntime
//! carries them unchanged to the container's `/mcp` or `/`), and reading their answers, which
//! come as one JSON document or as server-sent events.

use serde_json::{Value, json};

/// What an MCP or A2A answer accepts: both forms, as the MCP Streamable HTTP transport asks.
pub const ACCEPT_JSON_OR_EVENTS: &str = "application/json, text/event-stream";

/// MCP `tools/list`.
pub fn mcp_list_tools() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).to_string()
}

/// MCP `tools/call` of `tool` with `arguments` (a JSON object).
pub fn mcp_call_tool(tool: &str, arguments: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
        .to_string()
}

/// A2A 1.0 `SendMessage` (or `SendStreamingMessage`) of one text part from the user.
pub fn a2a_send(text: &str, stream: bool, message_id: &str) -> String {
    let method = if stream { "SendStreamingMessage" } else { "SendMessage" };
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": {"message": {
        "messageId": message_id, "role": "ROLE_USER", "parts": [{"text": text}]
    }}})
    .to_string()
}

/// Splits a stream of server-sent events into their `data` payloads as they complete.
#[derive(Debug, Default)]
pub struct EventReader {
    buffer: Vec<u8>,
}

impl EventReader {
    /// Takes the next bytes; returns the data of every event they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = find_blank_line(&self.buffer) {
            let event: Vec<u8> = self.buffer.drain(..end.0 + end.1).collect();
            let text = String::from_utf8_lossy(&event[..end.0]);
            let data: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty() {
                events.push(data.join("\n"));
            }
        }
        events
    }
}

/// Where the first blank line is: the end of the event and the separator's length.
fn find_blank_line(b: &[u8]) -> Option<(usize, usize)> {
    let lf = b.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let crlf = b.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The JSON-RPC messages of a whole answer: one JSON document, or the events of a stream.
pub fn messages(body: &[u8]) -> Vec<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return vec![v];
    }
    let mut reader = EventReader::default();
    let mut events = reader.push(body);
    events.extend(reader.push(b"\n\n"));
    events.iter().filter_map(|e| serde_json::from_str(e).ok()).collect()
}

/// A JSON-RPC error answer, in words: `error <code>: <message>`.
pub fn rpc_error(message: &Value) -> Option<String> {
    let e = message.get("error")?;
    Some(format!("error {}: {}", e["code"], e["message"].as_str().unwrap_or("(no message)")))
}

/// The text parts of an A2A answer (1.0 `{"message": …}` or a 0.3 message), joined.
pub fn a2a_text(result: &Value) -> String {
    let message = result.get("message").unwrap_or(result);
    let parts = message.get("parts").and_then(Value::as_array).cloned().unwrap_or_default();
    parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_as_they_complete_whatever_the_chunks() {
        let mut r = EventReader::default();
        assert!(r.push(b"data: {\"a\"").is_empty());
        assert_eq!(r.push(b":1}\n\ndata: x\r\n\r\n: comment\n\n"), vec!["{\"a\":1}".to_string(), "x".to_string()]);
        assert_eq!(messages(b"data: {\"id\":1}\n\n"), vec![json!({"id": 1})]);
        assert_eq!(messages(b"{\"id\":2}"), vec![json!({"id": 2})]);
    }

    #[test]
    fn answers_read_in_words() {
        assert_eq!(a2a_text(&json!({"message": {"parts": [{"text": "a"}, {"text": "b"}]}})), "ab");
        assert_eq!(a2a_text(&json!({"kind": "message", "parts": [{"kind": "text", "text": "c"}]})), "c");
        assert_eq!(
            rpc_error(&json!({"error": {"code": -32601, "message": "Method not found"}})).unwrap(),
            "error -32601: Method not found"
        );
    }
}
