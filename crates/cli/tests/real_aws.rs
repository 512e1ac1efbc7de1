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
//! docker buildx) and speaks MCP, A2A, AG-UI and WebSocket to it through the data plane;
//! `platform_on_aws` deploys `examples/platform` (see it for what it needs of yours).

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

/// `examples/platform` on a real account needs a Lambda function for its weather target and a
/// Secrets Manager secret (JSON with an `api_key`) for its pet-store provider, both yours:
///
/// ```sh
/// CORESTACK_E2E=1 CORESTACK_E2E_LAMBDA_ARN=arn:aws:lambda:... CORESTACK_E2E_SECRET_ARN=arn:aws:secretsmanager:... \
///   cargo test -p corestack --test real_aws platform_on_aws -- --ignored
/// ```
///
/// It deploys, waits for the memory (ACTIVE), the gateway and its targets (READY) and the runtimes,
/// lists traces, and destroys; the memory is kept, as destroy says, for you to delete.
#[test]
#[ignore = "needs an AWS account, credentials, Docker with buildx, a Lambda function and a secret; set CORESTACK_E2E=1, CORESTACK_E2E_LAMBDA_ARN and CORESTACK_E2E_SECRET_ARN and run with --ignored"]
fn platform_on_aws() {
    assert_eq!(std::env::var("CORESTACK_E2E").as_deref(), Ok("1"), "set CORESTACK_E2E=1 to deploy to your account");
    let lambda =
        std::env::var("CORESTACK_E2E_LAMBDA_ARN").expect("CORESTACK_E2E_LAMBDA_ARN: a Lambda function of yours");
    let secret = std::env::var("CORESTACK_E2E_SECRET_ARN").expect("CORESTACK_E2E_SECRET_ARN: a secret of yours");
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let dir = root.join("target/e2e-platform");
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    for file in ["weather-tools.json", "petstore-openapi.json"] {
        std::fs::copy(root.join("examples/platform/schemas").join(file), dir.join("schemas").join(file)).unwrap();
    }
    let text = std::fs::read_to_string(root.join("examples/platform/corestack.toml"))
        .unwrap()
        .replace("arn:aws:lambda:us-east-1:123456789012:function:weather-tools", &lambda)
        .replace("arn:aws:secretsmanager:us-east-1:123456789012:secret:petstore-api-key-AbCdEf", &secret)
        .replace("../../agents/", &format!("{}/agents/", root.display()))
        .replace("context = \"../..\"", &format!("context = \"{}\"", root.display()));
    let config = dir.join("corestack.toml");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();
    corestack(&[
        "deploy",
        "--yes",
        "--config",
        config,
        "--out",
        "target/e2e-platform.out",
        "--report-dir",
        "target/e2e-reports",
    ]);
    let status = corestack(&["status", "--wait", "--timeout", "1200", "--config", config]);
    let printed = String::from_utf8_lossy(&status.stdout);
    assert!(
        printed.contains("memory conversations_dev: ACTIVE") && printed.contains("gateway tools-dev: READY"),
        "{printed}"
    );
    corestack(&["traces", "--since", "1h", "--config", config]);
    let destroyed = corestack(&["destroy", "--yes", "--config", config]);
    assert!(String::from_utf8_lossy(&destroyed.stderr).contains("kept memory conversations_dev"));
}
