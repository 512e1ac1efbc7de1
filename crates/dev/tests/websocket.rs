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
