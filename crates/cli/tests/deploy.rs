//! `corestack deploy` and `destroy` against moto, reached through the standard AWS_ENDPOINT_URL.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::on_moto::{against, boto3, corestack, corestack_with};
use common::{text, workspace, write_config};
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

    let digest = first_deploy_builds_pushes_and_keeps_the_image(dir.path(), &moto);
    the_outputs_and_report_name_the_runtime_and_its_image(dir.path(), &digest);
    images_named_by_flag_are_pinned_by_digest(dir.path(), &moto);
    images_not_there_or_elsewhere_stop_the_deploy(dir.path(), &moto);
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

/// The first deploy: one arm64 build, pushed with the ECR token and kept under a `deployed-` tag
/// that redeploys to the same digest. Returns the digest.
fn first_deploy_builds_pushes_and_keeps_the_image(dir: &Path, moto: &Moto) -> String {
    let run = corestack(dir, moto, &["deploy", "--yes"]);
    assert!(run.status.success(), "{}{}", text(&run.stdout), text(&run.stderr));
    let out = text(&run.stdout);
    assert!(out.contains("agentcore-demo-dev-AgentCore") && out.contains("created"), "{out}");
    let err = text(&run.stderr);
    assert!(err.contains("corestack: deploying agentcore-demo-dev-Network"), "{err}");
    assert!(
        err.contains("corestack: building 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev:demo_agent-")
    );
    // Login with the ECR token (the double checks the password), then one arm64 build, pushed.
    let calls = docker_calls(dir);
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
    let again = corestack(dir, moto, &["deploy", "--yes", "--image-tag", &kept, "--report-dir", "r0"]);
    assert_eq!(outcomes(&again).matches("unchanged").count(), 5, "{}{}", outcomes(&again), text(&again.stderr));
    // The runtime runs the pushed digest.
    let status = corestack(dir, moto, &["status"]);
    assert!(text(&status.stdout).contains(&format!("agentcore-demo-dev@{digest}")), "{}", text(&status.stdout));

    digest
}

/// outputs.json and the deployment report (Markdown and JSON) name the runtime and its image.
fn the_outputs_and_report_name_the_runtime_and_its_image(dir: &Path, digest: &str) {
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("corestack.out/outputs.json")).unwrap()).unwrap();
    assert!(
        outputs["agentcore-demo-dev-AgentCore"]["AgentRuntimeArn"]
            .as_str()
            .is_some_and(|a| a.starts_with("arn:aws:bedrock-agentcore:us-east-1:"))
    );
    let reports: Vec<PathBuf> = std::fs::read_dir(dir.join("docs/deployments/deployment_reports"))
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
    assert_eq!(json["images"][0]["digest"], digest);
    assert_eq!(json["runtimes"][0]["runtime"], "demo_agent");
    assert_eq!(json["runtimes"][0]["version"], "1");
}

/// A rebuild of the same inputs, an image pushed by other means (by tag) and the same image by
/// URI: each pinned by digest, changing only what must change.
fn images_named_by_flag_are_pinned_by_digest(dir: &Path, moto: &Moto) {
    // A new build of the same inputs has the same digest: a new tag, and no stack changes.
    let run = corestack(dir, moto, &["deploy", "--yes", "--report-dir", "r2"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(outcomes(&run).matches("unchanged").count(), 5, "{}", outcomes(&run));
    assert_eq!(docker_calls(dir).len(), 4);

    // An image pushed by other means, by tag: pinned by its digest, the AgentCore stack only.
    let v2 = push_image(moto, "v2", "second image");
    let run = corestack(dir, moto, &["deploy", "--yes", "--image-tag", "v2", "--report-dir", "r3"]);
    let out = outcomes(&run);
    assert!(out.lines().any(|l| l.starts_with("agentcore-demo-dev-AgentCore") && l.contains("updated")), "{out}");
    assert_eq!(out.matches("unchanged").count(), 4, "{out}");
    assert!(out.contains(&format!("agentcore-demo-dev:v2 ({v2})")), "{out}");
    assert_eq!(docker_calls(dir).len(), 4, "--image-tag builds nothing");
    // The same image by URI and digest: nothing to do.
    let uri = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev@{v2}");
    let run = corestack(dir, moto, &["deploy", "--yes", "--image-uri", &uri, "--report-dir", "r4"]);
    assert_eq!(outcomes(&run).matches("unchanged").count(), 5, "{}{}", outcomes(&run), text(&run.stderr));
}

/// Images that are not in the repository, are in another one or are badly named stop the deploy
/// before any stack changes.
fn images_not_there_or_elsewhere_stop_the_deploy(dir: &Path, moto: &Moto) {
    // Images that are not there, or elsewhere, stop the deploy before the AgentCore stack.
    let run = corestack(dir, moto, &["deploy", "--yes", "--image-tag", "nope", "--report-dir", "r5"]);
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
    let run = corestack(dir, moto, &["deploy", "--yes", "--image-uri", other, "--report-dir", "r6"]);
    assert_failed(
        &run,
        2,
        &[
            "not in the project repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/agentcore-demo-dev; the runtime's execution role may pull only from that one",
        ],
    );
    // Refused before any stack was touched, so no report of a deploy that never began.
    assert!(!text(&run.stderr).contains("deploying"), "{}", text(&run.stderr));
    assert!(!dir.join("r6").exists());
    let run = corestack(dir, moto, &["deploy", "--yes", "--image-uri", "repo/without-tag"]);
    assert_failed(&run, 2, &["needs a :tag or an @sha256:digest"]);
    let run = corestack(dir, moto, &["deploy", "--yes", "--image-uri", "a:b", "--image-tag", "v2"]);
    assert_failed(&run, 2, &["a second image for every runtime"]);
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
    boto3(&moto, &format!("c.delete_log_group(logGroupName='/aws/bedrock-agentcore/runtimes/{id}-DEFAULT')"));
    let run = corestack(dir.path(), &moto, &["logs", "--runtime", "helper_bot"]);
    assert_eq!(run.status.code(), Some(3), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains(&format!("log group /aws/bedrock-agentcore/runtimes/{id}-DEFAULT")),
        "{}",
        text(&run.stderr)
    );
}

/// Two runtimes built from the same Dockerfile, context and arguments share one build and push;
/// `--image-tag RUNTIME=TAG` pins one runtime and leaves the other to its build section.
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
