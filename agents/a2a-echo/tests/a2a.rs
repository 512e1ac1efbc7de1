//! a2a-echo with the A2A Python SDK, directly and through `corestack dev`:
//!
//! - the SDK's client resolves the agent card and sends a message, without and with streaming, on
//!   the agent itself, and through dev (the card through GetAgentCard, the messages through
//!   InvokeAgentRuntime, as a client of AgentCore sends them);
//! - the same raw JSON-RPC requests to a2a-echo and to its twin on the SDK's server
//!   (`python/a2a_echo.py`, with v0.3 compatibility on) get the same status codes, media types and
//!   answer shapes, for A2A 1.0 and 0.3.
//!
//! The Python side needs `a2a-sdk` in the repository's `.venv` (`scripts/test.sh` installs it).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use corestack_agent::testing::{
    AgentClient, Answer, Method, free_port, python_with, run_python_json, spawn_agent, wait_for_port,
};
use corestack_dev::{DevConfig, DevServer, LocalRuntime, Protocol};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/peer_a2a-localdev01";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python").join(name)
}

async fn client(python: PathBuf, args: Vec<String>) -> Value {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_python_json(&python, &script("a2a_client.py"), &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_a2a_sdk_client_talks_to_a2a_echo_directly_and_through_dev() {
    let test = "the_a2a_sdk_client_talks_to_a2a_echo_directly_and_through_dev";
    let Some(python) = python_with(&workspace(), test, "a2a.client, httpx") else { return };
    let expected = json!({"card": "a2a-echo", "streaming": true, "texts": ["echo: hello A2A"]});

    let port = free_port();
    let _agent = spawn_agent(env!("CARGO_BIN_EXE_a2a-echo").as_ref(), &[], port);
    wait_for_port(port).await;
    let direct = format!("http://127.0.0.1:{port}");
    assert_eq!(client(python.clone(), vec![direct.clone()]).await, expected);
    assert_eq!(client(python.clone(), vec![direct, "--stream".into()]).await, expected);

    let runtime = LocalRuntime {
        name: "peer_a2a".into(),
        aliases: vec![],
        command: vec![env!("CARGO_BIN_EXE_a2a-echo").into()],
        cwd: workspace(),
        environment: [("RUST_LOG".to_string(), "warn".to_string())].into(),
        idle_timeout: Duration::from_secs(60),
        max_lifetime: Duration::from_secs(600),
        header_allowlist: Vec::new(),
        protocol: Protocol::A2a,
    };
    let (url, _stop) =
        DevServer::new(DevConfig::new(vec![runtime]), Arc::new(|_: &str| {})).spawn_on_loopback().await.unwrap();
    let invocations = format!("{url}/runtimes/{}/invocations", ARN.replace(':', "%3A").replace('/', "%2F"));
    let rpc = format!("{invocations}?qualifier=DEFAULT");
    assert_eq!(client(python.clone(), vec![invocations.clone(), rpc.clone()]).await, expected);
    assert_eq!(client(python, vec![invocations, rpc, "--stream".into()]).await, expected);
}

fn media_type(a: &Answer) -> String {
    a.content_type().split(';').next().unwrap_or("").trim().to_string()
}

/// What must agree: the HTTP status, the media type, the JSON-RPC envelope's keys, the error code,
/// and the answer's message without its generated IDs. Error messages and details may differ.
fn shape(a: &Answer) -> Value {
    let body: Value = if media_type(a) == "text/event-stream" {
        let text = a.text();
        serde_json::from_str(text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("null")).unwrap_or_default()
    } else {
        serde_json::from_slice(&a.body).unwrap_or(Value::Null)
    };
    let mut envelope: Vec<String> = body.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    envelope.sort();
    let blank = |message: &mut Value| {
        if let Some(m) = message.as_object_mut() {
            for generated in ["messageId", "contextId"] {
                if let Some(v) = m.get_mut(generated) {
                    *v = json!(v.is_string());
                }
            }
        }
    };
    let mut result = body["result"].clone();
    blank(&mut result);
    if let Some(message) = result.get_mut("message") {
        blank(message);
    }
    json!({"status": a.status.as_u16(), "media_type": media_type(a), "envelope": envelope, "id": body["id"],
           "error_code": body["error"]["code"], "result": result})
}

/// A named JSON-RPC request: headers and body.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, String);

#[tokio::test(flavor = "multi_thread")]
async fn a2a_echo_matches_the_a2a_python_sdk() {
    let Some(python) = python_with(&workspace(), "a2a_echo_matches_the_a2a_python_sdk", "a2a.server, uvicorn") else {
        return;
    };
    let (rust_port, py_port) = (free_port(), free_port());
    let _rust = spawn_agent(env!("CARGO_BIN_EXE_a2a-echo").as_ref(), &[], rust_port);
    let twin = script("a2a_echo.py");
    let _py = spawn_agent(&python, &[twin.to_str().unwrap()], py_port);
    wait_for_port(rust_port).await;
    wait_for_port(py_port).await;
    let rust = AgentClient::new(format!("http://127.0.0.1:{rust_port}"));
    let py = AgentClient::new(format!("http://127.0.0.1:{py_port}"));

    let json_ct = ("content-type", "application/json");
    let v1 = ("a2a-version", "1.0");
    let sse = ("accept", "text/event-stream");
    let send_v1 = |method: &str, id: u32, extra: &str| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":{{"message":{{"messageId":"m{id}","role":"ROLE_USER",{extra}"parts":[{{"text":"hello "}},{{"text":"there"}}]}}}}}}"#
        )
    };
    let send_v03 = |method: &str, id: u32| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":{{"message":{{"kind":"message","messageId":"m{id}","role":"user","parts":[{{"kind":"text","text":"hi"}}]}}}}}}"#
        )
    };
    let cases: Vec<Case> = vec![
        ("1.0 SendMessage", vec![json_ct, v1], send_v1("SendMessage", 1, "")),
        ("1.0 SendMessage in a context", vec![json_ct, v1], send_v1("SendMessage", 2, r#""contextId":"ctx-1","#)),
        ("1.0 SendStreamingMessage", vec![json_ct, v1, sse], send_v1("SendStreamingMessage", 3, "")),
        ("1.0 GetTask", vec![json_ct, v1], r#"{"jsonrpc":"2.0","id":4,"method":"GetTask","params":{"id":"t"}}"#.into()),
        ("1.0 an unknown method", vec![json_ct, v1], r#"{"jsonrpc":"2.0","id":5,"method":"Nope","params":{}}"#.into()),
        ("1.0 no message", vec![json_ct, v1], r#"{"jsonrpc":"2.0","id":6,"method":"SendMessage","params":{}}"#.into()),
        ("a version nobody speaks", vec![json_ct, ("a2a-version", "2.0")], send_v1("SendMessage", 8, "")),
        ("0.3 message/send", vec![json_ct], send_v03("message/send", 9)),
        ("0.3 message/stream", vec![json_ct, sse], send_v03("message/stream", 10)),
        (
            "0.3 tasks/get",
            vec![json_ct],
            r#"{"jsonrpc":"2.0","id":11,"method":"tasks/get","params":{"id":"t"}}"#.into(),
        ),
        ("not JSON", vec![json_ct, v1], "{bad".into()),
        ("not an object", vec![json_ct, v1], "[1]".into()),
    ];
    let mut differences = Vec::new();
    for (name, headers, body) in &cases {
        let r = rust.call(Method::POST, "/", headers, body.clone()).await;
        let p = py.call(Method::POST, "/", headers, body.clone()).await;
        if shape(&r) != shape(&p) {
            differences.push(format!("{name}:\n  a2a-echo: {}\n  Python:   {}", shape(&r), shape(&p)));
        }
    }
    // The agent card: the same document but for the URL, which names each server's own port.
    let card = |a: Answer| {
        let mut c = a.json();
        c["supportedInterfaces"][0]["url"] = json!("<url>");
        c
    };
    let (rc, pc) = (
        card(rust.call(Method::GET, "/.well-known/agent-card.json", &[], "").await),
        card(py.call(Method::GET, "/.well-known/agent-card.json", &[], "").await),
    );
    if rc != pc {
        differences.push(format!("the agent card:\n  a2a-echo: {rc}\n  Python:   {pc}"));
    }
    assert!(differences.is_empty(), "the servers differ:\n{}", differences.join("\n"));

    // One deliberate difference: a 1.0 method without A2A-Version (which the AgentCore data plane
    // does not forward) is served as 1.0; the Python SDK refuses it as an unsupported 0.3 request.
    let bare = rust.call(Method::POST, "/", &[json_ct], send_v1("SendMessage", 7, "")).await;
    assert_eq!(bare.json()["result"]["message"]["parts"], json!([{"text": "echo: hello there"}]), "{}", bare.text());
    let refused = py.call(Method::POST, "/", &[json_ct], send_v1("SendMessage", 7, "")).await;
    assert_eq!(refused.json()["error"]["code"], -32009, "{}", refused.text());
}
