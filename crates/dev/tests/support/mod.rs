//! Helpers shared by the local endpoint's tests: a server on a free port with a console that
//! records its lines, runtimes for echo-agent and the Python test agent, and the AWS SDK client.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_bedrockagentcore::Client;
use aws_sdk_bedrockagentcore::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockagentcore::error::DisplayErrorContext;
use aws_smithy_types::Blob;
use corestack_dev::{DevConfig, DevHandle, DevServer, LocalRuntime};
use serde_json::Value;
use tokio::sync::oneshot;

pub const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-AbCdE12345";

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The echo-agent binary, built if needed (a no-op when `cargo test --workspace` built it).
pub fn echo_agent() -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "echo-agent"])
        .current_dir(workspace())
        .status()
        .unwrap();
    assert!(status.success(), "cargo build -p echo-agent failed");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace().join("target"));
    target.join("debug/echo-agent")
}

pub fn runtime(name: &str, command: Vec<String>, idle: u64, max: u64) -> LocalRuntime {
    LocalRuntime {
        name: name.into(),
        aliases: vec![name.trim_end_matches("_dev").into()],
        command,
        cwd: workspace(),
        environment: [("RUST_LOG".to_string(), "warn".to_string())].into(),
        idle_timeout: Duration::from_secs(idle),
        max_lifetime: Duration::from_secs(max),
        header_allowlist: Vec::new(),
        protocol: corestack_dev::Protocol::Http,
    }
}

pub struct Dev {
    pub url: String,
    pub handle: DevHandle,
    pub lines: Arc<Mutex<Vec<String>>>,
    pub stop: Option<oneshot::Sender<()>>,
    pub done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Dev {
    pub async fn shutdown(mut self) -> Vec<String> {
        self.stop.take().unwrap().send(()).unwrap();
        (&mut self.done).await.unwrap().unwrap();
        self.lines.lock().unwrap().clone()
    }
}

/// The test configuration: pings every 200 ms, 2 s to stop, 10 s to start.
pub fn test_config(runtimes: Vec<LocalRuntime>) -> DevConfig {
    let mut config = DevConfig::new(runtimes);
    config.ping_interval = Duration::from_millis(200);
    config.stop_grace = Duration::from_secs(2);
    config.startup_timeout = Duration::from_secs(10);
    config
}

pub async fn start(runtimes: Vec<LocalRuntime>) -> Dev {
    start_with(test_config(runtimes)).await
}

/// A server with this configuration on a free port, its console lines recorded.
pub async fn start_with(config: DevConfig) -> Dev {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let server = DevServer::new(config, Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_string())));
    let handle = server.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.serve(listener, async move {
        let _ = stopped.await;
    }));
    Dev { url, handle, lines, stop: Some(stop), done }
}

pub async fn echo_dev(idle: u64, max: u64) -> Dev {
    start(vec![runtime("demo_agent_dev", vec![echo_agent().display().to_string()], idle, max)]).await
}

pub fn sdk(url: &str) -> Client {
    let config = aws_sdk_bedrockagentcore::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDLOCAL", "local", None, None, "test"))
        .endpoint_url(url)
        .build();
    Client::from_conf(config)
}

pub fn session(n: usize) -> String {
    format!("test-session-{n:04}-0123456789abcdef0123456789")
}

pub async fn invoke(client: &Client, session: &str, payload: Value, accept: &str) -> (String, Vec<u8>, Option<String>) {
    let out = client
        .invoke_agent_runtime()
        .agent_runtime_arn(ARN)
        .qualifier("DEFAULT")
        .runtime_session_id(session)
        .content_type("application/json")
        .accept(accept)
        .payload(Blob::new(serde_json::to_vec(&payload).unwrap()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    let content_type = out.content_type().to_string();
    let session = out.runtime_session_id().map(str::to_string);
    let body = out.response.collect().await.unwrap().into_bytes().to_vec();
    (content_type, body, session)
}

pub fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z ")
}

/// The Python test agent (`tests/agents/test_agent.py`) as a runtime, with extra environment.
pub fn test_agent(name: &str, idle: u64, env: &[(&str, &str)]) -> LocalRuntime {
    let agent = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/agents/test_agent.py");
    let mut r = runtime(name, vec!["python3".into(), agent.display().to_string()], idle, 28_800);
    r.environment.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    r
}

/// Sends an InvokeAgentRuntime request by hand and returns the open connection.
pub async fn send_invoke(url: &str, runtime: &str, session: &str, payload: &str) -> tokio::net::TcpStream {
    let addr = url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /runtimes/{runtime}/invocations HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\nx-amzn-bedrock-agentcore-runtime-session-id: {session}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
        payload.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut s, request.as_bytes()).await.unwrap();
    s
}
