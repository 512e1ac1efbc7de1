//! echo-agent's spans, captured by a local OTLP/HTTP receiver that decodes them with the
//! protocol's own generated messages (`opentelemetry-proto`): one server span per invocation,
//! continuing the trace of the request's `traceparent`, with the session ID; and a dead collector
//! changes nothing for the caller.

use std::time::{Duration, Instant};

use corestack_agent::testing::otlp::{attribute, hex, receiver, recording_receiver};
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
    // No CORESTACK_PROTOCOL here: the runtime speaks HTTP unless corestack says otherwise.
    assert_eq!(attribute(continued, "agentcore.protocol").as_deref(), Some("HTTP"));
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

/// The signature a request should carry, computed again from what arrived: the same method, URL,
/// signed headers and body, at the time its `x-amz-date` says.
fn expected_authorization(url: &str, head: &corestack_agent::testing::otlp::Received) -> String {
    let (method, path, headers, body) = head;
    let authorization = headers["authorization"].to_str().unwrap();
    let signed: Vec<&str> =
        authorization.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap().split(';').collect();
    let date = headers["x-amz-date"].to_str().unwrap();
    let time = aws_smithy_types::DateTime::from_str(date, aws_smithy_types::date_time::Format::DateTime)
        .or_else(|_| {
            let iso = format!(
                "{}-{}-{}T{}:{}:{}Z",
                &date[0..4],
                &date[4..6],
                &date[6..8],
                &date[9..11],
                &date[11..13],
                &date[13..15]
            );
            aws_smithy_types::DateTime::from_str(&iso, aws_smithy_types::date_time::Format::DateTime)
        })
        .unwrap();
    let identity = aws_credential_types::Credentials::from_keys("AKIDSPANS", "span-secret", None).into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("xray")
        .time(std::time::SystemTime::try_from(time).unwrap())
        .settings(aws_sigv4::http_request::SigningSettings::default())
        .build()
        .unwrap();
    let kept: Vec<(&str, &str)> =
        signed.iter().filter(|h| **h != "x-amz-date").map(|h| (*h, headers[*h].to_str().unwrap())).collect();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        method.as_str(),
        format!("{url}{path}"),
        kept.into_iter(),
        aws_sigv4::http_request::SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params.into()).unwrap().into_parts();
    let (headers, _) = instructions.into_parts();
    headers.iter().find(|h| h.name() == "authorization").unwrap().value().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn export_to_an_aws_otlp_endpoint_is_signed_with_sigv4() {
    let (url, spans, requests) = recording_receiver().await;
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_echo-agent"))
        .env_clear()
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", format!("{url}/v1/traces"))
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        // The stand-in is not xray.<region>.amazonaws.com, so name the service to sign for.
        .env("CORESTACK_OTLP_SIGV4_SERVICE", "xray")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDSPANS")
        .env("AWS_SECRET_ACCESS_KEY", "span-secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _agent = Process(child);
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    assert!(client.wait_ready(Duration::from_secs(10)).await);
    assert_eq!(client.invoke(&json!({"prompt": "signed"}), &[]).await.status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while spans.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no spans after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = requests.lock().unwrap()[0].clone();
    let authorization = first.2["authorization"].to_str().unwrap().to_string();
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDSPANS/"), "{authorization}");
    assert!(authorization.contains("/us-east-1/xray/aws4_request"), "{authorization}");
    assert_eq!(authorization, expected_authorization(&url, &first), "the signature is SigV4's for this request");
}
