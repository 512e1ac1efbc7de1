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
        forward_authorization: false,
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
