//! `corestack dev` under the faults a user meets without trying: callers that give up, agents
//! that stop answering, starts cancelled half way, too many sessions, bad session IDs. Every
//! process is checked by PID; every loop is bounded.

use std::time::{Duration, Instant};

use aws_smithy_types::Blob;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod support;
use support::*;

/// Waits (at most `limit`) until a console line contains `needle`; returns that line.
async fn wait_for_line(dev: &Dev, needle: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(l) = dev.lines.lock().unwrap().iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no console line with `{needle}` in {limit:?}: {:#?}",
            dev.lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_dead(pid: u32, limit: Duration) {
    let deadline = Instant::now() + limit;
    while alive(pid) {
        assert!(Instant::now() < deadline, "process {pid} is still alive after {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn pid_in(line: &str, marker: &str) -> u32 {
    line.split(marker).nth(1).unwrap().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_read_to_the_end_are_not_counted_as_abandoned() {
    let dev = echo_dev(900, 28_800).await;
    let client = sdk(&dev.url);
    for n in 0..5 {
        invoke(&client, &session(n), json!({"prompt": "a b"}), "application/json").await;
        invoke(&client, &session(n), json!({"prompt": "a b"}), "text/event-stream").await;
    }
    let lines = dev.shutdown().await;
    assert_eq!(lines.iter().filter(|l| l.contains(" invoke 200 ")).count(), 10, "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("abandoned")), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_does_not_keep_the_session_alive() {
    let dev = start(vec![test_agent("slowpoke_dev", 2, &[])]).await;
    let conn = send_invoke(&dev.url, "slowpoke_dev", &session(1), r#"{"action": "sleep", "seconds": 30}"#).await;
    let started = wait_for_line(&dev, "session test-ses started: pid ", Duration::from_secs(20)).await;
    let pid = pid_in(&started, "started: pid ");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(conn);
    // The invocation shows on the console as abandoned, and the idle clock runs from then.
    wait_for_line(&dev, "invoke abandoned: the caller went away", Duration::from_secs(5)).await;
    wait_for_line(&dev, "stopped (idle 2 s)", Duration::from_secs(10)).await;
    wait_dead(pid, Duration::from_secs(5)).await;
    assert!(dev.handle.sessions().is_empty());
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_stops_answering_ping_is_stopped_even_while_working() {
    let dev = start(vec![test_agent("deaf_dev", 900, &[])]).await;
    let mut conn = send_invoke(&dev.url, "deaf_dev", &session(2), r#"{"action": "hang_ping", "seconds": 60}"#).await;
    let started = wait_for_line(&dev, "started: pid ", Duration::from_secs(20)).await;
    let pid = pid_in(&started, "started: pid ");
    wait_for_line(&dev, "stopped (three pings unanswered)", Duration::from_secs(20)).await;
    wait_dead(pid, Duration::from_secs(5)).await;
    // The caller still waiting is told, as the service tells it: a RuntimeClientError.
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), conn.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 424"), "{answer}");
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_cancelled_by_the_caller_or_by_shutdown_leaves_no_process_behind() {
    let env = [("TEST_AGENT_CHILD", "1"), ("TEST_AGENT_START_DELAY", "30")];
    let dev = start(vec![test_agent("slowstart_dev", 900, &env)]).await;
    // The caller goes away while the agent starts: the agent and what it started are gone.
    let conn = send_invoke(&dev.url, "slowstart_dev", &session(3), "{}").await;
    let child = pid_in(&wait_for_line(&dev, "child pid ", Duration::from_secs(20)).await, "child pid ");
    assert!(alive(child));
    drop(conn);
    wait_dead(child, Duration::from_secs(5)).await;
    // corestack dev stops while another agent starts: the same.
    dev.lines.lock().unwrap().clear();
    let _conn = send_invoke(&dev.url, "slowstart_dev", &session(4), "{}").await;
    let child = pid_in(&wait_for_line(&dev, "child pid ", Duration::from_secs(20)).await, "child pid ");
    dev.shutdown().await;
    wait_dead(child, Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_over_the_cap_are_refused_as_the_service_refuses_them() {
    let mut config =
        test_config(vec![runtime("demo_agent_dev", vec![echo_agent().display().to_string()], 900, 28_800)]);
    config.max_sessions = 2;
    let dev = start_with(config).await;
    let url = dev.url.clone();
    let client = sdk(&url);
    for n in 0..2 {
        invoke(&client, &session(n), json!({}), "application/json").await;
    }
    // The sessions that exist still answer; a third is refused with the service's error.
    invoke(&client, &session(0), json!({}), "application/json").await;
    let refused = client
        .invoke_agent_runtime()
        .agent_runtime_arn(ARN)
        .runtime_session_id(session(2))
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(refused.is_service_quota_exceeded_exception(), "{refused:?}");
    assert!(refused.to_string().contains("2 sessions are active"), "{refused}");
    dev.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_id_that_is_not_ascii_is_refused_for_what_it_is() {
    let dev = echo_dev(900, 28_800).await;
    let addr = dev.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let id = "é".repeat(20);
    let request = format!(
        "POST /runtimes/demo_agent_dev/invocations HTTP/1.1\r\nhost: {addr}\r\nx-amzn-bedrock-agentcore-runtime-session-id: {id}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("ValidationException") && answer.contains("must be visible ASCII"), "{answer}");
    assert!(!answer.contains("0 characters") && !answer.contains("has 0"), "{answer}");
    dev.shutdown().await;
}

/// One raw request on a new connection; the whole answer.
async fn raw(url: &str, head: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{head}host: {addr}\r\nconnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Issue 27, 3: a percent-encoded multibyte session ID in the WebSocket query panicked at byte
/// 8 and leaked a session slot; a thousand such requests locked every client out with 402. Now
/// it is refused as the header would be, and `Mcp-Session-Id` follows the same rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_session_ids_are_refused_and_hold_no_slot() {
    let echo = echo_agent().display().to_string();
    let mut mcp = runtime("tools_dev", vec![echo.clone()], 900, 28_800);
    mcp.protocol = corestack_dev::Protocol::Mcp;
    let mut config = test_config(vec![runtime("demo_agent_dev", vec![echo], 900, 28_800), mcp]);
    config.max_sessions = 2;
    let dev = start_with(config).await;
    let upgrade = "connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let id = format!("a{}", "%C3%A9".repeat(20));
    for _ in 0..50 {
        let head = format!(
            "GET /runtimes/demo_agent_dev/ws?X-Amzn-Bedrock-AgentCore-Runtime-Session-Id={id} HTTP/1.1\r\n{upgrade}"
        );
        let answer = raw(&dev.url, &head).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("runtimeSessionId must be visible ASCII"), "{answer}");
    }
    for bad in ["x".to_string(), "x".repeat(60_000), format!("{} {}", "a".repeat(20), "b".repeat(20))] {
        let head =
            format!("POST /runtimes/tools_dev/invocations HTTP/1.1\r\nmcp-session-id: {bad}\r\ncontent-length: 0\r\n");
        let answer = raw(&dev.url, &head).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{}", &answer[..answer.len().min(300)]);
        assert!(answer.contains("mcp-session-id must be"), "{}", &answer[..answer.len().min(300)]);
    }
    assert!(dev.handle.sessions().is_empty());
    // Both slots are free: two sessions start.
    let client = sdk(&dev.url);
    for n in 0..2 {
        invoke(&client, &session(n), json!({}), "application/json").await;
    }
    assert_eq!(dev.handle.sessions().len(), 2);
    dev.shutdown().await;
}

/// Issue 27, 3: a start the caller abandons frees its slot (it counted against --max-sessions
/// forever, so with a cap of one the next session got 402).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_start_frees_its_session_slot() {
    let env = [("TEST_AGENT_CHILD", "1"), ("TEST_AGENT_START_DELAY", "30")];
    let echo = runtime("demo_agent_dev", vec![echo_agent().display().to_string()], 900, 28_800);
    let mut config = test_config(vec![test_agent("slowstart_dev", 900, &env), echo]);
    config.max_sessions = 1;
    let dev = start_with(config).await;
    let conn = send_invoke(&dev.url, "slowstart_dev", &session(1), "{}").await;
    let child = pid_in(&wait_for_line(&dev, "child pid ", Duration::from_secs(20)).await, "child pid ");
    drop(conn);
    wait_dead(child, Duration::from_secs(5)).await;
    let client = sdk(&dev.url);
    let (_, body, _) = invoke(&client, &session(2), json!({}), "application/json").await;
    assert!(String::from_utf8_lossy(&body).contains("echo"));
    dev.shutdown().await;
}

/// Issue 27, 7: an agent's invalid UTF-8 byte ended dev's reader (later writes failed with EPIPE,
/// output lost), and a long line with no newline was buffered whole. Both are now shown: the byte
/// as U+FFFD, the line cut and marked; the agent keeps writing and answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_output_that_is_not_text_or_never_ends_a_line_is_shown_bounded() {
    let dev = start(vec![test_agent("printer_dev", 900, &[])]).await;
    let client = sdk(&dev.url);
    let print = |hex: &str, repeat: usize| {
        let payload = serde_json::to_vec(&json!({"action": "print", "hex": hex, "repeat": repeat})).unwrap();
        client
            .invoke_agent_runtime()
            .agent_runtime_arn("printer_dev")
            .runtime_session_id(session(7))
            .payload(Blob::new(payload))
            .send()
    };
    // "bad \xff byte\n", then 8 MB without a newline, then a last line: every write succeeds.
    for (hex, repeat) in [("62616420ff20627974650a", 1), ("78", 8 << 20), ("0a6166746572206974000a", 1)] {
        let out = print(hex, repeat).await.unwrap_or_else(|e| panic!("{e:?}"));
        let body = out.response.collect().await.unwrap().into_bytes();
        assert!(String::from_utf8_lossy(&body).contains("written"), "{body:?}");
    }
    let cut = wait_for_line(&dev, "more bytes of this line not shown", Duration::from_secs(10)).await;
    assert!(cut.len() < 20_000, "the line is cut: {} bytes", cut.len());
    wait_for_line(&dev, "after it", Duration::from_secs(10)).await;
    let lines = dev.shutdown().await;
    assert!(lines.iter().any(|l| l.contains("bad \u{fffd} byte")), "{:?}", &lines[..lines.len().min(5)]);
}

/// Issue 27, 15: an agent's 431 to the WebSocket is reported as what it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_431_to_the_websocket_is_named() {
    let dev = start(vec![test_agent("refuser_dev", 900, &[])]).await;
    let upgrade = "connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let answer = raw(&dev.url, &format!("GET /runtimes/refuser_dev/ws HTTP/1.1\r\n{upgrade}")).await;
    assert!(answer.starts_with("HTTP/1.1 424"), "{answer}");
    assert!(answer.contains("headers as too large (431"), "{answer}");
    dev.shutdown().await;
}

/// Issue 27, 14: sessions were pinged and stopped one at a time, so five frozen agents (each a
/// 2 s ping timeout, then a 2 s stop grace) made a round take over ten seconds: their own
/// "three pings unanswered" took over thirty, and a healthy session's idle end waited on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_agents_do_not_hold_up_the_reaping_of_others() {
    let dev = echo_dev(4, 28_800).await;
    let client = sdk(&dev.url);
    for n in 0..6 {
        invoke(&client, &session(n), json!({"prompt": "hi"}), "application/json").await;
    }
    let healthy = session(5);
    let frozen: Vec<u32> = dev.handle.sessions().into_iter().filter(|s| s.id != healthy).map(|s| s.pid).collect();
    assert_eq!(frozen.len(), 5);
    for pid in &frozen {
        assert!(std::process::Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap().success());
    }
    let frozen_at = Instant::now();
    wait_for_line(&dev, &format!("session {} stopped (idle 4 s)", &healthy[..8]), Duration::from_secs(8)).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while dev.lines.lock().unwrap().iter().filter(|l| l.contains("stopped (three pings unanswered)")).count() < 5 {
        assert!(
            Instant::now() < deadline,
            "the frozen agents were not all stopped in 15 s: {:#?}",
            dev.lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("five frozen agents stopped {:?} after they froze", frozen_at.elapsed());
    for pid in frozen {
        wait_dead(pid, Duration::from_secs(5)).await;
    }
    assert!(dev.handle.sessions().is_empty());
    dev.shutdown().await;
}
