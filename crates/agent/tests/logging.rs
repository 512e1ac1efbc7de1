//! An author's own log lines, written inside the handler or while its stream is produced, carry
//! the invocation's session and request IDs, as the SDK's own lines do.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use corestack_agent::testing::AgentClient;
use corestack_agent::{Config, Request, Response, Runtime, handler_fn};
use futures_util::StreamExt;
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn handler(req: Request) -> Result<Response, Infallible> {
    tracing::info!("author: handling");
    if req.context.accepts_event_stream {
        let items = futures_util::stream::iter(0..2).map(|i| {
            tracing::info!(item = i, "author: producing");
            Ok::<_, Infallible>(json!({ "i": i }))
        });
        return Ok(Response::stream(items));
    }
    Ok(Response::Json(json!({})))
}

// One thread: the subscriber set for this test sees every task of the server.
#[tokio::test(flavor = "current_thread")]
async fn an_authors_log_lines_carry_the_session_and_request_ids() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let runtime = Runtime::new(handler_fn(handler)).with_config(Config { addr, ..Config::default() });
    tokio::spawn(runtime.serve(listener, std::future::pending()));
    let client = AgentClient::new(format!("http://{addr}"));
    let session = "s".repeat(40);
    let header = ("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", session.as_str());
    assert_eq!(client.invoke(&json!({}), &[header]).await.status.as_u16(), 200);
    let streamed = client.invoke(&json!({}), &[header, ("Accept", "text/event-stream")]).await;
    assert_eq!(streamed.text(), "data: {\"i\":0}\n\ndata: {\"i\":1}\n\n");

    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let authored: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["fields"]["message"].as_str().is_some_and(|m| m.starts_with("author:")))
        .collect();
    assert_eq!(authored.len(), 4, "{text}");
    for line in &authored {
        assert_eq!(line["span"]["session_id"], session.as_str(), "{line}");
        assert!(line["span"]["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{line}");
    }
}
