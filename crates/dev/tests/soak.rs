//! A soak of the local endpoint: a few hundred sessions created and ended in every way a user
//! meets (stopped, abandoned mid-request, left idle, past their max lifetime, crashed, cancelled
//! while starting, and still running when the server stops). Afterwards no process any of them
//! started is alive (checked by PID), and the server's memory is back near where it began.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_smithy_types::Blob;
use serde_json::json;

mod support;
use support::*;

fn rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

fn numbers_after(lines: &[String], marker: &str) -> BTreeSet<u32> {
    lines
        .iter()
        .filter_map(|l| l.split(marker).nth(1))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect()
}

fn sid(kind: &str, n: usize) -> String {
    format!("soak-{kind}-{n:05}-0123456789abcdef0123456789")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_sessions_ended_every_way_leave_nothing_behind() {
    let mut config = test_config(soak_runtimes());
    config.startup_timeout = Duration::from_secs(20);
    let dev = start_with(config).await;
    let (url, handle, lines) = (dev.url.clone(), dev.handle.clone(), dev.lines.clone());
    let client = sdk(&url);
    let rss_before = rss_mb();

    for batch in 0..4 {
        one_batch(&client, &url, &lines, batch).await;
    }
    // A few still running when the server stops.
    for n in 0..10 {
        let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/lasting_dev-AbCdE12345";
        client
            .invoke_agent_runtime()
            .agent_runtime_arn(arn)
            .runtime_session_id(sid("last", n))
            .payload(Blob::new("{}"))
            .send()
            .await
            .unwrap();
    }
    // 370 sessions asked for: 270 start (the 100 callers that went away at once mostly do so
    // before their agent is ready, and 20 starts are cancelled on purpose).
    let sessions_seen = numbers_after(&lines.lock().unwrap(), "started: pid ").len();
    assert!(sessions_seen >= 250, "{sessions_seen} sessions started");

    // Idle and max-lifetime sessions end by themselves.
    let deadline = Instant::now() + Duration::from_secs(30);
    while handle.sessions().len() > 10 {
        assert!(Instant::now() < deadline, "{} sessions still alive: {:?}", handle.sessions().len(), handle.sessions());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all = dev.shutdown().await;
    let pids = no_process_is_left(&all).await;
    let rss_after = rss_mb();
    println!(
        "soak: {sessions_seen} sessions, {} processes checked; test process RSS {rss_before} MB before, {rss_after} MB after",
        pids
    );
    assert!(rss_after < rss_before + 40, "RSS grew from {rss_before} MB to {rss_after} MB");
}

/// The soak's runtimes: long and short idle timeouts, a 3 s max lifetime, an agent that crashes
/// when asked, and one that starts a child and then takes 30 s to be ready.
fn soak_runtimes() -> Vec<corestack_dev::LocalRuntime> {
    let echo = echo_agent().display().to_string();
    let mut short_lived = runtime("brief_dev", vec![echo.clone()], 2, 3);
    short_lived.aliases = vec!["brief".into()];
    vec![
        runtime("demo_agent_dev", vec![echo.clone()], 2, 28_800),
        runtime("lasting_dev", vec![echo.clone()], 900, 28_800),
        short_lived,
        test_agent("crashy_dev", 2, &[]),
        test_agent("slowstart_dev", 2, &[("TEST_AGENT_CHILD", "1"), ("TEST_AGENT_START_DELAY", "30")]),
    ]
}

/// One batch of sessions `batch`, ended every way: stopped, left idle, abandoned at once, kept
/// busy past their max lifetime, crashed, and cancelled while starting.
async fn one_batch(
    client: &aws_sdk_bedrockagentcore::Client,
    url: &str,
    lines: &std::sync::Mutex<Vec<String>>,
    batch: usize,
) {
    // Stopped by StopRuntimeSession.
    let mut work = tokio::task::JoinSet::new();
    for n in 0..25 {
        let (client, id) = (client.clone(), sid("stop", batch * 25 + n));
        work.spawn(async move {
            invoke(&client, &id, json!({"prompt": "a b"}), "text/event-stream").await;
            client.stop_runtime_session().agent_runtime_arn(ARN).runtime_session_id(&id).send().await.unwrap();
        });
    }
    // Left idle after a request, and abandoned by callers that went away at once.
    for n in 0..25 {
        let (client, id) = (client.clone(), sid("idle", batch * 25 + n));
        work.spawn(async move {
            invoke(&client, &id, json!({}), "application/json").await;
        });
        let (url, id) = (url.to_string(), sid("gone", batch * 25 + n));
        work.spawn(async move {
            drop(send_invoke(&url, "demo_agent_dev", &id, r#"{"prompt": "x"}"#).await);
        });
    }
    // Kept busy (HealthyBusy) until their max lifetime of 3 s ends them.
    for n in 0..10 {
        let (client, id) = (client.clone(), sid("busy", batch * 10 + n));
        work.spawn(async move {
            let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/brief_dev-AbCdE12345";
            let payload = Blob::new(json!({"background_ms": 60_000}).to_string());
            client
                .invoke_agent_runtime()
                .agent_runtime_arn(arn)
                .runtime_session_id(id)
                .payload(payload)
                .send()
                .await
                .unwrap();
        });
    }
    // Crashed mid-request.
    for n in 0..5 {
        let (client, id) = (client.clone(), sid("crash", batch * 5 + n));
        work.spawn(async move {
            let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/crashy_dev-AbCdE12345";
            let payload = Blob::new(json!({"action": "crash"}).to_string());
            let e = client
                .invoke_agent_runtime()
                .agent_runtime_arn(arn)
                .runtime_session_id(id)
                .payload(payload)
                .send()
                .await;
            assert!(e.unwrap_err().into_service_error().is_runtime_client_error());
        });
    }
    while let Some(r) = work.join_next().await {
        r.unwrap();
    }
    // Cancelled while starting: the caller goes away once the agent has started a child.
    let mut starting = Vec::new();
    for n in 0..5 {
        starting.push(send_invoke(url, "slowstart_dev", &sid("cancel", batch * 5 + n), "{}").await);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while numbers_after(&lines.lock().unwrap(), "child pid ").len() < (batch + 1) * 5 {
        assert!(Instant::now() < deadline, "the slow starters did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(starting);
}

/// Waits until no process a session started (or its agent's child) is alive, per the console
/// lines `all`, and checks each way of ending was seen; how many processes were checked.
async fn no_process_is_left(all: &[String]) -> usize {
    let pids: BTreeSet<u32> =
        numbers_after(all, "started: pid ").union(&numbers_after(all, "child pid ")).copied().collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "processes left behind: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for reason in
        ["stopped (StopRuntimeSession)", "stopped (idle 2 s)", "stopped (max lifetime 3 s)", "stopped (shutdown)"]
    {
        assert!(all.iter().any(|l| l.contains(reason)), "no session {reason}");
    }
    pids.len()
}
