//! One InvokeAgentRuntime request, forwarded to the session's agent as the service forwards it:
//! the payload limit, the headers the service passes on, the session's in-flight count, and the
//! agent's answer streamed back as it comes.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_LENGTH, HeaderValue};

use corestack_contract::headers::MCP_SESSION_ID;

use crate::session::{Session, elapsed_ms, short, unix_now};
use crate::{
    AwsError, Body, Console, MCP_SESSION_HEADER, Protocol, SESSION_HEADER, State, aws_error, clock, forwarded,
    new_session_id, session_for,
};

/// GetAgentCard: the agent card of an A2A runtime's session, as its agent serves it.
pub(crate) async fn agent_card(state: &State, index: usize, session_id: String) -> hyper::Response<Body> {
    let runtime = &state.runtimes[index];
    if runtime.protocol != Protocol::A2a {
        let message = format!(
            "runtime {} speaks {}, and only A2A runtimes have an agent card",
            runtime.name,
            runtime.protocol.as_str()
        );
        return aws_error(&AwsError::validation(message), Some(&session_id));
    }
    let session = match session_for(state, index, &session_id).await {
        Ok(s) => s,
        Err(no) => return no.answer(&session_id),
    };
    let url = format!("http://127.0.0.1:{}/.well-known/agent-card.json", session.port);
    let request = hyper::Request::get(url).body(Full::new(Bytes::new())).expect("a valid request");
    let answer = match state.client.request(request).await {
        Ok(a) if a.status().is_success() => a.into_body().collect().await.map(|b| b.to_bytes()),
        Ok(a) => {
            let message = format!("the agent answered {} for its agent card", a.status().as_u16());
            return aws_error(&AwsError::runtime_client(message), Some(&session_id));
        }
        Err(e) => {
            return aws_error(&AwsError::runtime_client(format!("the agent did not answer: {e}")), Some(&session_id));
        }
    };
    let Ok(card) = answer else {
        return aws_error(&AwsError::runtime_client("the agent card broke off"), Some(&session_id));
    };
    let mut r = hyper::Response::new(crate::full(card));
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&session_id) {
        r.headers_mut().insert(SESSION_HEADER, v);
    }
    r
}

pub(crate) async fn invoke(
    state: &State,
    index: usize,
    session_id: String,
    req: hyper::Request<Incoming>,
) -> hyper::Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let too_large = || AwsError::validation(format!("the payload is over {} bytes", state.config.max_payload));
    let declared = parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.max_payload as u64) {
        return aws_error(&too_large(), Some(&session_id));
    }
    let payload = match Limited::new(body, state.config.max_payload).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return aws_error(&too_large(), Some(&session_id)),
    };
    let session = match session_for(state, index, &session_id).await {
        Ok(s) => s,
        Err(no) => return no.answer(&session_id),
    };
    let runtime = &session.runtime;
    let mcp = runtime.protocol == Protocol::Mcp;
    let forward = forward_request(&session, &session_id, &parts.headers, payload);
    // Counted in flight until the answer ends, or the caller goes away (this future is then
    // dropped at an `.await`, and the guard's Drop ends it, with a console line).
    let mut flight = InFlight::begin(session.clone(), state.console.clone(), session_id.clone(), started);
    let answer = state.client.request(forward).await;
    let log = |status: u16, what: &str| {
        (state.console)(&format!(
            "{} {} session {} invoke {status}{what} {:.1} ms",
            clock(),
            runtime.name,
            short(&session_id),
            elapsed_ms(started)
        ));
    };
    let response = match answer {
        Err(e) => {
            flight.end();
            let why = agent_failed(state, index, &session, &session_id, e).await;
            log(424, " (agent failed)");
            return aws_error(&AwsError::runtime_client(why), Some(&session_id));
        }
        Ok(r) => r,
    };
    let status = response.status();
    if !status.is_success() {
        let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        flight.end();
        log(424, &format!(" (agent answered {})", status.as_u16()));
        let message = format!("the agent answered {}: {}", status.as_u16(), String::from_utf8_lossy(&body));
        return aws_error(&AwsError::runtime_client(message), Some(&session_id));
    }
    log(status.as_u16(), "");
    let (mut head, body) = response.into_parts();
    head.headers = answer_headers(&head.headers, &session_id, mcp);
    hyper::Response::from_parts(head, Tracked { inner: body, flight: Some(flight) }.boxed_unsync())
}

/// The request to the session's agent: the payload unchanged to the path of the runtime's
/// protocol (/invocations, /mcp or /), with the headers the service passes on and its own.
fn forward_request(
    session: &Session,
    session_id: &str,
    headers: &hyper::HeaderMap,
    payload: Bytes,
) -> hyper::Request<Full<Bytes>> {
    let runtime = &session.runtime;
    let path = runtime.protocol.invocation_path();
    let mut forward = hyper::Request::post(format!("http://127.0.0.1:{}{path}", session.port));
    for (name, value) in headers.iter().filter(|(n, v)| forwarded(n.as_str(), runtime, v)) {
        forward = forward.header(name, value);
    }
    if runtime.protocol == Protocol::Mcp && !headers.contains_key(MCP_SESSION_HEADER) {
        forward = forward.header(MCP_SESSION_HEADER, session_id);
    }
    forward
        .header(SESSION_HEADER, session_id)
        .header(corestack_contract::headers::REQUEST_ID, new_session_id())
        .body(Full::new(payload))
        .expect("a valid request")
}

/// Why the agent gave no answer (`e`): when its process exited, the session is ended so that the
/// next request starts a new one.
async fn agent_failed(
    state: &State,
    index: usize,
    session: &Arc<Session>,
    session_id: &str,
    e: impl std::fmt::Display,
) -> String {
    match exit_status(session).await {
        Some(status) => {
            let key = (index, session_id.to_string());
            state.slots.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
            session.stop(Duration::ZERO).await;
            format!("the agent process exited during the request ({status}); the next request starts a new one")
        }
        None => format!("the agent did not answer: {e}"),
    }
}

/// The agent's answer headers the service passes back (the content type and MCP's), with the
/// session's ID (and, for MCP, the MCP session's when the agent set none).
fn answer_headers(headers: &hyper::HeaderMap, session_id: &str, mcp: bool) -> hyper::HeaderMap {
    let mut kept: hyper::HeaderMap = headers
        .iter()
        .filter(|(name, _)| matches!(name.as_str(), "content-type" | MCP_SESSION_ID | "mcp-protocol-version"))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    if let Ok(v) = HeaderValue::from_str(session_id) {
        if mcp && !kept.contains_key(MCP_SESSION_HEADER) {
            kept.insert(MCP_SESSION_HEADER, v.clone());
        }
        kept.insert(SESSION_HEADER, v);
    }
    kept
}

/// One request in flight on a session. Ends (and leaves a console line) when the answer ends or
/// the caller goes away, whichever comes first, however the request future is dropped.
pub(crate) struct InFlight {
    session: Option<Arc<Session>>,
    console: Console,
    id: String,
    started: Instant,
}

impl InFlight {
    pub(crate) fn begin(session: Arc<Session>, console: Console, id: String, started: Instant) -> InFlight {
        session.in_flight.fetch_add(1, Ordering::SeqCst);
        session.last_activity.store(unix_now(), Ordering::SeqCst);
        InFlight { session: Some(session), console, id, started }
    }

    /// The request ended as the caller saw it.
    pub(crate) fn end(&mut self) {
        if let Some(s) = self.session.take() {
            finish(&s);
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            finish(&s);
            (self.console)(&format!(
                "{} {} session {} invoke abandoned: the caller went away after {:.1} ms",
                clock(),
                s.runtime.name,
                short(&self.id),
                elapsed_ms(self.started)
            ));
        }
    }
}

/// How the agent exited, if it did within a moment: a dropped connection usually comes just
/// before the process can be reaped.
async fn exit_status(session: &Session) -> Option<String> {
    for _ in 0..50 {
        if let Some(status) = session.exited().await {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

fn finish(session: &Session) {
    session.in_flight.fetch_sub(1, Ordering::SeqCst);
    session.last_activity.store(unix_now(), Ordering::SeqCst);
}

/// The agent's response body, passed through frame by frame; the request counts as in flight
/// until the body ends or the caller goes away.
struct Tracked {
    inner: Incoming,
    flight: Option<InFlight>,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        // The answer ended: no more frames, an error, or the last frame of a body of known length
        // (after which the server may not poll again).
        let ended = matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_))))
            || (matches!(polled, Poll::Ready(Some(Ok(_)))) && self.inner.is_end_stream());
        if ended && let Some(mut f) = self.flight.take() {
            f.end();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}
