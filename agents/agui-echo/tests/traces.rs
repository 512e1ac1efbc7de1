//! agui-echo's invocation spans say the protocol is AG-UI: the service speaks to it on the same
//! port and path as HTTP, so the span takes the protocol from `CORESTACK_PROTOCOL`, which corestack
//! sets in every runtime's environment (and `corestack dev` passes the same).

use std::time::Duration;

use corestack_agent::testing::otlp::{attribute, receiver, spawn_exporting_with, wait_for_span};
use corestack_agent::testing::{AgentClient, free_port};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_invocation_span_records_the_ag_ui_protocol() {
    let (url, spans) = receiver().await;
    let port = free_port();
    let program = std::path::Path::new(env!("CARGO_BIN_EXE_agui-echo"));
    let _agent = spawn_exporting_with(program, port, &url, &[("CORESTACK_PROTOCOL", "AGUI")]);
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    assert!(client.wait_ready(Duration::from_secs(10)).await);
    let session = [("x-amzn-bedrock-agentcore-runtime-session-id", "agui-trace-session-0123456789abcdef01234")];
    let run = json!({"threadId": "t", "runId": "r", "messages": [{"id": "m", "role": "user", "content": "hi"}]});
    assert_eq!(client.invoke(&run, &session).await.status, 200);
    let span = wait_for_span(&spans, "invocation").await;
    assert_eq!(attribute(&span, "agentcore.protocol").as_deref(), Some("AGUI"));
    assert_eq!(attribute(&span, "session.id").as_deref(), Some("agui-trace-session-0123456789abcdef01234"));
}
