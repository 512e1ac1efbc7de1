//! `corestack traces` against moto: the deployed runtime's traces (segments put with boto3 in the
//! shape X-Ray stores AgentCore spans: the runtime's ID in the resource attributes, the session in
//! `session.id`), filtered by session, and one trace as a span tree by either form of its ID.

use std::process::Command;

use common::on_moto::{corestack, deploy_default};
use common::{text, workspace};
use corestack_deploy::testing::Moto;
use serde_json::{Value, json};

mod common;

/// Puts segment documents into moto's X-Ray with boto3.
fn put_segments(moto: &Moto, segments: &[Value]) {
    let docs: Vec<String> = segments.iter().map(Value::to_string).collect();
    let script = format!(
        "import boto3, json, sys\n\
         c = boto3.client('xray', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         r = c.put_trace_segments(TraceSegmentDocuments=json.loads(sys.argv[1]))\n\
         assert not r['UnprocessedTraceSegments'], r\n",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python"))
        .args(["-c", &script, &serde_json::to_string(&docs).unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A trace of one invocation: the runtime's server span with a model call under it, and a
/// downstream segment whose parent is the model call.
fn invocation(trace: &str, runtime_id: &str, session: &str, start: f64, fault: bool) -> Vec<Value> {
    let hex = &trace[2..].replace('-', "")[..16];
    vec![
        json!({
            "id": &hex[..16], "trace_id": trace, "name": "demo_agent_dev.DEFAULT",
            "start_time": start, "end_time": start + 1.5, "fault": fault,
            "annotations": {"session.id": session},
            "metadata": {"default": {"aws.log.group.names": format!("/aws/bedrock-agentcore/runtimes/{runtime_id}-DEFAULT"),
                                      "agentcore.protocol": "HTTP"}},
            "subsegments": [{"id": "a000000000000001", "name": "chat us.anthropic.claude-haiku-5-5",
                             "start_time": start + 0.1, "end_time": start + 1.2,
                             "metadata": {"default": {"gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 34}}}],
        }),
        json!({"id": "b000000000000001", "trace_id": trace, "parent_id": "a000000000000001", "name": "Bedrock Runtime",
               "start_time": start + 0.2, "end_time": start + 1.1}),
    ]
}

#[test]
fn traces_lists_the_runtimes_traces_and_shows_one_as_a_tree() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    let id = deploy_default(dir.path(), &moto);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let (a, b, other) = (
        "1-692c5df0-aaaaaaaaaaaaaaaaaaaaaaaa",
        "1-692c5df1-bbbbbbbbbbbbbbbbbbbbbbbb",
        "1-692c5df2-cccccccccccccccccccccccc",
    );
    let mut segments = invocation(a, &id, "session-a", now - 120.0, false);
    segments.extend(invocation(b, &id, "session-b", now - 60.0, true));
    // Another account's runtime, in the same time: not listed.
    segments.extend(invocation(other, "someone_else-0123456789", "session-c", now - 30.0, false));
    put_segments(&moto, &segments);

    let run = corestack(dir.path(), &moto, &["traces", "--json"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let listed: Value = serde_json::from_str(&text(&run.stdout)).unwrap();
    let rows: Vec<(&str, &str, &str, &str, u64)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap(),
                t["runtime"].as_str().unwrap(),
                t["session"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
                t["spans"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(b, "demo_agent", "session-b", "fault", 3), (a, "demo_agent", "session-a", "ok", 3)]);
    assert_eq!(listed[1]["duration_ms"], 1500.0);

    let run = corestack(dir.path(), &moto, &["traces", "--session", "session-a", "--runtime", "demo_agent"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("TRACE") && lines[1].starts_with(a) && lines[1].contains("session-a"), "{out}");

    get_shows_a_trace_as_a_span_tree(dir.path(), &moto, a, b);

    // What cannot be found or read says so, with exit 2.
    let run = corestack(dir.path(), &moto, &["traces", "get", "1-00000000-000000000000000000000000"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("X-Ray has no trace 1-00000000-000000000000000000000000 in us-east-1"),
        "{}",
        text(&run.stderr)
    );
    for (args, says) in [
        (&["traces", "get", "not-a-trace"][..], "`not-a-trace` is not a trace ID"),
        (&["traces", "--since", "soon"][..], "--since `soon` is not a duration"),
        (&["traces", "--runtime", "nosuch"][..], "nosuch"),
    ] {
        let run = corestack(dir.path(), &moto, args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", text(&run.stderr));
        assert!(text(&run.stderr).contains(says), "{args:?}: {}", text(&run.stderr));
    }
}

/// `traces get` shows trace `a` as a span tree, by its X-Ray ID and by the 32 hex digits
/// OpenTelemetry tools show, and trace `b` as JSON.
fn get_shows_a_trace_as_a_span_tree(dir: &std::path::Path, moto: &Moto, a: &str, b: &str) {
    let w3c = a[2..].replace('-', "");
    for given in [a, w3c.as_str()] {
        let run = corestack(dir, moto, &["traces", "get", given]);
        assert!(run.status.success(), "{}", text(&run.stderr));
        let tree = text(&run.stdout);
        let lines: Vec<&str> = tree.lines().collect();
        assert!(
            lines[0].starts_with(&format!("trace {a}  started "))
                && lines[0].ends_with("1500 ms  ok  session session-a"),
            "{tree}"
        );
        assert!(lines[1].starts_with("  demo_agent_dev.DEFAULT  1500 ms  ok  agentcore.protocol=HTTP"), "{tree}");
        assert!(
            lines[2].starts_with("    chat us.anthropic.claude-haiku-5-5  1100 ms  ok  gen_ai.usage.input_tokens=12"),
            "{tree}"
        );
        assert!(lines[3].starts_with("      Bedrock Runtime  900 ms  ok"), "{tree}");
        assert_eq!(lines.len(), 4, "{tree}");
    }
    let run = corestack(dir, moto, &["traces", "get", b, "--json"]);
    let trace: Value = serde_json::from_str(&text(&run.stdout)).unwrap();
    assert_eq!(trace["roots"][0]["status"], "fault");
    assert_eq!(trace["roots"][0]["children"][0]["attributes"]["gen_ai.usage.output_tokens"], "34");
}
