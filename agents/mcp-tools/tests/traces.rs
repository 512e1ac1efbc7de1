//! mcp-tools' spans, as a local OTLP receiver gets them: each MCP request is an `invocation`
//! server span with the protocol, the JSON-RPC method, both session IDs and the status,
//! continuing the caller's `traceparent`.

use std::time::{Duration, Instant};

use corestack_agent::testing::otlp::{attribute, hex, receiver};
use corestack_agent::testing::{AgentClient, Method, Process, free_port, wait_for_port};

#[tokio::test(flavor = "multi_thread")]
async fn each_mcp_request_is_a_span_with_its_method() {
    let (collector, spans) = receiver().await;
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-tools"))
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("RUST_LOG", "warn")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _agent = Process(child);
    wait_for_port(port).await;
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("mcp-protocol-version", "2025-06-18"),
        ("mcp-session-id", "platform-session-0123456789abcdef"),
        ("x-amzn-bedrock-agentcore-runtime-session-id", "mcp-trace-session-0123456789abcdef0123"),
        ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ];
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#;
    let answer = client.call(Method::POST, "/mcp", &headers, call).await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text());

    let deadline = Instant::now() + Duration::from_secs(10);
    let span = loop {
        if let Some(s) = spans.lock().unwrap().iter().find(|s| s.name == "invocation").cloned() {
            break s;
        }
        assert!(Instant::now() < deadline, "no span after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(hex(&span.trace_id), trace_id);
    assert_eq!(hex(&span.parent_span_id), "b7ad6b7169203331");
    assert_eq!(attribute(&span, "agentcore.protocol").as_deref(), Some("MCP"));
    assert_eq!(attribute(&span, "mcp.method.name").as_deref(), Some("tools/call"));
    assert_eq!(attribute(&span, "mcp.session.id").as_deref(), Some("platform-session-0123456789abcdef"));
    assert_eq!(attribute(&span, "session.id").as_deref(), Some("mcp-trace-session-0123456789abcdef0123"));
    assert_eq!(attribute(&span, "http.response.status_code").as_deref(), Some("200"));
}
