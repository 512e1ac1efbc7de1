//! `corestack invoke` against a hostile runtime (issue 27, 8): a loopback server in the place of
//! `corestack dev` answers what an attacker would. The client reads linearly, stops at its cap
//! with a clear error, and prints what a server wrote with its terminal escapes shown as text.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

use common::{text, workspace};

mod common;

/// A server that answers every request with `content-type` and a body of `body` repeated
/// `times` times (sent as it is written, never held whole).
fn hostile(content_type: &'static str, body: Vec<u8>, times: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut request = [0u8; 65536];
                let _ = stream.read(&mut request);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
                    body.len() * times
                );
                let _ = stream.write_all(head.as_bytes());
                for _ in 0..times {
                    if stream.write_all(&body).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn invoke(port: u16, args: &[&str]) -> Output {
    let config = workspace().join("examples/protocols/corestack.toml");
    let port = port.to_string();
    let mut all = vec!["invoke", "--local", "--port", &port, "--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_corestack")).args(&all).output().unwrap()
}

fn assert_bounded_failure(out: &Output, says: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert!(stderr.len() < 4096, "stderr holds {} bytes", stderr.len());
}

/// 300 MB that is not JSON-RPC was held whole and printed to stderr; 100 MB is past the cap.
#[test]
fn an_answer_past_the_cap_is_refused_with_a_short_error() {
    let port = hostile("application/json", vec![b'<'; 1 << 20], 100);
    let out = invoke(port, &["--runtime", "tools_mcp", "--mcp", "list-tools"]);
    assert_bounded_failure(&out, "over 64 MiB, past any MCP or A2A answer; stopped reading");
}

/// An answer under the cap that is not JSON-RPC is shown as an excerpt, its escapes as text.
#[test]
fn an_answer_that_is_not_json_rpc_is_shown_as_an_escaped_excerpt() {
    let port = hostile("text/html", format!("\u{1b}]0;owned\u{7}{}", "x".repeat(1 << 20)).into_bytes(), 1);
    let out = invoke(port, &["--runtime", "tools_mcp", "--mcp", "list-tools"]);
    assert_bounded_failure(&out, "not JSON-RPC: \\u{1b}]0;owned\\u{7}xxx");
    assert!(!out.stderr.contains(&0x1b), "a raw escape reached the terminal");
}

/// A tool list with terminal escapes in its names is printed with them as text.
#[test]
fn a_tool_list_with_escapes_prints_them_as_text() {
    let tools = r#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"t\u001b[2J","description":"d\r\nforged line","inputSchema":{}}]}}"#;
    let port = hostile("application/json", tools.as_bytes().to_vec(), 1);
    let out = invoke(port, &["--runtime", "tools_mcp", "--mcp", "list-tools"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "t\\u{1b}[2J  d\\r\\nforged line\n");
}

/// 32 MB of events with no blank line once took 33 s, each chunk searching the whole buffer again.
#[test]
fn a_long_event_stream_without_an_end_is_read_in_one_pass() {
    let port = hostile("text/event-stream", vec![b'a'; 1 << 20], 32);
    let started = std::time::Instant::now();
    let out = invoke(port, &["--runtime", "peer_a2a", "--a2a", "hi", "--stream"]);
    let took = started.elapsed();
    println!("32 MB with no blank line read in {took:?}");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
}
