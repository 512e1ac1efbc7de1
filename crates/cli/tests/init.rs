//! `corestack init` starts a project in which `synth`, `check` (no finding) and `dev` with
//! `invoke --local` work at once, for both agent kinds; it never overwrites a file.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;
use common::{corestack, free_port, text, workspace};

/// The project's PATH: the Python agent runs on `.venv`'s interpreter, which has the SDK.
fn path_with_venv() -> String {
    format!("{}:{}", workspace().join(".venv/bin").display(), std::env::var("PATH").unwrap_or_default())
}

fn init_synth_check_dev_invoke(kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("my-agents");
    let run = corestack(dir.path(), &["init", project.to_str().unwrap(), "--agent", kind]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let said = text(&run.stdout);
    assert!(said.contains("Started project my-agents"), "{said}");
    // The next steps work as written: into the directory, then (Python) the requirements.
    assert!(said.contains(&format!("\n  cd {}\n", project.display())), "{said}");
    let pip = "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt";
    assert_eq!(said.contains(pip), kind == "python", "{said}");
    // The config names the schema init wrote beside it, which is the one this corestack prints,
    // and passes it.
    let config = std::fs::read_to_string(project.join("corestack.toml")).unwrap();
    assert!(config.starts_with("#:schema ./corestack.schema.json\n"), "{config}");
    let schema = project.join("corestack.schema.json");
    let printed: serde_json::Value = serde_json::from_slice(&corestack(dir.path(), &["schema"]).stdout).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&schema).unwrap()).unwrap(), printed);
    assert_eq!(common::validate_with_jsonschema(&schema, &[project.join("corestack.toml")]), ["ok"]);
    let run = corestack(&project, &["synth"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run = corestack(&project, &["check"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("0 error(s), 0 warning(s)"), "{}", text(&run.stdout));
    if kind == "rust" {
        // The workspace's lock file: the same dependency versions, already downloaded.
        std::fs::copy(workspace().join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    }
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_corestack"));
    command.current_dir(&project).env("PATH", path_with_venv()).args(["dev", "--port", &port.to_string()]);
    // A Rust agent is built first (the dependencies are compiled once).
    let (mut dev, _lines, _banner) = common::start_dev_with(command, Duration::from_secs(900));
    let out = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(&project)
        .args(["invoke", "--local", "--port", &port.to_string(), r#"{"prompt": "hi"}"#])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    assert_eq!(answer["echo"], serde_json::json!({"prompt": "hi"}), "{answer}");
    assert!(Command::new("kill").args(["-TERM", &dev.id().to_string()]).status().unwrap().success());
    assert!(dev.wait().unwrap().success());
}

#[test]
fn a_python_project_works_right_after_init() {
    init_synth_check_dev_invoke("python");
}

#[test]
fn a_rust_project_works_right_after_init() {
    init_synth_check_dev_invoke("rust");
}

#[test]
fn init_overwrites_nothing_and_checks_its_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let run = corestack(dir.path(), &["init", ".", "--name", "taken"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("./Dockerfile already exist(s)"), "{}", text(&run.stderr));
    assert!(!dir.path().join("corestack.toml").exists(), "nothing is written");
    assert_eq!(std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(), "FROM scratch\n");
    let run = corestack(Path::new("."), &["init", dir.path().join("x").to_str().unwrap(), "--name", "Bad_Name"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("`Bad_Name` is not a project name"), "{}", text(&run.stderr));
    let run = corestack(Path::new("."), &["init", dir.path().join("y").to_str().unwrap(), "--region", "mars-1"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("region mars-1 is not one where AgentCore Runtime runs"),
        "{}",
        text(&run.stderr)
    );
}

/// Issue 27, 2: init never writes through a link, and on any error leaves nothing behind.
#[test]
fn init_never_writes_through_a_link_and_leaves_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let listing = |p: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(p).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    // A dangling corestack.toml link pointing outside the project.
    let project = dir.path().join("dangling");
    std::fs::create_dir(&project).unwrap();
    std::os::unix::fs::symlink(outside.join("stolen.toml"), project.join("corestack.toml")).unwrap();
    let run = corestack(dir.path(), &["init", project.to_str().unwrap(), "--name", "p"]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("corestack.toml already exist(s)"), "{}", text(&run.stderr));
    assert_eq!(listing(&project), ["corestack.toml"]);
    // A src/ linked outside the project.
    let project = dir.path().join("linked-src");
    std::fs::create_dir(&project).unwrap();
    std::os::unix::fs::symlink(&outside, project.join("src")).unwrap();
    let run = corestack(dir.path(), &["init", project.to_str().unwrap(), "--name", "p", "--agent", "rust"]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("src is a symbolic link"), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("nothing was written"), "{}", text(&run.stderr));
    assert_eq!(listing(&project), ["src"]);
    // A plain file named src: exit 2 and nothing else written (it was four files and exit 6).
    let project = dir.path().join("file-src");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("src"), "mine").unwrap();
    let run = corestack(dir.path(), &["init", project.to_str().unwrap(), "--name", "p", "--agent", "rust"]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("src is a file"), "{}", text(&run.stderr));
    assert_eq!(listing(&project), ["src"]);
    assert!(listing(&outside).is_empty(), "{:?}", listing(&outside));
}

/// Issue 20: every Region where AgentCore Runtime runs gets a project that synthesizes and
/// checks clean with nothing edited (no prefix list to look up: deploy does it).
#[test]
fn init_then_synth_and_check_work_in_every_runtime_region() {
    let dir = tempfile::tempdir().unwrap();
    let regions: Vec<&str> = corestack_app::constructs::limits::SUPPORTED_AZ_IDS.iter().map(|(r, _)| *r).collect();
    assert_eq!(regions.len(), 22);
    for region in regions {
        let project = dir.path().join(region);
        let run = corestack(dir.path(), &["init", project.to_str().unwrap(), "--name", "p", "--region", region]);
        assert!(run.status.success(), "{region}: {}", text(&run.stderr));
        let config = std::fs::read_to_string(project.join("corestack.toml")).unwrap();
        assert!(!config.contains("REPLACE"), "{region}: {config}");
        let run = corestack(&project, &["synth"]);
        assert!(run.status.success(), "{region}: {}", text(&run.stderr));
        let run = corestack(&project, &["check"]);
        assert!(text(&run.stdout).contains("0 error(s)"), "{region}: {}{}", text(&run.stdout), text(&run.stderr));
        let security = std::fs::read_to_string(project.join("corestack.out/p-dev-Security.template.json"))
            .or_else(|_| std::fs::read_to_string(project.join("corestack.out/agentcore-p-dev-Security.template.json")))
            .unwrap();
        assert!(security.contains("\"S3PrefixListId\""), "{region}: the list is a parameter deploy fills");
    }
}
