//! End to end on a real AWS account: deploy (building and pushing the image), READY, invoke,
//! destroy. Skipped unless you opt in, with credentials set:
//!
//! ```sh
//! # builds bedrock-agent for linux/arm64 with docker buildx and deploys it by digest
//! CORESTACK_E2E=1 cargo test -p corestack --test real_aws -- --ignored
//! # or an arm64 image already pushed to the project's repository under $TAG
//! CORESTACK_E2E=1 CORESTACK_E2E_IMAGE_TAG=$TAG cargo test -p corestack --test real_aws -- --ignored
//! ```
//!
//! `every_protocol_on_aws` deploys `examples/protocols/corestack.toml` (four images built with
//! docker buildx) and speaks MCP, A2A, AG-UI and WebSocket to it through the data plane.

use std::process::Command;

fn corestack(args: &[&str]) -> std::process::Output {
    corestack_with_input(args, "")
}

fn corestack_with_input(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "corestack {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
#[ignore = "needs an AWS account and credentials (and Docker with buildx, or a pushed image); set CORESTACK_E2E=1 and run with --ignored"]
fn deploy_ready_invoke_destroy_on_aws() {
    assert_eq!(std::env::var("CORESTACK_E2E").as_deref(), Ok("1"), "set CORESTACK_E2E=1 to deploy to your account");
    let mut deploy = vec!["deploy", "--yes", "--out", "target/e2e.out", "--report-dir", "target/e2e-reports"];
    let tag = std::env::var("CORESTACK_E2E_IMAGE_TAG").ok();
    if let Some(tag) = &tag {
        deploy.extend(["--image-tag", tag]);
    }
    let out = corestack(&deploy);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("image of demo_agent: ") && printed.contains("(sha256:"), "pinned by digest: {printed}");
    corestack(&["status", "--wait", "--timeout", "1200"]);
    let answer = corestack(&["invoke", r#"{"prompt": "hello"}"#]);
    assert!(!answer.stdout.is_empty());
    let streamed = corestack(&["invoke", "--stream", r#"{"prompt": "hello"}"#]);
    assert!(String::from_utf8_lossy(&streamed.stdout).starts_with("data: "));
    corestack(&["destroy", "--yes"]);
}

#[test]
#[ignore = "needs an AWS account and credentials and Docker with buildx; set CORESTACK_E2E=1 and run with --ignored"]
fn every_protocol_on_aws() {
    assert_eq!(std::env::var("CORESTACK_E2E").as_deref(), Ok("1"), "set CORESTACK_E2E=1 to deploy to your account");
    fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [args, &["--config", "examples/protocols/corestack.toml"][..]].concat()
    }
    corestack(&with(&["deploy", "--yes", "--out", "target/e2e-protocols.out", "--report-dir", "target/e2e-reports"]));
    corestack(&with(&["status", "--wait", "--timeout", "1200"]));
    let tools = corestack(&with(&["invoke", "--runtime", "tools_mcp", "--mcp", "list-tools"]));
    assert!(String::from_utf8_lossy(&tools.stdout).contains("add  "));
    let sum = corestack(&with(&["invoke", "--runtime", "tools_mcp", "--mcp", "call", "add", r#"{"a": 2, "b": 40}"#]));
    assert_eq!(String::from_utf8_lossy(&sum.stdout), "42\n");
    let a2a = corestack(&with(&["invoke", "--runtime", "peer_a2a", "--a2a", "hello"]));
    assert_eq!(String::from_utf8_lossy(&a2a.stdout), "echo: hello\n");
    let run = corestack(&with(&["invoke", "--runtime", "chat_agui", "--stream", r#"{"prompt": "hi there"}"#]));
    assert!(String::from_utf8_lossy(&run.stdout).contains("RUN_FINISHED"));
    let ws = corestack_with_input(&with(&["invoke", "--runtime", "http_agent", "--ws"]), "one\n");
    assert_eq!(String::from_utf8_lossy(&ws.stdout), "{\"echo\":\"one\"}\n");
    corestack(&with(&["destroy", "--yes"]));
}
