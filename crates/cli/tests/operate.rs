//! `corestack status`, `diff`, `logs` and `invoke` of a project deployed on moto.

use std::process::Command;

use common::on_moto::{against, boto3, corestack, deploy_default};
use common::{config_running_echo_agent, free_port, text, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

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
    write_config(dir.path(), |c| c);
    let run = corestack(dir.path(), &moto, &["status"]);
    assert_eq!(run.status.code(), Some(3));
    assert!(
        text(&run.stderr).contains("runtime demo_agent is not deployed in environment dev (stack agentcore-demo-dev-AgentCore has no DemoAgentAgentRuntimeId output)\n    fix: run corestack deploy --env dev"),
        "{}",
        text(&run.stderr)
    );
    // READY on the third read: deploy does not report success before it (no false success),
    // and says what it waits for.
    runtimes_ready_after(&moto, 3);
    let deploy = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(deploy.status.success(), "{}", text(&deploy.stderr));
    let said = text(&deploy.stderr);
    assert!(said.matches("waiting for runtime ").count() >= 1, "{said}");
    assert!(said.contains("to be READY: CREATING"), "{said}");
    let run = corestack(dir.path(), &moto, &["status", "--wait", "--interval", "0.05"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let progress = text(&run.stderr);
    assert!(!progress.contains(" CREATING") && progress.trim_end().ends_with("READY"), "{progress}");
    let out = text(&run.stdout);
    assert!(out.starts_with("demo_agent_dev: ") && out.contains("READY") && out.contains("version 1"), "{out}");
    assert!(out.contains("MMDSv2 required") && !out.contains("warning"), "{out}");
    // For scripts: one JSON document.
    let run = corestack(dir.path(), &moto, &["status", "--json"]);
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&run.stdout)));
    assert_eq!(doc["runtimes"][0]["runtime"], "demo_agent");
    assert_eq!(doc["runtimes"][0]["status"]["status"], "READY");
    assert_eq!(doc["runtimes"][0]["status"]["version"], "1");
}

#[test]
fn diff_shows_new_stacks_changes_and_nothing_else() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let run = corestack(dir.path(), &moto, &["diff"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("agentcore-demo-dev-Network: new stack, 17 resource(s) to create"),
        "{}",
        text(&run.stdout)
    );
    assert!(corestack(dir.path(), &moto, &["deploy", "--yes"]).status.success());
    write_config(dir.path(), |c| {
        assert!(c.contains("latency_ms = 120000"), "the default latency threshold changed");
        c.replace("latency_ms = 120000", "latency_ms = 180000")
    });
    let run = corestack(dir.path(), &moto, &["diff"]);
    let out = text(&run.stdout);
    assert!(
        out.contains("agentcore-demo-dev-Monitoring: 1 change(s)\n  Modify  DemoAgentDevDEFAULTLatencyAlarm"),
        "{out}"
    );
    assert_eq!(out.matches(": unchanged").count(), 4, "{out}");
    // Nothing was executed: the deployed stack still has the old threshold, so the diff repeats.
    assert_eq!(text(&corestack(dir.path(), &moto, &["diff"]).stdout), out);
    // For scripts: one JSON document.
    let run = corestack(dir.path(), &moto, &["diff", "--json"]);
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&run.stdout)));
    let stacks = doc["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 5);
    assert_eq!(stacks.iter().filter(|s| s["diff"] == "unchanged").count(), 4, "{doc}");
    let monitoring = stacks.iter().find(|s| s["stack"] == "agentcore-demo-dev-Monitoring").unwrap();
    assert_eq!(monitoring["diff"]["changes"][0]["logical_id"], "DemoAgentDevDEFAULTLatencyAlarm", "{doc}");
}

#[test]
fn logs_reads_the_runtimes_log_group() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let id = deploy_default(dir.path(), &moto);
    // The stack made the log group, before any invocation, with the retention and the key.
    let group = format!("/aws/bedrock-agentcore/runtimes/{id}-DEFAULT");
    let described = boto3(
        &moto,
        &format!("g = c.describe_log_groups(logGroupNamePrefix='{group}')['logGroups'][0]\nprint(json.dumps(g))"),
    );
    let described: Value = serde_json::from_str(&described).unwrap();
    assert_eq!(described["retentionInDays"], 30, "{described}");
    // moto's CloudFormation does not pass KmsKeyId on to the group; the template assertions
    // check that the stack asks for the project key.
    let run = corestack(dir.path(), &moto, &["logs"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout), "", "no events yet");
    assert!(
        text(&run.stderr).contains("no log events of runtime demo_agent (endpoint DEFAULT) in the last 1h"),
        "said on stderr: {}",
        text(&run.stderr)
    );
    boto3(
        &moto,
        &format!(
            "c.create_log_stream(logGroupName='{group}', logStreamName='2026/11/26/[runtime-logs]s1')\n\
             now = int(time.time() * 1000)\n\
             c.put_log_events(logGroupName='{group}', logStreamName='2026/11/26/[runtime-logs]s1', logEvents=[{{'timestamp': now - 1000, 'message': 'agent listening'}}, {{'timestamp': now, 'message': 'invocation completed'}}])"
        ),
    );
    let run = corestack(dir.path(), &moto, &["logs", "--since", "15m"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let lines: Vec<String> = text(&run.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with("2026/11/26/[runtime-logs]s1 agent listening") && lines[1].ends_with("invocation completed"),
        "{lines:?}"
    );
    // A filter pattern (FilterLogEvents' filterPattern): a term, a quoted phrase; none matching.
    for (pattern, kept) in [("completed", "invocation completed"), ("\"agent listening\"", "agent listening")] {
        let run = corestack(dir.path(), &moto, &["logs", "--since", "15m", "--filter", pattern]);
        let out = text(&run.stdout);
        assert!(out.lines().count() == 1 && out.trim_end().ends_with(kept), "{pattern}: {out}");
    }
    let run = corestack(dir.path(), &moto, &["logs", "--since", "15m", "--filter", "nomatch"]);
    assert!(run.status.success() && text(&run.stdout).is_empty(), "{}", text(&run.stdout));
    assert!(
        text(&run.stderr)
            .contains("no log events of runtime demo_agent (endpoint DEFAULT) matching `nomatch` in the last 15m"),
        "{}",
        text(&run.stderr)
    );
    let run = corestack(dir.path(), &moto, &["logs", "--since", "15m", "--json"]);
    let events: Vec<Value> = text(&run.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["stream"], "2026/11/26/[runtime-logs]s1");
    assert_eq!(events[1]["message"], "invocation completed");
    assert!(events[0]["timestamp"].as_i64().unwrap() < events[1]["timestamp"].as_i64().unwrap());
    let run = corestack(dir.path(), &moto, &["logs", "--since", "1w"]);
    assert_eq!(run.status.code(), Some(2));
    // Without the group (deleted by hand), logs says what the service would do.
    boto3(&moto, &format!("c.delete_log_group(logGroupName='{group}')"));
    let run = corestack(dir.path(), &moto, &["logs"]);
    assert_eq!(run.status.code(), Some(3));
    assert!(
        text(&run.stderr).contains("does not exist yet: the service creates it on the runtime's first invocation"),
        "{}",
        text(&run.stderr)
    );
}

/// A log group the service made at a first invocation, before the stack could, is left as it is:
/// the deploy succeeds, says so, and passes `existing` for it; the stack's own groups stay its.
#[test]
fn a_log_group_the_service_made_is_left_as_it_is_and_said() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let id = deploy_default(dir.path(), &moto);
    // An endpoint added later, whose group the service already made.
    let made = format!("/aws/bedrock-agentcore/runtimes/{id}-live");
    boto3(&moto, &format!("c.create_log_group(logGroupName='{made}')"));
    write_config(dir.path(), |c| {
        let commented = "# [[runtimes.endpoints]]\n# name = \"prod\"\n# version = \"current\"";
        assert!(c.contains(commented), "the default config shows an endpoint");
        c.replace(commented, "[[runtimes.endpoints]]\nname = \"live\"\nversion = \"current\"")
    });
    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}{}", text(&run.stdout), text(&run.stderr));
    assert!(
        text(&run.stderr)
            .contains(&format!("log group {made} was made by the service at a first invocation; it is left as it is")),
        "{}",
        text(&run.stderr)
    );
    let script = "import boto3, json\n\
                  cf = boto3.client('cloudformation', region_name='us-east-1', endpoint_url='URL', aws_access_key_id='a', aws_secret_access_key='b')\n\
                  p = cf.describe_stacks(StackName='agentcore-demo-dev-AgentCore')['Stacks'][0]['Parameters']\n\
                  print(json.dumps({x['ParameterKey']: x['ParameterValue'] for x in p}))"
        .replace("URL", &moto.url());
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    let parameters: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parameters["DemoAgentRuntimeLogsliveState"], "existing", "{parameters}");
    assert_eq!(parameters["DemoAgentRuntimeLogsDEFAULTState"], "create", "{parameters}");
    // The service's group is untouched: no retention was put on it.
    let described =
        boto3(&moto, &format!("print(json.dumps(c.describe_log_groups(logGroupNamePrefix='{made}')['logGroups'][0]))"));
    let described: Value = serde_json::from_str(&described).unwrap();
    assert!(described.get("retentionInDays").is_none(), "{described}");
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
        against(env!("CARGO_BIN_EXE_corestack"), dir.path(), &moto.url())
            .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:{port}"))
            .args(&args)
            .output()
            .unwrap()
    };
    let sync = invoke(&[r#"{"prompt": "deployed and invoked"}"#]);
    let streamed = invoke(&["--stream", r#"{"prompt": "one two"}"#]);
    // Without --arn, the ARN comes from the deployed stack's outputs.
    let found = against(env!("CARGO_BIN_EXE_corestack"), dir.path(), &moto.url())
        .env("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", format!("http://127.0.0.1:{port}"))
        .args(["invoke", r#"{"prompt": "found by name"}"#])
        .output()
        .unwrap();
    let _ = Command::new("kill").args(["-TERM", &dev.id().to_string()]).status();
    let _ = dev.wait();
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    let body: Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(body["echo"]["prompt"], "deployed and invoked");
    assert_eq!(text(&streamed.stdout), "data: {\"delta\":\"one\"}\n\ndata: {\"delta\":\"two\"}\n\n");
    assert!(found.status.success(), "{}", text(&found.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&found.stdout).unwrap()["echo"]["prompt"], "found by name");
}
