//! Every agent the default config ships is started as AgentCore Runtime would start it, and must
//! serve: the binary its Dockerfile builds, exactly the environment variables of its synthesized
//! runtime resource, plus what the service adds (the container's `OTEL_RESOURCE_ATTRIBUTES`, and
//! the execution role's credentials from the microVM metadata service, here a local stand-in that
//! speaks IMDSv2). Nothing else of this test's environment reaches the agent.
//!
//! Two things differ from the service, and only so the test can run here: `PORT` (the service
//! uses 8080, which may be taken on this machine) and `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` (the
//! model calls go to corestack dev's Bedrock stand-in instead of Bedrock).
//!
//! This is the test that would have caught an agent reading a variable the template never sets.

use std::io::{BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{corestack, debug_binary, free_port, text, workspace};

/// A metadata service stand-in: IMDSv2 (a token first, then credentials of role `agent-role`).
fn metadata_service() -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let Some((request_line, headers, _)) = common::read_request(&mut reader) else { continue };
            let token = headers.iter().find(|(k, _)| k == "x-aws-ec2-metadata-token").map(|(_, v)| v.clone());
            let _ = tx.send(request_line.clone());
            let path = request_line.split_whitespace().nth(1).unwrap_or("");
            let creds = r#"{"Code":"Success","LastUpdated":"2026-11-30T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAEXECUTIONROLE","SecretAccessKey":"secret","Token":"session-token","Expiration":"2099-01-01T00:00:00Z"}"#;
            let (status, answer) = if request_line.starts_with("PUT /latest/api/token") {
                ("200 OK", "imds-token")
            } else if token.as_deref() != Some("imds-token") {
                ("401 Unauthorized", "")
            } else if path.ends_with("/security-credentials/") || path.ends_with("/security-credentials-extended/") {
                ("200 OK", "agent-role")
            } else if path.ends_with("/agent-role") {
                ("200 OK", creds)
            } else {
                ("404 Not Found", "")
            };
            // IMDSv2 answers a token with its lifetime.
            let ttl = if answer == "imds-token" { "x-aws-ec2-metadata-token-ttl-seconds: 21600\r\n" } else { "" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\n{ttl}connection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, seen)
}

/// The workspace package and the program a Dockerfile builds (`cargo build ... -p PKG` and
/// `ENTRYPOINT ["/PROGRAM"]`); they must agree, as in our Dockerfiles.
fn built_package(dockerfile: &Path) -> String {
    let text = std::fs::read_to_string(dockerfile).unwrap();
    let package = text
        .split_whitespace()
        .skip_while(|w| *w != "-p")
        .nth(1)
        .unwrap_or_else(|| panic!("{} builds no `-p PACKAGE`", dockerfile.display()))
        .to_string();
    let entry = text.lines().find(|l| l.starts_with("ENTRYPOINT")).expect("an ENTRYPOINT");
    assert!(entry.contains(&format!("\"/{package}\"")), "{}: {entry} runs another program", dockerfile.display());
    package
}

/// The environment variables of a synthesized runtime resource (`props`), after checking that
/// `corestack dev` runs the program the image runs (`package`) with the same variables.
fn deployed_environment(
    runtime: &corestack_app::config::RuntimeSettings,
    package: &str,
    props: &Value,
) -> Vec<(String, String)> {
    let local = runtime.local.as_ref().expect("a local command");
    assert!(local.command[0].ends_with(&format!("/{package}")), "dev runs {:?}, the image {package}", local.command);
    // Every variable is a literal the config sets, but an A2A runtime's invocation URL: a stack
    // parameter deploy fills (and dev sets to its own URL), here at its default.
    let url = corestack_app::runtime_url::VARIABLE;
    let env: Vec<(String, String)> = props["EnvironmentVariables"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| match v.as_str() {
                    Some(literal) => (k.clone(), literal.to_string()),
                    None => {
                        assert_eq!(k, url, "only the invocation URL is not a literal: {v}");
                        (k.clone(), corestack_app::runtime_url::UNKNOWN.to_string())
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        env.iter().filter(|(k, _)| k != url).cloned().collect::<std::collections::BTreeMap<_, _>>(),
        runtime.spec.environment,
        "corestack dev passes the same variables"
    );
    env
}

struct Agent(Child);
impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http(port: u16, request: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()))
}

#[test]
fn every_shipped_agent_serves_with_exactly_its_deployed_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let synth = corestack(&workspace(), &["synth", "--out", out.to_str().unwrap()]);
    assert!(synth.status.success(), "{}", text(&synth.stderr));
    let settings = corestack_app::Settings::load(&workspace().join("corestack.toml"), None).unwrap();

    let runtimes = runtime_resources(&out);
    assert_eq!(runtimes.len(), settings.runtimes.len(), "one runtime resource per configured runtime");
    let (imds, imds_requests) = metadata_service();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stand_in = rt.block_on(corestack_dev::bedrock::BedrockStandIn::start()).unwrap();

    for (logical, props) in runtimes {
        let runtime = settings.runtimes.iter().find(|r| logical == format!("{}Runtime", r.logical)).unwrap();
        let build = runtime.build.as_ref().expect("every shipped runtime has a build section");
        let package = built_package(&workspace().join(&build.dockerfile));
        let env = deployed_environment(runtime, &package, &props);
        let port = free_port();
        let arn = format!("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/{}-a1b2c3d4e5", runtime.spec.name);
        let mut child = Command::new(debug_binary(&package));
        child
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("OTEL_RESOURCE_ATTRIBUTES", format!("service.name={},cloud.resource_id={arn}", runtime.spec.name))
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds)
            .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", stand_in.url())
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut agent = Agent(child.spawn().unwrap());

        let ping = wait_for_ping(&mut agent, port, &package);
        assert_eq!(ping.0, 200, "{ping:?}");

        let body = r#"{"prompt": "what is the capital of France?"}"#;
        let request = format!(
            "POST /invocations HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-amzn-bedrock-agentcore-runtime-session-id: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            "s".repeat(40),
            body.len()
        );
        let (status, answer) = http(port, &request).expect("an answer to /invocations");
        assert_eq!(status, 200, "{answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        let model = &runtime.spec.environment["BEDROCK_MODEL_ID"];
        assert_eq!(
            answer["response"],
            format!("[local Bedrock stand-in, model {model}] what is the capital of France?")
        );
        // The model the container calls is one its execution role may invoke.
        assert!(runtime.models.contains(model), "{model} is not in the runtime's models {:?}", runtime.models);
        // The credentials came from the metadata service, token first (IMDSv2).
        let seen: Vec<String> = imds_requests.try_iter().collect();
        assert!(seen.first().is_some_and(|r| r.starts_with("PUT /latest/api/token")), "{seen:?}");
        assert!(seen.iter().any(|r| r.contains("/security-credentials")), "{seen:?}");
    }
}

/// The `ENV PORT=` of a Dockerfile: the port the image's agent listens on (the service sets no
/// `PORT`; it connects to the protocol's port).
fn image_port(dockerfile: &Path) -> u16 {
    let text = std::fs::read_to_string(dockerfile).unwrap();
    let line = text.lines().find_map(|l| l.strip_prefix("ENV PORT=")).expect("an ENV PORT= line");
    line.trim().parse().unwrap()
}

#[test]
fn every_protocol_example_agent_serves_its_protocol_with_its_deployed_environment() {
    let config = workspace().join("examples/protocols/corestack.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let synth =
        corestack(&workspace(), &["synth", "--config", config.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(synth.status.success(), "{}", text(&synth.stderr));
    let settings = corestack_app::Settings::load(&config, None).unwrap();
    let template = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-AgentCore.template.json"))
        .expect("the AgentCore template");
    let template: Value = serde_json::from_str(&std::fs::read_to_string(template).unwrap()).unwrap();
    let base = config.parent().unwrap();
    let mut protocols = Vec::new();
    for runtime in &settings.runtimes {
        let props = &template["Resources"][format!("{}Runtime", runtime.logical)]["Properties"];
        let protocol = runtime.spec.protocol;
        assert_eq!(props["ProtocolConfiguration"], protocol.as_str(), "{}", runtime.key);
        protocols.push(protocol.as_str());
        let dockerfile = base.join(&runtime.build.as_ref().expect("a build section").dockerfile);
        let package = built_package(&dockerfile);
        // The service connects to the protocol's port: the image must listen there.
        assert_eq!(image_port(&dockerfile), protocol.port(), "{}: the image's PORT", dockerfile.display());
        let env = deployed_environment(runtime, &package, props);
        let port = free_port();
        let mut child = Command::new(debug_binary(&package));
        child
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("OTEL_RESOURCE_ATTRIBUTES", format!("service.name={}", runtime.spec.name))
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut agent = Agent(child.spawn().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(port, "GET /ping HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").is_none() {
            if let Some(status) = agent.0.try_wait().unwrap() {
                panic!("{package} exited at start ({status}) with the deployed environment");
            }
            assert!(Instant::now() < deadline, "{package} did not answer in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let post = |path: &str, accept: &str, body: &str| {
            let request = format!(
                "POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\naccept: {accept}\r\nmcp-session-id: platform-session-0123456789abcdef\r\nx-amzn-bedrock-agentcore-runtime-session-id: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                "s".repeat(40),
                body.len()
            );
            http(port, &request).expect("an answer")
        };
        // Each answers the payload InvokeAgentRuntime would carry to its protocol's path.
        let path = protocol.invocation_path();
        let (status, answer) = match protocol.as_str() {
            "MCP" => post(
                path,
                "application/json, text/event-stream",
                r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#,
            ),
            "A2A" => post(
                path,
                "application/json",
                r#"{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"hi"}]}}}"#,
            ),
            _ => post(path, "text/event-stream", r#"{"prompt": "hi"}"#),
        };
        assert_eq!(status, 200, "{package}: {answer}");
        let expected = match protocol.as_str() {
            "MCP" => "\"text\":\"3\"",
            "A2A" => "echo: hi",
            "AGUI" => "RUN_FINISHED",
            _ => "\"delta\":\"hi\"",
        };
        assert!(answer.contains(expected), "{package}: {answer}");
    }
    protocols.sort();
    assert_eq!(protocols, ["A2A", "AGUI", "HTTP", "MCP"], "one runtime per protocol");
}

/// Every `AWS::BedrockAgentCore::Runtime` of the assembly in `out`: its logical ID and properties.
fn runtime_resources(out: &Path) -> Vec<(String, Value)> {
    let mut runtimes = Vec::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".template.json") {
            continue;
        }
        let template: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (logical, r) in template["Resources"].as_object().unwrap() {
            if r["Type"] == "AWS::BedrockAgentCore::Runtime" {
                runtimes.push((logical.clone(), r["Properties"].clone()));
            }
        }
    }
    runtimes
}

/// The first answer of `agent` (of `package`) to `/ping` on `port`, waited for up to 30 s; a
/// panic with its stderr when it exits first.
fn wait_for_ping(agent: &mut Agent, port: u16, package: &str) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = agent.0.try_wait().unwrap() {
            let mut stderr = String::new();
            agent.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            panic!("{package} exited at start ({status}) with the deployed environment: {stderr}");
        }
        if let Some(answer) = http(port, "GET /ping HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n") {
            break answer;
        }
        assert!(Instant::now() < deadline, "{package} did not answer /ping in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}
