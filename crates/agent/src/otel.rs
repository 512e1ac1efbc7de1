//! Traces (feature `otel`): each invocation is an OpenTelemetry span, continuing the trace
//! context that arrives in `traceparent` or `X-Amzn-Trace-Id`, exported over OTLP/HTTP (protobuf) when the standard
//! variables say where: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`.
//! Without either, nothing is exported and nothing is spent. The service name and resource come
//! from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (AgentCore sets the latter).
//!
//! Export never holds up an invocation: spans go to the OpenTelemetry SDK's batch processor, a
//! bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`, 2,048 by default) drained by its own thread, which
//! drops spans when full; the HTTP requests run on a one-thread runtime of their own, with a
//! timeout (`OTEL_EXPORTER_OTLP_TIMEOUT`, 10 s by default), so a dead collector costs nothing to
//! the caller.
//!
//! Not yet: SigV4 for AgentCore's own OTLP endpoints.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Whether the environment asks for span export.
fn endpoint_set() -> bool {
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

/// The layer that turns tracing spans into exported OpenTelemetry spans, when export is asked
/// for; `None` otherwise (or when the exporter cannot be built, which is logged).
pub(crate) fn layer<S>() -> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    if !endpoint_set() {
        return None;
    }
    let client = ExportClient::new().map_err(|e| eprintln!("corestack-agent: no span export: {e}")).ok()?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(client)
        .build()
        .map_err(|e| eprintln!("corestack-agent: no span export: {e}"))
        .ok()?;
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).build();
    let tracer = provider.tracer("corestack-agent");
    let _ = PROVIDER.set(provider);
    Some(tracing_opentelemetry::layer().with_tracer(tracer))
}

/// Makes `span` continue the caller's trace: W3C `traceparent` (and `tracestate`) when the
/// request has it, else X-Ray's `X-Amzn-Trace-Id` (`Root=...;Parent=...;Sampled=...`), which the
/// service and AWS SDKs send.
pub(crate) fn continue_trace(span: &tracing::Span, headers: &hyper::HeaderMap) {
    let carrier = opentelemetry_http::HeaderExtractor(headers);
    let parent = if headers.contains_key("traceparent") {
        TraceContextPropagator::new().extract(&carrier)
    } else if headers.contains_key("x-amzn-trace-id") {
        opentelemetry_aws::trace::XrayPropagator::default().extract(&carrier)
    } else {
        return;
    };
    let _ = span.set_parent(parent);
}

/// Exports what is queued and stops the exporter (at the end of [`crate::Runtime::run`]).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown_with_timeout(Duration::from_secs(5));
    }
}

/// The HTTP client of the exporter: hyper on a one-thread runtime of its own, so that it works
/// from the batch processor's thread and never competes with the agent's requests.
#[derive(Debug)]
struct ExportClient {
    runtime: tokio::runtime::Runtime,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl ExportClient {
    fn new() -> Result<ExportClient, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-export")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| e.to_string())?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        let timeout = std::env::var("OTEL_EXPORTER_OTLP_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(10));
        Ok(ExportClient { runtime, client, timeout })
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, opentelemetry_http::HttpError> {
        let (client, timeout) = (self.client.clone(), self.timeout);
        let request = request.map(Full::new);
        let answer = self.runtime.spawn(async move {
            let response = tokio::time::timeout(timeout, client.request(request)).await??;
            let (head, body) = response.into_parts();
            let body = tokio::time::timeout(timeout, body.collect()).await??.to_bytes();
            Ok::<_, opentelemetry_http::HttpError>(http::Response::from_parts(head, body))
        });
        answer.await?
    }
}
