//! `echo-agent`: the smallest complete AgentCore agent, used by tests and benchmarks.
//!
//! - `POST /invocations` with JSON `P` answers `{"echo": P, "session_id": <session header or null>}`.
//! - With `Accept: text/event-stream` it streams one event `{"delta": W}` per whitespace-separated
//!   word `W` of `P.prompt`, in order.
//! - If `P.background_ms` is a number, it starts a tracked background task of that many
//!   milliseconds, so `/ping` says `HealthyBusy` until it ends.
//! - On `/ws` (WebSocket), every text message `M` comes back as `{"echo": M}`, and every binary
//!   message as itself.

use std::convert::Infallible;
use std::time::Duration;

use corestack_agent::ws::{WebSocket, WsMessage};
use corestack_agent::{Config, Request, Response, Runtime, handler_fn};
use serde_json::{Value, json};

async fn echo(req: Request) -> Result<Response, Infallible> {
    let Request { payload, context } = req;
    if let Some(ms) = payload.get("background_ms").and_then(Value::as_f64) {
        let ms = ms.max(0.0) as u64;
        context.health.spawn("background_ms", tokio::time::sleep(Duration::from_millis(ms)));
    }
    if context.accepts_event_stream {
        // Each word is made when the connection can take it: memory stays at the prompt's size,
        // however many words it has.
        let prompt = match payload {
            Value::Object(mut m) => match m.remove("prompt") {
                Some(Value::String(s)) => s,
                _ => String::new(),
            },
            _ => String::new(),
        };
        let words = Words { text: prompt, at: 0 }.map(|w| Ok::<_, Infallible>(json!({ "delta": w })));
        return Ok(Response::stream(futures_util::stream::iter(words)));
    }
    Ok(Response::Json(json!({ "echo": payload, "session_id": context.session_id })))
}

/// Echoes each message of a WebSocket connection until the peer closes it.
async fn ws_echo(mut ws: WebSocket) {
    while let Some(Ok(message)) = ws.recv().await {
        let answer = match message {
            WsMessage::Text(text) => WsMessage::Text(json!({ "echo": text }).to_string()),
            binary => binary,
        };
        if ws.send(answer).await.is_err() {
            break;
        }
    }
}

/// The whitespace-separated words of an owned text, one at a time.
struct Words {
    text: String,
    at: usize,
}

impl Iterator for Words {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let rest = &self.text[self.at..];
        let start = rest.find(|c: char| !c.is_whitespace())?;
        let len = rest[start..].find(char::is_whitespace).unwrap_or(rest.len() - start);
        self.at += start + len;
        Some(rest[start..start + len].to_string())
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Some(code) = corestack_agent::about!("echoes each invocation's payload").answer_command_line() {
        return code;
    }
    corestack_agent::init_logging();
    let served = match Config::from_env() {
        Ok(config) => Runtime::new(handler_fn(echo)).with_config(config).with_websocket(ws_echo).run().await,
        Err(e) => Err(e),
    };
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-agent: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
