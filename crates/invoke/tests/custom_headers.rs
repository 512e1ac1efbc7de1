//! `-H` and `--user-id` as they go on the wire: a plain TCP listener reads each request the AWS
//! SDK for Rust (SigV4) and the bearer client send, and answers it like the service. The custom
//! header and the user ID are there, and under SigV4 both are signed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use corestack_invoke::{Invocation, Target, invoke, local_config};

/// Serves one request on `listener`: returns its head (request line and headers, lowercase
/// names) after answering 200 with a JSON body.
fn answer_one(listener: TcpListener) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(n) = lower.strip_prefix("content-length:") {
                length = n.trim().parse().unwrap();
            }
            head.push(lower);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let answer = br#"{"ok": true}"#;
        write!(stream, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", answer.len())
            .unwrap();
        stream.write_all(answer).unwrap();
        head
    })
}

fn invocation() -> Invocation {
    Invocation {
        arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-AbCdE12345".into(),
        qualifier: "DEFAULT".into(),
        session: "s".repeat(40),
        accept: "application/json".into(),
        payload: "{}".into(),
        user_id: Some("user-42".into()),
        headers: vec![("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team".into(), "blue".into())],
    }
}

async fn send(target: &Target) -> String {
    let mut answer = Vec::new();
    invoke(target, invocation(), &mut |chunk| {
        answer.extend_from_slice(&chunk);
        Ok(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(answer).unwrap()
}

#[tokio::test]
async fn the_custom_header_and_user_id_are_sent_and_signed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = answer_one(listener);
    let target = Target::Signed(Box::new(local_config("us-east-1", port).await));
    assert_eq!(send(&target).await, r#"{"ok": true}"#);
    let head = seen.join().unwrap();
    assert!(head.iter().any(|h| h == "x-amzn-bedrock-agentcore-runtime-custom-team: blue"), "{head:#?}");
    assert!(head.iter().any(|h| h == "x-amzn-bedrock-agentcore-runtime-user-id: user-42"), "{head:#?}");
    let authorization = head.iter().find(|h| h.starts_with("authorization: aws4-hmac-sha256")).expect("signed");
    let signed = authorization.split("signedheaders=").nth(1).unwrap().split(',').next().unwrap();
    let signed: Vec<&str> = signed.split(';').collect();
    for name in ["x-amzn-bedrock-agentcore-runtime-custom-team", "x-amzn-bedrock-agentcore-runtime-user-id"] {
        assert!(signed.contains(&name), "{name} is not signed: {signed:?}");
    }
}

#[tokio::test]
async fn a_bearer_request_carries_them_too() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = answer_one(listener);
    let target = Target::Bearer { endpoint: format!("http://127.0.0.1:{port}"), token: "a-token".into() };
    assert_eq!(send(&target).await, r#"{"ok": true}"#);
    let head = seen.join().unwrap();
    assert!(head.iter().any(|h| h == "authorization: bearer a-token"), "{head:#?}");
    assert!(head.iter().any(|h| h == "x-amzn-bedrock-agentcore-runtime-custom-team: blue"), "{head:#?}");
    assert!(head.iter().any(|h| h == "x-amzn-bedrock-agentcore-runtime-user-id: user-42"), "{head:#?}");
}
