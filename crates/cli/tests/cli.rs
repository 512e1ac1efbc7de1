//! The `corestack` binary end to end, on temporary directories.

use std::path::{Path, PathBuf};

use common::{corestack, text, write_config};
use pretty_assertions::assert_eq;

mod common;

fn repo_config() -> PathBuf {
    common::workspace().join("corestack.toml")
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-configs")
}

#[test]
fn synth_uses_the_embedded_default_when_there_is_no_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["synth"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(text(&run.stderr).contains("using the embedded demo config"));
    let out = text(&run.stdout);
    assert!(
        out.starts_with("Synthesized 5 stacks for environment dev (us-east-1, account of the credentials)"),
        "{out}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("corestack.out/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["stacks"].as_array().unwrap().len(), 5);
    for s in manifest["stacks"].as_array().unwrap() {
        assert!(dir.path().join("corestack.out").join(s["template"].as_str().unwrap()).exists());
    }
}

#[test]
fn synth_reads_the_config_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo_config();
    let run =
        corestack(dir.path(), &["synth", "--config", config.to_str().unwrap(), "--env", "prod", "--out", "prod.out"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(dir.path().join("prod.out/agentcore-demo-prod-AgentCore.template.json").exists());
    // The repository's config is the embedded default: the same bytes either way.
    std::fs::copy(&config, dir.path().join("corestack.toml")).unwrap();
    let run = corestack(dir.path(), &["synth", "--env", "prod", "--out", "again.out"]);
    assert!(run.status.success());
    assert!(!text(&run.stderr).contains("embedded"));
    for entry in std::fs::read_dir(dir.path().join("prod.out")).unwrap() {
        let name = entry.unwrap().file_name();
        assert_eq!(
            std::fs::read(dir.path().join("prod.out").join(&name)).unwrap(),
            std::fs::read(dir.path().join("again.out").join(&name)).unwrap()
        );
    }
}

#[test]
fn synth_replaces_its_own_assembly_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    assert!(corestack(dir.path(), &["synth"]).status.success());
    std::fs::write(dir.path().join("corestack.out/stale.template.json"), "{}").unwrap();
    assert!(corestack(dir.path(), &["synth"]).status.success());
    assert!(!dir.path().join("corestack.out/stale.template.json").exists(), "the old assembly is replaced whole");

    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let run = corestack(dir.path(), &["synth", "--out", "mine"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("is not a corestack assembly"), "{}", text(&run.stderr));
    assert_eq!(std::fs::read_to_string(mine.join("notes.txt")).unwrap(), "keep me");
    assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 1);
    let leftovers: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains(".tmp-")), "{leftovers:?}");
}

#[test]
fn a_missing_config_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["synth", "--config", "nope.toml"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("cannot read nope.toml"));
    assert!(!dir.path().join("corestack.out").exists());
}

#[test]
fn the_corpus_base_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let base = corpus().join("valid-base.toml.ok");
    let run = corestack(dir.path(), &["synth", "--config", base.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

/// Each file in tests/bad-configs breaks one rule and lists, as `# expect:` lines, what the error
/// must say (the config key, the rule, the fix).
#[test]
fn every_bad_config_fails_with_its_message_and_writes_nothing() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let body = std::fs::read_to_string(case).unwrap();
        let expects: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expects.is_empty(), "{} has no expectations", case.display());
        let dir = tempfile::tempdir().unwrap();
        let run = corestack(dir.path(), &["synth", "--config", case.to_str().unwrap(), "--out", "out"]);
        let stderr = text(&run.stderr);
        let name = case.file_name().unwrap().to_string_lossy();
        if run.status.code() != Some(2) {
            failures.push(format!("{name}: exit {:?}, want 2\n{stderr}", run.status.code()));
        }
        for e in &expects {
            if !stderr.contains(e) {
                failures.push(format!("{name}: stderr lacks `{e}`:\n{stderr}"));
            }
        }
        if std::fs::read_dir(dir.path()).unwrap().count() != 0 {
            failures.push(format!("{name}: something was written"));
        }
        if !stderr.contains("fix:") {
            failures.push(format!("{name}: no fix is suggested:\n{stderr}"));
        }
        // No internal names: Rust types, serde's words, debug structures.
        for internal in ["Raw", "untagged", "Word(", "Number(", "u32", "i64", "Some(", "{ "] {
            if stderr.contains(internal) {
                failures.push(format!("{name}: stderr shows the internal `{internal}`:\n{stderr}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn completions_for_each_shell_know_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = corestack(Path::new("."), &["completions", shell]);
        assert!(run.status.success(), "{shell}: {}", text(&run.stderr));
        let script = text(&run.stdout);
        assert!(script.contains("deploy") && script.contains("image-tag"), "{shell}: {script}");
    }
    assert_eq!(corestack(Path::new("."), &["completions", "tcsh"]).status.code(), Some(2));
}

/// The short flags people expect from cargo, gh and the AWS CLI: -c/--config, -e/--env, -y/--yes.
#[test]
fn short_flags_work_as_the_long_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::workspace().join("examples/protocols/corestack.toml");
    let run = corestack(dir.path(), &["synth", "-c", config.to_str().unwrap(), "-e", "dev", "--out", "out"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(dir.path().join("out/manifest.json").exists());
    for command in ["deploy", "destroy"] {
        let help = text(&corestack(dir.path(), &[command, "--help"]).stdout);
        assert!(help.contains("-y, --yes") && help.contains("-c, --config") && help.contains("-e, --env"), "{help}");
    }
}

/// `invoke --local` with no `corestack dev` listening says to start it, for the HTTP call and the
/// WebSocket alike (it said "the AWS endpoint could not be reached").
#[test]
fn invoke_local_without_dev_says_to_start_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    for extra in [&[][..], &["--ws"]] {
        let mut args = vec!["invoke", "--local", "--port", &port];
        args.extend_from_slice(extra);
        let run = corestack(dir.path(), &args);
        let err = text(&run.stderr);
        assert_eq!(run.status.code(), Some(3), "{extra:?}: {err}");
        assert!(
            err.contains(&format!("nothing answers on 127.0.0.1:{port}: corestack dev is not running there")),
            "{err}"
        );
        assert!(err.contains("fix: start it in the project's directory with `corestack dev`"), "{err}");
    }
}

/// `-H` refuses a header the service owns and `--user-id` an ID it would refuse, before anything
/// is sent; a header the runtime's allowlist does not name is warned of (the service drops it).
#[test]
fn invoke_checks_its_headers_and_user_id_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let invoke = |extra: &[&str]| {
        let mut args = vec!["invoke", "--local", "--port", &port];
        args.extend_from_slice(extra);
        corestack(dir.path(), &args)
    };
    for (extra, says) in [
        (&["-H", "Host: example.com"][..], "-H `Host: example.com`: the service sets this header itself"),
        (&["-H", "no colon"][..], "a header is `Name: value`"),
        (&["--user-id", ""][..], "--user-id: 0 characters; the service takes 1-1024"),
    ] {
        let run = invoke(extra);
        let err = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(says) && err.contains("fix:"), "{extra:?}: {err}");
        assert!(!err.contains("nothing answers"), "refused before sending: {err}");
    }
    let run = invoke(&["-H", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team: blue", "--user-id", "user-42"]);
    let err = text(&run.stderr);
    assert!(
        err.contains("warning: runtime demo_agent's request_header_allowlist does not name X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team"),
        "{err}"
    );
    assert_eq!(run.status.code(), Some(3), "then sent, to a dev that is not running: {err}");
}

/// `AWS_PROFILE=nope` says the profile does not exist and which do (the credential chain's own
/// words were about IMDS).
#[test]
fn a_profile_that_does_not_exist_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(corestack(d, &["init", "--name", "probe"]).status.success());
    std::fs::write(d.join("aws-config"), "[default]\nregion = us-east-1\n[profile dev]\n").unwrap();
    std::fs::write(d.join("aws-credentials"), "[ci]\naws_access_key_id = a\naws_secret_access_key = b\n").unwrap();
    // `status` with these AWS files, `AWS_PROFILE` set to `profile` and no other credentials.
    let status = |profile: &str, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_corestack"))
            .current_dir(d)
            .arg("status")
            .args(args)
            .env("AWS_PROFILE", profile)
            .env("AWS_CONFIG_FILE", d.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", d.join("aws-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .output()
            .unwrap()
    };
    let run = status("nope", &[]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{err}");
    assert!(err.contains("AWS_PROFILE names the profile `nope`, which is in neither"), "{err}");
    assert!(err.contains("fix: use a profile they have (ci, default, dev)"), "{err}");
    // The same profile named by --profile, as the AWS CLI takes it, wins over AWS_PROFILE.
    let run = status("dev", &["--profile", "gone"]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{err}");
    assert!(err.contains("--profile names the profile `gone`, which is in neither"), "{err}");
}

/// `corestack dev` with no config outside a corestack checkout says what the demo needs and how
/// to start a project, before building anything (it failed in cargo with "could not find
/// Cargo.toml").
#[test]
fn dev_outside_the_repository_without_a_config_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["dev", "--port", "1"]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("the embedded demo runs the bedrock-agent of a corestack checkout"), "{err}");
    assert!(err.contains("fix: start a project here with `corestack init`"), "{err}");
    assert!(!err.contains("cargo build"), "nothing was built: {err}");
}

/// `synth --json`: what was written, as one JSON document.
#[test]
fn synth_says_what_it_wrote_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &["synth", "--json", "--out", "out"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let written: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(written["environment"], "dev");
    assert_eq!(written["out"], "out");
    let stacks = written["stacks"].as_array().unwrap();
    assert!(stacks.len() >= 5 && stacks.iter().all(|s| s["resources"].as_u64().unwrap() > 0), "{written}");
    assert!(dir.path().join("out/manifest.json").exists());
}

/// A reader that stops early (`corestack completions bash | head -1`) is a normal end: no panic,
/// exit 0, for every command that prints a lot.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["completions", "bash"][..], &["schema"], &["synth", "--out", "out"], &["--help"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_corestack"))
            .args(args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: exit {:?}: {stderr}", out.status.code());
    }
}

#[test]
fn an_endpoint_version_written_as_a_string_is_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), |c| {
        c.replace(
            "# [[runtimes.endpoints]]\n# name = \"prod\"\n# version = \"current\"",
            "[[runtimes.endpoints]]\nname = \"prod\"\nversion = \"3\"",
        )
    });
    let run = corestack(dir.path(), &["synth", "--config", config.to_str().unwrap(), "--out", "out"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let agentcore = std::fs::read_to_string(dir.path().join("out/agentcore-demo-dev-AgentCore.template.json")).unwrap();
    assert!(agentcore.contains("\"AgentRuntimeVersion\": \"3\""), "{agentcore}");
}

#[test]
fn more_runtimes_than_the_stacks_can_hold_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("huge.toml");
    std::fs::write(&config, corestack_app::fixtures::many_runtimes(151)).unwrap();
    let run = corestack(dir.path(), &["synth", "--config", config.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("runtimes: 151 runtimes; one environment takes at most 150"), "{stderr}");
    assert!(!dir.path().join("corestack.out").exists());
    // The most the rule allows still synthesizes, every stack within the limits.
    std::fs::write(&config, corestack_app::fixtures::many_runtimes(150)).unwrap();
    let run = corestack(dir.path(), &["synth", "--config", config.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(dir.path().join("corestack.out/manifest.json").exists());
}

/// `corestack schema` is the committed `corestack.schema.json` that `corestack.toml` names on its
/// `#:schema` line; the default config passes it, and the corpus's shape errors fail it.
#[test]
fn the_config_schema_is_committed_validates_the_default_and_refuses_shape_errors() {
    let run = corestack(Path::new("."), &["schema"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let committed = std::fs::read_to_string(common::workspace().join("corestack.schema.json")).unwrap();
    assert_eq!(text(&run.stdout), committed, "run `corestack schema > corestack.schema.json`");
    let config = std::fs::read_to_string(common::workspace().join("corestack.toml")).unwrap();
    assert!(config.starts_with("#:schema ./corestack.schema.json\n"));

    let schema = common::workspace().join("corestack.schema.json");
    let mut files = vec![common::workspace().join("corestack.toml"), corpus().join("valid-base.toml.ok")];
    let shape_errors = ["unknown-key", "type-string-for-number", "type-negative-number", "protocol-unknown"];
    files.extend(shape_errors.iter().map(|c| corpus().join(format!("{c}.toml"))));
    let verdicts = common::validate_with_jsonschema(&schema, &files);
    assert_eq!(&verdicts[..2], ["ok", "ok"], "{verdicts:#?}");
    for (case, verdict) in shape_errors.iter().zip(&verdicts[2..]) {
        assert!(verdict.starts_with("invalid: "), "{case} passes the schema: {verdict}");
    }
}

/// Every key path of a JSON Schema node: `a.b`, `runtimes[].name`, `environments.<name>.region`.
fn schema_keys(schema: &serde_json::Value, node: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    if let Some(r) = node["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return schema_keys(schema, &schema["$defs"][name], path, out);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = node[key].as_array() {
            for o in options.iter().filter(|o| o["type"] != "null") {
                schema_keys(schema, o, path, out);
            }
            return;
        }
    }
    if let Some(properties) = node["properties"].as_object() {
        for (k, v) in properties {
            let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            out.push(p.clone());
            schema_keys(schema, v, &p, out);
        }
    }
    if node["additionalProperties"].is_object() {
        schema_keys(schema, &node["additionalProperties"], &format!("{path}.<name>"), out);
    }
    if node["items"].is_object() {
        schema_keys(schema, &node["items"], &format!("{path}[]"), out);
    }
}

/// docs/configuration.md lists every key the schema has (an environment's section overrides are
/// documented once, under their top-level keys).
#[test]
fn the_configuration_page_lists_every_key_of_the_schema() {
    let schema: serde_json::Value = serde_json::from_slice(&corestack(Path::new("."), &["schema"]).stdout).unwrap();
    let page = std::fs::read_to_string(common::workspace().join("docs/configuration.md")).unwrap();
    let mut keys = Vec::new();
    schema_keys(&schema, &schema, "", &mut keys);
    assert!(keys.len() > 90, "{keys:?}");
    let sections = ["network", "security", "storage", "agentcore", "monitoring", "observability"];
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| {
            let top = match k.strip_prefix("environments.<name>.") {
                Some(rest) if sections.iter().any(|s| rest == *s || rest.starts_with(&format!("{s}."))) => rest,
                _ => k.as_str(),
            };
            !page.contains(&format!("`{top}`"))
        })
        .collect();
    assert!(missing.is_empty(), "docs/configuration.md lacks {missing:?}");
}
