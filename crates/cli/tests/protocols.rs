//! `examples/protocols/corestack.toml` end to end through the binary: `corestack dev` runs one
//! runtime per protocol (HTTP, MCP, A2A, AG-UI) with the example agents, and `corestack invoke`
//! speaks each protocol to it: `--mcp list-tools` and `--mcp call`, `--a2a` with and without
//! `--stream`, an AG-UI run streamed as SSE, and `--ws` on the data plane's WebSocket.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{debug_binary, free_port, text, workspace};

mod common;

/// The example config, its agents' local commands pointed at their debug builds.
fn example_config(dir: &Path) -> PathBuf {
    let mut config = std::fs::read_to_string(workspace().join("examples/protocols/corestack.toml")).unwrap();
    for agent in ["echo-agent", "mcp-tools", "a2a-echo", "agui-echo"] {
        let release = format!("command = \"../../target/release/{agent}\"");
        assert!(config.contains(&release), "the example runs {agent}");
        config = config.replace(&release, &format!("command = \"{}\"", debug_binary(agent).display()));
    }
    let path = dir.join("corestack.toml");
    std::fs::write(&path, config).unwrap();
    path
}

fn invoke(config: &Path, port: u16, runtime: &str, args: &[&str], stdin: &str) -> Output {
    let port = port.to_string();
    let mut all =
        vec!["invoke", "--local", "--port", &port, "--config", config.to_str().unwrap(), "--runtime", runtime];
    all.extend_from_slice(args);
    let mut child = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .args(&all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn corestack_dev_and_invoke_speak_every_protocol_of_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let config = example_config(dir.path());
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_corestack"));
    command.args(["dev", "--no-build", "--port", &port.to_string(), "--config", config.to_str().unwrap()]);
    let (dev, _lines, banner) = common::start_dev_with(command, Duration::from_secs(20));
    let _dev = Stop(dev);
    assert!(banner[0].contains("serving 4 runtime(s)"), "{banner:#?}");

    // MCP: the tools, a call, and a call the server refuses.
    let tools = ok(&invoke(&config, port, "tools_mcp", &["--mcp", "list-tools"], ""));
    assert!(tools.contains("add  Adds two integers and answers their sum"), "{tools}");
    assert!(tools.contains("    a (integer, required)") && tools.contains("    text (string, required)"), "{tools}");
    assert_eq!(ok(&invoke(&config, port, "tools_mcp", &["--mcp", "call", "add", r#"{"a": 2, "b": 40}"#], "")), "42\n");
    assert_eq!(ok(&invoke(&config, port, "tools_mcp", &["--mcp", "call", "echo", r#"{"text": "hi"}"#], "")), "hi\n");
    let refused = invoke(&config, port, "tools_mcp", &["--mcp", "call", "nosuch"], "");
    assert_eq!(refused.status.code(), Some(6), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("the MCP server answered error"), "{}", text(&refused.stderr));
    let bad = invoke(&config, port, "tools_mcp", &["--mcp", "call", "add", "[1]"], "");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("the arguments must be a JSON object"), "{}", text(&bad.stderr));

    // A2A: one message, and the same streamed.
    assert_eq!(ok(&invoke(&config, port, "peer_a2a", &["--a2a", "hello there"], "")), "echo: hello there\n");
    assert_eq!(ok(&invoke(&config, port, "peer_a2a", &["--a2a", "hello", "--stream"], "")), "echo: hello\n");
    // The agent card, through GetAgentCard with curl, advertises the runtime's invocation URL on
    // dev, as a deployed one advertises the data plane's (AGENTCORE_RUNTIME_URL, set by dev).
    let arn =
        banner.iter().find_map(|l| l.trim().strip_prefix("peer_a2a_dev: ")).unwrap().split_whitespace().next().unwrap();
    let invocations = format!("http://127.0.0.1:{port}{}", corestack_contract::invocation_path(arn));
    let card = Command::new("curl")
        .args(["-sf", "-H", "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id: card-session-0123456789abcdef0123456789"])
        .arg(format!("{invocations}.well-known/agent-card.json"))
        .output()
        .unwrap();
    assert!(card.status.success(), "{}", text(&card.stderr));
    let card: serde_json::Value = serde_json::from_slice(&card.stdout).unwrap();
    assert_eq!(card["supportedInterfaces"][0]["url"], invocations.as_str(), "{card}");

    // AG-UI: a run as server-sent events, one content event per word.
    let run = ok(&invoke(&config, port, "chat_agui", &["--stream", r#"{"prompt": "hi there"}"#], ""));
    let types: Vec<String> = run
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "RUN_STARTED",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "RUN_FINISHED"
        ]
    );

    // WebSocket: each line of input out, each answer back, on the HTTP runtime and the AG-UI one.
    let echoed = ok(&invoke(&config, port, "http_agent", &["--ws"], "one\ntwo\n"));
    assert_eq!(echoed, "{\"echo\":\"one\"}\n{\"echo\":\"two\"}\n");
    let agui_ws = ok(&invoke(&config, port, "chat_agui", &["--ws"], "{\"prompt\": \"a b\"}\n"));
    assert_eq!(agui_ws.lines().count(), 6, "{agui_ws}");
    let mcp_ws = invoke(&config, port, "tools_mcp", &["--ws"], "x\n");
    assert!(!mcp_ws.status.success());
    assert!(text(&mcp_ws.stderr).contains("WebSocket is for HTTP and AG-UI runtimes"), "{}", text(&mcp_ws.stderr));
}

/// Stops `corestack dev` however the test ends (it stops its agents when it stops).
struct Stop(std::process::Child);
impl Drop for Stop {
    fn drop(&mut self) {
        // SIGTERM first, so that dev stops its agents too.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        std::thread::sleep(Duration::from_millis(500));
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
