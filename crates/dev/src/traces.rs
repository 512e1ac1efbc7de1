//! `corestack dev --traces console`: an OTLP/HTTP receiver on 127.0.0.1 that prints each span the
//! local agents export (agents on `corestack-agent` with its `otel` feature, or any agent with an
//! OpenTelemetry SDK) as a console line: the runtime, the span's name and duration, its session
//! and trace, and an error status.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use crate::Console;

/// The environment that makes an agent export its spans to `endpoint`, quickly (every 200 ms), as
/// service `runtime`.
pub fn export_environment(endpoint: &str, runtime: &str) -> [(&'static str, String); 3] {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.to_string()),
        ("OTEL_SERVICE_NAME", runtime.to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
    ]
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|a| a.key == key).and_then(|a| match a.value.as_ref()?.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    })
}

/// One console line for a span of `service`.
pub fn describe(service: &str, span: &Span) -> String {
    let ms = span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano) as f64 / 1e6;
    let trace: String = span.trace_id.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut line = format!("{service} span {} {ms:.1} ms trace {trace}", span.name);
    if let Some(session) = text(&span.attributes, "session.id").filter(|s| !s.is_empty()) {
        line.push_str(&format!(" session {}", crate::session::short(&session)));
    }
    for key in ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"] {
        if let Some(v) = text(&span.attributes, key) {
            line.push_str(&format!(" {}={v}", key.trim_start_matches("gen_ai.usage.")));
        }
    }
    // Status code 2 is ERROR in OTLP.
    if span.status.as_ref().is_some_and(|s| s.code == 2) {
        let message = span.status.as_ref().map(|s| s.message.clone()).unwrap_or_default();
        line.push_str(&format!(" ERROR {message}"));
    }
    line
}

/// The largest span export the receiver reads. An OTLP request decodes to up to about 35 times
/// its size (a few bytes of wire make a whole attribute), so requests are also decoded one at a
/// time: the receiver's memory stays under about 150 MB whatever is sent, and how often.
pub const MAX_EXPORT_BYTES: usize = 4 << 20;

/// Starts the receiver on a free port of 127.0.0.1 in the current runtime; returns its URL. Each
/// span becomes a line on `console`, with the time.
pub async fn start_console(console: Console) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let one_at_a_time = Arc::new(tokio::sync::Semaphore::new(1));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of descriptors or similar: back off rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let (console, one_at_a_time) = (console.clone(), one_at_a_time.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (console, one_at_a_time) = (console.clone(), one_at_a_time.clone());
                    async move { Ok::<_, Infallible>(receive(req, &console, &one_at_a_time).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    Ok(url)
}

/// One export request: read to the cap and decoded while no other is, its spans printed.
async fn receive(
    req: hyper::Request<hyper::body::Incoming>,
    console: &Console,
    one_at_a_time: &tokio::sync::Semaphore,
) -> hyper::Response<Full<Bytes>> {
    let answer = |status: u16| {
        let mut r = hyper::Response::new(Full::new(Bytes::new()));
        *r.status_mut() = hyper::StatusCode::from_u16(status).expect("a valid status");
        r
    };
    let Ok(_turn) = one_at_a_time.acquire().await else { return answer(503) };
    let Ok(body) = Limited::new(req.into_body(), MAX_EXPORT_BYTES).collect().await else {
        console(&format!("{} a span export over {} MiB was refused", crate::clock(), MAX_EXPORT_BYTES >> 20));
        return answer(413);
    };
    let Ok(export) = ExportTraceServiceRequest::decode(body.to_bytes()) else { return answer(400) };
    print_spans(console, export);
    answer(200)
}

fn print_spans(console: &Console, export: ExportTraceServiceRequest) {
    for resource in export.resource_spans {
        let attributes = resource.resource.map(|r| r.attributes).unwrap_or_default();
        let service = text(&attributes, "service.name").unwrap_or_else(|| "(unknown service)".into());
        let mut spans: Vec<Span> = resource.scope_spans.into_iter().flat_map(|s| s.spans).collect();
        spans.sort_by_key(|s| s.start_time_unix_nano);
        for span in spans {
            console(&format!("{} {}", crate::clock(), describe(&service, &span)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::AnyValue;

    /// Issue 27, 13: a session ID with a multibyte character across byte 8 panicked here.
    #[test]
    fn a_multibyte_session_id_is_shortened_on_a_character_boundary() {
        let session = KeyValue {
            key: "session.id".into(),
            value: Some(AnyValue { value: Some(Value::StringValue("abcdefgé-rest".into())) }),
            ..Default::default()
        };
        let span = Span { name: "invocation".into(), attributes: vec![session], ..Default::default() };
        assert!(describe("r", &span).ends_with(" session abcdefgé"), "{}", describe("r", &span));
    }
}
