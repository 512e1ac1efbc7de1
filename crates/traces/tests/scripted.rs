//! What moto's X-Ray does not show, with the AWS SDK for Rust against scripted answers: summaries
//! over several pages (read to the end, newest first), more than five traces (read five at a
//! time), and a refused call reported with its operation, code, message and request ID.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use corestack_deploy::scripted_http::{self, Answer, Seen};
use corestack_traces::{Query, RuntimeRef, TraceReader};
use serde_json::{Value, json};

/// Answers X-Ray's REST-JSON calls with `answer(path, body)`; 403 is AccessDeniedException.
async fn serve(
    answer: impl Fn(&str, &Value) -> (u16, Value) + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    scripted_http::serve(move |seen: &Seen| {
        let (status, json) = answer(&seen.path, &serde_json::from_str(&seen.body).unwrap_or(Value::Null));
        let a = Answer::new(status, "application/json", json.to_string()).with_header("x-amzn-requestid", "req-0123");
        if status == 403 { a.with_header("x-amzn-errortype", "AccessDeniedException") } else { a }
    })
    .await
}

async fn config(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_xray::config::Credentials::new("a", "b", None, None, "test"))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

fn query(limit: usize) -> Query {
    Query {
        since: Duration::from_secs(3600),
        runtimes: vec![RuntimeRef { key: "demo_agent".into(), id: "demo_agent_dev-0123456789".into() }],
        session: None,
        limit,
    }
}

fn id(n: usize) -> String {
    format!("1-692c5df0-{n:024x}")
}

#[tokio::test]
async fn every_page_is_read_and_traces_are_fetched_five_at_a_time_newest_first() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let answer = move |path: &str, body: &Value| match path {
        // Seven traces over two pages; trace n started n minutes ago.
        "/TraceSummaries" => {
            let (range, next) = if body.get("NextToken").is_some() { (4..8, None) } else { (1..4, Some("page-2")) };
            let summaries: Vec<Value> =
                range.map(|n| json!({"Id": id(n), "StartTime": now - 60.0 * n as f64, "Duration": 1.0})).collect();
            (200, json!({"TraceSummaries": summaries, "NextToken": next}))
        }
        "/Traces" => {
            let traces: Vec<Value> = body["TraceIds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    let n = usize::from_str_radix(&t.as_str().unwrap()[11..], 16).unwrap();
                    let doc = json!({"id": format!("{n:016x}"), "name": "demo_agent_dev.DEFAULT", "start_time": now - 60.0 * n as f64,
                                     "end_time": now - 60.0 * n as f64 + 0.5,
                                     "metadata": {"default": {"cloud.resource_id": "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-0123456789/runtime-endpoint/DEFAULT"}}});
                    json!({"Id": t, "Segments": [{"Id": format!("{n:016x}"), "Document": doc.to_string()}]})
                })
                .collect();
            (200, json!({"Traces": traces}))
        }
        other => panic!("unscripted {other}"),
    };
    let (url, calls) = serve(answer).await;
    let listed = TraceReader::new(&config(&url).await).list(&query(6)).await.unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<String> = listed.iter().map(|l| l.trace.id.clone()).collect();
    assert_eq!(ids, (1..7).map(id).collect::<Vec<_>>());
    let calls = calls.lock().unwrap();
    let paths: Vec<&str> = calls.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/TraceSummaries", "/TraceSummaries", "/Traces", "/Traces"]);
    let body = |i: usize| serde_json::from_str::<Value>(&calls[i].body).unwrap();
    assert_eq!(body(2)["TraceIds"].as_array().unwrap().len(), 5);
    assert_eq!(body(1)["NextToken"], "page-2");
    let window = body(0)["EndTime"].as_f64().unwrap() - body(0)["StartTime"].as_f64().unwrap();
    assert!((window - 3600.0).abs() < 1.0, "{window}");
}

#[tokio::test]
async fn a_refused_call_says_which_with_code_message_and_request_id() {
    let denied = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: xray:GetTraceSummaries";
    let answer = move |_: &str, _: &Value| (403, json!({ "Message": denied }));
    let (url, _) = serve(answer).await;
    let e = TraceReader::new(&config(&url).await).list(&query(5)).await.unwrap_err().to_string();
    assert!(
        e.starts_with("xray:GetTraceSummaries failed: AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized"),
        "{e}"
    );
    assert!(e.contains("[request ID req-0123]"), "{e}");
    assert!(!e.contains("SdkError") && !e.contains("ServiceError {"), "no debug structures: {e}");
}

/// Issue 27, 12: an answer whose NextToken never ends paged for ever (1.5 GB after 20 s). Now
/// `traces get` stops at its page cap, shows what it read and says it was cut; listing stops too.
#[tokio::test]
async fn an_endless_next_token_is_cut_and_said() {
    let calls = Arc::new(Mutex::new(0usize));
    let counted = calls.clone();
    let answer = move |path: &str, _: &Value| {
        *counted.lock().unwrap() += 1;
        match path {
            "/Traces" => {
                let segment =
                    json!({"Id": "s", "Document": json!({"id": "a", "name": "n", "start_time": 1.0}).to_string()});
                (200, json!({"Traces": [{"Id": id(1), "Segments": [segment]}], "NextToken": "again"}))
            }
            _ => (200, json!({"TraceSummaries": [{"Id": id(1), "StartTime": 1.0}], "NextToken": "again"})),
        }
    };
    let (url, _) = serve(answer).await;
    let reader = TraceReader::new(&config(&url).await);
    let t = reader.get(&id(1)).await.unwrap().unwrap();
    assert!(t.cut, "the trace says it was cut");
    assert!(corestack_traces::render::tree(&t).contains("went on past 100 pages"));
    assert_eq!(*calls.lock().unwrap(), 100);
    let listed = tokio::time::timeout(Duration::from_secs(60), reader.list(&query(5))).await;
    assert!(listed.is_ok(), "listing ends");
}
