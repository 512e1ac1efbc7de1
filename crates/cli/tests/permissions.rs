//! `corestack permissions` against what corestack really calls: moto records every request of a
//! whole life (deploy, status, diff, logs, traces, a second deploy, destroy), each is mapped to
//! its IAM action and resource here, independently of the code under test, and each must be
//! allowed by the printed policy.

use std::collections::BTreeSet;
use std::path::Path;

use common::on_moto::corestack;
use common::{text, with_researcher_and_memory, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

const ACCOUNT: &str = "123456789012";

/// One recorded request as IAM sees it.
#[derive(Debug)]
struct Call {
    action: String,
    /// The ARN the action is on, where the request names it; `None`: not derived here.
    resource: Option<String>,
    what: String,
}

/// The requests moto recorded, one JSON object a line.
fn recorded(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a recorded request"))
        .collect()
}

fn body(entry: &Value) -> String {
    let raw = entry["body"].as_str().unwrap_or_default();
    if entry["body_encoded"].as_bool() == Some(true) {
        use base64::Engine as _;
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(raw).unwrap_or_default()).into_owned()
    } else {
        raw.to_string()
    }
}

fn header<'a>(entry: &'a Value, name: &str) -> Option<&'a str> {
    entry["headers"].as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str())
}

/// The signing name in SigV4's credential scope: `Credential=AK/DATE/REGION/SERVICE/aws4_request`.
fn service(entry: &Value) -> Option<String> {
    let auth = header(entry, "Authorization")?;
    let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
    scope.split('/').nth(3).map(str::to_string)
}

fn form_value(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(&String::from_utf8_lossy(h), 16).ok());
        if let (b'%', Some(b)) = (bytes[i], hex) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The REST operations corestack calls, by service, method and path shape.
fn rest_action(service: &str, method: &str, path: &str) -> Option<(&'static str, Option<String>)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let arn = |resource: String| Some(format!("arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:{resource}"));
    Some(match (service, method, parts.as_slice()) {
        ("bedrock-agentcore", "GET", ["runtimes", id]) => {
            ("bedrock-agentcore:GetAgentRuntime", arn(format!("runtime/{id}")))
        }
        ("bedrock-agentcore", "POST", ["runtimes"]) => ("bedrock-agentcore:ListAgentRuntimes", None),
        ("bedrock-agentcore", "GET", ["runtimes", id, "runtime-endpoints", name]) => {
            ("bedrock-agentcore:GetAgentRuntimeEndpoint", arn(format!("runtime/{id}/runtime-endpoint/{name}")))
        }
        ("bedrock-agentcore", "POST", ["runtimes", encoded, "invocations"]) => {
            ("bedrock-agentcore:InvokeAgentRuntime", Some(percent_decode(encoded)))
        }
        ("bedrock-agentcore", "POST", ["memories"]) => ("bedrock-agentcore:ListMemories", None),
        ("bedrock-agentcore", "GET", ["gateways"]) => ("bedrock-agentcore:ListGateways", None),
        ("bedrock-agentcore", "GET", ["memories", id, "details"]) => {
            ("bedrock-agentcore:GetMemory", arn(format!("memory/{id}")))
        }
        ("bedrock-agentcore", "GET", ["gateways", id]) => {
            ("bedrock-agentcore:GetGateway", arn(format!("gateway/{id}")))
        }
        ("bedrock-agentcore", "POST", ["gateways", id, "targets"]) => {
            ("bedrock-agentcore:ListGatewayTargets", arn(format!("gateway/{id}")))
        }
        ("bedrock-agentcore", "GET", ["gateways", id, "targets", _]) => {
            ("bedrock-agentcore:GetGatewayTarget", arn(format!("gateway/{id}")))
        }
        ("xray", "POST", ["TraceSummaries"]) => ("xray:GetTraceSummaries", None),
        ("xray", "POST", ["Traces"]) => ("xray:BatchGetTraces", None),
        ("xray", "POST", ["GetTraceSegmentDestination"]) => ("xray:GetTraceSegmentDestination", None),
        ("bedrock", "GET", ["use-case-for-model-access"]) => ("bedrock:GetUseCaseForModelAccess", None),
        _ => return None,
    })
}

/// The resource a query or JSON call names, for the services whose requests carry it.
fn named_resource(service: &str, params: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    match service {
        "cloudformation" => params("StackName").map(|name| {
            if name.starts_with("arn:") {
                name
            } else {
                format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{name}/id")
            }
        }),
        "ecr" => params("repositoryName").map(|r| format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{r}")),
        "logs" => params("logGroupName").map(|g| format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{g}")),
        _ => None,
    }
}

/// The IAM action and resource of a recorded request; panics on one this test cannot read, so
/// that a new kind of call is mapped (and checked) rather than passed over.
fn call(entry: &Value) -> Call {
    let method = entry["method"].as_str().unwrap_or_default();
    let url = entry["url"].as_str().unwrap_or_default();
    let path = url.split("://").nth(1).and_then(|r| r.find('/').map(|i| &r[i..])).unwrap_or("/");
    let path = path.split('?').next().unwrap_or("/");
    let service = service(entry).unwrap_or_else(|| panic!("an unsigned request: {method} {url}"));
    let what = format!("{method} {url}");
    let body = body(entry);
    if let Some(target) = header(entry, "X-Amz-Target") {
        let action = target.rsplit('.').next().unwrap_or_default();
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let params = |k: &str| json[k].as_str().map(str::to_string);
        return Call { action: format!("{service}:{action}"), resource: named_resource(&service, &params), what };
    }
    if let Some(action) = form_value(&body, "Action") {
        let params = |k: &str| form_value(&body, k);
        return Call { action: format!("{service}:{action}"), resource: named_resource(&service, &params), what };
    }
    let (action, resource) =
        rest_action(&service, method, path).unwrap_or_else(|| panic!("not mapped to an IAM action here: {what}"));
    Call { action: action.to_string(), resource, what }
}

/// IAM's wildcard match: `*` any run of characters, `?` one.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Whether some statement allows `action` (case-insensitive, as IAM) on `resource` (any
/// resource of the statement when the request names none here). Conditions are not evaluated:
/// the calls checked here are corestack's own, and the CloudFormation-only statements are left
/// out of the check.
fn allowed(policy: &Value, action: &str, resource: Option<&str>) -> bool {
    policy["Statement"].as_array().into_iter().flatten().any(|s| {
        let via_cloudformation = s["Condition"].to_string().contains("aws:CalledVia");
        let strings = |v: &Value| {
            v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect::<Vec<_>>()
        };
        s["Effect"] == "Allow"
            && !via_cloudformation
            && strings(&s["Action"]).iter().any(|a| glob(a, action))
            && resource.is_none_or(|r| strings(&s["Resource"]).iter().any(|p| glob(p, r)))
    })
}

fn policy(dir: &Path) -> Value {
    let out = common::corestack(dir, &["permissions"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_str(&text(&out.stdout)).expect("permissions prints JSON")
}

#[test]
fn the_matcher_refuses_what_the_policy_does_not_name() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c);
    let policy = policy(dir.path());
    let stack = |name: &str| format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{name}/id");
    assert!(allowed(&policy, "cloudformation:DescribeStackEvents", Some(&stack("agentcore-demo-dev-Network"))));
    assert!(
        !allowed(&policy, "cloudformation:DescribeStackEvents", Some(&stack("other-dev-Network"))),
        "another project's stack"
    );
    assert!(!allowed(&policy, "cloudformation:DeleteStack", Some(&stack("other-dev-Network"))));
    assert!(!allowed(&policy, "iam:CreateUser", None));
    let repo = format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/other-dev");
    assert!(!allowed(&policy, "ecr:PutImage", Some(&repo)), "another project's repository");
    // CloudFormation's statements do not count for corestack's own calls.
    assert!(!allowed(&policy, "ec2:CreateVpc", None));
}

/// A change to the default config.
type ConfigEdit = dyn Fn(String) -> String;

/// Checks each request recorded since the `from`th against `policy`; returns how many it read.
fn check_calls(recording: &Path, from: usize, policy: &Value, step: &[&str], seen: &mut BTreeSet<String>) -> usize {
    let calls = recorded(recording);
    let mut refused = Vec::new();
    for entry in &calls[from..] {
        let c = call(entry);
        if !allowed(policy, &c.action, c.resource.as_deref()) {
            refused.push(format!("{} on {:?} ({})", c.action, c.resource, c.what));
        }
        seen.insert(c.action);
    }
    assert!(
        refused.is_empty(),
        "corestack {step:?} made calls its printed policy does not allow:\n{}",
        refused.join("\n")
    );
    calls.len()
}

#[test]
fn every_call_of_a_whole_life_is_in_the_printed_policy() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("calls.jsonl");
    let moto = Moto::start_recording(&workspace(), &recording);
    let (mut seen, mut read) = (BTreeSet::new(), 0);
    let grown =
        |c: String| with_researcher_and_memory(c).replace("transaction_search = false", "transaction_search = true");
    // First the default project; then it grows a runtime, a memory and Transaction Search, and
    // lives on: each step is checked against the policy printed for the config of that moment.
    let lives: [(&ConfigEdit, &[&[&str]]); 2] = [
        (&|c| c, &[&["deploy", "--yes"], &["status"]]),
        (
            &grown,
            &[
                &["diff"],
                &["deploy", "--yes"],
                &["status"],
                &["logs", "--since", "1h"],
                &["traces", "--since", "1h"],
                &["destroy", "--yes"],
            ],
        ),
    ];
    for (config, steps) in lives {
        write_config(dir.path(), config);
        let policy = policy(dir.path());
        for step in steps {
            let out = corestack(dir.path(), &moto, step);
            assert!(out.status.success(), "corestack {step:?}: {}", text(&out.stderr));
            read = check_calls(&recording, read, &policy, step, &mut seen);
        }
    }
    // The whole life went through the recorder: stacks made, changed and deleted, an image pushed.
    for action in [
        "cloudformation:CreateStack",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DeleteStack",
        "ecr:PutImage",
        "sts:GetCallerIdentity",
        "bedrock-agentcore:GetMemory",
    ] {
        assert!(seen.contains(action), "{action} was not recorded; recorded: {seen:?}");
    }
    assert!(read > 50, "only {read} calls recorded");
    eprintln!("{read} calls checked, {} actions: {seen:?}", seen.len());
}
