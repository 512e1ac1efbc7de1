//! Every AWS failure a user meets reads as one sentence: the operation, what it was about, the
//! service's code and message, the request ID (each once), and a fix; never an SDK debug
//! structure. The AWS SDK for Rust runs against a scripted endpoint that answers as AWS does:
//! STS and CloudFormation in the query protocol's XML, AgentCore in REST-JSON.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{free_port, text, write_config};

/// How the scripted endpoint answers everything but the credentials check.
#[derive(Clone, Copy)]
struct Answer {
    status: u16,
    code: &'static str,
    message: &'static str,
    /// Whether STS GetCallerIdentity fails the same way (expired or invalid credentials).
    sts_too: bool,
}

/// Serves `answer` on 127.0.0.1; STS GetCallerIdentity succeeds unless `sts_too`.
fn endpoint(answer: Answer) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let Some((_, _, body)) = common::read_request(&mut reader) else { continue };
            let query = body.contains("Action=");
            let (status, content_type, extra, payload) = if body.contains("Action=GetCallerIdentity") && !answer.sts_too
            {
                (200, "text/xml", String::new(), "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AID</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>req-sts</RequestId></ResponseMetadata></GetCallerIdentityResponse>".to_string())
            } else if query {
                let xml = format!(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>req-{}</RequestId></ErrorResponse>",
                    answer.code, answer.message, answer.status
                );
                (answer.status, "text/xml", format!("x-amzn-requestid: req-{}\r\n", answer.status), xml)
            } else {
                let json = format!("{{\"message\":\"{}\"}}", answer.message);
                (
                    answer.status,
                    "application/json",
                    format!("x-amzn-errortype: {}\r\nx-amzn-requestid: req-{}\r\n", answer.code, answer.status),
                    json,
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n{payload}",
                payload.len()
            );
        }
    });
    url
}

fn run(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corestack"));
    c.current_dir(dir)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .args(args);
    match url {
        Some(url) => c.env("AWS_ENDPOINT_URL", url).env("AWS_ACCESS_KEY_ID", "AKID").env("AWS_SECRET_ACCESS_KEY", "s"),
        None => c.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY"),
    };
    c.output().unwrap()
}

/// The sentence: each of `once` exactly once, each of `says` present, nothing internal, exit `code`.
fn reads_as_a_sentence(out: &Output, code: i32, once: &[&str], says: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    for s in once {
        assert_eq!(err.matches(s).count(), 1, "`{s}` should appear once: {err}");
    }
    for s in says {
        assert!(err.contains(s), "stderr lacks `{s}`: {err}");
    }
    for internal in ["ErrorMetadata", "DispatchFailure", "ServiceError", "SdkError", "Some(", "{ code", "raw:"] {
        assert!(!err.contains(internal), "stderr shows `{internal}`: {err}");
    }
    assert!(!Path::new("corestack.out").exists());
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    dir
}

const ACCESS_DENIED: Answer = Answer {
    status: 403,
    code: "AccessDenied",
    message: "User: arn:aws:iam::123456789012:user/dev is not authorized to perform this action",
    sts_too: false,
};

#[test]
fn access_denied_names_the_action_for_status_logs_deploy_and_invoke() {
    let dir = project();
    let url = endpoint(ACCESS_DENIED);
    let once = ["AccessDenied", "is not authorized to perform this action", "req-403"];
    let out = run(dir.path(), Some(&url), &["status"]);
    reads_as_a_sentence(
        &out,
        4,
        &once,
        &[
            "corestack: cloudformation:DescribeStacks failed (stack agentcore-demo-dev-AgentCore): AccessDenied:",
            "fix: the identity running corestack may not call cloudformation:DescribeStacks",
        ],
    );
    let out = run(dir.path(), Some(&url), &["logs"]);
    reads_as_a_sentence(&out, 4, &once, &["cloudformation:DescribeStacks failed (stack agentcore-demo-dev-AgentCore)"]);
    let out = run(dir.path(), Some(&url), &["deploy", "--yes", "--image-tag", "v1"]);
    reads_as_a_sentence(
        &out,
        4,
        &once,
        &["cloudformation:ListExports failed (the exports of this account and region)"],
    );
    assert!(!dir.path().join("docs").exists(), "a deploy that changed nothing leaves no report");
    let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-a1b2c3d4e5";
    let out = run(dir.path(), Some(&url), &["invoke", "--arn", arn, "{}"]);
    reads_as_a_sentence(
        &out,
        4,
        &once,
        &[
            &format!("bedrock-agentcore:InvokeAgentRuntime failed (runtime {arn}, endpoint DEFAULT): AccessDenied:"),
            "may not call bedrock-agentcore:InvokeAgentRuntime",
        ],
    );
    let session = "cli-session-0123456789abcdef0123456789";
    let out = run(dir.path(), Some(&url), &["invoke", "--arn", arn, "--stop", "--session-id", session]);
    reads_as_a_sentence(
        &out,
        4,
        &once,
        &[
            &format!(
                "bedrock-agentcore:StopRuntimeSession failed (session {session} of runtime {arn}, endpoint DEFAULT): AccessDenied:"
            ),
            "may not call bedrock-agentcore:StopRuntimeSession",
        ],
    );
}

#[test]
fn expired_credentials_are_found_by_the_preflight_of_every_command() {
    let dir = project();
    let url = endpoint(Answer {
        status: 403,
        code: "ExpiredToken",
        message: "The security token included in the request is expired",
        sts_too: true,
    });
    for args in
        [&["status"][..], &["logs"], &["diff"], &["destroy", "--yes"], &["deploy", "--yes", "--image-tag", "v1"]]
    {
        let out = run(dir.path(), Some(&url), args);
        reads_as_a_sentence(
            &out,
            4,
            &["ExpiredToken", "The security token included in the request is expired", "req-403"],
            &["corestack: sts:GetCallerIdentity failed: ExpiredToken:", "fix: your credentials expired"],
        );
    }
}

#[test]
fn throttling_and_failures_on_awss_side_say_so() {
    let dir = project();
    let url = endpoint(Answer { status: 400, code: "Throttling", message: "Rate exceeded", sts_too: false });
    let out = run(dir.path(), Some(&url), &["status"]);
    reads_as_a_sentence(&out, 4, &["Throttling: Rate exceeded", "req-400"], &["fix: AWS is throttling these calls"]);
    let url = endpoint(Answer { status: 500, code: "InternalFailure", message: "Internal error", sts_too: false });
    let out = run(dir.path(), Some(&url), &["logs"]);
    reads_as_a_sentence(&out, 4, &["InternalFailure: Internal error", "req-500"], &["fix: AWS failed on its side"]);
}

#[test]
fn no_credentials_and_no_endpoint_are_explained_before_anything_happens() {
    let dir = project();
    let out = run(dir.path(), None, &["status"]);
    reads_as_a_sentence(&out, 3, &["no usable AWS credentials"], &["fix: set AWS_PROFILE"]);
    let out = run(dir.path(), None, &["deploy", "--yes"]);
    reads_as_a_sentence(&out, 3, &["no usable AWS credentials"], &[]);
    assert!(!dir.path().join("corestack.out").exists() && !dir.path().join("docs").exists());
    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = run(dir.path(), Some(&closed), &["status"]);
    reads_as_a_sentence(&out, 4, &["sts:GetCallerIdentity failed"], &["fix: the AWS endpoint could not be reached"]);
}

#[test]
fn an_unknown_runtime_is_refused_before_any_aws_call() {
    // No credentials at all: an AWS call would fail on them first.
    let dir = project();
    for args in [&["logs", "--runtime", "nope"][..], &["invoke", "--runtime", "nope", "{}"]] {
        let out = run(dir.path(), None, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("no runtime `nope` in the config; it has demo_agent"), "{err}");
        assert!(!err.contains("credentials"), "{err}");
    }
}

#[test]
fn aws_commands_refuse_the_embedded_demo_config() {
    let empty = tempfile::tempdir().unwrap();
    for command in ["deploy", "destroy", "diff", "status", "logs", "invoke"] {
        let out = run(empty.path(), None, &[command]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains(&format!(
                "`corestack {command}` works on your project's AWS account and needs its corestack.toml"
            )),
            "{err}"
        );
        assert!(err.contains("fix: run it in the project's directory, or pass --config FILE"), "{err}");
        assert!(err.contains("a new project starts with `corestack init`"), "{err}");
    }
}
