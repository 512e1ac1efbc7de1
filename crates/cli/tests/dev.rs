//! `corestack dev` and `corestack invoke --local` as processes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
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

#[test]
fn dev_serves_invoke_local_and_leaves_no_agent_behind() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_running_echo_agent(dir.path());
    let port = free_port();
    let mut dev = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .args(["dev", "--no-build", "--port", &port.to_string(), "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = dev.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    while !banner.iter().any(|l: &String| l.contains("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE")) {
        banner.push(lines.recv_timeout(Duration::from_secs(20)).expect("the dev banner"));
    }
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
    assert!(Command::new("kill").args(["-TERM", &dev.id().to_string()]).status().unwrap().success());
    let status = dev.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(pids.iter().all(|p| !alive(*p)), "an agent outlived corestack dev: {pids:?}");
}

#[test]
fn invoke_without_an_arn_or_local_says_what_to_do() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_corestack")).current_dir(workspace()).args(["invoke", "{}"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --arn"));
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .args(["invoke", "--local", "{not json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the payload is not JSON"));
}
