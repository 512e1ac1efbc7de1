//! `corestack build`: a Rust agent's image with no container engine, read by skopeo; and the
//! refusals a user meets first (no cross toolchain, an output directory that exists).

use std::process::Command;

use common::{text, workspace};

mod common;

fn build(out: &std::path::Path, platform: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(workspace())
        .args(["build", "-c", "corestack.toml", "--package", "echo-agent", "--platform", platform, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn build_writes_an_image_skopeo_reads_and_says_what_a_cross_build_needs() {
    assert!(Command::new("skopeo").arg("--version").output().is_ok(), "skopeo is needed: apt-get install skopeo");
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image");
    let run = build(&image, "linux/amd64");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let said = text(&run.stdout);
    assert!(
        said.contains("Wrote the linux/amd64 image of echo-agent for runtime demo_agent") && said.contains("sha256:"),
        "{said}"
    );
    assert!(said.contains(&format!("skopeo copy oci:{}", image.display())), "{said}");
    let inspected =
        Command::new("skopeo").args(["inspect", "--config"]).arg(format!("oci:{}", image.display())).output().unwrap();
    assert!(inspected.status.success(), "{}", text(&inspected.stderr));
    let config: serde_json::Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(config["architecture"], "amd64");
    // The default config's runtime speaks HTTP: port 8080, as the service expects.
    assert_eq!(config["config"]["ExposedPorts"], serde_json::json!({"8080/tcp": {}}));
    assert_eq!(config["config"]["User"], "65532:65532");

    let again = build(&image, "linux/amd64");
    assert_eq!(again.status.code(), Some(2), "an existing --out is refused: {}", text(&again.stderr));
    let bad = build(&dir.path().join("x"), "windows/amd64");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("linux/arm64 or linux/amd64"), "{}", text(&bad.stderr));
    // This machine has no cross toolchain for arm64: the one command that installs it is named.
    if Command::new("cargo-zigbuild").arg("--version").output().is_err() {
        let arm = build(&dir.path().join("arm"), "linux/arm64");
        assert_eq!(arm.status.code(), Some(3), "{}", text(&arm.stderr));
        let err = text(&arm.stderr);
        assert!(
            err.contains("cargo-zigbuild is not installed") && err.contains("pip install ziglang cargo-zigbuild"),
            "{err}"
        );
        assert!(!dir.path().join("arm").exists());
    }
}
