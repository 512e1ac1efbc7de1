//! echo-agent's image, written by corestack-oci with no container engine, checked by tools
//! nobody here wrote and run as the service runs it: skopeo reads and copies the layout (which
//! checks every digest), and the layer alone, unpacked, starts the agent as uid 65532 with the
//! image's environment (chroot, no shell in it), which answers /ping and /invocations.
//!
//! The binary is built static (`-C target-feature=+crt-static`, glibc's static libraries) for
//! linux/amd64: this machine's toolchain has only the x86_64 standard library. An arm64 image
//! differs only in the binary and the platform fields.

use std::path::{Path, PathBuf};
use std::process::Command;

use corestack_agent::testing::{AgentClient, Process, skip_or_fail};
use corestack_oci::{ImageSpec, Platform, write_layout};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// echo-agent, statically linked (release; the same build `corestack build` makes).
fn static_echo_agent() -> PathBuf {
    corestack_oci::cargo::static_binary(&workspace(), "echo-agent", Platform::LinuxAmd64).unwrap()
}

fn spec(binary: PathBuf) -> ImageSpec {
    ImageSpec {
        binary,
        name: "echo-agent".into(),
        platform: Platform::LinuxAmd64,
        port: 8080,
        env: vec![("RUST_LOG".into(), "info".into())],
        ca_certificates: Some("/etc/ssl/certs/ca-certificates.crt".into()).filter(|p: &PathBuf| p.exists()),
    }
}

fn skopeo(args: &[&str]) -> serde_json::Value {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(out.status.success(), "skopeo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// Unpacks the layout's one layer into `root`.
fn unpack(layout: &Path, root: &Path) {
    let manifest = skopeo(&["inspect", "--raw", &format!("oci:{}", layout.display())]);
    let digest = manifest["layers"][0]["digest"].as_str().unwrap();
    let blob = layout.join("blobs/sha256").join(&digest["sha256:".len()..]);
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(blob).unwrap());
    let mut archive = tar::Archive::new(gz);
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(true);
    archive.unpack(root).unwrap();
}

#[tokio::test]
async fn echo_agents_image_is_read_by_skopeo_and_runs_as_nonroot_from_its_layer_alone() {
    if Command::new("skopeo").arg("--version").output().is_err() {
        return skip_or_fail("echo_agent_image", "skopeo is not installed (apt-get install skopeo)");
    }
    let binary = static_echo_agent();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let written = write_layout(&spec(binary.clone()), &a).unwrap();
    // Reproducible: the same inputs give the same image, byte for byte.
    assert_eq!(write_layout(&spec(binary), &b).unwrap(), written);
    assert!(write_layout(&spec(PathBuf::from("/nonexistent")), &dir.path().join("c")).is_err());
    assert!(!dir.path().join("c").exists(), "nothing half written");

    let oci = format!("oci:{}", a.display());
    let inspected = skopeo(&["inspect", &oci]);
    assert_eq!((inspected["Architecture"].as_str(), inspected["Os"].as_str()), (Some("amd64"), Some("linux")));
    assert_eq!(inspected["Digest"].as_str(), Some(written.manifest_digest.as_str()));
    let config = skopeo(&["inspect", "--config", &oci]);
    assert_eq!(config["config"]["User"], "65532:65532");
    assert_eq!(config["config"]["Entrypoint"], serde_json::json!(["/echo-agent"]));
    assert_eq!(config["config"]["ExposedPorts"], serde_json::json!({"8080/tcp": {}}));
    // A copy checks every blob against its digest.
    skopeo(&["copy", "--quiet", &oci, &format!("dir:{}", dir.path().join("copied").display())]);

    let root = dir.path().join("root");
    unpack(&a, &root);
    assert!(!root.join("bin/sh").exists() && !root.join("bin").exists(), "no shell in the image");
    assert!(root.join("etc/ssl/certs/ca-certificates.crt").is_file(), "the agent's TLS clients find their CA bundle");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // As the service starts it: the entry point as 65532 with the image's environment, and
    // nothing but the layer on its file system.
    let env: Vec<String> =
        config["config"]["Env"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect();
    // Found on this PATH: the agent's environment is the image's alone.
    let chroot = ["/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot"].into_iter().find(|p| Path::new(p).exists());
    let mut command = Command::new(chroot.expect("chroot (coreutils) is installed"));
    command.arg("--userspec=65532:65532").arg(&root).arg("/echo-agent").env_clear();
    for pair in &env {
        let (k, v) = pair.split_once('=').unwrap();
        command.env(k, if k == "PORT" { port.to_string() } else { v.to_string() });
    }
    let child = match command.spawn() {
        Ok(c) => Process(c),
        Err(e) => panic!("chroot could not start the agent ({e}); this test runs as root, as CI does"),
    };
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    assert!(client.wait_ready(std::time::Duration::from_secs(20)).await, "the agent did not answer /ping");
    let proc_status = std::fs::read_to_string(format!("/proc/{}/status", child.0.id())).unwrap();
    let uid = proc_status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid.split_whitespace().skip(1).all(|u| u == "65532"), "runs as nonroot: {uid}");
    let answer = client.invoke(&serde_json::json!({"prompt": "from the image"}), &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.text().contains("from the image"), "{}", answer.text());
    drop(child);
}
