//! A2A servers on AgentCore's A2A contract: JSON-RPC 2.0 at `POST /` on `0.0.0.0:9000` (`PORT` and
//! `AGENT_BIND_ADDRESS` override), the agent card at `GET /.well-known/agent-card.json`
//! (AgentCore developer guide, `runtime-a2a-protocol-contract`), `/ping` for `corestack dev`.
//!
//! It serves a text agent: each message's text parts go to your handler, whose text comes back as
//! the agent's message. Both generations of the protocol are served on the one endpoint, as the
//! A2A Python SDK does with its v0.3 compatibility: A2A 1.0 (`A2A-Version: 1.0`; `SendMessage`,
//! `SendStreamingMessage`, `GetTask`, `CancelTask`) and 0.3 (no header; `message/send`,
//! `message/stream`, `tasks/get`, `tasks/cancel`). Unlike the Python SDK, a 1.0 method without
//! the header is served as 1.0: the AgentCore data plane does not forward `A2A-Version`. Streaming answers are server-sent events. The
//! agent keeps no tasks, so task lookups answer "Task not found" (-32001).
//!
//! No maintained Rust crate implements the A2A server side for both generations; the wire shapes
//! here are those the A2A Python SDK 1.3 sends and answers, checked by a conformance test.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::server::{Body, json_response};
use crate::{BoxError, Config, Error, Health};

/// The port AgentCore sends A2A requests to.
pub const A2A_PORT: u16 = corestack_contract::Protocol::A2a.port();

/// Where the agent card is served.
pub const AGENT_CARD_PATH: &str = corestack_contract::AGENT_CARD_PATH;

/// The agent card (A2A 1.0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCard {
    /// The agent's name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Where and how it is reached.
    pub supported_interfaces: Vec<AgentInterface>,
    /// Its version.
    pub version: String,
    /// What it can do.
    pub capabilities: AgentCapabilities,
    /// Media types it reads.
    pub default_input_modes: Vec<String>,
    /// Media types it writes.
    pub default_output_modes: Vec<String>,
    /// Its skills.
    pub skills: Vec<AgentSkill>,
}

/// One way to reach the agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentInterface {
    /// Its URL.
    pub url: String,
    /// `JSONRPC`.
    pub protocol_binding: String,
    /// `1.0`.
    pub protocol_version: String,
}

/// What the agent can do.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentCapabilities {
    /// Whether it streams answers.
    pub streaming: bool,
}

/// One skill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentSkill {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Keywords.
    pub tags: Vec<String>,
}

impl AgentCard {
    /// A card for a streaming text agent with one skill, reached on JSON-RPC at `url`.
    pub fn text_agent(name: &str, description: &str, url: &str, skill: AgentSkill) -> AgentCard {
        AgentCard {
            name: name.into(),
            description: description.into(),
            supported_interfaces: vec![AgentInterface {
                url: url.into(),
                protocol_binding: "JSONRPC".into(),
                protocol_version: "1.0".into(),
            }],
            version: "0.1.0".into(),
            capabilities: AgentCapabilities { streaming: true },
            default_input_modes: vec!["text/plain".into()],
            default_output_modes: vec!["text/plain".into()],
            skills: vec![skill],
        }
    }
}

/// A message to the agent: its text, and what it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextMessage {
    /// The text parts, joined.
    pub text: String,
    /// The conversation it belongs to, when the client named one.
    pub context_id: Option<String>,
    /// The AgentCore session (`X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`).
    pub session_id: Option<String>,
    /// The request's headers, for the trace it continues.
    trace_headers: Option<hyper::HeaderMap>,
}

impl TextMessage {
    /// A message of this text, with no context or session (to test a handler).
    pub fn new(text: impl Into<String>) -> TextMessage {
        TextMessage { text: text.into(), context_id: None, session_id: None, trace_headers: None }
    }
}

type Reply = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send>>;
type Handler = Arc<dyn Fn(TextMessage) -> Reply + Send + Sync>;

/// An A2A text agent: its card, its handler, its health state and its configuration.
pub struct A2aRuntime {
    card: AgentCard,
    handler: Handler,
    config: Config,
    health: Health,
}

impl std::fmt::Debug for A2aRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("A2aRuntime").field("card", &self.card).field("config", &self.config).finish_non_exhaustive()
    }
}

impl A2aRuntime {
    /// An agent on `0.0.0.0:9000` whose replies `handler` writes.
    pub fn new<F, Fut>(card: AgentCard, handler: F) -> A2aRuntime
    where
        F: Fn(TextMessage) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
    {
        let mut config = Config::default();
        config.addr.set_port(A2A_PORT);
        let handler: Handler = Arc::new(move |m| Box::pin(handler(m)));
        A2aRuntime { card, handler, config, health: Health::new() }
    }

    /// Uses this configuration.
    pub fn with_config(mut self, config: Config) -> A2aRuntime {
        self.config = config;
        self
    }

    /// Reads `PORT` and `AGENT_BIND_ADDRESS` (default `0.0.0.0:9000`), binds, and serves until
    /// SIGTERM or Ctrl-C, then drains.
    pub async fn run(self) -> Result<(), Error> {
        let addr = Config::from_lookup_on(A2A_PORT, |k| std::env::var(k).ok())?.addr;
        let config = Config { addr, ..self.config.clone() };
        let listener = TcpListener::bind(config.addr).await.map_err(|e| Error::Bind(config.addr, e))?;
        tracing::info!(address = %listener.local_addr().map_err(Error::Io)?, "A2A agent listening");
        self.with_config(config).serve(listener, crate::listen::shutdown_signal()).await
    }

    /// Serves on a listener until `shutdown` completes, then drains.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let app = Arc::new(App {
            card: self.card,
            handler: self.handler,
            health: self.health,
            max_body: self.config.max_body_bytes,
        });
        let handler: crate::listen::Handler<Body> = Arc::new(move |req| {
            let app = app.clone();
            Box::pin(async move { app.route(req).await })
        });
        crate::listen::serve(listener, shutdown, self.config.drain_timeout, handler).await;
        Ok(())
    }
}

struct App {
    card: AgentCard,
    handler: Handler,
    health: Health,
    max_body: usize,
}

/// Which generation of the protocol a request speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    V0_3,
    V1_0,
}

/// A JSON-RPC error.
struct RpcError {
    code: i64,
    message: String,
}

fn rpc_error(code: i64, message: impl Into<String>) -> RpcError {
    RpcError { code, message: message.into() }
}

fn envelope(id: &Value, outcome: Result<Value, RpcError>) -> Value {
    match outcome {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": e.code, "message": e.message}}),
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl App {
    async fn route(&self, req: hyper::Request<Incoming>) -> hyper::Response<Body> {
        match (req.method(), req.uri().path()) {
            (&Method::GET, corestack_contract::PING_PATH) => json_response(StatusCode::OK, &json!(self.health.ping())),
            (&Method::GET, AGENT_CARD_PATH) => json_response(StatusCode::OK, &json!(self.card)),
            (&Method::POST, "/") => self.rpc(req).await,
            (_, "/") => json_response(StatusCode::METHOD_NOT_ALLOWED, &json!({"error": "Method Not Allowed"})),
            _ => json_response(StatusCode::NOT_FOUND, &json!({"error": "Not Found"})),
        }
    }

    async fn rpc(&self, req: hyper::Request<Incoming>) -> hyper::Response<Body> {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (version, session_id) = (header("a2a-version"), header(crate::headers::SESSION_ID));
        let trace_headers = Some(req.headers().clone());
        let bytes = match Limited::new(req.into_body(), self.max_body).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => {
                return json_response(StatusCode::OK, &envelope(&Value::Null, Err(rpc_error(-32600, e.to_string()))));
            }
        };
        // JSON-RPC errors travel in 200 answers, as JSON-RPC over HTTP has them.
        let request: Value = match crate::json_budget::parse(&bytes, crate::MAX_PARSED_BYTES) {
            Ok(v) => v,
            Err(e @ crate::json_budget::Refused::TooCostly(_)) => {
                return json_response(StatusCode::OK, &envelope(&Value::Null, Err(rpc_error(-32600, e.to_string()))));
            }
            Err(e) => {
                return json_response(StatusCode::OK, &envelope(&Value::Null, Err(rpc_error(-32700, e.to_string()))));
            }
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let method = match (&request, request.get("method").and_then(Value::as_str)) {
            (Value::Object(m), Some(method)) if m.get("jsonrpc") == Some(&json!("2.0")) => method.to_string(),
            _ => return json_response(StatusCode::OK, &envelope(&id, Err(rpc_error(-32600, "Invalid Request")))),
        };
        // No header means 0.3, says the specification; but a 1.0 method name says 1.0, whatever
        // the header: the method names of the two generations differ, and a proxy such as the
        // AgentCore data plane forwards only the headers it knows, which A2A-Version is not.
        let v1_method = matches!(method.as_str(), "SendMessage" | "SendStreamingMessage" | "GetTask" | "CancelTask");
        let version = match version.as_deref().map(str::trim) {
            None if v1_method => Version::V1_0,
            None | Some("0.3") => Version::V0_3,
            Some("1.0") => Version::V1_0,
            Some(other) => {
                let e =
                    rpc_error(-32009, format!("A2A version '{other}' is not supported; this agent speaks 1.0 and 0.3"));
                return json_response(StatusCode::OK, &envelope(&id, Err(e)));
            }
        };
        let params = request.get("params").cloned().unwrap_or(Value::Null);
        let streaming = match (version, method.as_str()) {
            (Version::V1_0, "SendMessage") | (Version::V0_3, "message/send") => false,
            (Version::V1_0, "SendStreamingMessage") | (Version::V0_3, "message/stream") => true,
            (Version::V1_0, "GetTask" | "CancelTask") | (Version::V0_3, "tasks/get" | "tasks/cancel") => {
                return json_response(StatusCode::OK, &envelope(&id, Err(rpc_error(-32001, "Task not found"))));
            }
            (Version::V0_3, "SendMessage" | "SendStreamingMessage" | "GetTask" | "CancelTask") => {
                let e = rpc_error(-32009, format!("{method} is an A2A 1.0 method; send the header A2A-Version: 1.0"));
                return json_response(StatusCode::OK, &envelope(&id, Err(e)));
            }
            _ => return json_response(StatusCode::OK, &envelope(&id, Err(rpc_error(-32601, "Method not found")))),
        };
        let outcome = match read_message(version, &params) {
            Ok(mut message) => {
                message.session_id = session_id;
                message.trace_headers = trace_headers;
                self.reply(version, message).await
            }
            Err(e) => Err(e),
        };
        let answer = envelope(&id, outcome);
        if !streaming {
            return json_response(StatusCode::OK, &answer);
        }
        let mut event = b"data: ".to_vec();
        let _ = serde_json::to_writer(&mut event, &answer);
        event.extend_from_slice(b"\n\n");
        let mut r = hyper::Response::new(Full::new(bytes::Bytes::from(event)).boxed_unsync());
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
        r
    }

    async fn reply(&self, version: Version, message: TextMessage) -> Result<Value, RpcError> {
        let context_id = message.context_id.clone().unwrap_or_else(new_id);
        let span = tracing::info_span!(
            "invocation",
            otel.kind = "server",
            "session.id" = message.session_id.as_deref().unwrap_or(""),
            "agentcore.protocol" = "A2A",
            "a2a.context.id" = %context_id,
        );
        #[cfg(feature = "otel")]
        if let Some(headers) = &message.trace_headers {
            crate::otel::continue_trace(&span, headers);
        }
        let text = tracing::Instrument::instrument((self.handler)(message), span)
            .await
            .map_err(|e| rpc_error(-32603, format!("the agent failed: {e}")))?;
        Ok(match version {
            Version::V1_0 => json!({"message": {
                "messageId": new_id(), "contextId": context_id, "role": "ROLE_AGENT", "parts": [{"text": text}]
            }}),
            Version::V0_3 => json!({
                "kind": "message", "messageId": new_id(), "contextId": context_id, "role": "agent",
                "parts": [{"kind": "text", "text": text}]
            }),
        })
    }
}

/// The text of `params.message`, joined from its text parts.
fn read_message(version: Version, params: &Value) -> Result<TextMessage, RpcError> {
    let invalid = |why: &str| rpc_error(-32602, format!("Invalid params: {why}"));
    let message = params.get("message").filter(|m| m.is_object()).ok_or_else(|| invalid("message is required"))?;
    let parts = message.get("parts").and_then(Value::as_array).ok_or_else(|| invalid("message.parts is required"))?;
    let text: String = parts
        .iter()
        .filter(|p| version == Version::V1_0 || p.get("kind").and_then(Value::as_str) == Some("text"))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    let context_id = message.get("contextId").and_then(Value::as_str).map(str::to_string);
    Ok(TextMessage { text, context_id, session_id: None, trace_headers: None })
}
