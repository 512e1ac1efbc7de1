//! The local endpoint with the real AWS SDK for Rust as the client, and real agent processes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_bedrockagentcore::error::DisplayErrorContext;
use aws_smithy_types::Blob;
use serde_json::{Value, json};

mod support;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_sdk_invokes_sync_and_streaming() {
    let dev = echo_dev(900, 28_800).await;
    let client = sdk(&dev.url);
    let id = session(1);
    let (ct, body, returned) = invoke(&client, &id, json!({"prompt": "hello big world"}), "application/json").await;
    assert_eq!(ct, "application/json");
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"echo": {"prompt": "hello big world"}, "session_id": id})
    );
    assert_eq!(returned.as_deref(), Some(id.as_str()));
    let (ct, body, _) = invoke(&client, &id, json!({"prompt": "hello big world"}), "text/event-stream").await;
    assert_eq!(ct, "text/event-stream");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "data: {\"delta\":\"hello\"}\n\ndata: {\"delta\":\"big\"}\n\ndata: {\"delta\":\"world\"}\n\n"
    );
    // The runtime is reached by its ID or bare name too.
    let by_id = client
        .invoke_agent_runtime()
        .agent_runtime_arn("demo_agent_dev-AbCdE12345")
        .runtime_session_id(&id)
        .payload(Blob::new("{}"))
        .send()
        .await;
    assert!(by_id.is_ok());
    let lines = dev.shutdown().await;
    assert!(lines.iter().any(|l| l.contains("demo_agent_dev session test-ses started: pid")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("invoke 200")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_get_their_own_process_and_keep_it() {
    let dev = echo_dev(900, 28_800).await;
    let client = sdk(&dev.url);
    invoke(&client, &session(1), json!({}), "application/json").await;
    let first = dev.handle.sessions();
    invoke(&client, &session(1), json!({}), "application/json").await;
    assert_eq!(dev.handle.sessions(), first, "the same session reuses its process");
    invoke(&client, &session(2), json!({}), "application/json").await;
    let both = dev.handle.sessions();
    assert_eq!(both.len(), 2);
    assert_ne!(both[0].pid, both[1].pid);
    let pids: Vec<u32> = both.iter().map(|s| s.pid).collect();
    dev.shutdown().await;
    assert!(pids.iter().all(|p| !alive(*p)), "no agent survives the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_healthy_sessions_end_while_busy_ones_are_kept() {
    let dev = echo_dev(2, 28_800).await;
    let client = sdk(&dev.url);
    invoke(&client, &session(1), json!({}), "application/json").await;
    invoke(&client, &session(2), json!({"background_ms": 4500}), "application/json").await;
    let busy_pid = dev.handle.sessions().iter().find(|s| s.id == session(2)).unwrap().pid;
    tokio::time::sleep(Duration::from_millis(3600)).await;
    let ids: Vec<String> = dev.handle.sessions().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![session(2)], "the idle Healthy session ended; the HealthyBusy one is kept");
    // After the task ends (time_of_last_update moves), the idle timer runs from then.
    let deadline = Instant::now() + Duration::from_secs(8);
    while !dev.handle.sessions().is_empty() {
        assert!(Instant::now() < deadline, "the busy session never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!alive(busy_pid));
    let lines = dev.shutdown().await;
    assert!(lines.iter().filter(|l| l.contains("stopped (idle 2 s)")).count() == 2, "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_lifetime_ends_even_a_busy_session() {
    let dev = echo_dev(900, 2).await;
    let client = sdk(&dev.url);
    invoke(&client, &session(1), json!({"background_ms": 60_000}), "application/json").await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(dev.handle.sessions().is_empty());
    let lines = dev.shutdown().await;
    assert!(lines.iter().any(|l| l.contains("stopped (max lifetime 2 s)")), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_runtime_session_ends_it() {
    let dev = echo_dev(900, 28_800).await;
    let client = sdk(&dev.url);
    invoke(&client, &session(1), json!({}), "application/json").await;
    let pid = dev.handle.sessions()[0].pid;
    let out = client
        .stop_runtime_session()
        .agent_runtime_arn(ARN)
        .qualifier("DEFAULT")
        .runtime_session_id(session(1))
        .send()
        .await;
    assert!(out.is_ok(), "{:?}", out.err().map(|e| DisplayErrorContext(e).to_string()));
    assert!(dev.handle.sessions().is_empty());
    assert!(!alive(pid));
    let again =
        client.stop_runtime_session().agent_runtime_arn(ARN).runtime_session_id(session(1)).send().await.unwrap_err();
    assert!(again.into_service_error().is_resource_not_found_exception());
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_request_is_a_clean_error_and_the_next_request_starts_fresh() {
    let agent = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/agents/test_agent.py");
    let dev =
        start(vec![runtime("crashy_dev", vec!["python3".into(), agent.display().to_string()], 900, 28_800)]).await;
    let client = sdk(&dev.url);
    let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/crashy_dev-AbCdE12345";
    let call = |payload: Value| {
        client
            .invoke_agent_runtime()
            .agent_runtime_arn(arn)
            .runtime_session_id(session(7))
            .payload(Blob::new(payload.to_string()))
            .send()
    };
    let err = call(json!({"action": "crash"})).await.unwrap_err();
    let service = err.into_service_error();
    assert!(service.is_runtime_client_error(), "{service:?}");
    assert!(
        DisplayErrorContext(&service).to_string().contains("exited during the request"),
        "{}",
        DisplayErrorContext(&service)
    );
    assert!(dev.handle.sessions().is_empty());
    // The next request starts a new process, and its stream passes through as it is produced.
    let out = call(json!({"action": "slow"})).await.unwrap();
    let mut body = out.response;
    let started = Instant::now();
    let first = body.next().await.unwrap().unwrap();
    let first_after = started.elapsed();
    let mut rest = Vec::new();
    while let Some(chunk) = body.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    let whole = started.elapsed();
    assert_eq!(&first[..], b"data: {\"n\":0}\n\n");
    assert_eq!(rest, b"data: {\"n\":1}\n\ndata: {\"n\":2}\n\n");
    assert!(
        first_after + Duration::from_millis(400) < whole,
        "the first event came {first_after:?} into a {whole:?} stream"
    );
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_sessions() {
    let dev = echo_dev(900, 28_800).await;
    let client = sdk(&dev.url);
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..50 {
        let c = client.clone();
        calls.spawn(async move { (n, invoke(&c, &session(n), json!({"n": n}), "application/json").await) });
    }
    while let Some(r) = calls.join_next().await {
        let (n, (_, body, _)) = r.unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["echo"]["n"], n);
    }
    let sessions = dev.handle.sessions();
    assert_eq!(sessions.len(), 50);
    let pids: std::collections::BTreeSet<u32> = sessions.iter().map(|s| s.pid).collect();
    assert_eq!(pids.len(), 50);
    dev.shutdown().await;
    assert!(pids.iter().all(|p| !alive(*p)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_shaped_errors() {
    let dev = start(vec![
        runtime("demo_agent_dev", vec![echo_agent().display().to_string()], 900, 28_800),
        runtime("broken_dev", vec!["/bin/sh".into(), "-c".into(), "echo boom >&2; exit 7".into()], 900, 28_800),
    ])
    .await;
    let client = sdk(&dev.url);
    let missing = client
        .invoke_agent_runtime()
        .agent_runtime_arn("arn:aws:bedrock-agentcore:us-east-1:1:runtime/nope-AbCdE12345")
        .runtime_session_id(session(1))
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err();
    let missing = missing.into_service_error();
    assert!(missing.is_resource_not_found_exception());
    assert!(DisplayErrorContext(&missing).to_string().contains("this endpoint runs demo_agent_dev, broken_dev"));
    let short = client
        .invoke_agent_runtime()
        .agent_runtime_arn(ARN)
        .runtime_session_id("too-short")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err();
    let short = short.into_service_error();
    assert!(short.is_validation_exception(), "{short:?}");
    assert!(DisplayErrorContext(&short).to_string().contains("33 to 256 characters"));
    let broken = client
        .invoke_agent_runtime()
        .agent_runtime_arn("broken_dev")
        .runtime_session_id(session(2))
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err();
    let broken = DisplayErrorContext(&broken.into_service_error()).to_string();
    assert!(broken.contains("exited during start-up") && broken.contains("boom"), "{broken}");
    // Over 100 MB, judged from Content-Length before anything is read.
    let mut tcp = tokio::net::TcpStream::connect(dev.url.trim_start_matches("http://")).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tcp.write_all(format!("POST /runtimes/demo_agent_dev/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100000001\r\nX-Amzn-Bedrock-AgentCore-Runtime-Session-Id: {}\r\n\r\n", session(3)).as_bytes()).await.unwrap();
    let mut buf = vec![0; 2048];
    let n = tcp.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 400") && head.contains("x-amzn-errortype: ValidationException"), "{head}");
    dev.shutdown().await;
}

/// boto3's bedrock-agentcore client, when a Python with boto3 is at hand (scripts/test.sh installs
/// it into .venv; CORESTACK_PY_AGENT_PYTHON names another). Without it the test fails under CI,
/// and elsewhere is counted as skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_invokes_sync_and_streaming() {
    let python = std::env::var_os("CORESTACK_PY_AGENT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv/bin/python"));
    let has_boto3 = std::process::Command::new(&python)
        .args(["-c", "import boto3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_boto3 {
        let why = "no Python with boto3 (run scripts/test.sh, or set CORESTACK_PY_AGENT_PYTHON)";
        corestack_agent::testing::skip_or_fail("boto3_invokes_sync_and_streaming", why);
        return;
    }
    let dev = echo_dev(900, 28_800).await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/agents/boto3_client.py");
    let id = session(9);
    let out = tokio::process::Command::new(&python).arg(script).args([&dev.url, ARN, &id]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["sync"], json!({"echo": {"prompt": "from boto3"}, "session_id": id}));
    assert_eq!(
        (got["sync_content_type"].as_str(), got["session"].as_str()),
        (Some("application/json"), Some(id.as_str()))
    );
    assert_eq!(got["stream"], "data: {\"delta\":\"one\"}\n\ndata: {\"delta\":\"two\"}\n\n");
    assert_eq!(got["stream_content_type"], "text/event-stream");
    dev.shutdown().await;
}
