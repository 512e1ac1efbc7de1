//! What the scripted-answer tests share: CloudFormation's XML answers, a server that plays a
//! script and records the calls, and an SDK configuration that points at it.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use corestack_deploy::StackPlan;
use corestack_deploy::scripted_http::{self, Answer, Seen};

pub const NS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/// A scripted answer: status and body, taken in order per call kind.
pub type Script = BTreeMap<String, Vec<(u16, String)>>;

pub fn ok(action: &str, result: &str) -> (u16, String) {
    (
        200,
        format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

pub fn validation(message: &str) -> (u16, String) {
    (
        400,
        format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        ),
    )
}

pub fn stack(status: &str) -> (u16, String) {
    ok(
        "DescribeStacks",
        &format!(
            "<Stacks><member><StackName>s</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/s/1</StackId><CreationTime>2026-11-26T00:00:00Z</CreationTime><StackStatus>{status}</StackStatus></member></Stacks>"
        ),
    )
}

pub fn missing() -> (u16, String) {
    validation("Stack with id s does not exist")
}

/// The calls a scripted server saw, in order.
pub type Calls = Arc<Mutex<Vec<String>>>;

/// Serves the script; records the calls (the form's Action, or the method and path).
pub async fn serve(script: Script) -> (String, Calls) {
    let (url, calls, _) = serve_recording(script).await;
    (url, calls)
}

/// [`serve`], recording the request bodies too.
pub async fn serve_recording(script: Script) -> (String, Calls, Calls) {
    let script = Mutex::new(script);
    let calls = Arc::new(Mutex::new(Vec::new()));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let (log, body_log) = (calls.clone(), bodies.clone());
    let (url, _) = scripted_http::serve(move |seen: &Seen| {
        body_log.lock().unwrap().push(seen.body.clone());
        let key = seen
            .body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .map(str::to_string)
            .unwrap_or_else(|| format!("{} {}", seen.method, seen.path));
        log.lock().unwrap().push(key.clone());
        let (status, text) = {
            let mut s = script.lock().unwrap();
            let queue = s.get_mut(&key).unwrap_or_else(|| panic!("unscripted call {key}"));
            if queue.len() > 1 { queue.remove(0) } else { queue[0].clone() }
        };
        let ct = if key.starts_with("GET ") { "application/json" } else { "text/xml" };
        Answer::new(status, ct, text)
    })
    .await;
    (url, calls, bodies)
}

pub async fn config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_cloudformation::config::Credentials::new("a", "b", None, None, "test"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

pub fn plan() -> StackPlan {
    StackPlan {
        name: "s".into(),
        template: r#"{"Resources":{"A":{"Type":"AWS::SNS::Topic"}}}"#.into(),
        parameters: BTreeMap::new(),
        dependencies: vec![],
        images: vec![],
        import_kept: false,
    }
}

pub fn script(entries: Vec<(&str, Vec<(u16, String)>)>) -> Script {
    entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub fn event(id: u32, logical: &str, kind: &str, status: &str, at: i64) -> String {
    let ts = aws_smithy_types::DateTime::from_secs(at).fmt(aws_smithy_types::date_time::Format::DateTime).unwrap();
    format!(
        "<member><StackId>x</StackId><EventId>{id}</EventId><StackName>s</StackName><LogicalResourceId>{logical}</LogicalResourceId><ResourceType>{kind}</ResourceType><Timestamp>{ts}</Timestamp><ResourceStatus>{status}</ResourceStatus></member>"
    )
}
