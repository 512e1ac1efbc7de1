//! `agui-echo`: an AG-UI agent for AgentCore Runtime (protocol `AGUI`, port 8080). For a prompt
//! (the last user message of an AG-UI `RunAgentInput`, or `{"prompt": ...}`) it streams a run:
//! `RUN_STARTED`, `TEXT_MESSAGE_START`, one `TEXT_MESSAGE_CONTENT` per word of the prompt,
//! `TEXT_MESSAGE_END`, `RUN_FINISHED`. On `POST /invocations` the events are server-sent events;
//! on `/ws` each text message starts a run whose events come back as text messages.

use std::convert::Infallible;

use corestack_agent::agui::{AgUiEvent, RunAgentInput, text_run};
use corestack_agent::ws::{WebSocket, WsMessage};
use corestack_agent::{Config, Request, Response, Runtime, handler_fn};
use serde_json::Value;

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The run a payload asks for: its thread and run IDs (made when absent) and its prompt.
fn events_for(payload: Value) -> impl Iterator<Item = AgUiEvent> + Send + use<> {
    let prompt = payload.get("prompt").and_then(Value::as_str).map(str::to_string);
    let input: RunAgentInput = serde_json::from_value(payload).unwrap_or_default();
    let text = prompt.or_else(|| input.last_user_text()).unwrap_or_default();
    let thread = if input.thread_id.is_empty() { new_id() } else { input.thread_id };
    let run = if input.run_id.is_empty() { new_id() } else { input.run_id };
    text_run(&thread, &run, &new_id(), text)
}

async fn invoke(req: Request) -> Result<Response, Infallible> {
    let events = events_for(req.payload).map(|e| Ok::<_, Infallible>(e.to_json()));
    Ok(Response::stream(futures_util::stream::iter(events)))
}

/// Each text message (a `RunAgentInput`, `{"prompt": ...}`, or plain text) starts a run.
async fn ws_runs(mut ws: WebSocket) {
    while let Some(Ok(WsMessage::Text(text))) = ws.recv().await {
        let payload = serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "prompt": text }));
        for event in events_for(payload) {
            if ws.send(WsMessage::Text(event.to_json().to_string())).await.is_err() {
                return;
            }
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Some(code) =
        corestack_agent::about!("an AG-UI agent that streams a run echoing the prompt").answer_command_line()
    {
        return code;
    }
    corestack_agent::init_logging();
    let served = match Config::from_env() {
        Ok(config) => Runtime::new(handler_fn(invoke)).with_config(config).with_websocket(ws_runs).run().await,
        Err(e) => Err(e),
    };
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agui-echo: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
