//! `corestack dev --traces console`: the spans a local agent exports reach dev's own OTLP receiver
//! and come out as console lines naming the runtime, the span, its duration and its session.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corestack_dev::traces::{export_environment, start_console};
use support::{ARN, echo_agent, runtime, sdk, start};

#[tokio::test(flavor = "multi_thread")]
async fn the_agents_spans_are_printed_on_the_console() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let receiver = start_console(Arc::new(move |l: &str| sink.lock().unwrap().push(l.to_string()))).await.unwrap();
    let mut agent = runtime("demo_agent_dev", vec![echo_agent().display().to_string()], 60, 600);
    agent.environment.extend(export_environment(&receiver, "demo_agent_dev").map(|(k, v)| (k.to_string(), v)));
    let dev = start(vec![agent]).await;
    let session = "traced-session-0123456789abcdef0123456789";
    let answer = sdk(&dev.url)
        .invoke_agent_runtime()
        .agent_runtime_arn(ARN)
        .runtime_session_id(session)
        .payload(aws_smithy_types::Blob::new(r#"{"prompt": "hi"}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status_code(), Some(200));
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        if let Some(l) = lines.lock().unwrap().iter().find(|l| l.contains("span invocation")) {
            break l.clone();
        }
        assert!(Instant::now() < deadline, "no span line: {:?}", lines.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(line.contains("demo_agent_dev span invocation "), "{line}");
    assert!(line.contains(" ms trace "), "{line}");
    assert!(line.contains(&format!(" session {}", &session[..8])), "{line}");
    dev.shutdown().await;
}
