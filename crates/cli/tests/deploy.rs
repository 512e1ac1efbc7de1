//! `corestack deploy` and `destroy` against moto, reached through the standard AWS_ENDPOINT_URL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{config_running_echo_agent, free_port, text, workspace};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

fn corestack(cwd: &Path, moto: &Moto, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(cwd)
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn deploy_writes_outputs_and_a_report_then_destroy_removes_the_stacks() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &moto, &["deploy"]);
    assert_eq!(run.status.code(), Some(2), "no terminal, no --yes: {}", text(&run.stderr));
    assert!(text(&run.stderr).contains("pass --yes"));

    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", "v2"]);
    assert!(run.status.success(), "{}{}", text(&run.stdout), text(&run.stderr));
    let out = text(&run.stdout);
    assert!(out.contains("agentcore-demo-dev-AgentCore") && out.contains("created"), "{out}");
    assert!(text(&run.stderr).contains("corestack: deploying agentcore-demo-dev-Network"));
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("corestack.out/outputs.json")).unwrap()).unwrap();
    assert!(
        outputs["agentcore-demo-dev-AgentCore"]["AgentRuntimeArn"]
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:bedrock-agentcore:us-east-1:"))
    );
    let reports: Vec<PathBuf> = std::fs::read_dir(dir.path().join("docs/deployments/deployment_reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let md =
        std::fs::read_to_string(reports.iter().find(|p| p.extension().is_some_and(|e| e == "md")).unwrap()).unwrap();
    assert!(
        md.contains("| agentcore-demo-dev-AgentCore | created |") && md.contains("AgentRuntimeEndpointUrl"),
        "{md}"
    );

    // The same image again changes nothing; the default image tag changes the AgentCore stack only.
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", "v2", "--report-dir", "r2"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout).matches("unchanged").count(), 5, "{}", text(&run.stdout));
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--report-dir", "r3"]);
    let out = text(&run.stdout);
    assert!(out.lines().any(|l| l.starts_with("agentcore-demo-dev-AgentCore") && l.contains("updated")), "{out}");
    assert_eq!(out.matches("unchanged").count(), 4, "{out}");

    let run = corestack(dir.path(), &moto, &["destroy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout).matches("deleted").count(), 5, "{}", text(&run.stdout));
}

#[test]
fn credentials_of_another_account_are_refused() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(workspace().join("corestack.toml")).unwrap();
    std::fs::write(
        dir.path().join("corestack.toml"),
        config.replace("# account = \"123456789012\"   # when set", "account = \"111111111111\"   # when set"),
    )
    .unwrap();
    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.contains("the credentials are for account 123456789012, but environment dev is pinned to 111111111111"),
        "{err}"
    );
}

/// Sets how moto moves AgentCore runtimes from CREATING to READY: READY on the `times`-th read.
fn runtimes_ready_after(moto: &Moto, times: u32) {
    let body = format!(
        r#"{{"model_name": "bedrock-agentcore-control::agent_runtime", "transition": {{"progression": "manual", "times": {times}}}}}"#
    );
    let script = format!(
        "import urllib.request; urllib.request.urlopen(urllib.request.Request('{}/moto-api/state-manager/set-transition', data=b'{body}', method='POST'))",
        moto.url()
    );
    let ok = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).status().unwrap();
    assert!(ok.success());
}

#[test]
fn status_waits_until_the_runtime_is_ready() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &moto, &["status"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(text(&run.stderr).contains("runtime demo_agent_dev is not deployed"), "{}", text(&run.stderr));
    runtimes_ready_after(&moto, 3);
    assert!(corestack(dir.path(), &moto, &["deploy", "--yes"]).status.success());
    let run = corestack(dir.path(), &moto, &["status", "--wait", "--interval", "0.05"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let progress = text(&run.stderr);
    assert_eq!(progress.matches(" CREATING").count(), 2, "{progress}");
    assert!(progress.trim_end().ends_with("READY"), "{progress}");
    let out = text(&run.stdout);
    assert!(out.starts_with("demo_agent_dev: ") && out.contains("READY") && out.contains("version 1"), "{out}");
}

#[test]
fn diff_shows_new_stacks_changes_and_nothing_else() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let run = corestack(dir.path(), &moto, &["diff"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("agentcore-demo-dev-Network: new stack, 17 resource(s) to create"),
        "{}",
        text(&run.stdout)
    );
    assert!(corestack(dir.path(), &moto, &["deploy", "--yes"]).status.success());
    let config = std::fs::read_to_string(workspace().join("corestack.toml")).unwrap();
    std::fs::write(dir.path().join("corestack.toml"), config.replace("latency_ms = 2000", "latency_ms = 3000"))
        .unwrap();
    let run = corestack(dir.path(), &moto, &["diff"]);
    let out = text(&run.stdout);
    assert!(
        out.contains("agentcore-demo-dev-Monitoring: 1 change(s)\n  Modify  DemoAgentDevDEFAULTLatencyAlarm"),
        "{out}"
    );
    assert_eq!(out.matches(": unchanged").count(), 4, "{out}");
    // Nothing was executed: the deployed stack still has the old threshold, so the diff repeats.
    assert_eq!(text(&corestack(dir.path(), &moto, &["diff"]).stdout), out);
}

#[test]
fn logs_reads_the_runtimes_log_group() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    assert!(corestack(dir.path(), &moto, &["deploy", "--yes"]).status.success());
    let run = corestack(dir.path(), &moto, &["logs"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("does not exist yet: the service creates it on the runtime's first invocation"),
        "{}",
        text(&run.stderr)
    );
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("corestack.out/outputs.json")).unwrap()).unwrap();
    let id = outputs["agentcore-demo-dev-AgentCore"]["AgentRuntimeId"].as_str().unwrap().to_string();
    let script = format!(
        "import boto3, time\n\
         c = boto3.client('logs', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         g = '/aws/bedrock-agentcore/runtimes/{id}-DEFAULT'\n\
         c.create_log_group(logGroupName=g); c.create_log_stream(logGroupName=g, logStreamName='2026/11/26/[runtime-logs]s1')\n\
         now = int(time.time() * 1000)\n\
         c.put_log_events(logGroupName=g, logStreamName='2026/11/26/[runtime-logs]s1', logEvents=[{{'timestamp': now - 1000, 'message': 'agent listening'}}, {{'timestamp': now, 'message': 'invocation completed'}}])\n",
        moto.url()
    );
    assert!(Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).status().unwrap().success());
    let run = corestack(dir.path(), &moto, &["logs", "--since", "15m"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let lines: Vec<String> = text(&run.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with("2026/11/26/[runtime-logs]s1 agent listening") && lines[1].ends_with("invocation completed"),
        "{lines:?}"
    );
    let run = corestack(dir.path(), &moto, &["logs", "--since", "1w"]);
    assert_eq!(run.status.code(), Some(2));
}

/// Deployed on the emulator, invoked with the deployed ARN through the standard endpoint
/// override, with `corestack dev` running echo-agent as the data plane.
#[test]
fn invoke_the_deployed_runtime_end_to_end() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    config_running_echo_agent(dir.path());
    assert!(corestack(dir.path(), &moto, &["deploy", "--yes"]).status.success());
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("corestack.out/outputs.json")).unwrap()).unwrap();
    let arn = outputs["agentcore-demo-dev-AgentCore"]["AgentRuntimeArn"].as_str().unwrap().to_string();
    assert!(arn.contains(":runtime/demo_agent_dev-"), "{arn}");

    let port = free_port();
    let mut dev = Command::new(env!("CARGO_BIN_EXE_corestack"))
        .current_dir(dir.path())
        .args(["dev", "--no-build", "--port", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "corestack dev did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let invoke = |extra: &[&str]| {
        let mut args = vec!["invoke", "--arn", arn.as_str()];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_corestack"))
            .current_dir(dir.path())
            .env("AWS_ENDPOINT_URL", moto.url())
            .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:{port}"))
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .args(&args)
            .output()
            .unwrap()
    };
    let sync = invoke(&[r#"{"prompt": "deployed and invoked"}"#]);
    let streamed = invoke(&["--stream", r#"{"prompt": "one two"}"#]);
    let _ = Command::new("kill").args(["-TERM", &dev.id().to_string()]).status();
    let _ = dev.wait();
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    let body: Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(body["echo"]["prompt"], "deployed and invoked");
    assert_eq!(text(&streamed.stdout), "data: {\"delta\":\"one\"}\n\ndata: {\"delta\":\"two\"}\n\n");
}

#[test]
fn json_mode_prints_events_and_results_as_json_lines() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
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
