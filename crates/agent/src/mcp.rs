//! MCP servers on AgentCore's MCP contract (feature `mcp`): a server built with the official Rust
//! MCP SDK ([`rmcp`]) served over Streamable HTTP at `POST /mcp` on `0.0.0.0:8000` (`PORT` and
//! `AGENT_BIND_ADDRESS` override).
//!
//! What the contract asks (AgentCore developer guide, `runtime-mcp-protocol-contract`): the
//! Streamable HTTP transport, stateless by default; `application/json` or `text/event-stream`
//! answers; and the platform's `Mcp-Session-Id` and `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`
//! headers accepted, never refused. So rmcp runs stateless (no session of its own to look the
//! platform's `Mcp-Session-Id` up in), answering JSON unless a tool sends notifications first.
//! `GET /ping` answers as for HTTP agents, for `corestack dev` and any health probe, and SIGTERM
//! drains requests in flight. Each request is logged as a JSON line with both session IDs.
//!
//! ```no_run
//! use corestack_agent::mcp::{McpRuntime, rmcp};
//! use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
//! use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Text { text: String }
//!
//! #[derive(Clone)]
//! struct Tools { tool_router: ToolRouter<Self> }
//!
//! #[tool_router]
//! impl Tools {
//!     #[tool(description = "Returns the text")]
//!     fn echo(&self, Parameters(Text { text }): Parameters<Text>) -> String { text }
//! }
//!
//! #[tool_handler(router = self.tool_router)]
//! impl ServerHandler for Tools {}
//!
//! #[tokio::main]
//! async fn main() -> Result<(), corestack_agent::Error> {
//!     McpRuntime::new(|| Tools { tool_router: Tools::tool_router() }).run().await
//! }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, StatusCode};
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio::net::TcpListener;
use tower_service::Service as _;

pub use rmcp;

use crate::server::{Body, json_response};
use crate::{Config, Error, Health};

/// The port AgentCore sends MCP requests to.
pub const MCP_PORT: u16 = corestack_contract::Protocol::Mcp.port();

/// The path of the MCP endpoint.
pub const MCP_PATH: &str = corestack_contract::Protocol::Mcp.invocation_path();

/// An MCP server, its health state and its configuration.
pub struct McpRuntime<S> {
    factory: Arc<dyn Fn() -> S + Send + Sync>,
    config: Config,
    health: Health,
}

impl<S> std::fmt::Debug for McpRuntime<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpRuntime").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<S: ServerHandler + Send + 'static> McpRuntime<S> {
    /// A server on `0.0.0.0:8000` whose requests are each answered by a handler `factory` makes.
    pub fn new(factory: impl Fn() -> S + Send + Sync + 'static) -> McpRuntime<S> {
        let mut config = Config::default();
        config.addr.set_port(MCP_PORT);
        McpRuntime { factory: Arc::new(factory), config, health: Health::new() }
    }

    /// Uses this configuration.
    pub fn with_config(mut self, config: Config) -> McpRuntime<S> {
        self.config = config;
        self
    }

    /// The health state `/ping` reports.
    pub fn health(&self) -> Health {
        self.health.clone()
    }

    /// Reads `PORT` and `AGENT_BIND_ADDRESS` (default `0.0.0.0:8000`), binds, and serves until
    /// SIGTERM or Ctrl-C, then drains.
    pub async fn run(self) -> Result<(), Error> {
        let config =
            Config { addr: Config::from_lookup_on(MCP_PORT, |k| std::env::var(k).ok())?.addr, ..self.config.clone() };
        let listener = TcpListener::bind(config.addr).await.map_err(|e| Error::Bind(config.addr, e))?;
        tracing::info!(address = %listener.local_addr().map_err(Error::Io)?, path = MCP_PATH, "MCP server listening");
        self.with_config(config).serve(listener, crate::listen::shutdown_signal()).await
    }

    /// Serves on a listener until `shutdown` completes, then drains.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let mut transport = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_sse_keep_alive(None)
            .with_max_request_body_bytes(self.config.max_body_bytes);
        // rmcp checks `Host` against loopback names, against DNS rebinding of servers on a
        // developer's machine. Bound to loopback (as under `corestack dev`) that check stays; on
        // AgentCore the service's own proxy connects, with a Host of its choosing.
        if !self.config.addr.ip().is_loopback() {
            transport = transport.disable_allowed_hosts();
        }
        let factory = self.factory.clone();
        let mcp =
            StreamableHttpService::new(move || Ok(factory()), Arc::new(NeverSessionManager::default()), transport);
        let health = self.health.clone();
        let max_body = self.config.max_body_bytes;
        let handler: crate::listen::Handler<Body> = Arc::new(move |req| {
            let (mcp, health) = (mcp.clone(), health.clone());
            Box::pin(async move { route(mcp, &health, max_body, req).await })
        });
        crate::listen::serve(listener, shutdown, self.config.drain_timeout, handler).await;
        Ok(())
    }
}

async fn route<S: ServerHandler + Send + 'static>(
    mcp: StreamableHttpService<S, NeverSessionManager>,
    health: &Health,
    max_body: usize,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, corestack_contract::PING_PATH) => json_response(StatusCode::OK, &json!(health.ping())),
        (_, MCP_PATH) => {
            let started = Instant::now();
            let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let (session_id, mcp_session_id) =
                (header(crate::headers::SESSION_ID), header(crate::headers::MCP_SESSION_ID));
            let request_id = header(crate::headers::REQUEST_ID);
            let method = req.method().clone();
            // The invocation's span, as for HTTP agents, with the MCP method and session.
            let span = tracing::info_span!(
                "invocation",
                otel.kind = "server",
                "session.id" = session_id.as_str(),
                request_id = request_id.as_str(),
                "agentcore.protocol" = "MCP",
                "mcp.session.id" = mcp_session_id.as_str(),
                "mcp.method.name" = tracing::field::Empty,
                "http.response.status_code" = tracing::field::Empty,
            );
            #[cfg(feature = "otel")]
            crate::otel::continue_trace(&span, req.headers());
            let response = tracing::Instrument::instrument(call(mcp, max_body, req), span.clone()).await;
            span.record("http.response.status_code", response.status().as_u16());
            let _entered = span.enter();
            tracing::info!(
                session_id,
                request_id,
                mcp_session_id,
                method = %method,
                status = response.status().as_u16(),
                duration_ms = started.elapsed().as_secs_f64() * 1000.0,
                "mcp request"
            );
            response
        }
        _ => json_response(StatusCode::NOT_FOUND, &json!({"error": "Not Found", "mcp": MCP_PATH})),
    }
}

/// A JSON-RPC error answer with no request ID, as MCP servers give for a request they could not
/// read.
fn rpc_error(status: StatusCode, code: i64, message: String) -> hyper::Response<Body> {
    json_response(status, &json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}}))
}

/// Hands the request to rmcp. A body that is not JSON gets JSON-RPC's parse error (400, -32700)
/// and a refusal rmcp words in plain text (406, 415, ...) becomes a JSON-RPC error with the same
/// status, as the Python MCP SDK answers both: a client reads the same answer from either.
async fn call<S: ServerHandler + Send + 'static>(
    mut mcp: StreamableHttpService<S, NeverSessionManager>,
    max_body: usize,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Body> {
    let (parts, body) = req.into_parts();
    let bytes = match http_body_util::Limited::new(body, max_body).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return rpc_error(StatusCode::PAYLOAD_TOO_LARGE, -32600, format!("the body is over {max_body} bytes"));
        }
        Err(e) => return rpc_error(StatusCode::BAD_REQUEST, -32600, format!("the body could not be read: {e}")),
    };
    if parts.method == Method::POST {
        match crate::json_budget::parse(&bytes, crate::MAX_PARSED_BYTES) {
            Ok(message) => {
                if let Some(method) = message.get("method").and_then(|m| m.as_str()) {
                    tracing::Span::current().record("mcp.method.name", method);
                }
            }
            Err(e @ crate::json_budget::Refused::TooCostly(_)) => {
                return rpc_error(StatusCode::PAYLOAD_TOO_LARGE, -32600, e.to_string());
            }
            Err(e) => return rpc_error(StatusCode::BAD_REQUEST, -32700, format!("Parse error: {e}")),
        }
    }
    let response = match mcp.call(hyper::Request::from_parts(parts, http_body_util::Full::new(bytes))).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let is_json = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/event-stream"));
    if response.status().is_success() || is_json {
        return response.map(|b| b.boxed_unsync());
    }
    let status = response.status();
    let text = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let code = if status.is_server_error() { -32603 } else { -32600 };
    rpc_error(status, code, String::from_utf8_lossy(&text).trim().to_string())
}
