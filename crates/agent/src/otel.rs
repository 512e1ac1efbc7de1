//! Traces (feature `otel`): each invocation is an OpenTelemetry span, continuing the trace
//! context that arrives in `traceparent` or `X-Amzn-Trace-Id`, exported over OTLP/HTTP (protobuf) when the standard
//! variables say where: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`.
//! Without either, nothing is exported and nothing is spent. The service name and resource come
//! from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (AgentCore sets the latter).
//!
//! Export never holds up an invocation: spans go to the OpenTelemetry SDK's batch processor, a
//! queue bounded by count (`OTEL_BSP_MAX_QUEUE_SIZE`, 2,048 by default) and by bytes (see
//! [`budget`]) drained by its own thread, which drops spans when full; the HTTP requests run on a
//! one-thread runtime of their own, with a timeout (`OTEL_EXPORTER_OTLP_TIMEOUT`, 10 s by
//! default), and the collector's answer is read to [`MAX_ANSWER`] bytes, so a dead or hostile
//! collector costs nothing to the caller.
//!
//! **To AgentCore Observability**: set `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` to CloudWatch's OTLP
//! traces endpoint, `https://xray.<region>.amazonaws.com/v1/traces` (it needs Transaction Search
//! on in the account and region; X-Ray developer guide, "OpenTelemetry Protocol (OTLP)
//! Endpoint"). Requests to it are signed with SigV4 (service `xray`) with the credentials of the
//! default chain, inside AgentCore the execution role's; `CORESTACK_OTLP_SIGV4_SERVICE` signs for
//! another endpoint (a stand-in, say).

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

pub mod budget;

/// The most of a collector's answer the exporter reads (an OTLP answer is a few bytes, or a
/// partial-success message).
pub const MAX_ANSWER: usize = 64 * 1024;

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// The layer that turns tracing spans into exported OpenTelemetry spans, when export is asked
/// for; `None` otherwise (or when the exporter cannot be built, which is logged).
pub(crate) fn layer<S>() -> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    traces_endpoint()?;
    let client = ExportClient::new().map_err(|e| eprintln!("corestack-agent: no span export: {e}")).ok()?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(client)
        .build()
        .map_err(|e| eprintln!("corestack-agent: no span export: {e}"))
        .ok()?;
    let processor = budget::pair(exporter, |e| opentelemetry_sdk::trace::BatchSpanProcessor::builder(e).build());
    let provider = SdkTracerProvider::builder().with_span_processor(processor).build();
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
    signer: Option<Signer>,
}

/// SigV4 for an AWS OTLP endpoint; the credential chain is loaded at the first export, on the
/// export runtime.
#[derive(Debug, Clone)]
struct Signer {
    service: String,
    region: String,
    credentials:
        std::sync::Arc<tokio::sync::OnceCell<Option<aws_credential_types::provider::SharedCredentialsProvider>>>,
}

/// The traces endpoint the exporter will use, as the OpenTelemetry variables give it; `None`
/// when neither is set, which turns export off.
fn traces_endpoint() -> Option<String> {
    let set = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .or_else(|| set("OTEL_EXPORTER_OTLP_ENDPOINT").map(|b| format!("{}/v1/traces", b.trim_end_matches('/'))))
}

/// The SigV4 service and region an endpoint needs: `xray` for `xray.<region>.amazonaws.com`, or
/// what `CORESTACK_OTLP_SIGV4_SERVICE` (and `AWS_REGION`) say.
fn signing_for(endpoint: &str) -> Option<(String, String)> {
    let host = endpoint.split("://").nth(1)?.split(['/', ':']).next()?;
    if let Ok(service) = std::env::var("CORESTACK_OTLP_SIGV4_SERVICE") {
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
        return Some((service, region));
    }
    let region = host.strip_prefix("xray.")?.strip_suffix(".amazonaws.com")?;
    Some(("xray".into(), region.to_string()))
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
        let signer = traces_endpoint().as_deref().and_then(signing_for).map(|(service, region)| Signer {
            service,
            region,
            credentials: Default::default(),
        });
        Ok(ExportClient { runtime, client, timeout, signer })
    }
}

impl Signer {
    /// Adds the SigV4 headers to an export request.
    async fn sign(&self, request: &mut http::Request<Bytes>) -> Result<(), opentelemetry_http::HttpError> {
        use aws_credential_types::provider::ProvideCredentials;
        let provider = self
            .credentials
            .get_or_init(|| async {
                aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await.credentials_provider()
            })
            .await
            .as_ref()
            .ok_or("no AWS credentials to sign span export with")?;
        let identity = provider.provide_credentials().await?.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(std::time::SystemTime::now())
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()?;
        let uri = request.uri().to_string();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
        let all = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain([("host", host.as_str())]);
        let signable = aws_sigv4::http_request::SignableRequest::new(
            request.method().as_str(),
            uri,
            all,
            aws_sigv4::http_request::SignableBody::Bytes(request.body()),
        )?;
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &params.into())?.into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for ExportClient {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, opentelemetry_http::HttpError> {
        let (client, timeout, signer) = (self.client.clone(), self.timeout, self.signer.clone());
        let answer = self.runtime.spawn(async move {
            let mut request = request;
            if let Some(signer) = &signer {
                signer.sign(&mut request).await?;
            }
            let request = request.map(Full::new);
            let response = tokio::time::timeout(timeout, client.request(request)).await??;
            let (head, body) = response.into_parts();
            let body = http_body_util::Limited::new(body, MAX_ANSWER).collect();
            let body = tokio::time::timeout(timeout, body)
                .await?
                .map_err(|e| format!("the collector's answer was not read ({e}; at most {MAX_ANSWER} bytes are)"))?
                .to_bytes();
            Ok::<_, opentelemetry_http::HttpError>(http::Response::from_parts(head, body))
        });
        answer.await?
    }
}
