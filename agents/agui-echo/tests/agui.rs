//! agui-echo with the AG-UI protocol's own Python package: every event it streams, over SSE on
//! `/invocations` and over `/ws`, validates against the package's Event models, in the order an
//! AG-UI client expects, directly and through `corestack dev` (InvokeAgentRuntime and the data
//! plane's WebSocket).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use corestack_agent::testing::{free_port, python_with, run_python_json, spawn_agent, wait_for_port};
use corestack_dev::{DevConfig, DevServer, LocalRuntime, Protocol};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/chat_agui-localdev01";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn check(python: PathBuf, args: Vec<String>) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/agui_client.py");
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_python_json(&python, &script, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_validates_against_the_ag_ui_package_over_sse_and_websocket() {
    let test = "every_event_validates_against_the_ag_ui_package_over_sse_and_websocket";
    let Some(python) = python_with(&workspace(), test, "ag_ui.core, httpx, websockets") else { return };
    let run = json!({
        "types": ["RUN_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_CONTENT",
                  "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "RUN_FINISHED"],
        "text": "stream these four words",
        "ids": ["thread-1/run-1"],
    });
    let expected = json!({"sse": run, "ws": run});

    let port = free_port();
    let _agent = spawn_agent(env!("CARGO_BIN_EXE_agui-echo").as_ref(), &[], port);
    wait_for_port(port).await;
    let direct = vec![format!("http://127.0.0.1:{port}/invocations"), format!("ws://127.0.0.1:{port}/ws")];
    assert_eq!(check(python.clone(), direct).await, expected);

    let runtime = LocalRuntime {
        name: "chat_agui".into(),
        aliases: vec![],
        command: vec![env!("CARGO_BIN_EXE_agui-echo").into()],
        cwd: workspace(),
        environment: [("RUST_LOG".to_string(), "warn".to_string())].into(),
        idle_timeout: Duration::from_secs(60),
        max_lifetime: Duration::from_secs(600),
        header_allowlist: Vec::new(),
        protocol: Protocol::Agui,
    };
    let (url, _stop) =
        DevServer::new(DevConfig::new(vec![runtime]), Arc::new(|_: &str| {})).spawn_on_loopback().await.unwrap();
    let runtime_path = format!("/runtimes/{}", ARN.replace(':', "%3A").replace('/', "%2F"));
    let through = vec![
        format!("{url}{runtime_path}/invocations?qualifier=DEFAULT"),
        format!(
            "{}{runtime_path}/ws?X-Amzn-Bedrock-AgentCore-Runtime-Session-Id=agui-ws-session-0123456789abcdef01234",
            url.replace("http://", "ws://")
        ),
    ];
    assert_eq!(check(python, through).await, expected);
}

/// Peak resident memory of a process, in MB (VmHWM).
fn peak_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// How often `needle` occurs in a stream read to its end, holding one chunk at a time.
async fn count_in_stream(mut stream: impl tokio::io::AsyncRead + Unpin, needle: &[u8]) -> usize {
    use tokio::io::AsyncReadExt;
    let (mut carry, mut chunk, mut count) = (Vec::new(), vec![0u8; 64 * 1024], 0);
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            return count;
        }
        carry.extend_from_slice(&chunk[..n]);
        count += carry.windows(needle.len()).filter(|w| *w == needle).count();
        carry.drain(..carry.len().saturating_sub(needle.len() - 1));
    }
}

/// A run of a million words costs memory for the prompt and one event at a time, over SSE and
/// over `/ws` (collected first, a 16 MB prompt cost 1.1 GB over SSE and an 8 MB message 557 MB).
#[tokio::test]
async fn a_long_run_is_made_as_it_is_sent_over_sse_and_websocket() {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::AsyncWriteExt;
    use tokio_tungstenite::tungstenite::Message;
    let port = free_port();
    let agent = spawn_agent(env!("CARGO_BIN_EXE_agui-echo").as_ref(), &[], port);
    wait_for_port(port).await;
    let prompt = vec!["a"; 1_000_000].join(" ");
    let body = json!({ "prompt": prompt }).to_string();
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /invocations HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body.as_bytes()).await.unwrap();
    assert_eq!(count_in_stream(tcp, b"TEXT_MESSAGE_CONTENT").await, 1_000_000);

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws")).await.unwrap();
    ws.send(Message::text(prompt)).await.unwrap();
    let mut contents = 0;
    while let Some(message) = ws.next().await {
        let text = message.unwrap().into_text().unwrap();
        contents += usize::from(text.contains("TEXT_MESSAGE_CONTENT"));
        if text.contains("RUN_FINISHED") {
            break;
        }
    }
    assert_eq!(contents, 1_000_000);
    let peak = peak_mb(agent.0.id());
    eprintln!("agui-echo peaked at {peak} MB for a million events over SSE and WebSocket");
    assert!(peak < 80, "agui-echo peaked at {peak} MB streaming a million events");
}
