//! bedrock-agent against a local HTTP server in place of Bedrock: the real SDK client, real SigV4
//! requests, and real `application/vnd.amazon.eventstream` frames on the way back.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bedrock_agent::BedrockAgent;
use bytes::Bytes;
use corestack_agent::testing::AgentClient;
use corestack_agent::{Config, Runtime};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use serde_json::{Value, json};

/// What the fake Bedrock answers.
#[derive(Clone)]
enum Script {
    /// These text deltas, then messageStop.
    Deltas(Vec<&'static str>),
    /// One delta, then a throttling exception in the stream.
    ThrottledMidStream,
    /// An HTTP 400 ValidationException instead of a stream.
    Invalid,
}

fn frame(headers: &[(&str, &str)], payload: Value) -> Vec<u8> {
    let mut m = Message::new(Bytes::from(payload.to_string()));
    for (k, v) in headers {
        m = m.add_header(Header::new(k.to_string(), HeaderValue::String(v.to_string().into())));
    }
    let mut out = Vec::new();
    write_message_to(&m, &mut out).unwrap();
    out
}

fn event(kind: &str, payload: Value) -> Vec<u8> {
    frame(&[(":message-type", "event"), (":event-type", kind), (":content-type", "application/json")], payload)
}

fn delta(text: &str) -> Vec<u8> {
    event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": text}}))
}

struct FakeBedrock {
    url: String,
    seen: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn fake_bedrock(script: Script) -> FakeBedrock {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (script, log) = (script.clone(), log.clone());
            let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (script, log) = (script.clone(), log.clone());
                async move {
                    let path = req.uri().path().to_string();
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    log.lock().unwrap().push((path, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                    let (status, content_type, body) = match script {
                        Script::Deltas(parts) => {
                            let mut b = event("messageStart", json!({"role": "assistant"}));
                            for p in parts {
                                b.extend(delta(p));
                            }
                            b.extend(event("contentBlockStop", json!({"contentBlockIndex": 0})));
                            b.extend(event("messageStop", json!({"stopReason": "end_turn"})));
                            (200, "application/vnd.amazon.eventstream", b)
                        }
                        Script::ThrottledMidStream => {
                            let mut b = delta("partial");
                            b.extend(frame(
                                &[
                                    (":message-type", "exception"),
                                    (":exception-type", "throttlingException"),
                                    (":content-type", "application/json"),
                                ],
                                json!({"message": "Too many tokens, slow down"}),
                            ));
                            (200, "application/vnd.amazon.eventstream", b)
                        }
                        Script::Invalid => (
                            400,
                            "application/json",
                            br#"{"message":"The provided model identifier is invalid."}"#.to_vec(),
                        ),
                    };
                    let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
                    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                    r.headers_mut().insert("content-type", content_type.parse().unwrap());
                    if status == 400 {
                        r.headers_mut().insert("x-amzn-errortype", "ValidationException".parse().unwrap());
                    }
                    Ok::<_, Infallible>(r)
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), svc),
            );
        }
    });
    FakeBedrock { url, seen }
}

/// The agent served on a free port, its Bedrock client pointed at the fake.
async fn agent(bedrock: &FakeBedrock) -> AgentClient {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(&bedrock.url)
        .build();
    let agent = BedrockAgent::new(aws_sdk_bedrockruntime::Client::from_conf(config), "test-model");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let runtime = Runtime::new(bedrock_agent::service(agent)).with_config(Config { addr, ..Config::default() });
    tokio::spawn(runtime.serve(listener, std::future::pending()));
    AgentClient::new(format!("http://{addr}"))
}

#[tokio::test]
async fn streams_each_text_delta_as_an_event() {
    let bedrock = fake_bedrock(Script::Deltas(vec!["Hello", ", ", "world"])).await;
    let client = agent(&bedrock).await;
    let r = client.invoke(&json!({"prompt": "Say hello"}), &[("Accept", "text/event-stream")]).await;
    assert_eq!((r.status.as_u16(), r.content_type()), (200, "text/event-stream"));
    assert_eq!(r.text(), "data: {\"delta\":\"Hello\"}\n\ndata: {\"delta\":\", \"}\n\ndata: {\"delta\":\"world\"}\n\n");
    let seen = bedrock.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "/model/test-model/converse-stream");
    assert_eq!(seen[0].1["messages"], json!([{"role": "user", "content": [{"text": "Say hello"}]}]));
}

#[tokio::test]
async fn without_event_stream_it_answers_the_whole_text() {
    let bedrock = fake_bedrock(Script::Deltas(vec!["Hello", ", ", "world"])).await;
    let r = agent(&bedrock).await.invoke(&json!({"prompt": "Say hello"}), &[]).await;
    assert_eq!(r.json(), json!({"response": "Hello, world", "model_id": "test-model"}));
}

#[tokio::test]
async fn a_throttle_mid_stream_ends_with_an_error_event() {
    let bedrock = fake_bedrock(Script::ThrottledMidStream).await;
    let r = agent(&bedrock).await.invoke(&json!({"prompt": "long"}), &[("Accept", "text/event-stream")]).await;
    let text = r.text();
    let events: Vec<&str> = text.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert_eq!(events[0], "data: {\"delta\":\"partial\"}");
    let last: Value = serde_json::from_str(events[1].strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(last["error_type"], "BedrockStreamError");
    assert!(last["error"].as_str().unwrap().contains("Too many tokens"), "{last}");
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn a_bedrock_error_is_a_500_with_the_reason() {
    let bedrock = fake_bedrock(Script::Invalid).await;
    let r = agent(&bedrock).await.invoke(&json!({"prompt": "x"}), &[]).await;
    assert_eq!(r.status.as_u16(), 500);
    assert!(r.json()["error"].as_str().unwrap().contains("model identifier is invalid"), "{}", r.text());
}

#[tokio::test]
async fn a_missing_prompt_is_refused_without_calling_bedrock() {
    let bedrock = fake_bedrock(Script::Deltas(vec![])).await;
    let r = agent(&bedrock).await.invoke(&json!({"question": "x"}), &[]).await;
    assert_eq!((r.status.as_u16(), r.json()), (500, json!({"error": "payload.prompt must be a non-empty string"})));
    assert!(bedrock.seen.lock().unwrap().is_empty());
}
