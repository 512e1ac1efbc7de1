//! `corestack dev` hands a local agent the same memory IDs and gateway URLs as the deployed
//! runtime gets: the platform example deployed to moto, the variables `dev` sets read back from the
//! deployed stacks and compared with the runtime's environment in the control plane; and with
//! nothing deployed, `dev` says which variables are missing and still serves; and `deploy`,
//! `status --wait` and `destroy` of the example through the CLI.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{free_port, text, workspace};
use corestack_deploy::preflight::Identity;
use corestack_deploy::testing::Moto;
use corestack_deploy::{Deployer, Project, StackPlan};
use corestack_dev::{DevOptions, LocalProject};

mod common;

fn example() -> std::path::PathBuf {
    workspace().join("examples/platform/corestack.toml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_gives_each_agent_the_deployed_memory_ids_and_gateway_urls() {
    let moto = Moto::start(&workspace());
    let config = moto.sdk_config("us-east-1").await;
    let settings = corestack_app::Settings::load(&example(), Some("dev")).unwrap();
    let assembly = corestack_app::synth(&settings).unwrap();
    let project = Project::with_config(
        &settings,
        &assembly,
        config.clone(),
        Identity { account: "123456789012".into(), arn: "arn:aws:iam::123456789012:user/test".into() },
    );
    // Before the deploy: nothing to hand over, and every variable said to be missing.
    let mut local = LocalProject::new(&settings, &workspace(), &DevOptions::default()).unwrap();
    let missing = local.platform_environment(&settings, &project.platform_values().await.unwrap());
    assert_eq!(missing.len(), 5, "{missing:#?}");
    assert!(missing[2].starts_with("assistant_dev: CORESTACK_MEMORY_CONVERSATIONS_ID is not set: memory conversations is not deployed in environment dev"), "{missing:#?}");

    Deployer::new(&config)
        .with_poll_interval(Duration::from_millis(100))
        .deploy(&StackPlan::from_assembly(&assembly), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut local = LocalProject::new(&settings, &workspace(), &DevOptions::default()).unwrap();
    let missing = local.platform_environment(&settings, &project.platform_values().await.unwrap());
    assert!(missing.is_empty(), "{missing:#?}");

    // The deployed runtimes' environments, from the control plane.
    let script = format!(
        "import boto3, json\nc = boto3.client('bedrock-agentcore-control', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         print(json.dumps({{x['agentRuntimeName']: c.get_agent_runtime(agentRuntimeId=x['agentRuntimeId'])['environmentVariables'] for x in c.list_agent_runtimes()['agentRuntimes']}}))",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let deployed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in &local.runtimes {
        let shipped: std::collections::BTreeMap<String, String> =
            serde_json::from_value(deployed[&r.name].clone()).unwrap();
        assert_eq!(r.environment, shipped, "{}: dev's environment is the deployed one", r.name);
        assert!(r.environment.contains_key("CORESTACK_MEMORY_CONVERSATIONS_ID"));
    }
}

#[test]
fn with_nothing_deployed_dev_names_each_missing_variable_and_still_serves() {
    let port = free_port();
    let mut dev = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .args(["dev", "--config", example().to_str().unwrap(), "--no-build", "--port", &port.to_string()])
        // No credentials at all, and nothing to find: the stacks cannot be read.
        .env("AWS_ACCESS_KEY_ID", "")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = dev.stderr.take().unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
        let done = line.contains("notetaker_dev: CORESTACK_MEMORY_CONVERSATIONS_ID is not set");
        lines.push(line);
        if done {
            break;
        }
    }
    let mut banner = String::new();
    std::io::BufReader::new(dev.stdout.take().unwrap()).read_line(&mut banner).unwrap();
    let _ = dev.kill();
    let _ = dev.wait();
    let all = lines.join("\n");
    assert!(all.contains("corestack dev: cannot read the deployed memories and gateways:"), "{all}");
    assert!(
        all.contains("assistant_dev: BEDROCK_AGENTCORE_MEMORY_ID is not set: memory conversations is not deployed"),
        "{all}"
    );
    assert!(all.contains("notetaker_dev: CORESTACK_MEMORY_CONVERSATIONS_ID is not set"), "{all}");
    assert!(banner.starts_with("corestack dev: serving 2 runtime(s)"), "{banner}");
}

/// The platform example in `dir` (with its schemas), building its images from this directory.
fn platform_project(dir: &std::path::Path) -> std::path::PathBuf {
    let dockerfile = workspace().join("agents/echo-agent/Dockerfile");
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("../../agents/echo-agent/Dockerfile", &dockerfile.display().to_string())
        .replace("context = \"../..\"", "context = \".\"");
    assert!(text.contains(&dockerfile.display().to_string()));
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    for file in ["weather-tools.json", "petstore-openapi.json"] {
        std::fs::copy(workspace().join("examples/platform/schemas").join(file), dir.join("schemas").join(file))
            .unwrap();
    }
    std::fs::write(dir.join(".dockerignore"), "corestack.out\ndocs\ndocker.log*\n").unwrap();
    let path = dir.join("corestack.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn deploy_status_and_destroy_of_the_platform_example_from_the_cli() {
    use common::on_moto::corestack;
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    platform_project(dir.path());
    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));

    let run = corestack(dir.path(), &moto, &["status", "--wait", "--interval", "0.05", "--timeout", "30"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("memory conversations_dev: ACTIVE ")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("gateway tools-dev: READY ")), "{out}");
    assert!(lines.contains(&"  target weather: READY") && lines.contains(&"  target petstore: READY"), "{out}");
    let run = corestack(dir.path(), &moto, &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&text(&run.stdout)).unwrap();
    assert_eq!(json["platform"][1]["targets"].as_array().map(Vec::len), Some(2), "{json}");

    let run = corestack(dir.path(), &moto, &["destroy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let said = text(&run.stderr);
    assert!(said.contains("kept memory conversations_dev (") && said.contains("delete-memory --memory-id"), "{said}");
}
