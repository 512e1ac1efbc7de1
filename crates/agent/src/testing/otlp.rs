//! A local OTLP/HTTP receiver (feature `otel-test-util`): what an agent's span export sends,
//! decoded with the protocol's own generated messages.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
pub use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// An ID as lowercase hex, as `traceparent` writes it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An export request as received: its method, path, headers and body.
pub type Received = (hyper::Method, String, hyper::HeaderMap, Bytes);

/// An OTLP/HTTP receiver on 127.0.0.1: its URL, and every span posted to `/v1/traces`, decoded.
pub async fn receiver() -> (String, Arc<Mutex<Vec<Span>>>) {
    let (url, spans, _) = recording_receiver().await;
    (url, spans)
}

/// [`receiver`], also keeping every request as it came (to check signatures, say).
pub async fn recording_receiver() -> (String, Arc<Mutex<Vec<Span>>>, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let spans = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (kept, seen) = (spans.clone(), requests.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let (kept, seen) = (kept.clone(), seen.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (kept, seen) = (kept.clone(), seen.clone());
                    async move {
                        assert_eq!(req.uri().path(), "/v1/traces");
                        assert_eq!(req.headers()["content-type"], "application/x-protobuf");
                        let (head, body) = req.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        seen.lock().unwrap().push((head.method, head.uri.to_string(), head.headers, body.clone()));
                        let export = ExportTraceServiceRequest::decode(body).unwrap();
                        for resource in export.resource_spans {
                            for scope in resource.scope_spans {
                                kept.lock().unwrap().extend(scope.spans);
                            }
                        }
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::new())))
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    (url, spans, requests)
}

/// A span attribute as text (strings as they are, integers in decimal).
pub fn attribute(span: &Span, key: &str) -> Option<String> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    span.attributes.iter().find(|a| a.key == key).and_then(|a| match a.value.as_ref()?.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        other => Some(format!("{other:?}")),
    })
}

/// Starts an agent on 127.0.0.1:`port` that exports its spans to `collector` every 50 ms, with
/// quiet logs (which must not lose spans).
pub fn spawn_exporting(program: &std::path::Path, port: u16, collector: &str) -> super::Process {
    spawn_exporting_with(program, port, collector, &[])
}

/// [`spawn_exporting`] with more environment variables.
pub fn spawn_exporting_with(
    program: &std::path::Path,
    port: u16,
    collector: &str,
    env: &[(&str, &str)],
) -> super::Process {
    let child = std::process::Command::new(program)
        .envs(env.iter().copied())
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("RUST_LOG", "warn")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    super::Process(child)
}

/// The first span named `name` the receiver gets; panics after 10 s.
pub async fn wait_for_span(spans: &Arc<Mutex<Vec<Span>>>, name: &str) -> Span {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(s) = spans.lock().unwrap().iter().find(|s| s.name == name).cloned() {
            return s;
        }
        assert!(tokio::time::Instant::now() < deadline, "no span {name} after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
