//! `corestack dev` and `corestack invoke --local` as processes.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use common::{config_running_echo_agent, free_port, workspace};

mod common;

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z ")
}

fn invoke(config: &Path, port: u16, args: &[&str]) -> (String, String) {
    let port = port.to_string();
    let mut all = vec!["invoke", "--local", "--port", &port, "--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_corestack")).args(&all).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// Starts `corestack dev --no-build` on `port` with no AWS credentials of this shell, and
/// returns it, its stdout lines, and its banner (up to the endpoint line).
fn start_dev(config: &Path, port: u16) -> (std::process::Child, mpsc::Receiver<String>, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_corestack"));
    command.args(["dev", "--no-build", "--port", &port.to_string(), "--config", config.to_str().unwrap()]);
    common::start_dev_with(command, Duration::from_secs(20))
}

#[test]
fn dev_serves_invoke_local_and_leaves_no_agent_behind() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_running_echo_agent(dir.path());
    let port = free_port();
    let (mut dev, lines, banner) = start_dev(&config, port);
    assert!(banner[0].contains(&format!("serving 1 runtime(s) on http://127.0.0.1:{port}")), "{banner:#?}");
    assert!(banner[1].contains(
        "demo_agent_dev: arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-localdev01"
    ));

    let (out, err) = invoke(&config, port, &[r#"{"prompt": "hi there"}"#]);
    let session = err.trim().strip_prefix("session: ").unwrap().to_string();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        serde_json::json!({"echo": {"prompt": "hi there"}, "session_id": session})
    );
    let other = "cli-session-0123456789abcdef0123456789";
    let (out, _) = invoke(&config, port, &["--stream", "--session-id", other, r#"{"prompt": "a b"}"#]);
    assert_eq!(out, "data: {\"delta\":\"a\"}\n\ndata: {\"delta\":\"b\"}\n\n");

    let mut pids = Vec::new();
    while pids.len() < 2 {
        let line = lines.recv_timeout(Duration::from_secs(10)).expect("session lines");
        if let Some(rest) = line.split(" started: pid ").nth(1) {
            pids.push(rest.split(',').next().unwrap().parse::<u32>().unwrap());
        }
    }
    assert!(pids.iter().all(|p| alive(*p)));
    // StopRuntimeSession through the same client: the second session's agent ends, the first
    // lives on; a session that is not running is named in the refusal.
    let (out, _) = invoke(&config, port, &["--stop", "--session-id", other]);
    assert_eq!(out.trim(), format!("stopped session {other} of runtime demo_agent"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while alive(pids[1]) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pids[1]) && alive(pids[0]), "only the stopped session's agent ends: {pids:?}");
    let port_text = port.to_string();
    let again = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .args([
            "invoke",
            "--local",
            "--port",
            &port_text,
            "--config",
            config.to_str().unwrap(),
            "--stop",
            "--session-id",
            other,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(4), "{err}");
    assert!(
        err.contains("bedrock-agentcore:StopRuntimeSession")
            && err.contains(&format!("no session `{other}` is running")),
        "{err}"
    );
    assert!(Command::new("kill").args(["-TERM", &dev.id().to_string()]).status().unwrap().success());
    let status = dev.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(pids.iter().all(|p| !alive(*p)), "an agent outlived corestack dev: {pids:?}");
}

#[test]
fn invoke_without_an_arn_or_local_says_what_to_do() {
    // No --arn: the ARN is looked up in the deployed stack; here nothing answers.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .env("AWS_ENDPOINT_URL", &closed)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["invoke", "{}"])
        .output()
        .unwrap();
    // The credentials are checked first, and the endpoint does not answer: one sentence, exit 4.
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corestack: sts:GetCallerIdentity failed: "), "{err}");
    assert!(err.contains("fix: the AWS endpoint could not be reached"), "{err}");
    assert!(!err.contains("DispatchFailure") && !err.contains("ErrorMetadata"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .args(["invoke", "--local", "{not json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the payload is not JSON"));
}

/// A recording stand-in for the service's HTTPS endpoint (plain HTTP on loopback): answers each
/// request with `status`, `headers` and `body`, and sends the request text back on `seen`.
fn one_shot_server(status: &'static str, headers: &'static str, body: &'static str) -> (u16, mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if request.len() >= end + 4 + length || n == 0 {
                    break;
                }
            }
        }
        let answer =
            format!("HTTP/1.1 {status}\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        stream.write_all(answer.as_bytes()).unwrap();
        tx.send(String::from_utf8_lossy(&request).into_owned()).unwrap();
    });
    (port, rx)
}

#[test]
fn a_jwt_runtime_is_invoked_with_the_bearer_token() {
    let (port, seen) = one_shot_server("200 OK", "content-type: text/event-stream\r\n", "data: {\"delta\":\"hi\"}\n\n");
    let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-abc";
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:{port}"))
        .args(["invoke", "--arn", arn, "--bearer-token", "eyJ.token.sig", "--qualifier", "prod", "--stream"])
        .args(["--session-id", "session-0123456789-0123456789-0123456789", r#"{"prompt": "hi"}"#])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "data: {\"delta\":\"hi\"}\n\n");
    let request = seen.recv_timeout(Duration::from_secs(10)).unwrap();
    let lower = request.to_ascii_lowercase();
    assert!(
        request.starts_with("POST /runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fdemo_agent_dev-abc/invocations?qualifier=prod HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(lower.contains("\r\nauthorization: bearer eyj.token.sig\r\n"), "{request}");
    assert!(lower.contains("\r\naccept: text/event-stream\r\n"), "{request}");
    assert!(
        lower.contains("\r\nx-amzn-bedrock-agentcore-runtime-session-id: session-0123456789-0123456789-0123456789\r\n"),
        "{request}"
    );
    assert!(request.ends_with(r#"{"prompt": "hi"}"#), "{request}");

    // A rejected token: the service's error type and message, and what to do.
    let (port, _seen) = one_shot_server(
        "401 Unauthorized",
        "content-type: application/json\r\nx-amzn-errortype: UnauthorizedException:http://internal.amazon.com/coral/com.amazon.bedrock.agentcore/\r\n",
        r#"{"message":"JWT bearer token is invalid or not found"}"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:{port}"))
        .args(["invoke", "--arn", arn, "--bearer-token", "expired", "{}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bedrock-agentcore:InvokeAgentRuntime failed (HTTP 401, bearer token): UnauthorizedException: JWT bearer token is invalid or not found"),
        "{err}"
    );
    assert!(err.contains("fix: pass a valid, unexpired access token"), "{err}");
    // An endpoint that does not answer: the same sentence as every AWS failure.
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:{}", free_port()))
        .args(["invoke", "--arn", arn, "--bearer-token", "t", "{}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bedrock-agentcore:InvokeAgentRuntime failed (bearer token): "), "{err}");
    assert!(err.contains("fix: the AWS endpoint could not be reached"), "{err}");
    // Never in clear text to another machine.
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", "http://agents.example.com")
        .args(["invoke", "--arn", arn, "--bearer-token", "t", "{}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a bearer token goes over HTTPS only"));
}

/// Issue 27, 1: `http://127.0.0.1:1@127.0.0.2:PORT` names the host 127.0.0.2; neither `invoke
/// --bearer-token` nor `--ws` may send the token there, and nothing may even connect.
#[test]
fn a_bearer_token_never_goes_to_the_host_behind_userinfo() {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-abc";
    for ws in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_corestack"));
        cmd.current_dir(workspace())
            .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:1@127.0.0.2:{port}"))
            .args(["invoke", "--arn", arn, "--bearer-token", "secret-token"]);
        cmd.arg(if ws { "--ws" } else { "{}" });
        let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--ws {ws}: {err}");
        assert!(err.contains("user name or password"), "{err}");
        assert!(listener.accept().is_err(), "--ws {ws}: something connected to 127.0.0.2");
    }
}

/// The default config as shipped: `corestack dev` runs the agent the image is built from
/// (bedrock-agent) with the deployed environment, and its model calls go to the local stand-in.
#[test]
fn the_default_config_runs_bedrock_agent_on_the_local_stand_in() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config_running_default_agent(dir.path());
    let port = free_port();
    let (mut dev, _lines, banner) = start_dev(&config, port);
    assert!(banner.iter().any(|l| l.contains("Bedrock: the local stand-in on http://127.0.0.1:")), "{banner:#?}");
    assert!(banner.iter().any(|l| l.contains("bedrock-agent")), "{banner:#?}");

    let (out, _) = invoke(&config, port, &[r#"{"prompt": "hello there"}"#]);
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        answer,
        serde_json::json!({
            "response": "[local Bedrock stand-in, model us.anthropic.claude-haiku-5-5] hello there",
            "model_id": "us.anthropic.claude-haiku-5-5"
        })
    );
    let (out, _) = invoke(&config, port, &["--stream", r#"{"prompt": "hi"}"#]);
    assert!(out.starts_with("data: {\"delta\":\"[local \"}\n\n"), "{out}");
    assert!(out.ends_with("data: {\"delta\":\"hi\"}\n\n"), "{out}");
    assert!(Command::new("kill").args(["-TERM", &dev.id().to_string()]).status().unwrap().success());
    assert!(dev.wait().unwrap().success());
}

/// CPU seconds a process has used (user and system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap().split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Out of file descriptors, `corestack dev` says so once and waits for some to be freed, instead
/// of spinning on accept; then it serves again.
#[test]
fn out_of_descriptors_dev_waits_instead_of_spinning_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_running_echo_agent(dir.path());
    let port = free_port();
    let command = format!(
        "ulimit -n 40; exec {} dev --no-build --port {port} --config {}",
        env!("CARGO_BIN_EXE_corestack"),
        config.display()
    );
    let mut sh = Command::new("sh");
    sh.args(["-c", &command]);
    let (mut dev, lines, mut seen) = common::start_dev_with(sh, Duration::from_secs(20));
    let held: Vec<std::net::TcpStream> =
        (0..60).filter_map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).ok()).collect();
    assert!(held.len() >= 40, "{} connections", held.len());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|l| l.contains("cannot accept connections") && l.contains("raise ulimit -n")) {
        assert!(std::time::Instant::now() < deadline, "{seen:#?}");
        if let Ok(l) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    // Starved, it waits: a second of wall time costs it far less than a second of CPU.
    let before = cpu_seconds(dev.id());
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_seconds(dev.id()) - before;
    assert!(used < 0.5, "corestack dev used {used} s of CPU in 1 s while out of descriptors");
    assert_eq!(seen.iter().filter(|l| l.contains("cannot accept connections")).count(), 1, "said once: {seen:#?}");
    drop(held);
    let (out, _) = invoke(&config, port, &[r#"{"prompt": "back"}"#]);
    assert!(out.contains("\"prompt\":\"back\""), "{out}");
    assert!(Command::new("kill").args(["-TERM", &dev.id().to_string()]).status().unwrap().success());
    assert!(dev.wait().unwrap().success());
}

#[test]
fn traces_takes_console_or_a_url() {
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .args(["dev", "--no-build", "--traces", "bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--traces bogus: neither `console` nor an http(s) URL"), "{err}");
    assert!(err.contains("fix: --traces console"), "{err}");
}
