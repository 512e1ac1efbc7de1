//! The files a config names, and the config itself, read as hostile input (issue 27, 11): a
//! regular file only, of bounded size, an error that names the key and the file, and one nesting
//! limit shared with `check`, so that whatever `synth` accepts `check` accepts too.

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{corestack, text, workspace};

mod common;

/// A copy of the platform example whose weather target's tool schema is `schema` (a path
/// relative to the project, or absolute).
fn project(schema: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = workspace().join("examples/platform");
    let config = std::fs::read_to_string(example.join("corestack.toml")).unwrap();
    assert!(config.contains("\"schemas/weather-tools.json\""));
    let config = config.replace("\"schemas/weather-tools.json\"", &format!("\"{schema}\""));
    std::fs::write(dir.path().join("corestack.toml"), config).unwrap();
    std::fs::create_dir(dir.path().join("schemas")).unwrap();
    for file in std::fs::read_dir(example.join("schemas")).unwrap() {
        let file = file.unwrap().path();
        std::fs::copy(&file, dir.path().join("schemas").join(file.file_name().unwrap())).unwrap();
    }
    dir
}

/// A tool list whose `[`/`{` nesting is exactly `depth` (at least 4).
fn schema_of_depth(depth: usize) -> String {
    // The list and the tool are 2 levels, each object with properties 2 more, the innermost 1,
    // and an `enum` list 1 when the depth is even.
    let (levels, even) = ((depth - 3) / 2, depth.is_multiple_of(2));
    let mut schema = if even { r#"{"type":"string","enum":["x"]}"#.to_string() } else { r#"{"type":"string"}"#.into() };
    for _ in 0..levels {
        schema = format!(r#"{{"type":"object","properties":{{"a":{schema}}}}}"#);
    }
    format!(r#"[{{"name":"t","description":"d","inputSchema":{schema}}}]"#)
}

fn refused(out: &Output, says: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for s in says {
        assert!(err.contains(s), "stderr lacks `{s}`: {err}");
    }
    assert!(err.contains("fix:"), "{err}");
}

/// A schema nested 58 deep once panicked in the assembly, and 57 synthesized a template that
/// `check` then refused. At 56 both take it; past 56 the config is refused, naming the file.
#[test]
fn a_tool_schema_nests_no_deeper_than_check_allows() {
    for depth in [56, 57, 58, 64, 130, 5000] {
        let dir = project("schemas/deep.json");
        std::fs::write(dir.path().join("schemas/deep.json"), schema_of_depth(depth)).unwrap();
        let nests = |limit| corestack_text::file::nests_deeper_than(&schema_of_depth(depth), limit);
        assert!(nests(depth - 1) && !nests(depth), "the schema nests exactly {depth} deep");
        let synth = corestack(dir.path(), &["synth", "--out", "out"]);
        if depth <= 56 {
            assert!(synth.status.success(), "depth {depth}: {}", text(&synth.stderr));
            let check = corestack(dir.path(), &["check", "out"]);
            assert!(check.status.success(), "depth {depth}: check refused what synth wrote: {}", text(&check.stderr));
        } else {
            refused(&synth, &["gateways[0].targets[0].tool_schema:", "deep.json nests `[` or `{` more than 56 deep"]);
            assert!(!dir.path().join("out").exists(), "depth {depth}: an assembly was written");
        }
    }
}

/// `/dev/zero` (or a link to it) grew until memory ran out, and a FIFO hung.
#[test]
fn a_tool_schema_must_be_a_regular_file_of_bounded_size() {
    let dir = project("/dev/zero");
    refused(&corestack(dir.path(), &["synth"]), &["tool_schema: cannot read /dev/zero: it is not a regular file"]);

    let dir = project("schemas/pipe.json");
    let fifo = dir.path().join("schemas/pipe.json");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    refused(&corestack(dir.path(), &["synth"]), &["pipe.json: it is not a regular file"]);

    // 35 MB of tools took 3.4 GB and then blamed "runtimes per stack".
    let dir = project("schemas/big.json");
    let tool = r#"{"name":"t","description":"d","inputSchema":{"type":"object"}},"#;
    let tools = format!("[{}{}]", tool.repeat(35_000_000 / tool.len()), &tool[..tool.len() - 1]);
    std::fs::write(dir.path().join("schemas/big.json"), tools).unwrap();
    refused(
        &corestack(dir.path(), &["synth"]),
        &[
            "big.json: it has 35",
            "past the 1000000 this kind of file may have",
            "CloudFormation takes templates of at most 1 MB",
        ],
    );
}

#[test]
fn the_config_must_be_a_regular_file_of_bounded_size() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &corestack(dir.path(), &["synth", "--config", "/dev/zero"]),
        &["cannot read /dev/zero: it is not a regular file"],
    );
    let fifo: PathBuf = dir.path().join("corestack.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    refused(&corestack(dir.path(), &["synth"]), &["corestack.toml: it is not a regular file"]);
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2_000_000))).unwrap();
    refused(&corestack(Path::new("."), &["synth", "--config", big.to_str().unwrap()]), &["past the 1000000"]);
}
