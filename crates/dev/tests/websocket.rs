//! The data plane's WebSocket through `corestack dev`, with clients nobody here wrote: the
//! Python `websockets` package connecting with the URL that the `bedrock-agentcore` SDK's
//! `AgentCoreRuntimeClient` presigns (SigV4 in the query, the session ID as a query parameter;
//! only the host swapped for loopback), to echo-agent's `/ws`.

mod support;

use std::process::Command;

use support::{ARN, echo_dev, workspace};

#[tokio::test(flavor = "multi_thread")]
async fn a_presigned_websocket_url_reaches_the_sessions_agent() {
    let test = "a_presigned_websocket_url_reaches_the_sessions_agent";
    let Some(python) = corestack_agent::testing::python_with(&workspace(), test, "websockets, bedrock_agentcore")
    else {
        return;
    };
    let dev = echo_dev(60, 600).await;
    let session = "websocket-session-0123456789abcdef0123456789";
    let script = format!(
        r#"
import asyncio, json, websockets
from bedrock_agentcore.runtime import AgentCoreRuntimeClient
url = AgentCoreRuntimeClient(region="us-east-1").generate_presigned_url(runtime_arn="{ARN}", session_id="{session}", custom_headers={{"X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team": "blue"}})
assert url.startswith("wss://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/"), url
assert "X-Amz-Signature=" in url, url
local = url.replace("wss://bedrock-agentcore.us-east-1.amazonaws.com", "{base}")
async def main():
    async with websockets.connect(local) as ws:
        await ws.send("hello")
        text = json.loads(await ws.recv())
        await ws.send(b"\x00\x01")
        binary = await ws.recv()
    print(json.dumps({{"text": text, "binary": list(binary)}}))
asyncio.run(main())
"#,
        base = dev.url.replace("http://", "ws://")
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-c", &script])
            .env("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got, serde_json::json!({"text": {"echo": "hello"}, "binary": [0, 1]}));
    // The session came from the query: one session, with that ID, ran the agent.
    let lines = dev.shutdown().await;
    let opened: Vec<&String> = lines.iter().filter(|l| l.contains("websocket open")).collect();
    assert_eq!(opened.len(), 1, "{lines:#?}");
    assert!(opened[0].contains(&session[..8]), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("websocket closed after 4 message(s)")), "{lines:#?}");
}

/// Issue 27, 15: messages over 16 MiB closed silently through dev while the agent SDK takes
/// 100 MB. One limit now, both ways, and past it both sides are closed with 1009 and a reason.
#[tokio::test(flavor = "multi_thread")]
async fn websocket_messages_up_to_the_sdks_limit_pass_and_larger_ones_close_with_a_reason() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    assert_eq!(corestack_dev::MAX_WS_MESSAGE_BYTES, corestack_agent::MAX_PAYLOAD_BYTES, "one limit");
    let dev = echo_dev(60, 600).await;
    let arn: String = ARN
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let url = format!(
        "{}/runtimes/{arn}/ws?X-Amzn-Bedrock-AgentCore-Runtime-Session-Id=ws-limit-session-0123456789abcdef0123",
        dev.url.replace("http://", "ws://")
    );
    let config = WebSocketConfig::default().max_message_size(None).max_frame_size(None);
    let stream = tokio::net::TcpStream::connect(dev.url.trim_start_matches("http://")).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config)).await.unwrap();

    let (mut tx, mut rx) = ws.split();
    let large = vec![7u8; 17 << 20];
    tx.send(Message::Binary(large.clone().into())).await.unwrap();
    match rx.next().await {
        Some(Ok(Message::Binary(back))) => assert_eq!(back.len(), large.len(), "17 MiB came back whole"),
        other => panic!("17 MiB did not come back: {other:?}"),
    }

    // Sent from a task of its own: dev stops reading it at the frame's header.
    let too_big = Message::Binary(vec![7u8; corestack_dev::MAX_WS_MESSAGE_BYTES + 1].into());
    let sending = tokio::spawn(async move { tx.send(too_big).await });
    match rx.next().await {
        Some(Ok(Message::Close(Some(close)))) => {
            assert_eq!(close.code, CloseCode::Size);
            assert_eq!(close.reason.as_str(), "the caller sent a message over 100 MB, the limit");
        }
        other => panic!("no close with a reason: {other:?}"),
    }
    sending.abort();
    let closed = |lines: &[String]| lines.iter().any(|l| l.contains("websocket closed after 2 message(s)"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !closed(&dev.lines.lock().unwrap()) {
        assert!(std::time::Instant::now() < deadline, "{:#?}", dev.lines.lock().unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    dev.shutdown().await;
}

/// The agent SDK's own side of the limit: a message past 100 MB sent straight to an agent's `/ws`
/// is answered with a close, 1009 and a reason.
#[tokio::test(flavor = "multi_thread")]
async fn the_agent_sdk_closes_a_websocket_message_past_its_limit_with_a_reason() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    let port = corestack_agent::testing::free_port();
    let _agent = corestack_agent::testing::spawn_agent(&support::echo_agent(), &[], port);
    corestack_agent::testing::wait_for_port(port).await;
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/ws"), stream).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    let too_big = Message::Binary(vec![1u8; corestack_agent::MAX_PAYLOAD_BYTES + 1].into());
    let sending = tokio::spawn(async move { tx.send(too_big).await });
    match rx.next().await {
        Some(Ok(Message::Close(Some(close)))) => {
            assert_eq!(close.code, CloseCode::Size);
            assert_eq!(close.reason.as_str(), "a message over 100 MB, the limit");
        }
        other => panic!("no close with a reason: {other:?}"),
    }
    sending.abort();
}
