//! WebSocket at `/ws`, for HTTP and AG-UI agents (AgentCore developer guide,
//! `runtime-get-started-websocket`): the service bridges its data-plane WebSocket
//! (`wss://…/runtimes/<ARN>/ws`) to the container's `/ws` on port 8080. A handler gets a
//! [`WebSocket`] with the session's [`Context`] and receives and sends text and binary messages;
//! pings are answered for it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use hyper::StatusCode;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::Context;
use crate::server::{Body, json_response};

/// The largest message the service carries over its WebSocket: 32 KB frames (facts §17).
pub const MAX_FRAME_BYTES: usize = 32 * 1024;

/// A WebSocket message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsMessage {
    /// Text.
    Text(String),
    /// Bytes.
    Binary(Vec<u8>),
}

/// One WebSocket connection of a session.
pub struct WebSocket {
    inner: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
    /// The session and request it belongs to, from the upgrade request's headers.
    pub context: Context,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket").field("context", &self.context).finish_non_exhaustive()
    }
}

/// Why a WebSocket stopped.
pub type WsError = tokio_tungstenite::tungstenite::Error;

impl WebSocket {
    /// The next text or binary message; `None` when the peer closed the connection.
    pub async fn recv(&mut self) -> Option<Result<WsMessage, WsError>> {
        loop {
            return match self.inner.next().await? {
                Ok(Frame::Text(t)) => Some(Ok(WsMessage::Text(t.as_str().to_string()))),
                Ok(Frame::Binary(b)) => Some(Ok(WsMessage::Binary(b.to_vec()))),
                Ok(Frame::Close(_)) => None,
                Ok(_) => continue,
                Err(e @ tokio_tungstenite::tungstenite::Error::Capacity(_)) => {
                    // Past the limit: the caller is told why, with 1009 (message too big).
                    let reason = format!("a message over {} MB, the limit", crate::MAX_PAYLOAD_BYTES / 1_000_000);
                    let close = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                        code: tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::Size,
                        reason: reason.into(),
                    };
                    let _ = self.inner.send(Frame::Close(Some(close))).await;
                    // The rest of the message is still coming: held a moment, unread, so that the
                    // close arrives before the connection is reset under it.
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    Some(Err(e))
                }
                Err(e) => Some(Err(e)),
            };
        }
    }

    /// Sends a message.
    pub async fn send(&mut self, message: WsMessage) -> Result<(), WsError> {
        let frame = match message {
            WsMessage::Text(t) => Frame::text(t),
            WsMessage::Binary(b) => Frame::binary(b),
        };
        self.inner.send(frame).await
    }

    /// Closes the connection.
    pub async fn close(mut self) -> Result<(), WsError> {
        self.inner.close(None).await
    }
}

type Session = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What serves each WebSocket connection.
pub(crate) type WsHandler = Arc<dyn Fn(WebSocket) -> Session + Send + Sync>;

/// Wraps an async function of a [`WebSocket`] as a handler.
pub(crate) fn ws_handler<F, Fut>(f: F) -> WsHandler
where
    F: Fn(WebSocket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |ws| Box::pin(f(ws)))
}

/// Answers an upgrade request on `/ws`: 101 and the handler on the upgraded connection, or 400
/// when the request is not a WebSocket handshake.
pub(crate) fn upgrade(
    mut req: hyper::Request<Incoming>,
    context: Context,
    handler: WsHandler,
) -> hyper::Response<Body> {
    let wants =
        req.headers().get(UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).filter(|_| wants).map(|k| derive_accept_key(k.as_bytes()))
    else {
        return json_response(StatusCode::BAD_REQUEST, &json!({"error": "/ws takes a WebSocket upgrade"}));
    };
    let upgrading = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match upgrading.await {
            Ok(upgraded) => {
                // Messages and frames both up to the payload limit (frames default to 16 MiB).
                let config = WebSocketConfig::default()
                    .max_message_size(Some(crate::MAX_PAYLOAD_BYTES))
                    .max_frame_size(Some(crate::MAX_PAYLOAD_BYTES));
                let inner = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                let span = tracing::info_span!("websocket", session_id = context.session_id.as_deref().unwrap_or(""), request_id = %context.request_id);
                tracing::Instrument::instrument(handler(WebSocket { inner, context }), span).await;
            }
            Err(e) => tracing::warn!(error = %e, "the WebSocket upgrade failed"),
        }
    });
    let mut r = hyper::Response::new(http_body_util::BodyExt::boxed_unsync(http_body_util::Empty::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    r.headers_mut().insert(UPGRADE, HeaderValue::from_static("websocket"));
    r.headers_mut().insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&key) {
        r.headers_mut().insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    r
}
