//! A local stand-in for the Bedrock Runtime `Converse` and `ConverseStream` APIs, so that agents
//! that call Bedrock run under `corestack dev` with no AWS account and no network.
//!
//! It speaks the real wire protocol: the AWS SDKs send their usual SigV4-signed requests to
//! `POST /model/{modelId}/converse` (JSON) and `POST /model/{modelId}/converse-stream` (answered
//! with `application/vnd.amazon.eventstream` frames: messageStart, one contentBlockDelta per word,
//! contentBlockStop, messageStop, metadata with token counts). Point an agent at it with
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`. The answer is deterministic: it repeats the last user
//! message, prefixed with the model it was asked for, so tests and demos can check it.

use std::convert::Infallible;
use std::net::SocketAddr;

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The largest request the stand-in reads (Bedrock's own limit is larger; prompts here are small).
const MAX_REQUEST: usize = 20 * 1024 * 1024;

/// A running stand-in.
#[derive(Debug)]
pub struct BedrockStandIn {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl BedrockStandIn {
    /// Starts serving on `127.0.0.1` on a free port.
    pub async fn start() -> std::io::Result<BedrockStandIn> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of descriptors or similar: back off rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(answer);
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(BedrockStandIn { addr, task })
    }

    /// The endpoint URL, for `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The environment an agent needs to use the stand-in: the endpoint, a region, and dummy
    /// credentials (the stand-in does not check signatures, and real credentials never leave
    /// the machine this way).
    pub fn environment(&self) -> [(&'static str, String); 3] {
        [
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", self.url()),
            ("AWS_ACCESS_KEY_ID", "corestack-dev".into()),
            ("AWS_SECRET_ACCESS_KEY", "corestack-dev".into()),
        ]
    }
}

impl Drop for BedrockStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The text the stand-in answers for a model and a prompt.
pub fn reply_text(model: &str, prompt: &str) -> String {
    format!("[local Bedrock stand-in, model {model}] {prompt}")
}

/// The model ID of a path segment: percent-decoded, or as written when it does not decode.
fn model_id(segment: &str) -> String {
    crate::names::percent_decode(segment).unwrap_or_else(|| segment.to_string())
}

/// The text of the last user message of a Converse request.
fn last_user_text(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_array())
        .map(|blocks| blocks.iter().filter_map(|b| b["text"].as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn frame(event: &str, payload: Value) -> Vec<u8> {
    let headers = [(":message-type", "event"), (":event-type", event), (":content-type", "application/json")];
    let mut message = Message::new(Bytes::from(payload.to_string()));
    for (k, v) in headers {
        message = message.add_header(Header::new(k, HeaderValue::String(v.to_string().into())));
    }
    let mut out = Vec::new();
    write_message_to(&message, &mut out).expect("writing to a Vec cannot fail");
    out
}

fn usage(prompt: &str, text: &str) -> Value {
    let (input, output) = (prompt.split_whitespace().count(), text.split_whitespace().count());
    json!({"inputTokens": input, "outputTokens": output, "totalTokens": input + output})
}

fn error(status: StatusCode, kind: &str, message: &str) -> hyper::Response<Full<Bytes>> {
    let mut r = hyper::Response::new(Full::new(Bytes::from(json!({ "message": message }).to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
    r.headers_mut().insert("x-amzn-errortype", kind.parse().expect("static header"));
    r
}

async fn answer(req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let route = path.strip_prefix("/model/").and_then(|rest| rest.rsplit_once('/'));
    let (model, streaming) = match (req.method(), route) {
        (&Method::POST, Some((model, "converse-stream"))) => (model_id(model), true),
        (&Method::POST, Some((model, "converse"))) => (model_id(model), false),
        _ => {
            let message = format!("the local Bedrock stand-in serves Converse and ConverseStream only, not {path}");
            return Ok(error(StatusCode::NOT_FOUND, "UnknownOperationException", &message));
        }
    };
    let body = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(error(StatusCode::BAD_REQUEST, "ValidationException", "the request body is too large")),
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return Ok(error(StatusCode::BAD_REQUEST, "ValidationException", "the request body is not JSON"));
    };
    let prompt = last_user_text(&request);
    if prompt.trim().is_empty() {
        return Ok(error(StatusCode::BAD_REQUEST, "ValidationException", "messages has no user text"));
    }
    let text = reply_text(&model, &prompt);
    if !streaming {
        let out = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn", "usage": usage(&prompt, &text), "metrics": {"latencyMs": 0},
        });
        let mut r = hyper::Response::new(Full::new(Bytes::from(out.to_string())));
        r.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
        return Ok(r);
    }
    let mut frames = frame("messageStart", json!({"role": "assistant"}));
    let words: Vec<&str> = text.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        let delta = if i + 1 < words.len() { format!("{word} ") } else { word.to_string() };
        frames.extend(frame("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": delta}})));
    }
    frames.extend(frame("contentBlockStop", json!({"contentBlockIndex": 0})));
    frames.extend(frame("messageStop", json!({"stopReason": "end_turn"})));
    frames.extend(frame("metadata", json!({"usage": usage(&prompt, &text), "metrics": {"latencyMs": 0}})));
    let mut r = hyper::Response::new(Full::new(Bytes::from(frames)));
    r.headers_mut().insert("content-type", "application/vnd.amazon.eventstream".parse().expect("static header"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_in_paths_are_decoded() {
        assert_eq!(model_id("anthropic.claude-3-haiku-20240307-v1%3A0"), "anthropic.claude-3-haiku-20240307-v1:0");
        assert_eq!(model_id("100%"), "100%");
        assert_eq!(model_id("%zz"), "%zz");
    }

    #[test]
    fn the_last_user_message_is_the_prompt() {
        let body = json!({"messages": [
            {"role": "user", "content": [{"text": "first"}]},
            {"role": "assistant", "content": [{"text": "ok"}]},
            {"role": "user", "content": [{"text": "second"}, {"text": "part"}]},
        ]});
        assert_eq!(last_user_text(&body), "second part");
        assert_eq!(last_user_text(&json!({})), "");
    }
}
