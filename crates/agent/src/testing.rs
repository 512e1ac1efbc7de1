//! A small HTTP/1.1 client for testing agents over real connections (feature `test-util`).

#[cfg(feature = "otel-test-util")]
pub mod otlp;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
pub use hyper::{Method, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A client for one agent base URL such as `http://127.0.0.1:8080`.
#[derive(Clone, Debug)]
pub struct AgentClient {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A complete response.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Answer {
    /// The `Content-Type`.
    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl AgentClient {
    /// A client for the base URL.
    pub fn new(base: impl Into<String>) -> AgentClient {
        AgentClient { base: base.into(), client: Client::builder(TokioExecutor::new()).build_http() }
    }

    /// Sends a request and returns the response with its body unread.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> hyper::Response<Incoming> {
        let mut req = hyper::Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body.into())).expect("a valid request");
        self.client.request(req).await.expect("the agent answers")
    }

    /// Sends a request and reads the whole body.
    pub async fn call(&self, method: Method, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Answer {
        let r = self.send(method, path, headers, body).await;
        let (parts, body) = r.into_parts();
        Answer { status: parts.status, headers: parts.headers, body: body.collect().await.expect("a body").to_bytes() }
    }

    /// `GET /ping`.
    pub async fn ping(&self) -> Answer {
        self.call(Method::GET, corestack_contract::PING_PATH, &[], Bytes::new()).await
    }

    /// `POST /invocations` with a JSON body.
    pub async fn invoke(&self, payload: &serde_json::Value, headers: &[(&str, &str)]) -> Answer {
        self.call(
            Method::POST,
            corestack_contract::Protocol::Http.invocation_path(),
            headers,
            serde_json::to_vec(payload).expect("JSON"),
        )
        .await
    }

    /// Waits until `/ping` answers, up to `timeout`.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let req = hyper::Request::get(format!("{}/ping", self.base))
                .body(Full::new(Bytes::new()))
                .expect("a valid request");
            if let Ok(r) = self.client.request(req).await
                && r.status() == StatusCode::OK
            {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Reads the next data frame of a streaming body.
pub async fn next_frame(body: &mut Incoming) -> Option<Bytes> {
    loop {
        let frame = body.frame().await?.ok()?;
        if let Ok(data) = frame.into_data() {
            return Some(data);
        }
    }
}

/// For a test whose dependency outside Rust (a Python package, say) is missing: under CI
/// (`CI=true`) or with `CORESTACK_REQUIRE_ALL` set this panics, so no run passes by skipping;
/// otherwise it says `SKIPPED: <why>` on stderr and appends the line to the file
/// `CORESTACK_SKIP_LOG` names (the test script counts them in its summary). Return from the test
/// after calling it.
pub fn skip_or_fail(test: &str, why: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if ci || std::env::var_os("CORESTACK_REQUIRE_ALL").is_some() {
        panic!("{test}: {why}, and missing dependencies fail the run under CI");
    }
    eprintln!("SKIPPED: {test}: {why}");
    if let Some(path) = std::env::var_os("CORESTACK_SKIP_LOG") {
        use std::io::Write as _;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{test}: {why}");
        }
    }
}

/// A child process, killed when dropped.
#[derive(Debug)]
pub struct Process(pub std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free on 127.0.0.1 when asked, and never handed out before by this process: two calls
/// in a row could otherwise get the same port from the OS (the first listener is gone before the
/// second bind), and two servers of one test would then race for it.
pub fn free_port() -> u16 {
    static HANDED: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed = HANDED.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..100 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port());
        if let Some(port) = port.ok().filter(|p| !handed.contains(p)) {
            handed.push(port);
            return port;
        }
    }
    0
}

/// Starts an agent as a session would: `PORT`, bound to 127.0.0.1, quiet logs, no output kept.
pub fn spawn_agent(program: &std::path::Path, args: &[&str], port: u16) -> Process {
    let child = std::process::Command::new(program)
        .args(args)
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    Process(child)
}

/// Waits until something accepts connections on 127.0.0.1:`port`; panics after 30 s.
pub async fn wait_for_port(port: u16) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "nothing listens on port {port} after 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The Python of the repository's `.venv` (`workspace` is the repository), when it can import
/// every module of `modules` (`"mcp, boto3"`); otherwise [`skip_or_fail`] for `test`, and `None`.
pub fn python_with(workspace: &std::path::Path, test: &str, modules: &str) -> Option<std::path::PathBuf> {
    let python = workspace.join(".venv/bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", &format!("import {modules}")])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip_or_fail(test, &format!("no Python with {modules} in .venv (run scripts/test.sh)"));
    }
    ok.then_some(python)
}

/// Runs `python script args...` and reads its stdout as one JSON document; panics with its
/// stderr when it fails.
pub fn run_python_json(python: &std::path::Path, script: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} failed: {stderr}", script.display());
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{} printed no JSON ({e}): {stdout}{stderr}", script.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_ports_are_never_handed_out_twice() {
        let ports: Vec<u16> = (0..50).map(|_| super::free_port()).collect();
        let distinct: std::collections::BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len(), "{ports:?}");
        assert!(!distinct.contains(&0));
    }
}
