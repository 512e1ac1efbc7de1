//! What a handler receives and returns.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use futures_util::{Stream, StreamExt};
use hyper::HeaderMap;
use serde::Serialize;
use serde_json::Value;

use crate::Health;

/// Any error a handler returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Headers the runtime sets or forwards (facts §5.1, §6.4), as the contract crate names them.
pub mod headers {
    pub use corestack_contract::headers::*;
}

/// Facts about the request besides its payload.
#[derive(Clone, Debug)]
pub struct Context {
    /// The session ID header, if the caller (or the platform) sent one.
    pub session_id: Option<String>,
    /// The request ID header, or a generated one.
    pub request_id: String,
    /// `Authorization`, forwarded when a JWT authorizer and the allowlist say so.
    pub authorization: Option<String>,
    /// The workload access token, when the runtime injected one.
    pub workload_access_token: Option<String>,
    /// `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` headers, by lowercase name.
    pub custom_headers: BTreeMap<String, String>,
    /// Whether the caller's `Accept` includes `text/event-stream`.
    pub accepts_event_stream: bool,
    /// All request headers.
    pub headers: HeaderMap,
    /// The health state, to track background work (`HealthyBusy`).
    pub health: Health,
}

impl Context {
    /// A context with no headers and a fresh health state, for testing handlers directly.
    pub fn for_tests() -> Context {
        Context::from_headers(HeaderMap::new(), Health::new(), "test-request".to_string())
    }

    pub(crate) fn from_headers(headers: HeaderMap, health: Health, fallback_request_id: String) -> Context {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let custom_headers = headers
            .iter()
            .filter(|(k, _)| k.as_str().starts_with(headers::CUSTOM_PREFIX))
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let accepts_event_stream = headers
            .get_all(hyper::header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().contains("text/event-stream"));
        Context {
            session_id: get(headers::SESSION_ID),
            request_id: get(headers::REQUEST_ID).unwrap_or(fallback_request_id),
            authorization: get("authorization"),
            workload_access_token: get(headers::IDENTITY_WAT).or_else(|| get(headers::WORKLOAD_ACCESS_TOKEN)),
            custom_headers,
            accepts_event_stream,
            headers,
            health,
        }
    }
}

/// One invocation: the parsed JSON payload and its context.
#[derive(Clone, Debug)]
pub struct Request {
    /// The payload, any JSON.
    pub payload: Value,
    /// Everything else.
    pub context: Context,
}

/// An error with a type name, for the `error_type` of a streaming error event (the Python SDK puts
/// the exception class there). Errors of other types are reported by their Rust type name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AgentError {
    /// The type name, e.g. `ValidationError`.
    pub error_type: String,
    /// What happened.
    pub message: String,
}

impl AgentError {
    /// An error of a named type.
    pub fn new(error_type: &str, message: impl Into<String>) -> AgentError {
        AgentError { error_type: error_type.to_string(), message: message.into() }
    }
}

/// A streamed item or the error that ends the stream, with its type name.
pub(crate) type Item = Result<Value, (String, String)>;

/// What a handler answers: one JSON value, or a stream of them sent as server-sent events.
pub enum Response {
    /// `application/json`.
    Json(Value),
    /// `text/event-stream`: each item as `data: <compact JSON>\n\n`, sent as produced.
    Stream(Pin<Box<dyn Stream<Item = Item> + Send>>),
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Response::Json(v) => f.debug_tuple("Json").field(v).finish(),
            Response::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

fn short_type_name<E>() -> String {
    let full = std::any::type_name::<E>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base).to_string()
}

/// The `error_type` of an error: an [`AgentError`]'s own, else the Rust type name.
pub(crate) fn error_type<E: 'static>(e: &E) -> String {
    let any = e as &dyn std::any::Any;
    if let Some(a) = any.downcast_ref::<AgentError>() {
        return a.error_type.clone();
    }
    if let Some(boxed) = any.downcast_ref::<BoxError>() {
        if let Some(a) = boxed.downcast_ref::<AgentError>() {
            return a.error_type.clone();
        }
        return "Error".to_string();
    }
    short_type_name::<E>()
}

impl Response {
    /// A JSON response from anything serializable.
    pub fn json(value: impl Serialize) -> Result<Response, serde_json::Error> {
        Ok(Response::Json(serde_json::to_value(value)?))
    }

    /// A streaming response. An `Err` item ends the stream with one error event.
    ///
    /// Items are pulled one at a time, when the connection can take the next event (the socket's
    /// backpressure reaches the stream), and each is written and dropped before the next is made.
    /// So a stream that makes its items as it is polled costs memory for one item at a time;
    /// one built from a collected `Vec` costs the whole `Vec` up front (echo-agent's stream of a
    /// 3.9 MB prompt of 1.3 million words peaked at 949 MB collected, 15 MB made lazily).
    ///
    /// # Example
    /// ```
    /// use corestack_agent::Response;
    /// let words = futures_util::stream::iter(["a", "b"].map(|w| Ok::<_, std::io::Error>(serde_json::json!({"delta": w}))));
    /// let response = Response::stream(words);
    /// assert!(matches!(response, Response::Stream(_)));
    /// ```
    pub fn stream<S, T, E>(items: S) -> Response
    where
        S: Stream<Item = Result<T, E>> + Send + 'static,
        T: Serialize,
        E: std::fmt::Display + 'static,
    {
        Response::Stream(Box::pin(items.map(|item| match item {
            Ok(v) => serde_json::to_value(v).map_err(|e| ("SerializationError".to_string(), e.to_string())),
            Err(e) => Err((error_type(&e), e.to_string())),
        })))
    }
}

/// Conversion of a handler's answer into a [`Response`].
pub trait IntoResponse {
    /// Converts.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Value {
    fn into_response(self) -> Response {
        Response::Json(self)
    }
}

/// A handler made from an async function; see [`handler_fn`].
#[derive(Clone, Copy, Debug)]
pub struct HandlerFn<F>(F);

/// Turns `async fn(Request) -> Result<R, E>` into a `tower::Service`.
///
/// # Example
/// ```
/// use corestack_agent::{BoxError, Request, handler_fn};
/// let handler = handler_fn(|req: Request| async move {
///     Ok::<_, BoxError>(serde_json::json!({"echo": req.payload}))
/// });
/// # let _ = handler;
/// ```
pub fn handler_fn<F>(f: F) -> HandlerFn<F> {
    HandlerFn(f)
}

impl<F, Fut, R, E> tower_service::Service<Request> for HandlerFn<F>
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    type Response = R;
    type Error = E;
    type Future = Fut;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), E>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Fut {
        (self.0)(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_reads_the_runtime_headers() {
        let mut h = HeaderMap::new();
        h.insert(headers::SESSION_ID, "s".repeat(40).parse().unwrap());
        h.insert("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant", "t1".parse().unwrap());
        h.insert("Authorization", "Bearer x".parse().unwrap());
        h.insert("WorkloadAccessToken", "wat".parse().unwrap());
        h.insert("Accept", "application/json, text/event-stream".parse().unwrap());
        let c = Context::from_headers(h, Health::new(), "gen".into());
        assert_eq!(c.session_id.as_deref(), Some("s".repeat(40).as_str()));
        assert_eq!(c.request_id, "gen");
        assert_eq!(c.custom_headers["x-amzn-bedrock-agentcore-runtime-custom-tenant"], "t1");
        assert_eq!(c.authorization.as_deref(), Some("Bearer x"));
        assert_eq!(c.workload_access_token.as_deref(), Some("wat"));
        assert!(c.accepts_event_stream);
        assert!(!Context::for_tests().accepts_event_stream);
    }

    #[test]
    fn error_types_name_the_error() {
        assert_eq!(error_type(&std::io::Error::other("x")), "Error");
        assert_eq!(error_type(&AgentError::new("ValueError", "bad")), "ValueError");
        let boxed: BoxError = Box::new(AgentError::new("Timeout", "slow"));
        assert_eq!(error_type(&boxed), "Timeout");
        assert_eq!(error_type(&"x".parse::<u8>().unwrap_err()), "ParseIntError");
    }
}
