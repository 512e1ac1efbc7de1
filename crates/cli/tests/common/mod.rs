//! Helpers shared by the CLI's integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod on_moto;

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
    // The build context is `dir`: what corestack and the tests write there is not the agent's
    // source, as a project's .dockerignore would say.
    std::fs::write(dir.join(".dockerignore"), "corestack.out\ndocs\ndocker.log*\nr[0-9]*\n").unwrap();
    path
}

/// An HTTP/1.1 request: its request line, headers (names lowercased) and body.
pub type HttpRequest = (String, Vec<(String, String)>, String);

/// Reads one HTTP/1.1 request from `reader`; `None` when the connection closed first.
pub fn read_request(reader: &mut impl std::io::BufRead) -> Option<HttpRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let length = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim().to_string(), headers, String::from_utf8_lossy(&body).into_owned()))
}

/// Validates `files` (TOML) against `schema` with Python's `jsonschema` (in `.venv`, a cfn-lint
/// dependency): one line per file, `ok` or the first error.
pub fn validate_with_jsonschema(schema: &Path, files: &[PathBuf]) -> Vec<String> {
    let script = r#"
import json, sys, tomllib, jsonschema
schema = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    try:
        jsonschema.validate(tomllib.load(open(path, "rb")), schema)
        print("ok")
    except jsonschema.ValidationError as e:
        print("invalid: " + e.message.replace("\n", " "))
"#;
    let python = workspace().join(".venv/bin/python");
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(schema)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/test.sh installs it)", python.display()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

/// Runs `command` (which starts corestack dev, with none of this shell's AWS credentials) and
/// waits up to `limit` for the dev banner; returns it, its stdout lines, and the banner.
pub fn start_dev_with(
    mut command: Command,
    limit: std::time::Duration,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>, Vec<String>) {
    use std::io::BufRead;
    let mut dev = command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_PROFILE")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = dev.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    while !banner.iter().any(|l: &String| l.contains("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE")) {
        banner.push(lines.recv_timeout(limit).expect("the dev banner"));
    }
    (dev, lines, banner)
}

/// The default config with a second runtime that uses a memory.
pub fn with_researcher_and_memory(config: String) -> String {
    let dockerfile = workspace().join("agents/bedrock-agent/Dockerfile");
    format!(
        "{config}\n[[memories]]\nname = \"notes\"\ndescription = \"What the researcher learned\"\nevent_expiry_days = 30\n\n[[runtimes]]\nname = \"researcher\"\ndescription = \"Looks things up\"\nimage_tag = \"v1\"\nmemories = [\"notes\"]\n[runtimes.build]\ndockerfile = \"{}\"\ncontext = \".\"\n",
        dockerfile.display()
    )
}
