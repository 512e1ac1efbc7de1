//! `corestack deploy` and `destroy` against moto, reached through the standard AWS_ENDPOINT_URL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::on_moto::{against, corestack, corestack_with, deploy_default, with_fake_docker};
use common::{config_running_echo_agent, free_port, text, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

/// The docker calls logged by the test double.
fn docker_calls(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("docker.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Puts an image under `tag` into the emulated repository, as a push would; returns its digest.
fn push_image(moto: &Moto, tag: &str, content: &str) -> String {
    let script = format!(
        "import boto3, hashlib, json\n\
         c = boto3.client('ecr', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         layer = 'sha256:' + hashlib.sha256(b'{content}').hexdigest()\n\
         m = json.dumps({{'schemaVersion': 2, 'mediaType': 'application/vnd.docker.distribution.manifest.v2+json', 'config': {{'mediaType': 'application/vnd.docker.container.image.v1+json', 'size': 1, 'digest': layer}}, 'layers': [{{'mediaType': 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'size': 1, 'digest': layer}}]}})\n\
         print(c.put_image(repositoryName='agentcore-demo-dev', imageManifest=m, imageTag='{tag}')['image']['imageId']['imageDigest'])\n",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn outcomes(run: &Output) -> String {
    text(&run.stdout)
}

/// Asserts the run failed with `code` and its stderr says each of `says`.
fn assert_failed(run: &Output, code: i32, says: &[&str]) {
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(code), "{err}");
    for s in says {
        assert!(err.contains(s), "stderr lacks `{s}`: {err}");
    }
}

#[test]
fn deploy_builds_pushes_and_pins_the_image_then_destroy_removes_the_stacks() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let run = corestack(dir.path(), &moto, &["deploy"]);
    assert_eq!(run.status.code(), Some(2), "no terminal, no --yes: {}", text(&run.stderr));
    assert!(text(&run.stderr).contains("pass --yes"));

    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}{}", text(&run.stdout), text(&run.stderr));
    let out = text(&run.stdout);
    assert!(out.contains("agentcore-demo-dev-AgentCore") && out.contains("created"), "{out}");
    let err = text(&run.stderr);
    assert!(err.contains("corestack: deploying agentcore-demo-dev-Network"), "{err}");
    assert!(
        err.contains("corestack: building 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev:demo_agent-")
    );
    // Login with the ECR token (the double checks the password), then one arm64 build, pushed.
    let calls = docker_calls(dir.path());
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[0]["command"], "login");
    assert_eq!(calls[0]["host"], "123456789012.dkr.ecr.us-east-1.amazonaws.com");
    assert_eq!(calls[1]["platform"], "linux/arm64");
    assert_eq!(calls[1]["options"], serde_json::json!(["--provenance=false", "--push", "--sbom=false"]));
    let digest = calls[1]["digest"].as_str().unwrap().to_string();
    assert!(
        out.contains(
            "image of demo_agent: 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev:demo_agent-"
        ),
        "{out}"
    );
    assert!(out.contains(&digest), "{out}");
    // The image is kept for good: tagged deployed-<digest prefix>, which the lifecycle policy
    // never expires; deploying on that tag pins the same digest, so nothing changes.
    let kept = format!("deployed-{}", &digest["sha256:".len()..][..12]);
    assert!(err.contains(&format!("kept {digest} as {kept}")), "{err}");
    let again = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", &kept, "--report-dir", "r0"]);
    assert_eq!(outcomes(&again).matches("unchanged").count(), 5, "{}{}", outcomes(&again), text(&again.stderr));
    // The runtime runs the pushed digest.
    let status = corestack(dir.path(), &moto, &["status"]);
    assert!(text(&status.stdout).contains(&format!("agentcore-demo-dev@{digest}")), "{}", text(&status.stdout));

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
    let read = |ext: &str| {
        std::fs::read_to_string(reports.iter().find(|p| p.extension().is_some_and(|e| e == ext)).unwrap()).unwrap()
    };
    let md = read("md");
    assert!(
        md.contains("| agentcore-demo-dev-AgentCore | created |") && md.contains("AgentRuntimeEndpointUrl"),
        "{md}"
    );
    assert!(md.contains(&format!("| `{digest}` | yes |")), "{md}");
    let json: Value = serde_json::from_str(&read("json")).unwrap();
    assert_eq!(json["succeeded"], true);
    // Times in ISO 8601 UTC.
    for key in ["started_at", "finished_at"] {
        let t = json[key].as_str().unwrap();
        assert!(t.len() == 20 && t.as_bytes()[10] == b'T' && t.ends_with('Z') && t.starts_with("20"), "{key}: {t}");
    }
    assert_eq!(json["images"][0]["digest"], digest.as_str());
    assert_eq!(json["runtimes"][0]["runtime"], "demo_agent");
    assert_eq!(json["runtimes"][0]["version"], "1");

    // A new build of the same inputs has the same digest: a new tag, and no stack changes.
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--report-dir", "r2"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(outcomes(&run).matches("unchanged").count(), 5, "{}", outcomes(&run));
    assert_eq!(docker_calls(dir.path()).len(), 4);

    // An image pushed by other means, by tag: pinned by its digest, the AgentCore stack only.
    let v2 = push_image(&moto, "v2", "second image");
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", "v2", "--report-dir", "r3"]);
    let out = outcomes(&run);
    assert!(out.lines().any(|l| l.starts_with("agentcore-demo-dev-AgentCore") && l.contains("updated")), "{out}");
    assert_eq!(out.matches("unchanged").count(), 4, "{out}");
    assert!(out.contains(&format!("agentcore-demo-dev:v2 ({v2})")), "{out}");
    assert_eq!(docker_calls(dir.path()).len(), 4, "--image-tag builds nothing");
    // The same image by URI and digest: nothing to do.
    let uri = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev@{v2}");
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-uri", &uri, "--report-dir", "r4"]);
    assert_eq!(outcomes(&run).matches("unchanged").count(), 5, "{}{}", outcomes(&run), text(&run.stderr));

    // Images that are not there, or elsewhere, stop the deploy before the AgentCore stack.
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", "nope", "--report-dir", "r5"]);
    assert_failed(
        &run,
        3,
        &[
            "image 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev:nope is not in the repository",
            "fix: push it first",
        ],
    );
    assert!(!text(&run.stderr).contains("deploying agentcore-demo-dev-AgentCore"));
    let other = "123456789012.dkr.ecr.us-east-1.amazonaws.com/someone-else:v1";
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-uri", other, "--report-dir", "r6"]);
    assert_failed(
        &run,
        2,
        &[
            "not in the project repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev; the runtime's execution role may pull only from that one",
        ],
    );
    // Refused before any stack was touched, so no report of a deploy that never began.
    assert!(!text(&run.stderr).contains("deploying"), "{}", text(&run.stderr));
    assert!(!dir.path().join("r6").exists());
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-uri", "repo/without-tag"]);
    assert_failed(&run, 2, &["needs a :tag or an @sha256:digest"]);
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-uri", "a:b", "--image-tag", "v2"]);
    assert_failed(&run, 2, &["a second image for every runtime"]);

    // A change to the build context is a new image, and the runtime moves to it.
    std::fs::write(dir.path().join("prompt.txt"), "You are a helpful agent.").unwrap();
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--report-dir", "r9"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let rebuilt = docker_calls(dir.path()).last().unwrap()["digest"].as_str().unwrap().to_string();
    assert_ne!(rebuilt, digest);
    assert!(
        outcomes(&run).contains("agentcore-demo-dev-AgentCore") && outcomes(&run).contains("updated"),
        "{}",
        outcomes(&run)
    );

    let run = corestack(dir.path(), &moto, &["destroy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stdout).matches("deleted").count(), 5, "{}", text(&run.stdout));
}

#[test]
fn a_build_that_cannot_run_stops_before_any_stack_and_a_failed_one_before_the_runtime() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let run = corestack_with(dir.path(), &moto, &[("FAKE_DOCKER_FAIL", "buildx")], &["deploy", "--yes"]);
    assert_failed(
        &run,
        3,
        &[
            "runtime demo_agent has a [runtimes.build] section, but `docker buildx version` did not work",
            "fix: install Docker with the buildx plugin",
        ],
    );
    assert!(!text(&run.stderr).contains("deploying"));

    write_config(dir.path(), |c| c.replace("context = \".\"", "context = \"no-such-dir\""));
    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert_failed(&run, 2, &["demo_agent.build.context: ./no-such-dir does not exist"]);

    write_config(dir.path(), |c| c);
    let run = corestack_with(dir.path(), &moto, &[("FAKE_DOCKER_FAIL", "build")], &["deploy", "--yes"]);
    assert_failed(
        &run,
        6,
        &[
            "docker buildx build of 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev:demo_agent-",
            "buildx needs QEMU for linux/arm64",
            "agentcore-demo-dev-Storage created",
            "corestack: report of this failed deploy: docs/deployments/deployment_reports/dev-",
        ],
    );
    assert!(!text(&run.stderr).contains("deploying agentcore-demo-dev-AgentCore"));
    // The failed deploy is on record: what was done, and why it stopped.
    let report = std::fs::read_dir(dir.path().join("docs/deployments/deployment_reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(report["succeeded"], false);
    assert!(report["failure"].as_str().is_some_and(|f| f.contains("docker buildx build of")), "{report}");
    let stacks: Vec<&str> = report["stacks"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(stacks, ["agentcore-demo-dev-Network", "agentcore-demo-dev-Security", "agentcore-demo-dev-Storage"]);
}

/// Reads requests from `stream`; answers ListExports with no exports, and leaves every other
/// request unanswered.
fn answer_list_exports_only(stream: std::net::TcpStream) {
    use std::io::Write;
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    const NS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    while let Some((_, _, body)) = common::read_request(&mut reader) {
        let (status, xml) = if body.contains("Action=ListExports") {
            (
                "200 OK",
                format!(
                    "<ListExportsResponse xmlns=\"{NS}\"><ListExportsResult><Exports/></ListExportsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListExportsResponse>"
                ),
            )
        } else if body.contains("Action=DescribeStacks") && body.contains("StackName=") {
            (
                "400 Bad Request",
                format!(
                    "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>"
                ),
            )
        } else if body.contains("Action=DescribeStacks") {
            (
                "200 OK",
                format!(
                    "<DescribeStacksResponse xmlns=\"{NS}\"><DescribeStacksResult><Stacks/></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>"
                ),
            )
        } else {
            std::thread::park();
            continue;
        };
        let _ =
            write!(out, "HTTP/1.1 {status}\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{xml}", xml.len());
    }
}

#[test]
fn ctrl_c_stops_waiting_and_says_how_to_resume() {
    use std::io::BufRead;
    // A CloudFormation endpoint that answers the preflight's reads (no exports, no stacks) and
    // never answers anything else: the first stack's create waits.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(16).filter_map(Result::ok) {
            let answering = stream.try_clone().unwrap();
            std::thread::spawn(move || answer_list_exports_only(answering));
            held.push(stream);
        }
        held
    });
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    // Every other service is the emulator.
    let moto = Moto::start(&workspace());
    let mut child = against(env!("CARGO_BIN_EXE_corestack"), dir.path(), &moto.url())
        .env("AWS_ENDPOINT_URL_CLOUDFORMATION", &url)
        .args(["deploy", "--yes", "--env", "test", "--image-tag", "v1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("deploying agentcore-demo-test-Network") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "corestack ended early: {seen}");
        seen.push_str(&line);
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("interrupted: corestack stopped waiting"), "{rest}");
    assert!(rest.contains("Nothing was cancelled, rolled back or deleted"), "{rest}");
    assert!(rest.contains("resume: corestack deploy --env test"), "{rest}");
    drop(held);
}

/// Two projects with the same environment name in one account and region: the seed's export
/// names collide, which is found before any stack changes; `prefix_exports` resolves it.
#[test]
fn an_export_of_another_project_is_found_before_any_stack_and_prefix_exports_avoids_it() {
    let moto = Moto::start(&workspace());
    let first = tempfile::tempdir().unwrap();
    write_config(first.path(), |c| c);
    let run = corestack(first.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));

    let second = tempfile::tempdir().unwrap();
    // Its runtime has a name of its own: AgentCore (and CloudWatch Logs, for the delivery sources
    // named after it) refuse a second runtime of the same name in an account and region.
    let rename = |c: String| {
        c.replace("name = \"agentcore-demo\"", "name = \"second-project\"")
            .replace("name = \"demo_agent\"", "name = \"second_agent\"")
    };
    write_config(second.path(), rename);
    let run = corestack(second.path(), &moto, &["deploy", "--yes"]);
    assert_failed(
        &run,
        3,
        &[
            "export dev-AgentRuntimeArn already exists in this account and region, made by stack agentcore-demo-dev-AgentCore",
            "the deploy would fail at second-project-dev-AgentCore",
            "fix: set prefix_exports = true in [project]",
        ],
    );
    assert!(!text(&run.stderr).contains("deploying"), "{}", text(&run.stderr));

    write_config(second.path(), |c| rename(c).replace("prefix_exports = false", "prefix_exports = true"));
    let run = corestack(second.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let outputs =
        std::fs::read_to_string(second.path().join("corestack.out/second-project-dev-AgentCore.template.json"))
            .unwrap();
    assert!(outputs.contains("\"Name\": \"second-project-dev-AgentRuntimeArn\""), "{outputs}");
    // The first project deploys again unchanged: its own exports are its own.
    let run = corestack(first.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
}

#[test]
fn credentials_of_another_account_are_refused() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| {
        c.replace("# account = \"123456789012\"   # when set", "account = \"111111111111\"   # when set")
    });
    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert_eq!(run.status.code(), Some(3));
    let err = text(&run.stderr);
    assert!(
        err.contains(
            "the credentials are for account 123456789012, but environment dev is pinned to account 111111111111"
        ),
        "{err}"
    );
    assert!(
        err.contains("fix: use credentials of account 111111111111 (AWS_PROFILE), or change environments.dev.account")
    );
    // Refused before anything was written: no assembly, no report.
    assert!(!dir.path().join("corestack.out").exists());
    assert!(!dir.path().join("docs").exists());
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
    let described = python(
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
    python(
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
    let run = corestack(dir.path(), &moto, &["logs", "--since", "15m", "--json"]);
    let events: Vec<Value> = text(&run.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["stream"], "2026/11/26/[runtime-logs]s1");
    assert_eq!(events[1]["message"], "invocation completed");
    assert!(events[0]["timestamp"].as_i64().unwrap() < events[1]["timestamp"].as_i64().unwrap());
    let run = corestack(dir.path(), &moto, &["logs", "--since", "1w"]);
    assert_eq!(run.status.code(), Some(2));
    // Without the group (deleted by hand), logs says what the service would do.
    python(&moto, &format!("c.delete_log_group(logGroupName='{group}')"));
    let run = corestack(dir.path(), &moto, &["logs"]);
    assert_eq!(run.status.code(), Some(3));
    assert!(
        text(&run.stderr).contains("does not exist yet: the service creates it on the runtime's first invocation"),
        "{}",
        text(&run.stderr)
    );
}

/// Runs Python with `c`, a CloudWatch Logs client of moto (and `json`, `time`); returns stdout.
fn python(moto: &Moto, code: &str) -> String {
    let script = format!(
        "import boto3, json, time\n\
         c = boto3.client('logs', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n{code}\n",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
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
    python(&moto, &format!("c.create_log_group(logGroupName='{made}')"));
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
    let described = python(
        &moto,
        &format!("print(json.dumps(c.describe_log_groups(logGroupNamePrefix='{made}')['logGroups'][0]))"),
    );
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

#[test]
fn json_mode_prints_events_and_results_as_json_lines() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
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

/// On a terminal (a pseudo-terminal from `script`), progress is a block of one line per stack
/// redrawn in place, not a line per event.
#[test]
fn on_a_terminal_progress_is_redrawn_in_place() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let command = format!("{} deploy --yes", env!("CARGO_BIN_EXE_corestack"));
    let mut script = against("script", dir.path(), &moto.url());
    let run = with_fake_docker(&mut script, dir.path())
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
        .expect("script (util-linux) gives the command a terminal");
    let screen = text(&run.stdout);
    assert!(run.status.success(), "{screen}");
    assert!(screen.contains("\x1b[J"), "the block is cleared and redrawn: {screen:?}");
    for stack in ["Network", "Security", "Storage", "AgentCore", "Monitoring"] {
        assert!(screen.contains(&format!("✓ agentcore-demo-dev-{stack}")), "{stack}: {screen:?}");
    }
    assert!(!screen.contains("corestack: deploying"), "no plain progress lines: {screen:?}");
    assert!(!screen.contains("CREATE_COMPLETE: "), "{screen:?}");
}

/// Runs `corestack <args>` under `script` (util-linux), which gives it a terminal and types
/// `answer` at it; returns the screen, which ends with `exit=<its exit code>`.
fn answer_on_a_terminal(script: &mut Command, args: &str, answer: &[u8]) -> String {
    let command = format!("{} {args}; echo exit=$?", env!("CARGO_BIN_EXE_corestack"));
    let mut child = script
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) gives the command a terminal");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), answer).unwrap();
    text(&child.wait_with_output().unwrap().stdout)
}

/// Answering no at the prompt is its own exit code (5), not a usage error, and changes nothing.
#[test]
fn answering_no_at_the_prompt_changes_nothing_and_exits_5() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let screen = answer_on_a_terminal(&mut against("script", dir.path(), &moto.url()), "destroy", b"n\n");
    assert!(screen.contains("corestack: cancelled; nothing was changed"), "{screen:?}");
    assert!(screen.contains("exit=5"), "{screen:?}");
}

/// Asked to confirm, deploy says first what changes in each stack, as `diff` does: here one
/// runtime's description, modified in place, and every other stack unchanged.
#[test]
fn the_deploy_question_shows_what_changes_in_each_stack() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    deploy_default(dir.path(), &moto);
    let described = "description = \"Demo agent answering prompts with Amazon Bedrock\"";
    write_config(dir.path(), |c| {
        assert!(c.contains(described));
        c.replace(described, "description = \"Answers prompts, now described anew\"")
    });
    let mut script = against("script", dir.path(), &moto.url());
    let screen = answer_on_a_terminal(with_fake_docker(&mut script, dir.path()), "deploy", b"n\n");
    assert!(screen.contains("agentcore-demo-dev-Network: unchanged"), "{screen}");
    assert!(screen.contains("agentcore-demo-dev-AgentCore: 0 added, 1 modified (0 replaced), 0 removed"), "{screen}");
    assert!(screen.contains("corestack: cancelled; nothing was changed") && screen.contains("exit=5"), "{screen}");
}

/// Two runtimes built from the same Dockerfile, context and arguments share one build and push;
/// `--image-tag RUNTIME=TAG` pins one runtime and leaves the other to its build section.
/// The names that tie a runtime to its stack, parameter and outputs come from the manifest: with a
/// renamed runtime placed in a second AgentCore stack, deploy pins its image, and status and logs
/// find it there.
#[test]
fn commands_find_runtimes_where_the_manifest_places_them() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| {
        assert!(c.contains("runtimes_per_stack = 20") && c.contains("name = \"demo_agent\""));
        let second = format!(
            "\n[[runtimes]]\nname = \"helper_bot\"\nimage_tag = \"v1\"\n\n[runtimes.build]\ndockerfile = \"{}\"\ncontext = \".\"\n",
            workspace().join("agents/bedrock-agent/Dockerfile").display()
        );
        c.replace("runtimes_per_stack = 20", "runtimes_per_stack = 1")
            .replace("name = \"demo_agent\"", "name = \"front_desk\"")
            .replace("\n[environments.dev]\n", &format!("{second}\n[environments.dev]\n"))
    });
    let run = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("corestack.out/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["runtimes"][1]["key"], "helper_bot");
    assert_eq!(manifest["runtimes"][1]["stack"], "agentcore-demo-dev-AgentCore2");
    let run = corestack(dir.path(), &moto, &["status", "--json"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap();
    let names: Vec<&str> = doc["runtimes"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["front_desk_dev", "helper_bot_dev"]);
    // logs finds the second runtime's ID in the second stack (shown by removing its log group,
    // which that stack made, so that logs names the group it looked for).
    let id = doc["runtimes"][1]["status"]["id"].as_str().unwrap();
    python(&moto, &format!("c.delete_log_group(logGroupName='/aws/bedrock-agentcore/runtimes/{id}-DEFAULT')"));
    let run = corestack(dir.path(), &moto, &["logs", "--runtime", "helper_bot"]);
    assert_eq!(run.status.code(), Some(3), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains(&format!("log group /aws/bedrock-agentcore/runtimes/{id}-DEFAULT")),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn runtimes_share_one_build_and_image_flags_can_name_a_runtime() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| {
        let dockerfile = workspace().join("agents/bedrock-agent/Dockerfile");
        let second = format!(
            "\n[[runtimes]]\nname = \"second_agent\"\nimage_tag = \"v1\"\n\n[runtimes.build]\ndockerfile = \"{}\"\ncontext = \".\"\n",
            dockerfile.display()
        );
        c.replace("\n[environments.dev]\n", &format!("{second}\n[environments.dev]\n"))
    });
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--json"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let builds: Vec<Value> = docker_calls(dir.path()).into_iter().filter(|c| c["command"] == "build").collect();
    assert_eq!(builds.len(), 1, "{builds:#?}");
    let images: Vec<Value> = text(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["event"] == "image")
        .collect();
    assert_eq!(images.len(), 2, "{images:#?}");
    assert_eq!(images[0]["source"], images[1]["source"]);
    assert_eq!(images[0]["digest"], builds[0]["digest"]);
    assert_eq!(images[1]["digest"], builds[0]["digest"]);

    // An image flag can name its runtime; the other one is built as the config says.
    let v2 = push_image(&moto, "v2", "second image");
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--json", "--image-tag", "second_agent=v2"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let images: Vec<Value> = text(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["event"] == "image")
        .collect();
    assert_eq!((images[0]["runtime"].as_str(), images[0]["built"].as_bool()), (Some("demo_agent"), Some(true)));
    assert_eq!(
        (images[1]["runtime"].as_str(), images[1]["digest"].as_str()),
        (Some("second_agent"), Some(v2.as_str()))
    );
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", "third_agent=v2"]);
    assert_failed(&run, 2, &["the config has no runtime `third_agent`\n    fix: use one of demo_agent, second_agent"]);
    let run = corestack(dir.path(), &moto, &["deploy", "--yes", "--image-tag", "v2", "--image-tag", "v3"]);
    assert_failed(&run, 2, &["a second image for every runtime"]);
}
