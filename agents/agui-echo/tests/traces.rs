//! agui-echo's invocation spans say the protocol is AG-UI: the service speaks to it on the same
//! port and path as HTTP, so the span takes the protocol from `CORESTACK_PROTOCOL`, which corestack
//! sets in every runtime's environment (and `corestack dev` passes the same).

use std::time::{Duration, Instant};

use corestack_agent::testing::otlp::{attribute, receiver};
use corestack_agent::testing::{AgentClient, Process, free_port};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_invocation_span_records_the_ag_ui_protocol() {
    let (url, spans) = receiver().await;
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_agui-echo"))
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("CORESTACK_PROTOCOL", "AGUI")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &url)
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _agent = Process(child);
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    assert!(client.wait_ready(Duration::from_secs(10)).await);
    let session = [("x-amzn-bedrock-agentcore-runtime-session-id", "agui-trace-session-0123456789abcdef01234")];
    let run = json!({"threadId": "t", "runId": "r", "messages": [{"id": "m", "role": "user", "content": "hi"}]});
    assert_eq!(client.invoke(&run, &session).await.status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let span = loop {
        if let Some(s) = spans.lock().unwrap().iter().find(|s| s.name == "invocation").cloned() {
            break s;
        }
        assert!(Instant::now() < deadline, "no invocation span after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(attribute(&span, "agentcore.protocol").as_deref(), Some("AGUI"));
    assert_eq!(attribute(&span, "session.id").as_deref(), Some("agui-trace-session-0123456789abcdef01234"));
}
