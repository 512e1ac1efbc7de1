//! `corestack check` refuses hostile input for what it is, quickly and with exit 2: devices and
//! files outside the assembly, templates over CloudFormation's size limit, YAML whose aliases
//! expand without end, and nesting no template needs.

use std::path::Path;
use std::time::{Duration, Instant};

use common::{corestack, text};

mod common;

/// Runs `corestack check` on `paths` and requires exit 2 with each of `says`, within a bound far
/// above what a refusal takes (it guards against hangs, not for speed).
fn refused(paths: &[&Path], says: &[&str]) {
    let started = Instant::now();
    let mut args = vec!["check"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let run = corestack(Path::new("."), &args);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    for s in says {
        assert!(err.contains(s), "stderr lacks `{s}`: {err}");
    }
    assert!(err.contains("fix:"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

/// An assembly whose manifest names `template` for its one stack.
fn assembly(dir: &Path, template: &str) -> std::path::PathBuf {
    let assembly = dir.join("out");
    std::fs::create_dir_all(&assembly).unwrap();
    let manifest = serde_json::json!({"environment": {"production": false},
        "stacks": [{"name": "s", "template": template}]});
    std::fs::write(assembly.join("manifest.json"), manifest.to_string()).unwrap();
    assembly
}

#[test]
fn a_manifest_may_name_only_regular_files_inside_its_assembly() {
    let dir = tempfile::tempdir().unwrap();
    refused(&[&assembly(dir.path(), "/dev/zero")], &["refused", "outside the assembly"]);
    refused(&[&assembly(dir.path(), "../../etc/passwd")], &["outside the assembly"]);
    let out = assembly(dir.path(), "linked.json");
    std::os::unix::fs::symlink("/dev/zero", out.join("linked.json")).unwrap();
    refused(&[&out], &["is a link to /dev/zero, outside the assembly"]);
    // Given on the command line, a device is refused too, without reading it.
    refused(&[Path::new("/dev/zero")], &["not a regular file"]);
}

#[test]
fn a_template_over_cloudformations_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let padding = "x".repeat(1_100_000);
    std::fs::write(&big, format!("{{\"Description\": \"{padding}\", \"Resources\": {{}}}}")).unwrap();
    refused(&[&big], &["CloudFormation takes templates of at most 1 MB (51,200 bytes inline)"]);
    // A file too large to be even a pretty-printed template is not read.
    std::fs::write(&big, " ".repeat(4_100_000)).unwrap();
    refused(&[&big], &["it has 4100000 bytes or more"]);
}

#[test]
fn yaml_aliases_cannot_expand_without_end() {
    let dir = tempfile::tempdir().unwrap();
    let anchor: String = (0..2_000).map(|i| format!("      K{i}: v\n")).collect();
    let aliases: String =
        (0..2_000).map(|i| format!("  B{i}:\n    Type: AWS::SNS::Topic\n    Properties: *a\n")).collect();
    let yaml = format!("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: &a\n{anchor}{aliases}");
    assert!(yaml.len() < 200_000);
    let file = dir.path().join("aliases.yaml");
    std::fs::write(&file, yaml).unwrap();
    refused(&[&file], &["aliases expand to more than 500000 values"]);
}

#[test]
fn nesting_no_template_needs_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.yaml");
    std::fs::write(&file, format!("Resources: {}", "[".repeat(200_000))).unwrap();
    refused(&[&file], &["nests `[` or `{` more than 64 deep"]);
}

/// A 930 KB template of real-looking resources.
fn large_template() -> String {
    let resources: serde_json::Map<String, serde_json::Value> = (0..12_500)
        .map(|i| {
            (
                format!("Topic{i}"),
                serde_json::json!({"Type": "AWS::SNS::Topic", "Properties": {"TopicName": format!("t{i}")}}),
            )
        })
        .collect();
    let text = serde_json::json!({"Resources": resources}).to_string();
    assert!((800_000..1_000_000).contains(&text.len()), "{}", text.len());
    text
}

/// Issue 27, 9: a manifest that named one 930 KB template 200 times took 4.3 GB and 26 s.
#[test]
fn a_manifest_may_name_a_template_once_and_a_check_reads_a_bounded_amount() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("big.template.json"), large_template()).unwrap();
    let stacks: Vec<_> =
        (0..200).map(|i| serde_json::json!({"name": format!("s{i}"), "template": "big.template.json"})).collect();
    std::fs::write(out.join("manifest.json"), serde_json::json!({"stacks": stacks}).to_string()).unwrap();
    refused(&[&out], &["for stack `s1`, read already for stack `s0`; each stack has a template of its own"]);

    // Nine distinct full templates pass the check's byte budget; 101 small ones its stack count.
    for i in 0..9 {
        std::fs::write(out.join(format!("t{i}.template.json")), large_template()).unwrap();
    }
    let stacks: Vec<_> = (0..9)
        .map(|i| serde_json::json!({"name": format!("s{i}"), "template": format!("t{i}.template.json")}))
        .collect();
    std::fs::write(out.join("manifest.json"), serde_json::json!({"stacks": stacks}).to_string()).unwrap();
    refused(&[&out], &["t8.template.json: refused: with it the check reads", "more than 8000000"]);
    for i in 0..101 {
        std::fs::write(out.join(format!("small{i}.template.json")), r#"{"Resources": {}}"#).unwrap();
    }
    let stacks: Vec<_> = (0..101)
        .map(|i| serde_json::json!({"name": format!("s{i}"), "template": format!("small{i}.template.json")}))
        .collect();
    std::fs::write(out.join("manifest.json"), serde_json::json!({"stacks": stacks}).to_string()).unwrap();
    refused(&[&out], &["more than 100 templates"]);
}
