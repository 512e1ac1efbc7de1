//! The HTTP server: `GET /ping`, `POST /invocations`, graceful drain on SIGTERM.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower_service::Service;
use tracing::Instrument;

use corestack_contract::{PING_PATH, WS_PATH};

use crate::handler::{BoxError, Context, IntoResponse, Request, Response};
use crate::{Error, Health};

/// Where HTTP and AG-UI invocations arrive.
const INVOCATIONS_PATH: &str = corestack_contract::Protocol::Http.invocation_path();

/// The largest payload AgentCore accepts (facts §5.1): 100 MB.
pub const MAX_PAYLOAD_BYTES: usize = corestack_contract::MAX_PAYLOAD_BYTES;

pub(crate) type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The port AgentCore sends HTTP and AG-UI requests to (facts §17; runtime-service-contract).
pub const HTTP_PORT: u16 = corestack_contract::Protocol::Http.port();

/// Where and how the server runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The listening address; AgentCore connects to port 8080 on all interfaces.
    pub addr: SocketAddr,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// How long a SIGTERM waits for in-flight requests before exiting anyway.
    pub drain_timeout: Duration,
    /// The protocol the service speaks to `/invocations` (`HTTP` or `AGUI`), from
    /// `CORESTACK_PROTOCOL`, which corestack sets for every runtime; recorded on each invocation's
    /// span as `agentcore.protocol`.
    pub protocol: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), HTTP_PORT),
            max_body_bytes: MAX_PAYLOAD_BYTES,
            drain_timeout: Duration::from_secs(30),
            protocol: "HTTP".into(),
        }
    }
}

impl Config {
    /// The default, with `PORT` and `AGENT_BIND_ADDRESS` from the environment.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// The default, with `PORT` and `AGENT_BIND_ADDRESS` looked up by `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        Config::from_lookup_on(HTTP_PORT, get)
    }

    /// The default on `port` (the protocol's: [`HTTP_PORT`], `MCP_PORT` or `A2A_PORT`), with
    /// `PORT` and `AGENT_BIND_ADDRESS` looked up by `get`.
    pub fn from_lookup_on(port: u16, get: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let mut c = Config::default();
        c.addr.set_port(port);
        if let Some(port) = get("PORT") {
            let port =
                port.parse().map_err(|_| Error::Config(format!("PORT=`{port}` is not a port number (0-65535)")))?;
            c.addr.set_port(port);
        }
        if let Some(p) = get("CORESTACK_PROTOCOL") {
            c.protocol = p;
        }
        if let Some(ip) = get("AGENT_BIND_ADDRESS") {
            let ip =
                ip.parse().map_err(|_| Error::Config(format!("AGENT_BIND_ADDRESS=`{ip}` is not an IP address")))?;
            c.addr.set_ip(ip);
        }
        Ok(c)
    }
}

/// The agent server: a handler, its health state and its configuration.
///
/// # Example
/// ```no_run
/// use corestack_agent::{BoxError, Request, Runtime, handler_fn};
/// # async fn demo() -> Result<(), corestack_agent::Error> {
/// let handler = handler_fn(|req: Request| async move { Ok::<_, BoxError>(req.payload) });
/// Runtime::new(handler).run().await
/// # }
/// ```
pub struct Runtime<S> {
    service: S,
    config: Config,
    health: Health,
    ws: Option<crate::ws::WsHandler>,
}

impl<S> std::fmt::Debug for Runtime<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.config)
            .field("websocket", &self.ws.is_some())
            .finish_non_exhaustive()
    }
}

struct App<S> {
    service: S,
    health: Health,
    max_body: usize,
    protocol: String,
    requests: AtomicU64,
    ws: Option<crate::ws::WsHandler>,
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> hyper::Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = hyper::Response::new(Full::new(Bytes::from(bytes)).boxed_unsync());
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn sse_frame(value: &Value) -> Frame<Bytes> {
    let mut line = Vec::with_capacity(64);
    line.extend_from_slice(b"data: ");
    // Serializing a Value cannot fail.
    let _ = serde_json::to_writer(&mut line, value);
    line.extend_from_slice(b"\n\n");
    Frame::data(Bytes::from(line))
}

fn error_event(error_type: &str, message: &str) -> Value {
    json!({"error": message, "error_type": error_type, "message": "An error occurred during streaming"})
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the handler panicked".to_string())
}

fn stream_body(items: std::pin::Pin<Box<dyn futures_util::Stream<Item = crate::handler::Item> + Send>>) -> Body {
    // The stream ends after an error item, after a panic while producing an item, or when done.
    let frames = futures_util::stream::unfold(Some(items), |state| async move {
        let mut items = state?;
        let next = AssertUnwindSafe(items.next()).catch_unwind().await;
        match next {
            Ok(Some(Ok(v))) => Some((Ok(sse_frame(&v)), Some(items))),
            Ok(Some(Err((kind, msg)))) => {
                tracing::warn!(error_type = %kind, error = %msg, "stream ended with an error");
                Some((Ok(sse_frame(&error_event(&kind, &msg))), None))
            }
            Ok(None) => None,
            Err(p) => {
                let msg = panic_message(p.as_ref());
                tracing::error!(error = %msg, "stream panicked");
                Some((Ok(sse_frame(&error_event("Panic", &msg))), None))
            }
        }
    });
    StreamBody::new(frames).boxed_unsync()
}

impl<S, R, E> App<S>
where
    S: Service<Request, Response = R, Error = E> + Clone + Send + 'static,
    S::Future: Send,
    R: IntoResponse,
    E: Into<BoxError>,
{
    async fn handle(self: Arc<Self>, req: hyper::Request<Incoming>) -> Result<hyper::Response<Body>, Infallible> {
        let response = match (req.method(), req.uri().path()) {
            (&Method::GET, PING_PATH) => json_response(StatusCode::OK, &json!(self.health.ping())),
            (&Method::POST, INVOCATIONS_PATH) => self.invoke(req).await,
            (&Method::GET, WS_PATH) if self.ws.is_some() => {
                let number = self.requests.fetch_add(1, Ordering::Relaxed);
                let request_id = format!("{:016x}-{number}", started_nanos());
                let context = Context::from_headers(req.headers().clone(), self.health.clone(), request_id);
                crate::ws::upgrade(req, context, self.ws.clone().expect("checked"))
            }
            (_, PING_PATH | INVOCATIONS_PATH) => {
                json_response(StatusCode::METHOD_NOT_ALLOWED, &json!({"error": "Method Not Allowed"}))
            }
            _ => json_response(StatusCode::NOT_FOUND, &json!({"error": "Not Found"})),
        };
        Ok(response)
    }

    async fn invoke(&self, req: hyper::Request<Incoming>) -> hyper::Response<Body> {
        let started = Instant::now();
        let number = self.requests.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = req.into_parts();
        let payload = match self.read_payload(&parts.headers, body).await {
            Ok(payload) => payload,
            Err(refused) => return refused,
        };
        let headers = parts.headers;
        let context =
            Context::from_headers(headers.clone(), self.health.clone(), format!("{:016x}-{number}", started_nanos()));
        let span = self.invocation_span(&context);
        #[cfg(feature = "otel")]
        crate::otel::continue_trace(&span, &headers);
        let mut service = self.service.clone();
        // The handler runs inside the invocation's span, so the author's own log lines carry the
        // session and request IDs too.
        let outcome = AssertUnwindSafe(
            async move {
                futures_util::future::poll_fn(|cx| service.poll_ready(cx)).await.map_err(Into::into)?;
                service.call(Request { payload, context }).await.map_err(Into::into)
            }
            .instrument(span.clone()),
        )
        .catch_unwind()
        .await;
        respond(outcome, &span, started.elapsed().as_secs_f64() * 1000.0)
    }

    /// The invocation's JSON payload, or the refusal the service's contract gives: 413 over the
    /// body limit (declared or read) or the parse budget, 400 for a body that is not UTF-8 JSON.
    async fn read_payload(&self, headers: &hyper::HeaderMap, body: Incoming) -> Result<Value, hyper::Response<Body>> {
        let too_large = |details: String| {
            json_response(StatusCode::PAYLOAD_TOO_LARGE, &json!({"error": "Payload too large", "details": details}))
        };
        let bad = |error: &str, details: String| {
            json_response(StatusCode::BAD_REQUEST, &json!({"error": error, "details": details}))
        };
        let limit = || format!("the limit is {} bytes", self.max_body);
        let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body as u64) {
            return Err(too_large(limit()));
        }
        let bytes = match Limited::new(body, self.max_body).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large(limit())),
            Err(e) => return Err(bad("Invalid request body", e.to_string())),
        };
        let text = std::str::from_utf8(&bytes).map_err(|e| bad("Invalid encoding", e.to_string()))?;
        crate::json_budget::parse(text.as_bytes(), crate::MAX_PARSED_BYTES).map_err(|e| match e {
            crate::json_budget::Refused::TooCostly(_) => too_large(e.to_string()),
            _ => bad("Invalid JSON", e.to_string()),
        })
    }

    /// The invocation's server span. `session.id` is the attribute AgentCore Observability groups
    /// a session's traces by.
    fn invocation_span(&self, context: &Context) -> tracing::Span {
        let session_id = context.session_id.as_deref().unwrap_or("");
        tracing::info_span!(
            "invocation",
            otel.kind = "server",
            session_id = session_id,
            request_id = %context.request_id,
            "session.id" = session_id,
            "agentcore.protocol" = self.protocol.as_str(),
            "http.response.status_code" = tracing::field::Empty,
        )
    }
}

/// The response to a handler's `outcome` (`ms` after the request came), recorded on its span: the
/// JSON or the event stream it answered, or a 500 when it failed or panicked.
fn respond<R: IntoResponse>(
    outcome: std::thread::Result<Result<R, BoxError>>,
    span: &tracing::Span,
    ms: f64,
) -> hyper::Response<Body> {
    let _entered = span.enter();
    let failed = |error: String| {
        span.record("http.response.status_code", 500);
        json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": error}))
    };
    let answer = match outcome {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => {
            tracing::error!(status = 500, duration_ms = ms, error = %e, "invocation failed");
            return failed(e.to_string());
        }
        Err(p) => {
            let msg = panic_message(p.as_ref());
            tracing::error!(status = 500, duration_ms = ms, error = %msg, "handler panicked");
            return failed(msg);
        }
    };
    span.record("http.response.status_code", 200);
    match answer.into_response() {
        Response::Json(v) => {
            tracing::info!(status = 200, duration_ms = ms, "invocation completed");
            json_response(StatusCode::OK, &v)
        }
        Response::Stream(mut items) => {
            tracing::info!(status = 200, duration_ms = ms, "invocation streaming");
            // Stream items are made as the body is sent: in the same span.
            let in_span = span.clone();
            let items = Box::pin(futures_util::stream::poll_fn(move |cx| {
                let _entered = in_span.enter();
                items.as_mut().poll_next(cx)
            }));
            let mut r = hyper::Response::new(stream_body(items));
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
            r.headers_mut().insert("cache-control", HeaderValue::from_static("no-cache"));
            r
        }
    }
}

fn started_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

impl<S, R, E> Runtime<S>
where
    S: Service<Request, Response = R, Error = E> + Clone + Send + Sync + 'static,
    S::Future: Send,
    R: IntoResponse + 'static,
    E: Into<BoxError> + 'static,
{
    /// A server for the handler on `0.0.0.0:8080` with a fresh health state.
    pub fn new(service: S) -> Runtime<S> {
        Runtime { service, config: Config::default(), health: Health::new(), ws: None }
    }

    /// Uses this configuration.
    pub fn with_config(mut self, config: Config) -> Runtime<S> {
        self.config = config;
        self
    }

    /// Uses this health state (share it with code outside handlers).
    pub fn with_health(mut self, health: Health) -> Runtime<S> {
        self.health = health;
        self
    }

    /// The health state `/ping` reports.
    pub fn health(&self) -> Health {
        self.health.clone()
    }

    /// Also serves WebSocket connections at `/ws` (HTTP and AG-UI runtimes), each with `handler`.
    pub fn with_websocket<F, Fut>(mut self, handler: F) -> Runtime<S>
    where
        F: Fn(crate::ws::WebSocket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.ws = Some(crate::ws::ws_handler(handler));
        self
    }

    /// Binds the configured address and serves until SIGTERM or Ctrl-C, then drains in-flight
    /// requests (up to the drain timeout) and returns.
    pub async fn run(self) -> Result<(), Error> {
        let listener = TcpListener::bind(self.config.addr).await.map_err(|e| Error::Bind(self.config.addr, e))?;
        tracing::info!(address = %listener.local_addr().map_err(Error::Io)?, "agent listening");
        let served = self.serve(listener, crate::listen::shutdown_signal()).await;
        #[cfg(feature = "otel")]
        crate::otel::shutdown();
        served
    }

    /// Serves on a listener until `shutdown` completes, then drains.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let app = Arc::new(App {
            service: self.service,
            health: self.health,
            max_body: self.config.max_body_bytes,
            protocol: self.config.protocol.clone(),
            requests: AtomicU64::new(0),
            ws: self.ws,
        });
        let handler: crate::listen::Handler<Body> = Arc::new(move |req| {
            let app = app.clone();
            Box::pin(async move { app.handle(req).await.unwrap_or_else(|never| match never {}) })
        });
        crate::listen::serve(listener, shutdown, self.config.drain_timeout, handler).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_port_and_bind_address() {
        let c = Config::from_lookup(|k| match k {
            "PORT" => Some("9001".into()),
            "AGENT_BIND_ADDRESS" => Some("127.0.0.1".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.addr, "127.0.0.1:9001".parse().unwrap());
        assert_eq!(Config::from_lookup(|_| None).unwrap().addr, "0.0.0.0:8080".parse().unwrap());
        let bad = Config::from_lookup(|k| (k == "PORT").then(|| "http".to_string())).unwrap_err();
        assert!(bad.to_string().contains("PORT=`http` is not a port number"));
    }

    #[test]
    fn sse_frames_are_exact() {
        let f = sse_frame(&json!({"delta": "hé"}));
        assert_eq!(f.into_data().unwrap(), Bytes::from("data: {\"delta\":\"hé\"}\n\n"));
    }
}
