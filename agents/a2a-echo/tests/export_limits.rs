//! Span export costs bounded memory whatever callers send and whatever the collector does: a
//! megabyte context ID is exported cut short, a collector that never answers holds no more than
//! the queue's byte budget, and a collector that answers a quarter of a gigabyte is read to a cap.

use corestack_agent::testing::otlp::{attribute, receiver, spawn_exporting, wait_for_span};
use corestack_agent::testing::{AgentClient, Method, free_port, wait_for_port};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Peak resident memory of a process, in MB (VmHWM).
fn peak_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

fn message(context_id: &str) -> String {
    serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": {
        "messageId": "m", "role": "ROLE_USER", "contextId": context_id, "parts": [{"text": "hi"}]
    }}})
    .to_string()
}

const HEADERS: [(&str, &str); 2] = [("content-type", "application/json"), ("a2a-version", "1.0")];

/// A collector that reads every request and answers with `answer` (then `filler` bytes, as a
/// body of that length), or never answers when `answer` is `None`.
async fn raw_collector(answer: Option<u64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut read, mut write) = stream.into_split();
                tokio::spawn(async move { while read.read(&mut [0; 65536]).await.is_ok_and(|n| n > 0) {} });
                let Some(length) = answer else { return std::future::pending::<()>().await };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: {length}\r\n\r\n"
                );
                let _ = write.write_all(head.as_bytes()).await;
                let chunk = vec![0u8; 1 << 20];
                while write.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_context_id_is_exported_cut_to_the_value_limit() {
    let (collector, spans) = receiver().await;
    let port = free_port();
    let _agent = spawn_exporting(env!("CARGO_BIN_EXE_a2a-echo").as_ref(), port, &collector);
    wait_for_port(port).await;
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    let context_id = "é".repeat(512 * 1024);
    let answer = client.call(Method::POST, "/", &HEADERS, message(&context_id)).await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text().chars().take(200).collect::<String>());
    let span = wait_for_span(&spans, "invocation").await;
    let exported = attribute(&span, "a2a.context.id").unwrap();
    assert_eq!(exported.chars().count(), 2048, "cut to OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT's default");
    assert!(context_id.starts_with(&exported));
}

/// 200 spans with a 1 MB context ID each, to a collector that never answers: they were all held
/// (about 200 MB, 1.9 GB for a thousand); now each is cut and the queue keeps its byte budget.
#[tokio::test(flavor = "multi_thread")]
async fn a_collector_that_never_answers_holds_only_the_queue_budget() {
    let collector = raw_collector(None).await;
    let port = free_port();
    let agent = spawn_exporting(env!("CARGO_BIN_EXE_a2a-echo").as_ref(), port, &collector);
    wait_for_port(port).await;
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    let body = message(&"c".repeat(1 << 20));
    for _ in 0..200 {
        let answer = client.call(Method::POST, "/", &HEADERS, body.clone()).await;
        assert_eq!(answer.status.as_u16(), 200);
    }
    let peak = peak_mb(agent.0.id());
    println!("peak with a silent collector: {peak} MB");
    assert!(peak < 80, "the agent peaked at {peak} MB");
}

/// A collector answering 256 MB: the exporter reads 64 KiB of it and gives up on the rest.
#[tokio::test(flavor = "multi_thread")]
async fn a_huge_collector_answer_is_read_to_a_cap() {
    let collector = raw_collector(Some(256 << 20)).await;
    let port = free_port();
    let agent = spawn_exporting(env!("CARGO_BIN_EXE_a2a-echo").as_ref(), port, &collector);
    wait_for_port(port).await;
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    for _ in 0..5 {
        let answer = client.call(Method::POST, "/", &HEADERS, message("ctx")).await;
        assert_eq!(answer.status.as_u16(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let peak = peak_mb(agent.0.id());
    println!("peak with a 256 MB collector answer: {peak} MB");
    assert!(peak < 60, "the agent peaked at {peak} MB");
}
