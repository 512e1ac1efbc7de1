//! echo-agent's spans, captured by a local OTLP/HTTP receiver that decodes them with the
//! protocol's own generated messages (`opentelemetry-proto`): one server span per invocation,
//! continuing the trace of the request's `traceparent`, with the session ID; and a dead collector
//! changes nothing for the caller.

use std::time::{Duration, Instant};

use corestack_agent::testing::otlp::{attribute, hex, receiver};
use corestack_agent::testing::{AgentClient, Process, free_port};
use serde_json::json;

fn start(collector: &str) -> (Process, AgentClient) {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_echo-agent"))
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
        .env("OTEL_SERVICE_NAME", "echo-agent")
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
        // Quiet logs must not lose the spans.
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (Process(child), AgentClient::new(format!("http://127.0.0.1:{port}")))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_invocation_is_a_span_continuing_the_callers_trace() {
    let (url, spans) = receiver().await;
    let (_agent, client) = start(&url);
    assert!(client.wait_ready(Duration::from_secs(10)).await);
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_id = "00f067aa0ba902b7";
    let session = "trace-session-0123456789abcdef0123456789";
    let headers = [
        ("traceparent", format!("00-{trace_id}-{parent_id}-01")),
        ("x-amzn-bedrock-agentcore-runtime-session-id", session.to_string()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = client.invoke(&json!({"prompt": "hi"}), &headers).await;
    assert_eq!(answer.status, 200);
    let other = client.invoke(&json!({"prompt": "no parent"}), &[]).await;
    assert_eq!(other.status, 200);
    let xray = [("x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")];
    assert_eq!(client.invoke(&json!({"prompt": "x-ray"}), &xray).await.status, 200);

    let deadline = Instant::now() + Duration::from_secs(10);
    while spans.lock().unwrap().iter().filter(|s| s.name == "invocation").count() < 3 {
        assert!(Instant::now() < deadline, "no spans after 10 s: {:?}", spans.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let spans = spans.lock().unwrap().clone();
    let continued = spans.iter().find(|s| hex(&s.trace_id) == trace_id).expect("a span in the caller's trace");
    assert_eq!(continued.name, "invocation");
    assert_eq!(hex(&continued.parent_span_id), parent_id);
    assert_eq!(continued.kind, 2, "SPAN_KIND_SERVER");
    assert_eq!(attribute(continued, "session.id").as_deref(), Some(session));
    assert_eq!(attribute(continued, "http.response.status_code").as_deref(), Some("200"));
    let from_xray =
        spans.iter().find(|s| hex(&s.trace_id) == "5759e988bd862e3fe1be46a994272793").expect("X-Ray's trace");
    assert_eq!(hex(&from_xray.parent_span_id), "53995c3f42cd8ad8");
    let fresh = spans.iter().filter(|s| s.name == "invocation").find(|s| s.parent_span_id.is_empty());
    assert!(fresh.is_some(), "a request without a trace header starts a trace");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_collector_changes_nothing_for_the_caller() {
    // A port nothing listens on.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (_agent, client) = start(&dead);
    assert!(client.wait_ready(Duration::from_secs(10)).await);
    for i in 0..50 {
        let answer = client.invoke(&json!({"n": i}), &[]).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["echo"]["n"], i);
    }
}
