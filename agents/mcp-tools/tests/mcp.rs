//! mcp-tools with MCP clients nobody here wrote, directly and through `corestack dev`:
//!
//! - the Python MCP SDK's Streamable HTTP client lists and calls the tools, on the agent's own
//!   `/mcp` and on dev's InvokeAgentRuntime URL (`/runtimes/<ARN>/invocations?qualifier=DEFAULT`),
//!   as against AWS;
//! - boto3's `invoke_agent_runtime` carries an MCP `tools/call` as its payload through dev;
//! - the same raw requests to mcp-tools and to its twin on the Python SDK's server
//!   (`python/mcp_tools.py`) get the same status codes, media types and result shapes.
//!
//! The Python side needs `mcp` and `boto3` in the repository's `.venv` (`scripts/test.sh`
//! installs them); without them the tests fail under CI and are counted as skipped elsewhere.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use corestack_agent::testing::{
    AgentClient, Answer, Method, free_port, python_with, run_python_json, spawn_agent, wait_for_port,
};
use corestack_dev::{DevConfig, DevServer, LocalRuntime, Protocol};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/tools_mcp-localdev01";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python(test: &str, modules: &str) -> Option<PathBuf> {
    python_with(&workspace(), test, modules)
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python").join(name)
}

/// `corestack dev`'s server with mcp-tools as an MCP runtime, on a free port.
async fn dev() -> (String, tokio::sync::oneshot::Sender<()>) {
    let runtime = LocalRuntime {
        name: "tools_mcp".into(),
        aliases: vec![],
        command: vec![env!("CARGO_BIN_EXE_mcp-tools").into()],
        cwd: workspace(),
        environment: [("RUST_LOG".to_string(), "warn".to_string())].into(),
        idle_timeout: Duration::from_secs(60),
        max_lifetime: Duration::from_secs(600),
        header_allowlist: Vec::new(),
        protocol: Protocol::Mcp,
    };
    DevServer::new(DevConfig::new(vec![runtime]), Arc::new(|_: &str| {})).spawn_on_loopback().await.unwrap()
}

fn encoded_arn() -> String {
    ARN.replace(':', "%3A").replace('/', "%2F")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_mcp_client_lists_and_calls_the_tools_directly_and_through_dev() {
    let test = "the_python_mcp_client_lists_and_calls_the_tools_directly_and_through_dev";
    let Some(python) = python(test, "mcp") else { return };
    let expected = json!({"server": "mcp-tools", "tools": ["add", "echo"], "add": ["42"], "add_error": false, "echo": ["hello MCP"]});

    let port = free_port();
    let _agent = spawn_agent(env!("CARGO_BIN_EXE_mcp-tools").as_ref(), &[], port);
    wait_for_port(port).await;
    let direct = tokio::task::spawn_blocking({
        let python = python.clone();
        move || run_python_json(&python, &script("mcp_client.py"), &[&format!("http://127.0.0.1:{port}/mcp")])
    });
    assert_eq!(direct.await.unwrap(), expected);

    // Through dev, with the URL a client uses against AWS (here without SigV4, which dev
    // accepts unverified): the session comes from Mcp-Session-Id, as the service gives it.
    let (url, _stop) = dev().await;
    let through = format!("{url}/runtimes/{}/invocations?qualifier=DEFAULT", encoded_arn());
    let via_dev = tokio::task::spawn_blocking(move || run_python_json(&python, &script("mcp_client.py"), &[&through]));
    assert_eq!(via_dev.await.unwrap(), expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn boto3_invoke_agent_runtime_carries_a_tools_call_through_dev() {
    let test = "boto3_invoke_agent_runtime_carries_a_tools_call_through_dev";
    let Some(python) = python(test, "boto3") else { return };
    let (url, _stop) = dev().await;
    let script = format!(
        "import boto3, json\n\
         c = boto3.client('bedrock-agentcore', region_name='us-east-1', endpoint_url='{url}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         call = {{'jsonrpc': '2.0', 'id': 7, 'method': 'tools/call', 'params': {{'name': 'add', 'arguments': {{'a': 20, 'b': 22}}}}}}\n\
         r = c.invoke_agent_runtime(agentRuntimeArn='{ARN}', runtimeSessionId='boto3-mcp-session-0123456789abcdef0123', payload=json.dumps(call), contentType='application/json', accept='application/json, text/event-stream')\n\
         print(json.dumps({{'contentType': r['contentType'], 'mcpSessionId': r.get('mcpSessionId'), 'answer': json.loads(r['response'].read())}}))\n"
    );
    let out = tokio::task::spawn_blocking(move || Command::new(python).args(["-c", &script]).output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["contentType"], "application/json", "{got}");
    // The service names the MCP session after the runtime session when the caller gave none.
    assert_eq!(got["mcpSessionId"], "boto3-mcp-session-0123456789abcdef0123", "{got}");
    assert_eq!(got["answer"]["id"], 7, "{got}");
    assert_eq!(got["answer"]["result"]["content"], json!([{"type": "text", "text": "42"}]), "{got}");
}

/// A named request to `/mcp`: its headers and body.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

fn media_type(a: &Answer) -> String {
    a.content_type().split(';').next().unwrap_or("").trim().to_string()
}

/// What must agree between the servers: JSON-RPC envelope keys, the error code, the result's
/// keys, and (for tool results) the content; server names, descriptions and schemas' wording may
/// differ. So may `structuredContent`: the Python server declares an output schema for a tool
/// that returns a string, and adds it; MCP makes both optional, and the text content agrees.
fn shape(a: &Answer) -> Value {
    let body: Value = if media_type(a) == "text/event-stream" {
        let text = a.text();
        let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("null");
        serde_json::from_str(data).unwrap_or(Value::Null)
    } else {
        serde_json::from_slice(&a.body).unwrap_or(Value::Null)
    };
    let keys = |v: &Value| {
        v.as_object()
            .map(|m| m.keys().filter(|k| *k != "structuredContent").cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let result = &body["result"];
    let tools: Vec<Value> = result["tools"]
        .as_array()
        .map(|t| t.iter().map(|t| json!({"name": t["name"], "required": t["inputSchema"]["required"]})).collect())
        .unwrap_or_default();
    json!({
        "status": a.status.as_u16(),
        "media_type": media_type(a),
        "envelope": keys(&body),
        "id": body["id"],
        "error_code": body["error"]["code"],
        "result_keys": keys(result),
        "tools": tools,
        "content": result["content"],
        "is_error": result["isError"],
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_tools_matches_the_python_mcp_server() {
    let Some(python) = python("mcp_tools_matches_the_python_mcp_server", "mcp") else { return };
    let (rust_port, py_port) = (free_port(), free_port());
    let _rust = spawn_agent(env!("CARGO_BIN_EXE_mcp-tools").as_ref(), &[], rust_port);
    let twin = script("mcp_tools.py");
    let _py = spawn_agent(&python, &[twin.to_str().unwrap()], py_port);
    wait_for_port(rust_port).await;
    wait_for_port(py_port).await;
    let rust = AgentClient::new(format!("http://127.0.0.1:{rust_port}"));
    let py = AgentClient::new(format!("http://127.0.0.1:{py_port}"));

    let accept = ("accept", "application/json, text/event-stream");
    let json_ct = ("content-type", "application/json");
    let version = ("mcp-protocol-version", "2025-06-18");
    let platform_session = ("mcp-session-id", "platform-made-session-0123456789abcdef");
    let initialize = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"conformance","version":"1"}}}"#;
    let cases: Vec<Case> = vec![
        ("initialize", vec![accept, json_ct], initialize),
        ("tools/list", vec![accept, json_ct, version], r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#),
        (
            "tools/call add, with the platform's Mcp-Session-Id",
            vec![accept, json_ct, version, platform_session],
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}"#,
        ),
        (
            "tools/call echo",
            vec![accept, json_ct, version],
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#,
        ),
        ("an unknown method", vec![accept, json_ct, version], r#"{"jsonrpc":"2.0","id":5,"method":"no/such"}"#),
        ("not JSON", vec![accept, json_ct, version], "{not json"),
        ("an Accept without JSON or SSE", vec![("accept", "text/plain"), json_ct], initialize),
    ];
    let mut differences = Vec::new();
    for (name, headers, body) in &cases {
        let r = rust.call(Method::POST, "/mcp", headers, body.to_string()).await;
        let p = py.call(Method::POST, "/mcp", headers, body.to_string()).await;
        if shape(&r) != shape(&p) {
            differences.push(format!("{name}:\n  mcp-tools: {}\n  Python:    {}", shape(&r), shape(&p)));
        }
    }
    assert!(differences.is_empty(), "the servers differ:\n{}", differences.join("\n"));
}
