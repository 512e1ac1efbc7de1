//! The Amazon Bedrock AgentCore Runtime container contract, for agents written in Rust.
//!
//! AgentCore starts your container for each session and talks to it over HTTP on port 8080:
//! `GET /ping` (health, polled about every two seconds) and `POST /invocations` (the work, answered
//! with JSON or streamed as server-sent events). This crate implements that contract; you write a
//! handler.
//!
//! - A handler is a [`tower_service::Service`] of [`Request`] (the parsed JSON payload and a
//!   [`Context`]: session ID, request ID, forwarded headers, `Authorization`, workload access
//!   token, health). [`handler_fn`] turns an async function into one.
//! - It answers a [`serde_json::Value`] (`application/json`) or a [`Response::stream`]
//!   (`text/event-stream`, each item `data: <compact JSON>\n\n`, sent as produced; an error ends
//!   the stream with one error event, as the Python SDK does).
//! - `/ping` answers `Healthy`, or `HealthyBusy` while [`Health`] tracks background work, with
//!   `time_of_last_update` moving only when the status changes.
//! - Invalid JSON gets 400, a body over 100 MB 413, a handler error or panic 500, and the server
//!   keeps serving. SIGTERM drains in-flight requests, then [`Runtime::run`] returns.
//!
//! # Example
//! ```no_run
//! use corestack_agent::{BoxError, Request, handler_fn};
//! use serde_json::json;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), corestack_agent::Error> {
//!     corestack_agent::run(handler_fn(|req: Request| async move {
//!         Ok::<_, BoxError>(json!({"echo": req.payload, "session_id": req.context.session_id}))
//!     }))
//!     .await
//! }
//! ```

pub mod a2a;
mod about;
pub mod agui;
mod handler;
mod health;
mod json_budget;
mod listen;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(feature = "otel")]
pub mod otel;
mod server;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod ws;

pub use about::About;
pub use handler::{AgentError, BoxError, Context, HandlerFn, IntoResponse, Request, Response, handler_fn, headers};
pub use health::{Health, PingResponse, PingStatus, TaskGuard};
pub use json_budget::MAX_PARSED_BYTES;
pub use server::{Config, HTTP_PORT, MAX_PAYLOAD_BYTES, Runtime};

/// The handler trait (`tower::Service`), re-exported.
pub use tower_service::Service;

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration from the environment is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The address could not be bound.
    #[error("cannot listen on {0}: {1} (is another process using the port? set PORT to choose another)")]
    Bind(std::net::SocketAddr, std::io::Error),
    /// Another I/O error.
    #[error("i/o error: {0}")]
    Io(std::io::Error),
}

/// Sets up JSON log lines on stdout (level from `RUST_LOG`, default `info`); each invocation's lines
/// carry its session and request IDs. With the feature `otel` and an OTLP endpoint in the
/// environment, spans are exported too. Call it once; later calls do nothing.
pub fn init_logging() {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,rmcp=warn".into());
    let json =
        tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false).with_filter(filter);
    let registry = tracing_subscriber::registry().with(json);
    // Spans are exported at `info` and above whatever RUST_LOG says: quieter logs must not lose
    // the traces.
    #[cfg(feature = "otel")]
    let registry = registry.with(otel::layer().map(|l| l.with_filter(tracing_subscriber::filter::LevelFilter::INFO)));
    let _ = registry.try_init();
}

/// Logs as JSON, reads `PORT` and `AGENT_BIND_ADDRESS`, and serves the handler until SIGTERM.
pub async fn run<S, R, E>(service: S) -> Result<(), Error>
where
    S: Service<Request, Response = R, Error = E> + Clone + Send + Sync + 'static,
    S::Future: Send,
    R: IntoResponse + 'static,
    E: Into<BoxError> + 'static,
{
    init_logging();
    Runtime::new(service).with_config(Config::from_env()?).run().await
}
