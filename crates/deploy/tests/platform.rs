//! examples/platform deployed to moto (with corestack's extension, which creates memories,
//! gateways and targets through moto's AgentCore control plane): the runtimes get the deployed IDs
//! and URL, status reads every memory, gateway and target and waits for them, and destroy keeps
//! the memory and says so.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corestack_deploy::preflight::Identity;
use corestack_deploy::testing::Moto;
use corestack_deploy::{Deployer, Observer, Outcome, Project, StackPlan, Wait};
use serde_json::Value;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[derive(Default)]
struct Notes(Mutex<Vec<String>>);
impl Observer for Notes {
    fn note(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_string());
    }
}

/// Runs `code` with `c`, a bedrock-agentcore-control client of moto; returns its JSON output.
fn control(moto: &Moto, code: &str) -> Value {
    let script = format!(
        "import boto3, json\nc = boto3.client('bedrock-agentcore-control', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n{code}\n",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_example_deploys_hands_its_ids_to_the_runtimes_and_keeps_its_memory() {
    let moto = Moto::start(&workspace());
    let config = moto.sdk_config("us-east-1").await;
    let settings =
        corestack_app::Settings::load(&workspace().join("examples/platform/corestack.toml"), Some("dev")).unwrap();
    let assembly = corestack_app::synth(&settings).unwrap();
    let plans = StackPlan::from_assembly(&assembly);
    let deployer = Deployer::new(&config).with_poll_interval(Duration::from_millis(100));
    let done = deployer.deploy(&plans, &|_| {}).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(done.iter().all(|r| r.outcome == Outcome::Created), "{done:?}");
    let platform = done.iter().find(|r| r.name.ends_with("-Platform")).unwrap();
    let (memory_id, gateway_url) = (&platform.outputs["ConversationsMemoryId"], &platform.outputs["ToolsGatewayUrl"]);

    // What CloudFormation made, through the control plane.
    let made = control(
        &moto,
        "m = c.list_memories()['memories']\ng = c.list_gateways()['items']\n\
         t = c.list_gateway_targets(gatewayIdentifier=g[0]['gatewayId'])['items']\n\
         r = {x['agentRuntimeName']: c.get_agent_runtime(agentRuntimeId=x['agentRuntimeId'])['environmentVariables'] for x in c.list_agent_runtimes()['agentRuntimes']}\n\
         print(json.dumps({'memories': [x['id'] for x in m], 'gateways': [x['name'] for x in g], 'targets': sorted(x['name'] for x in t), 'env': r}))",
    );
    assert_eq!(made["memories"], serde_json::json!([memory_id]));
    assert_eq!(made["gateways"], serde_json::json!(["tools-dev"]));
    assert_eq!(made["targets"], serde_json::json!(["petstore", "weather"]));
    let assistant = &made["env"]["assistant_dev"];
    assert_eq!(assistant["CORESTACK_MEMORY_CONVERSATIONS_ID"], memory_id.as_str());
    assert_eq!(assistant["BEDROCK_AGENTCORE_MEMORY_ID"], memory_id.as_str());
    assert_eq!(assistant["CORESTACK_GATEWAY_TOOLS_URL"], gateway_url.as_str());
    assert!(gateway_url.starts_with("https://") && gateway_url.ends_with("/mcp"), "{gateway_url}");
    assert!(made["env"]["notetaker_dev"].get("CORESTACK_GATEWAY_TOOLS_URL").is_none());

    the_memory_and_gateway_deliver_logs_and_traces(&moto);
    a_change_updates_the_platform_stack_in_place(&moto, &deployer, memory_id).await;

    // status: every memory, gateway and target, waited for.
    let identity = Identity { account: "123456789012".into(), arn: "arn:aws:iam::123456789012:user/test".into() };
    let project = Project::with_config(&settings, &assembly, config.clone(), identity);
    let wait = Wait { interval: Duration::from_millis(50), timeout: Duration::from_secs(20) };
    let polls = Mutex::new(0);
    let statuses =
        project.platform_statuses(Some(wait), &|_| *polls.lock().unwrap() += 1).await.unwrap_or_else(|e| panic!("{e}"));
    let seen: Vec<(&str, &str, usize)> =
        statuses.iter().map(|s| (s.name.as_str(), s.status.as_str(), s.targets.len())).collect();
    assert_eq!(seen, [("conversations_dev", "ACTIVE", 0), ("tools-dev", "READY", 2)]);
    assert!(statuses[1].targets.iter().all(|t| t.status == "READY"));
    assert!(*polls.lock().unwrap() >= 2);

    // destroy: everything but the memory goes, and it says which memory stays.
    let notes = Arc::new(Notes::default());
    let observer: Arc<dyn Observer> = notes.clone();
    let destroyed = project.destroy(&observer).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(destroyed.iter().all(|r| r.outcome == Outcome::Deleted), "{destroyed:?}");
    let notes = notes.0.lock().unwrap().clone();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with(&format!("kept memory conversations_dev ({memory_id}): memories hold users' data"))),
        "{notes:?}"
    );
    let left = control(
        &moto,
        "print(json.dumps({'memories': len(c.list_memories()['memories']), 'gateways': len(c.list_gateways()['items'])}))",
    );
    assert_eq!(left, serde_json::json!({"memories": 1, "gateways": 0}));
}

/// The memory's and gateway's vended logs and traces, read back through CloudWatch Logs.
fn the_memory_and_gateway_deliver_logs_and_traces(moto: &Moto) {
    let script = format!(
        "import boto3, json\nc = boto3.client('logs', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         print(json.dumps(sorted(d['deliverySourceName'] for d in c.describe_deliveries()['deliveries'] if d['deliverySourceName'][:2] in ('m-', 'g-'))))",
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"["g-agentcore-platform-tools-dev-app", "g-agentcore-platform-tools-dev-traces", "m-agentcore-platform-conversations_dev-app", "m-agentcore-platform-conversations_dev-traces"]"#,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A changed expiry and description update the Platform stack in place: the same memory
/// (`memory_id`), with the new values.
async fn a_change_updates_the_platform_stack_in_place(moto: &Moto, deployer: &Deployer, memory_id: &str) {
    let text = std::fs::read_to_string(workspace().join("examples/platform/corestack.toml")).unwrap();
    let changed = text
        .replace("event_expiry_days = 30", "event_expiry_days = 60")
        .replace("description = \"The assistant's tools\"", "description = \"Weather and pets\"");
    assert_ne!(changed, text);
    let changed = corestack_app::Settings::from_toml(
        &changed,
        &workspace().join("examples/platform/corestack.toml"),
        Some("dev"),
    )
    .unwrap();
    let redone = deployer
        .deploy(&StackPlan::from_assembly(&corestack_app::synth(&changed).unwrap()), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let outcomes: Vec<(&str, bool)> = redone
        .iter()
        .map(|r| (r.name.rsplit('-').next().unwrap(), matches!(r.outcome, Outcome::Updated { .. })))
        .collect();
    assert!(outcomes.contains(&("Platform", true)) && outcomes.iter().filter(|(_, u)| *u).count() == 1, "{redone:?}");
    let now = control(
        moto,
        "m = c.list_memories()['memories']\ng = c.list_gateways()['items'][0]\n\
         print(json.dumps({'ids': [x['id'] for x in m], 'days': c.get_memory(memoryId=m[0]['id'])['memory']['eventExpiryDuration'], 'about': c.get_gateway(gatewayIdentifier=g['gatewayId'])['description']}))",
    );
    assert_eq!(now, serde_json::json!({"ids": [memory_id], "days": 60, "about": "Weather and pets"}));
}
