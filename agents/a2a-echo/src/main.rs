//! `a2a-echo`: an A2A agent for AgentCore Runtime (protocol `A2A`) that answers every message with
//! one text part, `echo: <the text>`, on JSON-RPC at `POST /` on port 9000, with its agent card
//! at `/.well-known/agent-card.json`.
//!
//! The card names the agent's URL: `AGENTCORE_RUNTIME_URL` when set (the runtime's invocation
//! URL: corestack's deploy and dev set it; the service does not), else this machine's.

use corestack_agent::BoxError;
use corestack_agent::a2a::{A2A_PORT, A2aRuntime, AgentCard, AgentSkill, TextMessage};

async fn echo(message: TextMessage) -> Result<String, BoxError> {
    Ok(format!("echo: {}", message.text))
}

fn card() -> AgentCard {
    let port = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(A2A_PORT);
    let url = std::env::var("AGENTCORE_RUNTIME_URL").unwrap_or_else(|_| format!("http://127.0.0.1:{port}/"));
    let skill = AgentSkill {
        id: "echo".into(),
        name: "echo".into(),
        description: "Echoes the text".into(),
        tags: vec!["echo".into()],
    };
    AgentCard::text_agent("a2a-echo", "Answers every message with its text, after 'echo: '", &url, skill)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Some(code) = corestack_agent::about!("an A2A agent that echoes each message").answer_command_line() {
        return code;
    }
    corestack_agent::init_logging();
    match A2aRuntime::new(card(), echo).run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("a2a-echo: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
