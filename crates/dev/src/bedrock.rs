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
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::{Method, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The largest request the stand-in reads (Bedrock's own limit is larger; prompts here are small).
const MAX_REQUEST: usize = 20 * 1024 * 1024;

/// The body of an answer: whole for errors and `Converse`, made frame by frame for
/// `ConverseStream`.
type Body = BoxBody<Bytes, Infallible>;

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

fn frame(event: &str, payload: Value) -> Bytes {
    let headers = [(":message-type", "event"), (":event-type", event), (":content-type", "application/json")];
    let mut message = Message::new(Bytes::from(payload.to_string()));
    for (k, v) in headers {
        message = message.add_header(Header::new(k, HeaderValue::String(v.to_string().into())));
    }
    let mut out = Vec::new();
    write_message_to(&message, &mut out).expect("writing to a Vec cannot fail");
    Bytes::from(out)
}

/// The words of an owned text, each with the whitespace after it, one at a time: a run of
/// spaces rides with the word before it, so it never becomes a stream of empty deltas.
struct Words {
    text: String,
    at: usize,
}

impl Iterator for Words {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let rest = &self.text[self.at..];
        if rest.is_empty() {
            return None;
        }
        let space = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let end = rest[space..].find(|c: char| !c.is_whitespace()).map_or(rest.len(), |e| space + e);
        self.at += end;
        Some(rest[..end].to_string())
    }
}

/// The ConverseStream frames of an answer, made as hyper asks for them (it asks only when the
/// connection can take more), so memory stays the size of the request however long the answer.
fn stream_frames(text: String, usage: Value) -> impl Iterator<Item = Bytes> + Send {
    let head = std::iter::once(frame("messageStart", json!({"role": "assistant"})));
    let deltas = Words { text, at: 0 }
        .map(|delta| frame("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": delta}})));
    let tail = [
        ("contentBlockStop", json!({"contentBlockIndex": 0})),
        ("messageStop", json!({"stopReason": "end_turn"})),
        ("metadata", json!({"usage": usage, "metrics": {"latencyMs": 0}})),
    ];
    head.chain(deltas).chain(tail.into_iter().map(|(event, payload)| frame(event, payload)))
}

fn whole(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

fn usage(prompt: &str, text: &str) -> Value {
    let (input, output) = (prompt.split_whitespace().count(), text.split_whitespace().count());
    json!({"inputTokens": input, "outputTokens": output, "totalTokens": input + output})
}

fn error(status: StatusCode, kind: &str, message: &str) -> hyper::Response<Body> {
    let mut r = hyper::Response::new(whole(json!({ "message": message }).to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", "application/json".parse().expect("static header"));
    r.headers_mut().insert("x-amzn-errortype", kind.parse().expect("static header"));
    r
}

async fn answer(req: hyper::Request<Incoming>) -> Result<hyper::Response<Body>, Infallible> {
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
    drop(body);
    let prompt = last_user_text(&request);
    drop(request);
    if prompt.trim().is_empty() {
        return Ok(error(StatusCode::BAD_REQUEST, "ValidationException", "messages has no user text"));
    }
    let text = reply_text(&model, &prompt);
    let usage = usage(&prompt, &text);
    drop(prompt);
    let (body, content_type) = if streaming {
        let frames = stream_frames(text, usage).map(|f| Ok::<_, Infallible>(Frame::data(f)));
        (BodyExt::boxed(StreamBody::new(futures_util::stream::iter(frames))), "application/vnd.amazon.eventstream")
    } else {
        let out = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn", "usage": usage, "metrics": {"latencyMs": 0},
        });
        (whole(out.to_string()), "application/json")
    };
    let mut r = hyper::Response::new(body);
    r.headers_mut().insert("content-type", content_type.parse().expect("static header"));
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

    #[test]
    fn a_stream_carries_each_word_with_the_spaces_after_it() {
        let words: Vec<String> = Words { text: "hello  big world   ".into(), at: 0 }.collect();
        assert_eq!(words, ["hello  ", "big ", "world   "]);
        let spaces: Vec<String> = Words { text: "   x".into(), at: 0 }.collect();
        assert_eq!(spaces, ["   ", "x"]);
    }
}
