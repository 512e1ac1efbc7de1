//! The 2026 runtime settings through a whole life on moto: a runtime deployed on platform V2
//! with session storage, `status` showing both, then the storage removed and redeployed.

use common::on_moto::corestack;
use common::{text, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

fn with(config: String, extra: &str) -> String {
    let at = "name = \"demo_agent\"\n";
    assert!(config.contains(at));
    config.replacen(at, &format!("{at}{extra}"), 1)
}

fn status(dir: &std::path::Path, moto: &Moto) -> Value {
    let out = corestack(dir, moto, &["status", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn platform_and_session_storage_are_deployed_shown_and_removed() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let storage = "platform_version = \"V2\"\nsession_storage = { mount_path = \"/mnt/workspace\" }\n";
    write_config(dir.path(), |c| with(c, storage));
    let deployed = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(deployed.status.success(), "{}", text(&deployed.stderr));
    let line = text(&corestack(dir.path(), &moto, &["status"]).stdout);
    assert!(line.contains("platform V2") && line.contains("session storage /mnt/workspace"), "{line}");
    let runtime = &status(dir.path(), &moto)["runtimes"][0]["status"];
    assert_eq!(
        (runtime["platform_version"].as_str(), runtime["session_storage"].as_str()),
        (Some("V2"), Some("/mnt/workspace"))
    );

    // Without the storage: the same runtime is updated, and status no longer shows it.
    write_config(dir.path(), |c| with(c, "platform_version = \"V2\"\n"));
    let diff = text(&corestack(dir.path(), &moto, &["diff"]).stdout);
    assert!(diff.contains("DemoAgentRuntime"), "{diff}");
    let redeployed = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(redeployed.status.success(), "{}", text(&redeployed.stderr));
    let runtime = &status(dir.path(), &moto)["runtimes"][0]["status"];
    assert_eq!(runtime["platform_version"], "V2");
    assert!(runtime.get("session_storage").is_none(), "{runtime}");
    let destroyed = corestack(dir.path(), &moto, &["destroy", "--yes"]);
    assert!(destroyed.status.success(), "{}", text(&destroyed.stderr));
}
