//! The echo-agent binary, started as a process the way AgentCore starts a container.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use corestack_agent::testing::AgentClient;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Agent {
    child: Child,
    port: u16,
    client: AgentClient,
    logs: std::sync::mpsc::Receiver<String>,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the agent on a free port and reads the port from its first log line.
fn start() -> Agent {
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-agent"))
        .env("PORT", "0")
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let log: serde_json::Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    assert_eq!(log["fields"]["message"], "agent listening", "{first}");
    let port = log["fields"]["address"].as_str().unwrap().rsplit(':').next().unwrap().parse().unwrap();
    // Keep reading the logs so the agent never blocks on a full pipe.
    let (tx, logs) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    Agent { child, port, client: AgentClient::new(format!("http://127.0.0.1:{port}")), logs }
}

#[tokio::test]
async fn echoes_the_payload_and_the_session() {
    let a = start();
    let session = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-extra";
    let r = a
        .client
        .invoke(
            &json!({"prompt": "hi there", "n": [1, 2]}),
            &[("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", session)],
        )
        .await;
    assert_eq!((r.status.as_u16(), r.content_type()), (200, "application/json"));
    assert_eq!(r.json(), json!({"echo": {"prompt": "hi there", "n": [1, 2]}, "session_id": session}));
    let r = a.client.invoke(&json!("just a string"), &[("Accept", "application/json")]).await;
    assert_eq!(r.json(), json!({"echo": "just a string", "session_id": null}));
}

#[tokio::test]
async fn streams_one_delta_per_word() {
    let a = start();
    let r = a.client.invoke(&json!({"prompt": "  the quick\tbrown\nfox "}), &[("Accept", "text/event-stream")]).await;
    assert_eq!((r.status.as_u16(), r.content_type()), (200, "text/event-stream"));
    assert_eq!(
        r.text(),
        "data: {\"delta\":\"the\"}\n\ndata: {\"delta\":\"quick\"}\n\ndata: {\"delta\":\"brown\"}\n\ndata: {\"delta\":\"fox\"}\n\n"
    );
    let r = a.client.invoke(&json!({"no": "prompt"}), &[("Accept", "text/event-stream")]).await;
    assert_eq!((r.status.as_u16(), r.text()), (200, String::new()));
}

#[tokio::test]
async fn background_ms_keeps_ping_busy_until_it_ends() {
    let a = start();
    assert_eq!(a.client.ping().await.json()["status"], "Healthy");
    let r = a.client.invoke(&json!({"background_ms": 400}), &[]).await;
    assert_eq!(r.status.as_u16(), 200, "the invocation does not wait for the task");
    assert_eq!(a.client.ping().await.json()["status"], "HealthyBusy");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(a.client.ping().await.json()["status"], "Healthy");
}

#[tokio::test]
async fn sigterm_drains_the_request_in_flight_then_exits_zero() {
    let mut a = start();
    assert!(a.client.wait_ready(Duration::from_secs(5)).await);
    let body = br#"{"prompt":"last words"}"#;
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", a.port)).await.unwrap();
    let head = format!(
        "POST /invocations HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = Command::new("kill").args(["-TERM", &a.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(a.child.try_wait().unwrap().is_none(), "still draining");
    tcp.write_all(&body[5..]).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with(r#"{"echo":{"prompt":"last words"},"session_id":null}"#), "{answer}");
    let code = tokio::task::spawn_blocking(move || {
        let code = a.child.wait().unwrap();
        std::mem::forget(a);
        code
    })
    .await
    .unwrap();
    assert_eq!(code.code(), Some(0));
}

#[tokio::test]
async fn log_lines_are_json_with_the_session_and_request_ids() {
    let a = start();
    let session = "log-session-0123456789abcdef0123456789";
    let headers = [
        ("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", session),
        ("X-Amzn-Bedrock-AgentCore-Runtime-Request-Id", "req-42"),
    ];
    assert_eq!(a.client.invoke(&json!({"prompt": "log me"}), &headers).await.status.as_u16(), 200);
    let line = loop {
        let line = a.logs.recv_timeout(Duration::from_secs(5)).expect("a log line for the invocation");
        if line.contains("invocation completed") {
            break line;
        }
    };
    let log: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["level"], "INFO");
    assert_eq!(log["span"]["session_id"], session, "{line}");
    assert_eq!(log["span"]["request_id"], "req-42", "{line}");
    assert_eq!(log["fields"]["status"], 200);
}

/// `--help` and `--version` answer and exit: they do not start serving on 0.0.0.0:8080.
#[test]
fn help_and_version_answer_without_serving() {
    for (flag, says) in [("--help", "echo-agent 0.1.0: echoes"), ("--version", "echo-agent 0.1.0")] {
        let out = Command::new(env!("CARGO_BIN_EXE_echo-agent")).arg(flag).env("PORT", "1").output().unwrap();
        assert!(out.status.success(), "{flag}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with(says),
            "{flag}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_echo-agent")).arg("--bind").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Peak resident memory of a process, in MB (VmHWM).
fn peak_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// A streamed answer of a million events costs memory for the prompt and one event at a time,
/// not for every event at once (it peaked near 1 GB when the words were collected first).
#[tokio::test]
async fn a_long_stream_is_made_as_it_is_sent() {
    let agent = start();
    let prompt = vec!["ab"; 1_000_000].join(" ");
    let body = json!({ "prompt": prompt }).to_string();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", agent.port)).await.unwrap();
    let request = format!(
        "POST /invocations HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    let events = answer.windows(8).filter(|w| w == b"data: {\"").count();
    assert_eq!(events, 1_000_000);
    let peak = peak_mb(agent.child.id());
    assert!(peak < 150, "echo-agent peaked at {peak} MB streaming a million events");
}

/// Issue 27, 10: 15 MB of small objects parsed to 1.43 GB in any agent (about 95 times, in a
/// debug build). Its parsed cost is estimated first, and over the SDK's budget it is refused.
#[tokio::test]
async fn a_payload_that_would_parse_to_gigabytes_is_refused_before_parsing() {
    let agent = start();
    let objects = format!(r#"{{"prompt": "hi", "items": [{}0]}}"#, r#"{"a":1},"#.repeat(15_000_000 / 8));
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", agent.port)).await.unwrap();
    let request = format!(
        "POST /invocations HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{objects}",
        objects.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("would take about 1455 MB parsed, over the agent's 1073 MB"), "{answer}");
    let peak = peak_mb(agent.child.id());
    println!("echo-agent peaked at {peak} MB refusing 15 MB of small objects");
    assert!(peak < 150, "echo-agent peaked at {peak} MB");
}

/// Issue 27, 15: an agent out of file descriptors logged about 89 "accept failed" lines a
/// second; it now backs off to a try a second and logs once every ten seconds.
#[tokio::test]
async fn an_agent_out_of_descriptors_backs_off_and_logs_rarely() {
    let port = corestack_agent::testing::free_port();
    let command = format!("ulimit -n 16; exec {}", env!("CARGO_BIN_EXE_echo-agent"));
    let agent = std::process::Command::new("sh")
        .args(["-c", &command])
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let agent = corestack_agent::testing::Process(agent);
    corestack_agent::testing::wait_for_port(port).await;
    let held: Vec<std::net::TcpStream> =
        (0..40).filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok()).collect();
    assert!(held.len() >= 16, "{} connections", held.len());
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let pid = agent.0.id();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    drop(held);
    let mut agent = agent;
    let mut log = String::new();
    std::io::Read::read_to_string(agent.0.stdout.as_mut().unwrap(), &mut log).unwrap();
    let lines = log.lines().filter(|l| l.contains("accept failed")).count();
    println!("{lines} accept-failed lines in 3 s out of descriptors");
    assert!((1..=2).contains(&lines), "{lines} lines: {log}");
}
