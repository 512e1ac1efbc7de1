//! Helpers shared by the CLI's integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs the corestack binary in `cwd`, without colours.
pub fn corestack(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corestack")).current_dir(cwd).env("NO_COLOR", "1").args(args).output().unwrap()
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The default config's local build step and command, as the repository's corestack.toml says.
pub const DEFAULT_LOCAL: &str =
    "build = \"cargo build --release --quiet -p bedrock-agent\"\ncommand = \"target/release/bedrock-agent\"";

/// Builds a workspace binary in the debug profile (a no-op when `cargo test --workspace` built
/// it) and returns its path.
pub fn debug_binary(package: &str) -> PathBuf {
    let status =
        Command::new(env!("CARGO")).args(["build", "-q", "-p", package]).current_dir(workspace()).status().unwrap();
    assert!(status.success(), "cargo build -p {package} failed");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
        .join("debug")
        .join(package)
}

/// Writes `dir/corestack.toml`: the repository's config with the runtime's local command pointed
/// at the debug echo-agent.
pub fn config_running_echo_agent(dir: &Path) -> PathBuf {
    let agent = debug_binary("echo-agent");
    write_config(dir, |c| {
        assert!(c.contains(DEFAULT_LOCAL), "the default config's [runtimes.local] changed");
        c.replace(DEFAULT_LOCAL, &format!("command = \"{}\"", agent.display()))
    })
}

/// Writes `dir/corestack.toml`: the repository's config, unchanged but for the local command's
/// profile (the debug build of the same agent, so that tests need no release build).
pub fn config_running_default_agent(dir: &Path) -> PathBuf {
    let agent = debug_binary("bedrock-agent");
    write_config(dir, |c| {
        assert!(c.contains(DEFAULT_LOCAL), "the default config's [runtimes.local] changed");
        c.replace(DEFAULT_LOCAL, &format!("command = \"{}\"", agent.display()))
    })
}

/// Writes `dir/corestack.toml`: the repository's config, its Dockerfile path made absolute (the
/// build context stays `dir`), then changed by `edit`.
pub fn write_config(dir: &Path, edit: impl FnOnce(String) -> String) -> PathBuf {
    let config = std::fs::read_to_string(workspace().join("corestack.toml")).unwrap();
    let dockerfile = workspace().join("agents/bedrock-agent/Dockerfile");
    let config = config.replace(
        "dockerfile = \"agents/bedrock-agent/Dockerfile\"",
        &format!("dockerfile = \"{}\"", dockerfile.display()),
    );
    assert!(config.contains(&dockerfile.display().to_string()), "the default config builds bedrock-agent");
    let path = dir.join("corestack.toml");
    std::fs::write(&path, edit(config)).unwrap();
    path
}
