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
pub fn text_run(thread_id: &str, run_id: &str, message_id: &str, text: &str) -> Vec<AgUiEvent> {
    let mut events = vec![
        AgUiEvent::RunStarted { thread_id: thread_id.into(), run_id: run_id.into() },
        AgUiEvent::TextMessageStart { message_id: message_id.into(), role: "assistant".into() },
    ];
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() && i > start && !text[start..i].trim().is_empty() {
            events.push(AgUiEvent::TextMessageContent { message_id: message_id.into(), delta: text[start..i].into() });
            start = i;
        }
    }
    if start < text.len() {
        events.push(AgUiEvent::TextMessageContent { message_id: message_id.into(), delta: text[start..].into() });
    }
    events.push(AgUiEvent::TextMessageEnd { message_id: message_id.into() });
    events.push(AgUiEvent::RunFinished { thread_id: thread_id.into(), run_id: run_id.into() });
    events
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
        let events = text_run("t", "r", "m", "hello  big world");
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
