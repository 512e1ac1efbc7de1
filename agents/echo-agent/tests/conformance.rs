//! The same requests against echo-agent and against its twin on the Python SDK (`python/echo_app.py`,
//! `BedrockAgentCoreApp`): status codes, media types and body shapes must agree.
//!
//! The Python side needs the `bedrock-agentcore` package; `scripts/test.sh` installs it into `.venv`.
//! Set CORESTACK_PY_AGENT_PYTHON to another interpreter to use that one. When no interpreter with the
//! package exists, the test fails under CI and is counted as skipped elsewhere.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use corestack_agent::testing::{AgentClient, Answer, Method};
use serde_json::{Value, json};

/// A named request: headers and body, sent to `/invocations`.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>);

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("CORESTACK_PY_AGENT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    let ok = Command::new(&candidate)
        .args(["-c", "import bedrock_agentcore"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(candidate)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn(program: &std::path::Path, args: &[&str], port: u16) -> Proc {
    Proc(
        Command::new(program)
            .args(args)
            .env("PORT", port.to_string())
            .env("AGENT_BIND_ADDRESS", "127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn media_type(a: &Answer) -> String {
    a.content_type().split(';').next().unwrap_or("").trim().to_string()
}

/// The body with what may legitimately differ blanked: error details (parser messages) and
/// timestamps. SSE bodies become the list of their events' JSON.
fn shape(a: &Answer) -> Value {
    fn blank(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| match k.as_str() {
                        "details" => (k, json!("<text>")),
                        "time_of_last_update" => (k, json!(v.is_u64())),
                        _ => (k, blank(v)),
                    })
                    .collect(),
            ),
            other => other,
        }
    }
    if media_type(a) == "text/event-stream" {
        let events = a
            .text()
            .split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap()).unwrap())
            .collect();
        return Value::Array(events);
    }
    blank(serde_json::from_slice(&a.body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn echo_agent_matches_the_python_sdk() {
    let Some(python) = python() else {
        let why =
            "no Python with the bedrock-agentcore package (run scripts/test.sh, or set CORESTACK_PY_AGENT_PYTHON)";
        corestack_agent::testing::skip_or_fail("echo_agent_matches_the_python_sdk", why);
        return;
    };
    let (rust_port, py_port) = (free_port(), free_port());
    let _rust = spawn(env!("CARGO_BIN_EXE_echo-agent").as_ref(), &[], rust_port);
    let app = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/echo_app.py");
    let _py = spawn(&python, &[app.to_str().unwrap()], py_port);
    let rust = AgentClient::new(format!("http://127.0.0.1:{rust_port}"));
    let py = AgentClient::new(format!("http://127.0.0.1:{py_port}"));
    assert!(rust.wait_ready(Duration::from_secs(10)).await, "echo-agent did not start");
    assert!(py.wait_ready(Duration::from_secs(30)).await, "the Python agent did not start");

    let session = "conformance-session-0123456789abcdef-xyz";
    let sse = ("Accept", "text/event-stream");
    let cases: Vec<Case> = vec![
        (
            "json with session",
            vec![("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", session)],
            br#"{"prompt":"hello world","n":1.5,"list":[true,null]}"#.to_vec(),
        ),
        ("json without session", vec![("Accept", "application/json")], br#"{"prompt":"x"}"#.to_vec()),
        ("a non-object payload", vec![], br#""just text""#.to_vec()),
        ("unicode", vec![], r#"{"prompt":"héllo wörld ✓"}"#.as_bytes().to_vec()),
        ("stream", vec![sse], br#"{"prompt":"the quick  brown fox"}"#.to_vec()),
        ("stream without prompt", vec![sse], br#"{"other":1}"#.to_vec()),
        ("invalid JSON", vec![], b"{not json".to_vec()),
        ("invalid UTF-8", vec![], b"\"\xff\"".to_vec()),
    ];
    let mut differences = Vec::new();
    for (name, headers, body) in &cases {
        let a = rust.call(Method::POST, "/invocations", headers, body.clone()).await;
        let b = py.call(Method::POST, "/invocations", headers, body.clone()).await;
        if (a.status, media_type(&a), shape(&a)) != (b.status, media_type(&b), shape(&b)) {
            differences.push(format!(
                "{name}:\n  rust:   {} {} {}\n  python: {} {} {}",
                a.status,
                media_type(&a),
                a.text(),
                b.status,
                media_type(&b),
                b.text()
            ));
        }
    }
    // Health: the same answers before, during and after a background task.
    for (name, payload) in [("ping", None), ("ping while busy", Some(json!({"background_ms": 1500})))] {
        if let Some(p) = payload {
            rust.invoke(&p, &[]).await;
            py.invoke(&p, &[]).await;
        }
        let (a, b) = (rust.ping().await, py.ping().await);
        if (a.status, media_type(&a), shape(&a)) != (b.status, media_type(&b), shape(&b)) {
            differences.push(format!("{name}:\n  rust:   {}\n  python: {}", a.text(), b.text()));
        }
    }
    let (a, b) = (rust.call(Method::GET, "/nowhere", &[], "").await, py.call(Method::GET, "/nowhere", &[], "").await);
    assert_eq!(a.status, b.status, "unknown paths");
    assert!(differences.is_empty(), "echo-agent and the Python SDK differ:\n{}", differences.join("\n"));
}
