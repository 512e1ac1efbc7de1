//! End to end on a real AWS account: deploy, READY, invoke, destroy. Skipped unless you opt in:
//!
//! ```sh
//! # an arm64 agent image tagged $TAG already pushed to the project's repository, credentials set
//! CORESTACK_E2E_IMAGE_TAG=$TAG cargo test -p corestack --test real_aws -- --ignored
//! ```

use std::process::Command;

fn corestack(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "corestack {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
#[ignore = "needs an AWS account, credentials and a pushed image; set CORESTACK_E2E_IMAGE_TAG and run with --ignored"]
fn deploy_ready_invoke_destroy_on_aws() {
    let tag =
        std::env::var("CORESTACK_E2E_IMAGE_TAG").expect("CORESTACK_E2E_IMAGE_TAG: the tag of a pushed agent image");
    corestack(&[
        "deploy",
        "--yes",
        "--image-tag",
        &tag,
        "--out",
        "target/e2e.out",
        "--report-dir",
        "target/e2e-reports",
    ]);
    corestack(&["status", "--wait", "--timeout", "1200"]);
    let outputs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/e2e.out/outputs.json")).unwrap(),
    )
    .unwrap();
    let arn = outputs["agentcore-demo-dev-AgentCore"]["AgentRuntimeArn"].as_str().unwrap().to_string();
    let answer = corestack(&["invoke", "--arn", &arn, r#"{"prompt": "hello"}"#]);
    assert!(!answer.stdout.is_empty());
    corestack(&["destroy", "--yes"]);
}
