//! a2a-echo's spans, as a local OTLP receiver gets them: each message is an `invocation` server
//! span with the protocol, the session and the context, continuing the caller's `traceparent`.

use corestack_agent::testing::otlp::{attribute, hex, receiver, spawn_exporting, wait_for_span};
use corestack_agent::testing::{AgentClient, Method, free_port, wait_for_port};

#[tokio::test(flavor = "multi_thread")]
async fn each_message_is_a_span_in_the_callers_trace() {
    let (collector, spans) = receiver().await;
    let port = free_port();
    let _agent = spawn_exporting(env!("CARGO_BIN_EXE_a2a-echo").as_ref(), port, &collector);
    wait_for_port(port).await;
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    let headers = [
        ("content-type", "application/json"),
        ("a2a-version", "1.0"),
        ("x-amzn-bedrock-agentcore-runtime-session-id", "a2a-trace-session-0123456789abcdef0123"),
        ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ];
    let send = r#"{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","contextId":"ctx-7","parts":[{"text":"hi"}]}}}"#;
    let answer = client.call(Method::POST, "/", &headers, send).await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text());

    let span = wait_for_span(&spans, "invocation").await;
    assert_eq!(hex(&span.trace_id), "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(hex(&span.parent_span_id), "b7ad6b7169203331");
    assert_eq!(attribute(&span, "agentcore.protocol").as_deref(), Some("A2A"));
    assert_eq!(attribute(&span, "a2a.context.id").as_deref(), Some("ctx-7"));
    assert_eq!(attribute(&span, "session.id").as_deref(), Some("a2a-trace-session-0123456789abcdef0123"));
}
