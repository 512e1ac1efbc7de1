//! The example program deploys its extended architecture (the standard stacks and its own `Data`
//! stack) through the library, against the AWS emulator: the same preflight, image build and pin,
//! and two-phase deploy as `corestack deploy`, with the stand-in docker CLI that pushes into the
//! emulated registry.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/extend_with_bucket.rs"]
mod example;

use std::path::{Path, PathBuf};

use corestack_app::Settings;
use corestack_deploy::Outcome;
use corestack_deploy::testing::Moto;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_deploys_its_extended_architecture_through_the_library() {
    let workspace = workspace();
    let moto = Moto::start(&workspace);
    let dir = tempfile::tempdir().unwrap();
    // The repository's config, building the agent from its Dockerfile with `dir` as the context.
    let dockerfile = workspace.join("agents/bedrock-agent/Dockerfile");
    let config = std::fs::read_to_string(workspace.join("corestack.toml")).unwrap().replace(
        "dockerfile = \"agents/bedrock-agent/Dockerfile\"",
        &format!("dockerfile = \"{}\"", dockerfile.display()),
    );
    assert!(config.contains(&dockerfile.display().to_string()), "the default config builds bedrock-agent");
    let path = dir.path().join("corestack.toml");
    std::fs::write(&path, config).unwrap();
    let settings = Settings::load(&path, None).unwrap();

    let log = dir.path().join("docker.log");
    let docker = moto.fake_docker(&workspace, &log);
    let results = example::deploy_extended(&settings, moto.sdk_config("us-east-1").await, docker, dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // Every stack of the extended assembly was created, the Data stack among them, with its output.
    let expected = example::extended_assembly(&settings).unwrap();
    let mut names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    let mut want: Vec<&str> = expected.manifest.stacks.iter().map(|s| s.name.as_str()).collect();
    want.sort();
    assert_eq!(names, want);
    assert!(results.iter().all(|r| r.outcome == Outcome::Created), "{results:#?}");
    let data = results.iter().find(|r| r.name.ends_with("-Data")).expect("the Data stack");
    assert!(data.outputs.get("DocumentsBucketName").is_some_and(|b| !b.is_empty()), "{:?}", data.outputs);
    // The image was built by the docker CLI the program chose, and the runtime runs it by digest.
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.lines().any(|l| l.contains("\"platform\": \"linux/arm64\"")), "{calls}");
    let core = results.iter().find(|r| r.outputs.contains_key("AgentRuntimeArn")).expect("the AgentCore stack");
    assert!(core.outputs["AgentRuntimeArn"].starts_with("arn:aws:bedrock-agentcore:us-east-1:"), "{:?}", core.outputs);
}
