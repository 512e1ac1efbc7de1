//! The container contract over real HTTP: a client against a running server on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use corestack_agent::testing::{AgentClient, next_frame};
use corestack_agent::{AgentError, BoxError, Config, Health, PingStatus, Request, Response, Runtime, handler_fn};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Mutex, Semaphore, mpsc, oneshot};

/// Shared knobs the test handler reads.
#[derive(Clone)]
struct Knobs {
    gate: Arc<Semaphore>,
    in_flight: Arc<AtomicUsize>,
    feed: Arc<Mutex<Option<mpsc::Receiver<Value>>>>,
}

async fn handle(knobs: Knobs, req: Request) -> Result<Response, BoxError> {
    let action = req.payload["action"].as_str().unwrap_or("json").to_string();
    match action.as_str() {
        "json" => Ok(Response::Json(req.payload)),
        "context" => {
            let c = &req.context;
            Ok(Response::Json(json!({
                "session_id": c.session_id, "request_id": c.request_id, "authorization": c.authorization,
                "workload_access_token": c.workload_access_token, "custom": c.custom_headers,
                "accepts_event_stream": c.accepts_event_stream,
            })))
        }
        "stream" => {
            let items: Vec<Result<Value, AgentError>> = (0..3).map(|i| Ok(json!({"n": i, "text": "é"}))).collect();
            Ok(Response::stream(futures_util::stream::iter(items)))
        }
        "stream_error" => {
            let items = vec![Ok(json!({"n": 0})), Err(AgentError::new("ValueError", "boom")), Ok(json!({"n": 2}))];
            Ok(Response::stream(futures_util::stream::iter(items)))
        }
        "stream_panic" => {
            let items = futures_util::stream::iter(0..3).map(|i| {
                assert!(i < 1, "stream kaboom");
                Ok::<_, AgentError>(json!({"n": i}))
            });
            Ok(Response::stream(items))
        }
        "feed" => {
            let rx = knobs.feed.lock().await.take().expect("one feed per test");
            let items = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|v| (Ok::<_, AgentError>(v), rx))
            });
            Ok(Response::stream(items))
        }
        "error" => Err(Box::new(AgentError::new("ValueError", "the handler said no"))),
        "panic" => panic!("kaboom"),
        "gate" => {
            knobs.in_flight.fetch_add(1, Ordering::SeqCst);
            let _permit = knobs.gate.acquire().await?;
            knobs.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(Response::Json(json!({"released": true})))
        }
        "busy" => {
            let health = req.context.health.clone();
            let ms = req.payload["ms"].as_u64().unwrap_or(0);
            health.spawn("busy", tokio::time::sleep(Duration::from_millis(ms)));
            Ok(Response::Json(json!({"started": true})))
        }
        other => Err(format!("unknown action {other}").into()),
    }
}

use futures_util::StreamExt;

struct Server {
    client: AgentClient,
    addr: std::net::SocketAddr,
    knobs: Knobs,
    health: Health,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<Result<(), corestack_agent::Error>>,
}

async fn start(max_body_bytes: usize) -> Server {
    let knobs = Knobs {
        gate: Arc::new(Semaphore::new(0)),
        in_flight: Arc::new(AtomicUsize::new(0)),
        feed: Arc::new(Mutex::new(None)),
    };
    let k = knobs.clone();
    let handler = handler_fn(move |req| handle(k.clone(), req));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config { addr, max_body_bytes, drain_timeout: Duration::from_secs(10), ..Config::default() };
    let runtime = Runtime::new(handler).with_config(config);
    let health = runtime.health();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(runtime.serve(listener, async move {
        let _ = stopped.await;
    }));
    let client = AgentClient::new(format!("http://{addr}"));
    Server { client, addr, knobs, health, stop: Some(stop), done }
}

#[tokio::test]
async fn ping_is_compact_json_with_integer_seconds() {
    let s = start(1 << 20).await;
    let r = s.client.ping().await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/json");
    let text = r.text();
    let ts =
        text.strip_prefix(r#"{"status":"Healthy","time_of_last_update":"#).and_then(|t| t.strip_suffix('}')).unwrap();
    let ts: u64 = ts.parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(now - ts < 60, "Unix seconds, close to now");
}

#[tokio::test]
async fn time_of_last_update_is_fixed_across_pings_and_moves_on_status_change() {
    let s = start(1 << 20).await;
    let first = s.client.ping().await.json();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(s.client.ping().await.json(), first, "no change, same answer");
    s.client.invoke(&json!({"action": "busy", "ms": 1300}), &[]).await;
    let busy = s.client.ping().await.json();
    assert_eq!(busy["status"], "HealthyBusy");
    assert!(busy["time_of_last_update"].as_u64() > first["time_of_last_update"].as_u64(), "{busy} after {first}");
    assert_eq!(s.client.ping().await.json(), busy, "still busy, same timestamp");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let idle = s.client.ping().await.json();
    assert_eq!(idle["status"], "Healthy");
    assert!(idle["time_of_last_update"].as_u64() > busy["time_of_last_update"].as_u64());
    // Forcing a status is another change.
    s.health.force_status(Some(PingStatus::HealthyBusy));
    assert_eq!(s.client.ping().await.json()["status"], "HealthyBusy");
}

#[tokio::test]
async fn json_invocation_answers_application_json() {
    let s = start(1 << 20).await;
    let r = s.client.invoke(&json!({"action": "json", "prompt": "héllo"}), &[]).await;
    assert_eq!((r.status, r.content_type()), (StatusCode::OK, "application/json"));
    assert_eq!(r.text(), r#"{"action":"json","prompt":"héllo"}"#);
}

#[tokio::test]
async fn context_carries_the_runtime_headers() {
    let s = start(1 << 20).await;
    let session = "s".repeat(36);
    let r = s
        .client
        .invoke(
            &json!({"action": "context"}),
            &[
                ("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", &session),
                ("X-Amzn-Bedrock-AgentCore-Runtime-Request-Id", "req-1"),
                ("Authorization", "Bearer abc"),
                ("WorkloadAccessToken", "wat-1"),
                ("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant", "t-9"),
                ("Accept", "text/event-stream"),
            ],
        )
        .await;
    assert_eq!(
        r.json(),
        json!({"session_id": session, "request_id": "req-1", "authorization": "Bearer abc", "workload_access_token": "wat-1",
               "custom": {"x-amzn-bedrock-agentcore-runtime-custom-tenant": "t-9"}, "accepts_event_stream": true})
    );
    let r = s.client.invoke(&json!({"action": "context"}), &[]).await.json();
    assert_eq!((r["session_id"].clone(), r["authorization"].clone()), (Value::Null, Value::Null));
    assert!(!r["request_id"].as_str().unwrap().is_empty(), "a request ID is generated");
}

#[tokio::test]
async fn streams_are_exact_sse_bytes() {
    let s = start(1 << 20).await;
    let r = s.client.invoke(&json!({"action": "stream"}), &[("Accept", "text/event-stream")]).await;
    assert_eq!((r.status, r.content_type()), (StatusCode::OK, "text/event-stream"));
    assert_eq!(
        r.text(),
        "data: {\"n\":0,\"text\":\"é\"}\n\ndata: {\"n\":1,\"text\":\"é\"}\n\ndata: {\"n\":2,\"text\":\"é\"}\n\n"
    );
}

#[tokio::test]
async fn stream_items_are_sent_as_produced() {
    let s = start(1 << 20).await;
    let (tx, rx) = mpsc::channel(1);
    *s.knobs.feed.lock().await = Some(rx);
    let r = s.client.send(Method::POST, "/invocations", &[], r#"{"action":"feed"}"#).await;
    let mut body = r.into_body();
    for i in 0..3 {
        tx.send(json!({"i": i})).await.unwrap();
        // The item arrives while the producer still holds the stream open.
        let frame = tokio::time::timeout(Duration::from_secs(5), next_frame(&mut body))
            .await
            .expect("sent without waiting for more");
        assert_eq!(frame.unwrap(), Bytes::from(format!("data: {{\"i\":{i}}}\n\n")));
    }
    drop(tx);
    assert!(next_frame(&mut body).await.is_none());
}

#[tokio::test]
async fn an_error_mid_stream_becomes_one_final_error_event() {
    let s = start(1 << 20).await;
    let r = s.client.invoke(&json!({"action": "stream_error"}), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.text(),
        "data: {\"n\":0}\n\ndata: {\"error\":\"boom\",\"error_type\":\"ValueError\",\"message\":\"An error occurred during streaming\"}\n\n"
    );
    let r = s.client.invoke(&json!({"action": "stream_panic"}), &[]).await;
    assert!(
        r.text().starts_with("data: {\"n\":0}\n\ndata: {\"error\":\"stream kaboom\",\"error_type\":\"Panic\""),
        "{}",
        r.text()
    );
    assert_eq!(s.client.ping().await.status, StatusCode::OK, "still serving");
}

#[tokio::test]
async fn bad_bodies_get_json_errors() {
    let s = start(1024).await;
    let r = s.client.call(Method::POST, "/invocations", &[], "{not json").await;
    assert_eq!((r.status, r.content_type()), (StatusCode::BAD_REQUEST, "application/json"));
    assert_eq!(r.json()["error"], "Invalid JSON");
    assert!(r.json()["details"].as_str().unwrap().contains("line 1 column 2"));
    let r = s.client.call(Method::POST, "/invocations", &[], Bytes::from_static(b"\"\xff\"")).await;
    assert_eq!((r.status, r.json()["error"].clone()), (StatusCode::BAD_REQUEST, json!("Invalid encoding")));
    let r = s.client.call(Method::POST, "/invocations", &[], vec![b' '; 2048]).await;
    assert_eq!((r.status, r.json()["error"].clone()), (StatusCode::PAYLOAD_TOO_LARGE, json!("Payload too large")));
    let r = s.client.call(Method::GET, "/invocations", &[], "").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = s.client.call(Method::GET, "/health", &[], "").await;
    assert_eq!((r.status, r.json()), (StatusCode::NOT_FOUND, json!({"error": "Not Found"})));
}

#[tokio::test]
async fn a_declared_body_over_100_mb_is_refused_before_it_is_read() {
    let s = start(corestack_agent::MAX_PAYLOAD_BYTES).await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000001\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await.unwrap().unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("Payload too large"));
}

#[tokio::test]
async fn handler_errors_and_panics_are_500_and_the_server_keeps_serving() {
    let s = start(1 << 20).await;
    let r = s.client.invoke(&json!({"action": "error"}), &[]).await;
    assert_eq!((r.status, r.content_type()), (StatusCode::INTERNAL_SERVER_ERROR, "application/json"));
    assert_eq!(r.json(), json!({"error": "the handler said no"}));
    let r = s.client.invoke(&json!({"action": "panic"}), &[]).await;
    assert_eq!((r.status, r.json()), (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "kaboom"})));
    let r = s.client.invoke(&json!({"action": "json", "after": "panic"}), &[]).await;
    assert_eq!((r.status, r.json()["after"].clone()), (StatusCode::OK, json!("panic")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_while_64_invocations_are_busy() {
    let s = start(1 << 20).await;
    let mut calls = Vec::new();
    for _ in 0..64 {
        let c = s.client.clone();
        calls.push(tokio::spawn(async move { c.invoke(&json!({"action": "gate"}), &[]).await }));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.knobs.in_flight.load(Ordering::SeqCst) < 64 {
        assert!(Instant::now() < deadline, "64 invocations never got in flight");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut worst = Duration::ZERO;
    for _ in 0..50 {
        let t = Instant::now();
        let r = s.client.ping().await;
        worst = worst.max(t.elapsed());
        assert_eq!(r.status, StatusCode::OK);
    }
    // Every ping was answered while all 64 invocations were still waiting.
    assert_eq!(s.knobs.in_flight.load(Ordering::SeqCst), 64);
    println!("slowest of 50 pings with 64 invocations in flight: {worst:?}");
    s.knobs.gate.add_permits(64);
    for c in calls {
        assert_eq!(c.await.unwrap().status, StatusCode::OK);
    }
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests_then_stops_accepting() {
    let mut s = start(1 << 20).await;
    let c = s.client.clone();
    let call = tokio::spawn(async move { c.invoke(&json!({"action": "gate"}), &[]).await });
    while s.knobs.in_flight.load(Ordering::SeqCst) < 1 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    s.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!s.done.is_finished(), "the server waits for the in-flight request");
    assert!(tokio::net::TcpStream::connect(s.addr).await.is_err(), "no new connections after shutdown");
    s.knobs.gate.add_permits(1);
    assert_eq!(call.await.unwrap().json(), json!({"released": true}));
    tokio::time::timeout(Duration::from_secs(5), &mut s.done).await.unwrap().unwrap().unwrap();
}
