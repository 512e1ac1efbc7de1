//! `--region`, as the AWS CLI's: it moves the environment to another region for every command,
//! is checked as the file's `region` is, and a problem with it is named by the flag.

use common::{corestack, text, write_config};

mod common;

#[test]
fn a_region_that_is_no_region_is_named_by_its_flag_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["synth", "--region", "mars-1"]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let err = text(&run.stderr);
    assert!(err.contains("--region: `mars-1` is not an AWS region name"), "{err}");
    assert!(!dir.path().join("corestack.out").exists());
    let run = corestack(dir.path(), &["synth", "--region", "ap-east-1"]);
    assert!(text(&run.stderr).contains("--region: ap-east-1 is not a Region where AgentCore Runtime runs"));
}

#[test]
fn the_region_flag_replaces_the_files_and_its_zones_must_follow() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_config(d, |c| c);
    // The file's dev zones are us-east-1's: said under their key, with the flag's part in it.
    let run = corestack(d, &["synth", "--region", "eu-west-1"]);
    assert_eq!(run.status.code(), Some(2));
    let err = text(&run.stderr);
    assert!(err.contains("environments.dev.network.availability_zone_ids"), "{err}");
    assert!(err.contains("--region moved the environment"), "{err}");
    // Zones of eu-west-1 in a file that says us-east-1: wrong without the flag, right with it.
    write_config(d, |c| {
        c.replace(
            "[environments.dev.network]\navailability_zone_ids = [\"use1-az1\", \"use1-az2\"]",
            "[environments.dev.network]\navailability_zone_ids = [\"euw1-az1\", \"euw1-az2\"]",
        )
    });
    assert_eq!(corestack(d, &["synth"]).status.code(), Some(2));
    let run = corestack(d, &["synth", "--region", "eu-west-1", "--json"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("corestack.out/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["environment"]["region"], "eu-west-1", "{manifest}");
}
