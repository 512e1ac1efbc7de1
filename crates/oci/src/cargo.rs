//! A Rust agent built as one static binary for an image's platform.
//!
//! - linux/arm64 (what AgentCore runs): `cargo zigbuild` for `aarch64-unknown-linux-musl`, the
//!   way cargo-lambda cross-compiles, with zig from PyPI's `ziglang`;
//! - linux/amd64 on an x86_64 machine (for running the image locally and in tests): `cargo build`
//!   for `x86_64-unknown-linux-gnu` with `-C target-feature=+crt-static` (glibc's static libraries,
//!   Debian's `libc6-dev`).
//!
//! Symbols are stripped: an image carries no debugger's data. The binary's path comes from cargo's own JSON messages, so the target directory can be anywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{OciError, Platform};

/// What it takes to build for `platform`, to tell a user who lacks it.
pub fn install_hint(platform: Platform) -> &'static str {
    match platform {
        Platform::LinuxArm64 => "pip install ziglang cargo-zigbuild && rustup target add aarch64-unknown-linux-musl",
        Platform::LinuxAmd64 => "apt-get install libc6-dev (glibc's static libraries)",
    }
}

/// Builds `package` (release) in the workspace at `dir` for `platform`; returns the binary.
pub fn static_binary(dir: &Path, package: &str, platform: Platform) -> Result<PathBuf, OciError> {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let target = match platform {
        Platform::LinuxArm64 => {
            cargo.arg("zigbuild").env("RUSTFLAGS", "-C strip=symbols");
            "aarch64-unknown-linux-musl"
        }
        Platform::LinuxAmd64 => {
            cargo.arg("build").env("RUSTFLAGS", "-C target-feature=+crt-static -C strip=symbols");
            "x86_64-unknown-linux-gnu"
        }
    };
    cargo
        .args(["--release", "--quiet", "--message-format=json-render-diagnostics", "-p", package, "--target", target])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let out = cargo.output().map_err(|e| OciError::Build(format!("cannot run cargo ({e})"), install_hint(platform)))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let missing_toolchain = platform == Platform::LinuxArm64 && !zigbuild_present();
        return Err(if missing_toolchain {
            OciError::Build("cargo-zigbuild is not installed".into(), install_hint(platform))
        } else {
            OciError::Build(
                format!("cargo failed building {package} for {target} in {} (its messages are above)", dir.display()),
                "correct what cargo printed; check that --package names a crate of that workspace and that the target is installed",
            )
        });
    }
    executable(&stdout, package).ok_or_else(|| {
        OciError::Build(format!("{package} has no binary target for cargo to build"), "name a package with a [[bin]]")
    })
}

fn zigbuild_present() -> bool {
    Command::new("cargo-zigbuild").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// The executable of `package`'s binary target in cargo's JSON messages: the package ID's name
/// (`...#name@version`, or the directory's name in `path+file:///dir#version`) must be `package`.
fn executable(messages: &str, package: &str) -> Option<PathBuf> {
    let name_of = |id: &str| -> Option<String> {
        let (path, fragment) = id.rsplit_once('#')?;
        Some(match fragment.split_once('@') {
            Some((name, _)) => name.to_string(),
            None => path.rsplit('/').next()?.to_string(),
        })
    };
    messages
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| m["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
        .filter(|m| m["package_id"].as_str().and_then(name_of).as_deref() == Some(package))
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_is_read_from_cargos_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/crates/agent#corestack-agent@0.1.0","target":{"name":"agent","kind":["bin"]},"executable":"/w/target/x/release/agent"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/agents/echo-agent#0.1.0","target":{"name":"echo_agent","kind":["lib"]},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/agents/echo-agent#0.1.0","target":{"name":"echo-agent","kind":["bin"]},"executable":"/w/target/x/release/echo-agent"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(executable(messages, "echo-agent"), Some(PathBuf::from("/w/target/x/release/echo-agent")));
        assert_eq!(executable(messages, "corestack-agent"), Some(PathBuf::from("/w/target/x/release/agent")));
        assert_eq!(executable(messages, "agent"), None, "a directory named agent is not the package agent");
        assert_eq!(executable(messages, "other"), None);
    }
}
