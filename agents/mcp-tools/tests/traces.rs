//! mcp-tools' spans, as a local OTLP receiver gets them: each MCP request is an `invocation`
//! server span with the protocol, the JSON-RPC method, both session IDs and the status,
//! continuing the caller's `traceparent`.

use corestack_agent::testing::otlp::{attribute, hex, receiver, spawn_exporting, wait_for_span};
use corestack_agent::testing::{AgentClient, Method, free_port, wait_for_port};

#[tokio::test(flavor = "multi_thread")]
async fn each_mcp_request_is_a_span_with_its_method() {
    let (collector, spans) = receiver().await;
    let port = free_port();
    let _agent = spawn_exporting(env!("CARGO_BIN_EXE_mcp-tools").as_ref(), port, &collector);
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

    let span = wait_for_span(&spans, "invocation").await;
    assert_eq!(hex(&span.trace_id), trace_id);
    assert_eq!(hex(&span.parent_span_id), "b7ad6b7169203331");
    assert_eq!(attribute(&span, "agentcore.protocol").as_deref(), Some("MCP"));
    assert_eq!(attribute(&span, "mcp.method.name").as_deref(), Some("tools/call"));
    assert_eq!(attribute(&span, "mcp.session.id").as_deref(), Some("platform-session-0123456789abcdef"));
    assert_eq!(attribute(&span, "session.id").as_deref(), Some("mcp-trace-session-0123456789abcdef0123"));
    assert_eq!(attribute(&span, "http.response.status_code").as_deref(), Some("200"));
}
