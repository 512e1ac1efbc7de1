//! `corestack check` and the check inside `synth`, end to end.

use std::path::{Path, PathBuf};

use common::{corestack, text, workspace};
use pretty_assertions::assert_eq;
use serde_json::Value;

mod common;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Each template in tests/corpus is of the kind users bring; its `.expected` file lists the
/// findings (severity, rule, path) the check must report, no more and no fewer.
#[test]
fn the_corpus_gets_exactly_its_expected_findings() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let run = corestack(Path::new("."), &["check", "--format", "json", case.to_str().unwrap()]);
        let report: Value =
            serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&run.stderr)));
        let got: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f["severity"].as_str().unwrap(),
                    f["rule"].as_str().unwrap(),
                    f["path"].as_str().unwrap()
                )
            })
            .collect();
        let want: Vec<String> =
            std::fs::read_to_string(case.with_extension("expected")).unwrap().lines().map(str::to_string).collect();
        assert_eq!(got, want, "{}", case.display());
        assert_eq!(run.status.code(), Some(1), "errors fail the check");
    }
}

#[test]
fn check_with_no_path_checks_the_configured_environment_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["check", "--env", "prod"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout), "0 error(s), 0 warning(s), 0 suppressed; 35 rules over 5 template(s)\n");
}

#[test]
fn check_reads_a_synthesized_assembly_directory() {
    let dir = tempfile::tempdir().unwrap();
    assert!(corestack(dir.path(), &["synth"]).status.success());
    let run = corestack(dir.path(), &["check", "corestack.out"]);
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    // Break one template on disk: the rule follows the import to the Network stack.
    let path = dir.path().join("corestack.out/agentcore-demo-dev-Network.template.json");
    let mut t: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    t["Resources"].as_object_mut().unwrap().remove("EndpointEcrDkr");
    std::fs::write(&path, serde_json::to_string(&t).unwrap()).unwrap();
    let run = corestack(dir.path(), &["check", "corestack.out"]);
    assert_eq!(run.status.code(), Some(1));
    let out = text(&run.stdout);
    assert!(out.contains("agentcore-demo-dev-AgentCore\n  error   VPC03  DemoAgentRuntime"), "{out}");
    assert!(out.contains("no ecr.dkr interface endpoint"));
    assert!(out.contains("fix: add interface endpoints"));
}

#[test]
fn json_and_sarif_reports_carry_suppressed_findings() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(workspace().join("corestack.toml")).unwrap();
    let config = config.replace("network_mode = \"VPC\"", "network_mode = \"PUBLIC\"")
        + "\n[[check.suppressions]]\nrule = \"VPC01\"\nresource = \"DemoAgentRuntime\"\nreason = \"public demo without data\"\n";
    std::fs::write(dir.path().join("corestack.toml"), config).unwrap();
    let run = corestack(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stdout));
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!((report["errors"].as_u64(), report["suppressed"].as_u64()), (Some(0), Some(1)));
    assert_eq!(report["findings"][0]["suppressed"], "public demo without data");
    let run = corestack(dir.path(), &["check", "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["rules"].as_array().unwrap().len(), 35);
    let result = &run0["results"][0];
    assert_eq!((result["ruleId"].as_str(), result["level"].as_str()), (Some("VPC01"), Some("error")));
    assert_eq!(result["suppressions"][0]["justification"], "public demo without data");
    assert_eq!(result["locations"][0]["logicalLocations"][0]["name"], "DemoAgentRuntime");
    // synth writes too: the only error is suppressed.
    let run = corestack(dir.path(), &["synth"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

#[test]
fn synth_refuses_to_write_an_assembly_with_check_errors_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(workspace().join("corestack.toml")).unwrap();
    std::fs::write(
        dir.path().join("corestack.toml"),
        config.replace("network_mode = \"VPC\"", "network_mode = \"PUBLIC\""),
    )
    .unwrap();
    let run = corestack(dir.path(), &["synth"]);
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(err.contains("VPC01") && err.contains("nothing was written"), "{err}");
    assert!(!dir.path().join("corestack.out").exists());
    let run = corestack(dir.path(), &["synth", "--ignore-check-errors"]);
    assert!(run.status.success());
    assert!(dir.path().join("corestack.out/manifest.json").exists());
}

#[test]
fn reasonless_suppressions_are_findings() {
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(workspace().join("corestack.toml")).unwrap()
        + "\n[[check.suppressions]]\nrule = \"VPC01\"\nresource = \"DemoAgentRuntime\"\n";
    std::fs::write(dir.path().join("corestack.toml"), config).unwrap();
    let run = corestack(dir.path(), &["check"]);
    assert_eq!(run.status.code(), Some(1));
    let out = text(&run.stdout);
    assert!(out.contains("CHK02") && out.contains("has no reason"), "{out}");
}

#[test]
fn list_rules_names_every_rule_with_its_pillar() {
    let run = corestack(Path::new("."), &["check", "--list-rules", "--format", "json"]);
    let rules: Value = serde_json::from_slice(&run.stdout).unwrap();
    let ids: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 35);
    assert!(ids.contains(&"VPC03") && ids.contains(&"COST01"));
    assert_eq!(rules[0]["pillar"], "Security");
    let run = corestack(Path::new("."), &["check", "--list-rules"]);
    assert!(text(&run.stdout).contains("VPC01  VPC isolation"));
}

#[test]
fn bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["check", "missing.json"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("cannot read missing.json"));
    std::fs::write(dir.path().join("bad.yaml"), "Resources: [unclosed").unwrap();
    let run = corestack(dir.path(), &["check", "bad.yaml"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("bad.yaml: not a CloudFormation template: invalid YAML"),
        "{}",
        text(&run.stderr)
    );
    std::fs::write(dir.path().join("x.json"), "{\"Foo\": 1}").unwrap();
    let run = corestack(dir.path(), &["check", "x.json"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("no Resources section"));
}

#[test]
fn the_rules_page_lists_every_rule_as_the_code_does() {
    let readme = std::fs::read_to_string(workspace().join("docs/rules.md")).unwrap();
    let run = corestack(Path::new("."), &["check", "--list-rules", "--format", "json"]);
    let rules: Value = serde_json::from_slice(&run.stdout).unwrap();
    for r in rules.as_array().unwrap() {
        let row = format!(
            "| {} | {} | {} | {} |",
            r["id"].as_str().unwrap(),
            r["pillar"].as_str().unwrap(),
            r["severity"].as_str().unwrap(),
            r["title"].as_str().unwrap().replace('|', "\\|")
        );
        assert!(readme.contains(&row), "docs/rules.md lacks the row {row}");
    }
}
