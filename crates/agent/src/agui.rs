//! AG-UI for AgentCore's AG-UI contract (port 8080: `POST /invocations` answered with
//! server-sent events, and `/ws`; AgentCore developer guide, `runtime-agui-protocol-contract`):
//! the run input and the lifecycle and text-message events as Rust types, with their wire form
//! (camelCase fields, a `type` tag such as `TEXT_MESSAGE_CONTENT`) as the AG-UI protocol defines
//! it. An event becomes an SSE item through [`crate::Response::stream`], or a WebSocket text
//! message through [`AgUiEvent::to_json`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What starts a run: AG-UI's `RunAgentInput` (the fields an agent of text needs; the rest kept).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAgentInput {
    /// The conversation.
    #[serde(default)]
    pub thread_id: String,
    /// This run.
    #[serde(default)]
    pub run_id: String,
    /// The messages so far.
    #[serde(default)]
    pub messages: Vec<InputMessage>,
    /// Everything else the client sent (state, tools, context, forwardedProps, ...).
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

/// One message of the input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InputMessage {
    /// Its ID.
    #[serde(default)]
    pub id: String,
    /// `user`, `assistant`, `system`, `tool`, ...
    #[serde(default)]
    pub role: String,
    /// Its text (absent for some roles).
    #[serde(default)]
    pub content: Option<Value>,
}

impl RunAgentInput {
    /// The text of the last user message (its `content` when it is a string, or the text parts
    /// of a content list).
    pub fn last_user_text(&self) -> Option<String> {
        let message = self.messages.iter().rev().find(|m| m.role == "user")?;
        match message.content.as_ref()? {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => {
                Some(parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join(""))
            }
            _ => None,
        }
    }
}

/// The events an agent of text sends, in AG-UI's wire form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgUiEvent {
    /// A run began.
    #[serde(rename_all = "camelCase")]
    RunStarted {
        /// The conversation.
        thread_id: String,
        /// The run.
        run_id: String,
    },
    /// An assistant message begins.
    #[serde(rename_all = "camelCase")]
    TextMessageStart {
        /// The message.
        message_id: String,
        /// `assistant`.
        role: String,
    },
    /// A piece of the message's text.
    #[serde(rename_all = "camelCase")]
    TextMessageContent {
        /// The message.
        message_id: String,
        /// The text (not empty).
        delta: String,
    },
    /// The message is complete.
    #[serde(rename_all = "camelCase")]
    TextMessageEnd {
        /// The message.
        message_id: String,
    },
    /// The run ended.
    #[serde(rename_all = "camelCase")]
    RunFinished {
        /// The conversation.
        thread_id: String,
        /// The run.
        run_id: String,
    },
    /// The run failed.
    #[serde(rename_all = "camelCase")]
    RunError {
        /// What went wrong.
        message: String,
        /// A code, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
}

impl AgUiEvent {
    /// The event as JSON (an SSE item's data, or a WebSocket message).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The events of a run that answers `text` as one assistant message, one content event per word
/// (words keep the whitespace before them, so the deltas join back into the text).
///
/// The events are made as they are pulled, so a run costs memory for its text and one event at
/// a time, however many words it has (collected first, a 16 MB prompt of short words cost
/// agui-echo 1.1 GB).
pub fn text_run(
    thread_id: &str,
    run_id: &str,
    message_id: &str,
    text: String,
) -> impl Iterator<Item = AgUiEvent> + Send + use<> {
    let (thread_id, run_id, message_id) = (thread_id.to_string(), run_id.to_string(), message_id.to_string());
    let content_id = message_id.clone();
    let head = [
        AgUiEvent::RunStarted { thread_id: thread_id.clone(), run_id: run_id.clone() },
        AgUiEvent::TextMessageStart { message_id: message_id.clone(), role: "assistant".into() },
    ];
    let deltas = Deltas { text, at: 0 };
    let tail = [AgUiEvent::TextMessageEnd { message_id }, AgUiEvent::RunFinished { thread_id, run_id }];
    head.into_iter()
        .chain(deltas.map(move |delta| AgUiEvent::TextMessageContent { message_id: content_id.clone(), delta }))
        .chain(tail)
}

/// The words of an owned text, each with the whitespace before it, one at a time.
struct Deltas {
    text: String,
    at: usize,
}

impl Iterator for Deltas {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let rest = &self.text[self.at..];
        if rest.is_empty() {
            return None;
        }
        let word = rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len());
        let end = rest[word..].find(char::is_whitespace).map_or(rest.len(), |e| word + e);
        self.at += end;
        Some(rest[..end].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_have_the_wire_form() {
        let e = AgUiEvent::TextMessageContent { message_id: "m".into(), delta: "hi".into() };
        assert_eq!(e.to_json(), json!({"type": "TEXT_MESSAGE_CONTENT", "messageId": "m", "delta": "hi"}));
        let e = AgUiEvent::RunStarted { thread_id: "t".into(), run_id: "r".into() };
        assert_eq!(e.to_json(), json!({"type": "RUN_STARTED", "threadId": "t", "runId": "r"}));
    }

    #[test]
    fn a_text_run_streams_one_delta_per_word_that_join_into_the_text() {
        let events: Vec<AgUiEvent> = text_run("t", "r", "m", "hello  big world".into()).collect();
        let deltas: Vec<String> = events
            .iter()
            .filter_map(|e| match e {
                AgUiEvent::TextMessageContent { delta, .. } => Some(delta.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(deltas, ["hello", "  big", " world"]);
        assert_eq!(deltas.concat(), "hello  big world");
        assert_eq!(events.len(), 7);
        let trailing: Vec<AgUiEvent> = text_run("t", "r", "m", " a  ".into()).collect();
        assert_eq!(trailing.len(), 6, "{trailing:?}");
        assert_eq!(text_run("t", "r", "m", String::new()).count(), 4);
    }

    #[test]
    fn the_last_user_message_is_read_from_string_or_parts() {
        let input: RunAgentInput = serde_json::from_value(json!({
            "threadId": "t", "runId": "r", "state": {}, "tools": [], "context": [], "forwardedProps": {},
            "messages": [{"id": "1", "role": "user", "content": "first"}, {"id": "2", "role": "assistant", "content": "x"},
                         {"id": "3", "role": "user", "content": [{"type": "text", "text": "sec"}, {"type": "text", "text": "ond"}]}]
        }))
        .unwrap();
        assert_eq!(input.last_user_text().as_deref(), Some("second"));
        assert!(input.rest.contains_key("forwardedProps"));
    }
}
