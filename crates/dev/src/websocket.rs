//! The data plane's WebSocket, `GET /runtimes/<ARN>/ws` (AgentCore developer guide,
//! `runtime-get-started-websocket`), bridged to the session's agent at `/ws` as the service does:
//! the session ID and `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*` headers may come as headers or
//! as query parameters (a presigned URL carries them so), SigV4 in headers or in the query is
//! accepted unverified, and messages go both ways unchanged until either side closes.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{HeaderMap, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::forward::InFlight;
use crate::names::percent_decode;
use crate::session::short;
use crate::{AwsError, Body, Protocol, SESSION_HEADER, State, aws_error, clock, forwarded, session_for};

/// The largest WebSocket message (and frame) `corestack dev` passes on, either way: the contract's
/// payload limit, which the agent SDK applies too, so that what works against one works through
/// the other. A larger one closes both sides with 1009 (message too big) and a reason.
pub const MAX_WS_MESSAGE_BYTES: usize = corestack_contract::MAX_PAYLOAD_BYTES;

fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().max_message_size(Some(MAX_WS_MESSAGE_BYTES)).max_frame_size(Some(MAX_WS_MESSAGE_BYTES))
}

/// The query parameters that stand for headers on the data plane's WebSocket URL.
pub(crate) fn query_headers(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(k, v)| Some((percent_decode(&k.replace('+', " "))?, percent_decode(&v.replace('+', " "))?)))
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k == SESSION_HEADER || k.starts_with(corestack_contract::headers::CUSTOM_PREFIX)
        })
        .collect()
}

/// Answers the upgrade: 101 and the bridge, once the session's agent took its own WebSocket.
pub(crate) async fn bridge(
    state: &State,
    index: usize,
    session_id: String,
    mut req: hyper::Request<Incoming>,
) -> hyper::Response<Body> {
    let runtime = &state.runtimes[index];
    if !matches!(runtime.protocol, Protocol::Http | Protocol::Agui) {
        let message = format!(
            "runtime {} speaks {}; WebSocket is for HTTP and AG-UI runtimes",
            runtime.name,
            runtime.protocol.as_str()
        );
        return aws_error(&AwsError::validation(message), Some(&session_id));
    }
    let wants =
        req.headers().get(UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(accept) = req.headers().get(SEC_WEBSOCKET_KEY).filter(|_| wants).map(|k| derive_accept_key(k.as_bytes()))
    else {
        return aws_error(
            &AwsError::validation("/ws takes a WebSocket upgrade (Upgrade: websocket, Sec-WebSocket-Key)"),
            Some(&session_id),
        );
    };
    let session = match session_for(state, index, &session_id).await {
        Ok(s) => s,
        Err(no) => return no.answer(&session_id),
    };
    // The agent's side first: a refusal there is the caller's error, before any 101.
    let mut headers = HeaderMap::new();
    for (name, value) in req.headers().iter().filter(|(n, v)| forwarded(n.as_str(), runtime, v)) {
        if !matches!(name.as_str(), "content-type" | "accept") {
            headers.insert(name.clone(), value.clone());
        }
    }
    for (name, value) in query_headers(req.uri().query()) {
        if let (Ok(n), Ok(v)) =
            (hyper::header::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()), HeaderValue::from_str(&value))
            && forwarded(n.as_str(), runtime, &v)
        {
            headers.insert(n, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&session_id) {
        headers.insert(SESSION_HEADER, v);
    }
    let agent = match connect(session.port, headers).await {
        Ok(ws) => ws,
        Err(why) => return aws_error(&AwsError::runtime_client(why), Some(&session_id)),
    };
    let upgrading = hyper::upgrade::on(&mut req);
    let flight = InFlight::begin(session.clone(), state.console.clone(), session_id.clone(), Instant::now());
    let console = state.console.clone();
    let name = runtime.name.clone();
    tokio::spawn(async move {
        let mut flight = flight;
        let Ok(upgraded) = upgrading.await else {
            flight.end();
            return;
        };
        let caller = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(ws_config())).await;
        console(&format!("{} {name} session {} websocket open", clock(), short(&session_id)));
        let messages = pump(caller, agent).await;
        flight.end();
        console(&format!(
            "{} {name} session {} websocket closed after {messages} message(s)",
            clock(),
            short(&session_id)
        ));
    });
    let mut r = hyper::Response::new(crate::full(bytes::Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    r.headers_mut().insert(UPGRADE, HeaderValue::from_static("websocket"));
    r.headers_mut().insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        r.headers_mut().insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    r
}

type AgentSocket = WebSocketStream<tokio::net::TcpStream>;

/// The agent's `/ws`, with the headers the service forwards.
async fn connect(port: u16, headers: HeaderMap) -> Result<AgentSocket, String> {
    let mut request = format!("ws://127.0.0.1:{port}/ws").into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().extend(headers);
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("the agent did not answer: {e}"))?;
    match tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config())).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status().as_u16() == 431 => {
            Err("the agent refused the WebSocket's headers as too large (431 Request Header Fields Too Large)"
                .to_string())
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            Err(format!("the agent answered {} to a WebSocket on /ws; does it serve one?", r.status().as_u16()))
        }
        Err(e) => Err(format!("the agent's WebSocket failed: {e}")),
    }
}

/// Copies messages both ways until the connection closes; returns how many went through. A close
/// from either side goes to the other, and what the other still sends before its own close is
/// delivered (the WebSocket closing handshake), so no answer in flight is lost. A message past
/// [`MAX_WS_MESSAGE_BYTES`] closes both sides, saying why.
async fn pump<C>(caller: WebSocketStream<C>, agent: AgentSocket) -> usize
where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut caller_tx, mut caller_rx) = caller.split();
    let (mut agent_tx, mut agent_rx) = agent.split();
    let (mut count, mut caller_open, mut agent_open) = (0, true, true);
    while caller_open || agent_open {
        let flow = tokio::select! {
            m = caller_rx.next(), if caller_open => (relay(m, &mut agent_tx, &mut count).await, true),
            m = agent_rx.next(), if agent_open => (relay(m, &mut caller_tx, &mut count).await, false),
        };
        match flow {
            (Flow::Open, _) => {}
            (Flow::Closed, from_caller) => *(if from_caller { &mut caller_open } else { &mut agent_open }) = false,
            (Flow::TooBig, from_caller) => {
                let who = if from_caller { "the caller" } else { "the agent" };
                let reason = format!("{who} sent a message over {} MB, the limit", MAX_WS_MESSAGE_BYTES / 1_000_000);
                let close =
                    || Message::Close(Some(CloseFrame { code: CloseCode::Size, reason: reason.clone().into() }));
                let _ = agent_tx.send(close()).await;
                let _ = caller_tx.send(close()).await;
                // The rest of the message is still coming: the connection is held a moment, unread,
                // so that the close arrives before the connection is reset under it.
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                break;
            }
        }
    }
    count
}

/// What became of the side a message was read from.
enum Flow {
    Open,
    Closed,
    TooBig,
}

/// Passes what one side sent on to the other: a message (counted), or its close; pings stay where
/// they are.
async fn relay<S>(
    read: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    to: &mut S,
    count: &mut usize,
) -> Flow
where
    S: futures_util::Sink<Message> + Unpin,
{
    use tokio_tungstenite::tungstenite::Error;
    match read {
        Some(Ok(m)) if m.is_text() || m.is_binary() => {
            *count += 1;
            let _ = to.send(m).await;
            Flow::Open
        }
        Some(Ok(m)) if m.is_close() => {
            let _ = to.send(m).await;
            Flow::Closed
        }
        Some(Ok(_)) => Flow::Open,
        Some(Err(Error::Capacity(_))) => Flow::TooBig,
        _ => {
            let _ = to.close().await;
            Flow::Closed
        }
    }
}
