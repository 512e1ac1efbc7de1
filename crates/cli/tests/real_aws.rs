//! End to end on a real AWS account: deploy (building and pushing the image), READY, invoke,
//! destroy. Skipped unless you opt in, with credentials set:
//!
//! ```sh
//! # builds bedrock-agent for linux/arm64 with docker buildx and deploys it by digest
//! CORESTACK_E2E=1 cargo test -p corestack --test real_aws -- --ignored
//! # or an arm64 image already pushed to the project's repository under $TAG
//! CORESTACK_E2E=1 CORESTACK_E2E_IMAGE_TAG=$TAG cargo test -p corestack --test real_aws -- --ignored
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
