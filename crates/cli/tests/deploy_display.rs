//! What `deploy` shows while it works: JSON lines for scripts, a block redrawn on a terminal,
//! and the question before it changes anything.

use std::process::Command;

use common::on_moto::{against, corestack, deploy_default, with_fake_docker};
use common::{text, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

#[test]
fn json_mode_prints_events_and_results_as_json_lines() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--json"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let lines: Vec<Value> =
        text(&run.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let results: Vec<&Value> = lines.iter().filter(|l| l["event"] == "result").collect();
    assert_eq!(results.len(), 5);
    assert!(results.iter().all(|r| r["outcome"] == "created"));
    assert!(results[3]["outputs"]["AgentRuntimeArn"].is_string());
    let stack_done = lines.iter().any(|l| {
        l["event"] == "resource"
            && l["logical_id"] == "agentcore-demo-dev-AgentCore"
            && l["status"] == "CREATE_COMPLETE"
    });
    assert!(stack_done, "{lines:#?}");
    assert!(
        text(&run.stderr).is_empty() || !text(&run.stderr).contains("deploying"),
        "progress lines stay off in JSON mode"
    );
    let run = corestack(dir.path(), &moto, &["destroy", "--yes", "--json"]);
    let results: Vec<Value> = text(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &Value| l["event"] == "result")
        .collect();
    assert!(results.len() == 5 && results.iter().all(|r| r["outcome"] == "deleted"), "{results:#?}");
}

/// On a terminal (a pseudo-terminal from `script`), progress is a block of one line per stack
/// redrawn in place, not a line per event.
#[test]
fn on_a_terminal_progress_is_redrawn_in_place() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let command = format!("{} deploy --yes", env!("CARGO_BIN_EXE_corestack"));
    let mut script = against("script", dir.path(), &moto.url());
    let run = with_fake_docker(&mut script, dir.path())
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("script (util-linux) gives the command a terminal");
    let screen = text(&run.stdout);
    assert!(run.status.success(), "{screen}");
    assert!(screen.contains("\x1b[J"), "the block is cleared and redrawn: {screen:?}");
    for stack in ["Network", "Security", "Storage", "AgentCore", "Monitoring"] {
        assert!(screen.contains(&format!("✓ agentcore-demo-dev-{stack}")), "{stack}: {screen:?}");
    }
    assert!(!screen.contains("corestack: deploying"), "no plain progress lines: {screen:?}");
    assert!(!screen.contains("CREATE_COMPLETE: "), "{screen:?}");
}

/// Runs `corestack <args>` under `script` (util-linux), which gives it a terminal and types
/// `answer` at it; returns the screen, which ends with `exit=<its exit code>`.
fn answer_on_a_terminal(script: &mut Command, args: &str, answer: &[u8]) -> String {
    let command = format!("{} {args}; echo exit=$?", env!("CARGO_BIN_EXE_corestack"));
    let mut child = script
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) gives the command a terminal");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), answer).unwrap();
    text(&child.wait_with_output().unwrap().stdout)
}

/// Answering no at the prompt is its own exit code (5), not a usage error, and changes nothing.
#[test]
fn answering_no_at_the_prompt_changes_nothing_and_exits_5() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let screen = answer_on_a_terminal(&mut against("script", dir.path(), &moto.url()), "destroy", b"n\n");
    assert!(screen.contains("corestack: cancelled; nothing was changed"), "{screen:?}");
    assert!(screen.contains("exit=5"), "{screen:?}");
}

/// Asked to confirm, deploy says first what changes in each stack, as `diff` does: here one
/// runtime's description, modified in place, and every other stack unchanged.
#[test]
fn the_deploy_question_shows_what_changes_in_each_stack() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    deploy_default(dir.path(), &moto);
    let described = "description = \"Demo agent answering prompts with Amazon Bedrock\"";
    write_config(dir.path(), |c| {
        assert!(c.contains(described));
        c.replace(described, "description = \"Answers prompts, now described anew\"")
    });
    let mut script = against("script", dir.path(), &moto.url());
    let screen = answer_on_a_terminal(with_fake_docker(&mut script, dir.path()), "deploy", b"n\n");
    assert!(screen.contains("agentcore-demo-dev-Network: unchanged"), "{screen}");
    assert!(screen.contains("agentcore-demo-dev-AgentCore: 0 added, 1 modified (0 replaced), 0 removed"), "{screen}");
    assert!(screen.contains("corestack: cancelled; nothing was changed") && screen.contains("exit=5"), "{screen}");
}
