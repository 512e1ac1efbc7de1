//! The local Bedrock stand-in's ConverseStream answer costs memory for the request, not for the
//! answer: its frames are made as the connection takes them. This file holds one test so that
//! the process's peak memory is this test's alone.

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use bytes::{Buf, Bytes, BytesMut};
use corestack_dev::bedrock::BedrockStandIn;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// Peak resident memory of this process since the last reset, in MB (VmHWM).
fn peak_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// Starts the peak over from the current resident memory.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

/// What a ConverseStream answer carried: its delta frames and the total length of their text.
#[derive(Debug, Default)]
struct Counted {
    deltas: usize,
    text_len: usize,
    events: Vec<String>,
}

/// Sends a ConverseStream request for `prompt` and reads the answer frame by frame, keeping
/// counts only.
async fn converse_stream(url: &str, prompt: &str) -> Counted {
    let body = json!({"messages": [{"role": "user", "content": [{"text": prompt}]}]}).to_string();
    let addr = url.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let request = hyper::Request::post("/model/m/converse-stream")
        .header("host", addr)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let mut answer = sender.send_request(request).await.unwrap().into_body();
    let (mut buffer, mut decoder, mut counted) = (BytesMut::new(), MessageFrameDecoder::new(), Counted::default());
    while let Some(frame) = answer.frame().await {
        let Ok(data) = frame.unwrap().into_data() else { continue };
        buffer.extend_from_slice(&data);
        while let DecodedFrame::Complete(message) = decoder.decode_frame(&mut buffer).unwrap() {
            let event = message.headers().iter().find(|h| h.name().as_str() == ":event-type").unwrap();
            let event = event.value().as_string().unwrap().as_str().to_string();
            if event == "contentBlockDelta" {
                let payload: Value = serde_json::from_slice(message.payload().chunk()).unwrap();
                counted.deltas += 1;
                counted.text_len += payload["delta"]["text"].as_str().unwrap().len();
            } else {
                counted.events.push(event);
            }
        }
    }
    counted
}

/// Eight million words (16 MB) once made eight million frames in memory before the first was
/// sent (about 1 GB, some 125 bytes a frame); nineteen megabytes of spaces made nineteen million
/// empty deltas (3 GB). A million and a half words keep the test short and would peak near
/// 190 MB the old way.
#[tokio::test]
async fn a_long_converse_stream_is_made_as_it_is_sent() {
    let stand_in = BedrockStandIn::start().await.unwrap();
    let prefix = corestack_dev::bedrock::reply_text("m", "");
    let prefix_words = prefix.split_whitespace().count();

    let words = "a ".repeat(1_500_000);
    reset_peak();
    let counted = converse_stream(&stand_in.url(), &words).await;
    let words_peak = peak_mb();
    assert_eq!(counted.events, ["messageStart", "contentBlockStop", "messageStop", "metadata"]);
    assert_eq!(counted.deltas, 1_500_000 + prefix_words, "one delta per word of the answer and its prefix");
    assert_eq!(counted.text_len, prefix.len() + words.len());
    drop(words);

    let spaces = format!("{}x", " ".repeat(19_000_000));
    reset_peak();
    let counted = converse_stream(&stand_in.url(), &spaces).await;
    let spaces_peak = peak_mb();
    assert_eq!(counted.deltas, prefix_words + 1, "a run of spaces rides with the word before it");
    assert_eq!(counted.text_len, prefix.len() + spaces.len());

    println!("peak: {words_peak} MB for 1.5M words, {spaces_peak} MB for 19 MB of spaces");
    assert!(words_peak < 80, "1.5M words peaked at {words_peak} MB");
    assert!(spaces_peak < 250, "19 MB of spaces peaked at {spaces_peak} MB");
}
