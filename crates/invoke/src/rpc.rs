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

/// The most of one server-sent event (or of a whole JSON-RPC answer) the client holds: far past
/// any MCP or A2A answer, and a bound on a runtime that never ends one.
pub const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

/// Splits a stream of server-sent events into their `data` payloads as they complete. Each byte
/// is looked at once: the search for the blank line that ends an event goes on from where the
/// last chunk's search stopped.
#[derive(Debug, Default)]
pub struct EventReader {
    buffer: Vec<u8>,
    searched: usize,
}

impl EventReader {
    /// Takes the next bytes; returns the data of every event they complete, or an error when one
    /// event grows past [`MAX_EVENT_BYTES`].
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, String> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some((end, separator)) = find_blank_line(&self.buffer, self.searched.max(start)) {
            if let Some(data) = event_data(&self.buffer[start..end]) {
                events.push(data);
            }
            start = end + separator;
        }
        self.buffer.drain(..start);
        // A separator may straddle this chunk and the next: search its last three bytes again.
        self.searched = self.buffer.len().saturating_sub(3);
        if self.buffer.len() > MAX_EVENT_BYTES {
            return Err(format!(
                "the runtime sent a server-sent event over {} MiB with no end; stopped reading",
                MAX_EVENT_BYTES >> 20
            ));
        }
        Ok(events)
    }
}

/// The `data` lines of one event, joined; `None` for an event with none (a comment, say).
fn event_data(event: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(event);
    let data: Vec<&str> =
        text.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
    (!data.is_empty()).then(|| data.join("\n"))
}

/// Where the first blank line at or after `from` is: the end of the event and the separator's
/// length (`\n\n` or `\r\n\r\n`).
fn find_blank_line(b: &[u8], from: usize) -> Option<(usize, usize)> {
    (from..b.len()).find_map(|i| {
        let rest = &b[i..];
        if rest.starts_with(b"\n\n") {
            Some((i, 2))
        } else if rest.starts_with(b"\r\n\r\n") {
            Some((i, 4))
        } else {
            None
        }
    })
}

/// The JSON-RPC messages of a whole answer: one JSON document, or the events of a stream.
pub fn messages(body: &[u8]) -> Vec<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return vec![v];
    }
    let mut reader = EventReader::default();
    let mut events = reader.push(body).unwrap_or_default();
    events.extend(reader.push(b"\n\n").unwrap_or_default());
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
        assert!(r.push(b"data: {\"a\"").unwrap().is_empty());
        assert_eq!(r.push(b":1}\n\ndata: x\r\n\r\n: comment\n\n").unwrap(), ["{\"a\":1}", "x"]);
        assert!(r.push(b"data: y\r\n\r").unwrap().is_empty(), "a separator cut between chunks");
        assert_eq!(r.push(b"\ndata: z\n").unwrap(), ["y"]);
        assert_eq!(r.push(b"\n").unwrap(), ["z"]);
        assert_eq!(messages(b"data: {\"id\":1}\n\n"), vec![json!({"id": 1})]);
        assert_eq!(messages(b"{\"id\":2}"), vec![json!({"id": 2})]);
    }

    /// Issue 27, 8: 32 MB with no blank line, in 64 KiB chunks, once took 33 s (each chunk searched
    /// the whole buffer again); each byte is now searched once, and an event past the cap is refused.
    #[test]
    fn a_long_event_is_searched_once_and_capped() {
        let mut r = EventReader::default();
        let chunk = vec![b'a'; 64 * 1024];
        let started = std::time::Instant::now();
        for _ in 0..512 {
            assert!(r.push(&chunk).unwrap().is_empty());
            assert_eq!(r.searched, r.buffer.len() - 3, "the search goes on from where it stopped");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
        let too_long = (0..=512).map(|_| r.push(&chunk)).find_map(Result::err).expect("refused past the cap");
        assert!(too_long.contains("over 64 MiB"), "{too_long}");
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
