//! Deploys the default config's assembly to moto (server mode, with corestack's AgentCore
//! extension for CloudFormation), then redeploys, changes and destroys it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use corestack_deploy::testing::Moto;
use corestack_deploy::{Deployer, Outcome, StackPlan};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn deployer(port: u16) -> Deployer {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials_provider(aws_sdk_cloudformation::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await;
    Deployer::new(&config).with_poll_interval(Duration::from_millis(100))
}

fn plans(config: &str) -> Vec<StackPlan> {
    let settings = corestack_app::Settings::from_toml(config, "corestack.toml".as_ref(), Some("dev")).unwrap();
    StackPlan::from_assembly(&corestack_app::synth(&settings).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_redeploy_change_and_destroy_the_default_config() {
    let moto = Moto::start(&workspace());
    let d = deployer(moto.port).await;
    let default = plans(corestack_app::DEFAULT_CONFIG);
    let progress = |_: corestack_deploy::Step<'_>| {};

    let created = d.deploy(&default, &progress).await.unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = created.iter().map(|r| r.name.rsplit('-').next().unwrap()).collect();
    assert_eq!(names, vec!["Network", "Security", "Storage", "AgentCore", "Monitoring"]);
    assert!(created.iter().all(|r| r.outcome == Outcome::Created));
    let agentcore = &created[3].outputs;
    for key in [
        "AgentRuntimeArn",
        "AgentRuntimeId",
        "AgentRuntimeVersion",
        "AgentRuntimeEndpointUrl",
        "DemoAgentAgentRuntimeArn",
    ] {
        assert!(agentcore.get(key).is_some_and(|v| !v.is_empty()), "output {key} in {agentcore:?}");
    }
    assert!(agentcore["AgentRuntimeEndpointUrl"].starts_with("https://bedrock-agentcore.us-east-1."));
    assert!(created[1].outputs.contains_key("ExecutionRoleArn"));

    the_runtime_and_its_deliveries_are_in_the_account(&moto, &agentcore["AgentRuntimeId"]);

    // A second deploy changes nothing, after a few calls per stack.
    let before = d.calls();
    let started = Instant::now();
    let again = d.deploy(&default, &progress).await.unwrap();
    let (calls, took) = (d.calls() - before, started.elapsed());
    assert!(again.iter().all(|r| r.outcome == Outcome::Unchanged), "{again:?}");
    assert!(calls <= 2 * default.len(), "{calls} calls for a no-op deploy");
    println!("no-op deploy of {} stacks: {calls} API calls in {took:?}", default.len());

    // A changed threshold updates only the Monitoring stack, through a change set.
    assert!(corestack_app::DEFAULT_CONFIG.contains("latency_ms = 120000"));
    let changed = plans(&corestack_app::DEFAULT_CONFIG.replace("latency_ms = 120000", "latency_ms = 180000"));
    let updated = d.deploy(&changed, &progress).await.unwrap();
    let outcomes: Vec<(&str, &Outcome)> =
        updated.iter().map(|r| (r.name.rsplit('-').next().unwrap(), &r.outcome)).collect();
    assert!(matches!(outcomes[4], ("Monitoring", Outcome::Updated { .. })), "{outcomes:?}");
    assert!(outcomes[..4].iter().all(|(_, o)| **o == Outcome::Unchanged), "{outcomes:?}");

    // Destroy removes every stack, dependents first.
    let destroyed = d.destroy(&changed, &progress).await.unwrap();
    let order: Vec<&str> = destroyed.iter().map(|r| r.name.rsplit('-').next().unwrap()).collect();
    assert_eq!(order, vec!["Monitoring", "AgentCore", "Storage", "Security", "Network"]);
    assert!(destroyed.iter().all(|r| r.outcome == Outcome::Deleted));
    let gone = d.destroy(&changed, &progress).await.unwrap();
    assert!(gone.iter().all(|r| r.outcome == Outcome::Absent));

    only_what_the_config_retains_is_left(&moto);
}

/// A template over CloudFormation's inline limit (the Security stack of 30 runtimes) goes through
/// the template bucket; without one, deploy refuses it before any call, saying how to fix it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_templates_are_uploaded_to_the_template_bucket() {
    let moto = Moto::start(&workspace());
    let all = plans(&corestack_app::fixtures::many_runtimes(30));
    let first_two: Vec<StackPlan> = all.into_iter().take(2).collect();
    let security = &first_two[1];
    assert!(security.name.ends_with("-Security"));
    assert!(security.template.len() > corestack_deploy::INLINE_TEMPLATE_BYTES, "{} bytes", security.template.len());
    let progress = |_: corestack_deploy::Step<'_>| {};

    let without = deployer(moto.port).await;
    let err = without.deploy(&first_two, &progress).await.unwrap_err().to_string();
    assert!(err.contains("must be uploaded to S3 first") && err.contains("fix: set template_bucket"), "{err}");

    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(moto.url())
        .credentials_provider(aws_sdk_cloudformation::config::Credentials::new("a", "b", None, None, "moto"))
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::new(&config);
    s3.create_bucket().bucket("corestack-templates").send().await.unwrap();
    let d = deployer(moto.port).await.with_template_bucket(Some("corestack-templates".into()));
    let created = d.deploy(&first_two, &progress).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(created.iter().all(|r| r.outcome == Outcome::Created), "{created:?}");
    assert!(created[1].outputs.contains_key("ExecutionRoleArn"), "{:?}", created[1].outputs);
    let listed = s3.list_objects_v2().bucket("corestack-templates").send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with(&format!("corestack/{}/", security.name)) && keys[0].ends_with(".json"), "{keys:?}");
    let again = d.deploy(&first_two, &progress).await.unwrap();
    assert!(again.iter().all(|r| r.outcome == Outcome::Unchanged), "{again:?}");
}

/// The runtime `id` exists in the control plane, READY, and its vended deliveries, read back
/// through the CloudWatch Logs API, send application and usage logs to their log groups and
/// traces to X-Ray.
fn the_runtime_and_its_deliveries_are_in_the_account(moto: &Moto, id: &str) {
    let python = workspace().join(".venv/bin/python");
    let status = Command::new(&python)
        .args(["-c", &format!("import boto3; c = boto3.client('bedrock-agentcore-control', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b'); print(c.get_agent_runtime(agentRuntimeId='{}')['status'])", moto.url(), id)])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout).trim(), "READY", "{}", String::from_utf8_lossy(&status.stderr));

    let deliveries = Command::new(&python)
        .args(["-c", &format!("import boto3; c = boto3.client('logs', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
            kinds = {{d['name']: d['deliveryDestinationType'] for d in c.describe_delivery_destinations()['deliveryDestinations']}}\n\
            sources = {{s['name']: s['logType'] for s in c.describe_delivery_sources()['deliverySources']}}\n\
            print(sorted((d['deliverySourceName'], sources[d['deliverySourceName']], d['deliveryDestinationType']) for d in c.describe_deliveries()['deliveries']), sorted(kinds.items()))", moto.url())])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&deliveries.stdout).trim(),
        "[('demo_agent_dev-app', 'APPLICATION_LOGS', 'CWL'), ('demo_agent_dev-traces', 'TRACES', 'XRAY'), ('demo_agent_dev-usage', 'USAGE_LOGS', 'CWL')] \
         [('demo_agent_dev-app-cwl', 'CWL'), ('demo_agent_dev-traces-xray', 'XRAY'), ('demo_agent_dev-usage-cwl', 'CWL')]",
        "{}",
        String::from_utf8_lossy(&deliveries.stderr)
    );
}

/// After destroy nothing the deploy created is left, but what the config retains: the key, the
/// repository and the runtime's log groups.
fn only_what_the_config_retains_is_left(moto: &Moto) {
    let python = workspace().join(".venv/bin/python");
    let script = format!(
        "import boto3, json\n\
         kw = dict(region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')\n\
         ec2 = boto3.client('ec2', **kw)\n\
         left = dict(\n\
           vpcs=[v['VpcId'] for v in ec2.describe_vpcs()['Vpcs'] if not v.get('IsDefault')],\n\
           endpoints=[e['VpcEndpointId'] for e in ec2.describe_vpc_endpoints()['VpcEndpoints'] if e['State'].lower() != 'deleted'],\n\
           security_groups=[g['GroupName'] for g in ec2.describe_security_groups()['SecurityGroups'] if g['GroupName'] != 'default'],\n\
           roles=[r['RoleName'] for r in boto3.client('iam', **kw).list_roles()['Roles'] if r['RoleName'].startswith('agentcore-demo')],\n\
           runtimes=boto3.client('bedrock-agentcore-control', **kw).list_agent_runtimes()['agentRuntimes'],\n\
           alarms=[a['AlarmName'] for a in boto3.client('cloudwatch', **kw).describe_alarms()['MetricAlarms']],\n\
           dashboards=boto3.client('cloudwatch', **kw).list_dashboards()['DashboardEntries'],\n\
           exports=boto3.client('cloudformation', **kw).list_exports()['Exports'],\n\
           log_groups=[g['logGroupName'] for g in boto3.client('logs', **kw).describe_log_groups()['logGroups']],\n\
           deliveries=boto3.client('logs', **kw).describe_deliveries()['deliveries'],\n\
           repositories=[r['repositoryName'] for r in boto3.client('ecr', **kw).describe_repositories()['repositories']],\n\
           keys=[k['KeyId'] for k in boto3.client('kms', **kw).list_keys()['Keys']],\n\
         )\n\
         print(json.dumps(left, default=str))\n",
        moto.url()
    );
    let out = Command::new(&python).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let left: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for kind in ["vpcs", "endpoints", "security_groups", "roles", "runtimes", "alarms", "dashboards", "exports"] {
        assert_eq!(left[kind], serde_json::json!([]), "{kind} left after destroy: {left}");
    }
    // Kept on purpose: the runtime's log group and its vended logs' groups (logs may be needed
    // after the runtime is gone). The flow logs' group goes with the network.
    let groups: Vec<&str> = left["log_groups"].as_array().unwrap().iter().filter_map(|g| g.as_str()).collect();
    assert_eq!(groups.len(), 3, "{left}");
    assert!(groups[0].starts_with("/aws/bedrock-agentcore/runtimes/") && groups[0].ends_with("-DEFAULT"), "{left}");
    assert!(groups[1].starts_with("/aws/vendedlogs/bedrock-agentcore/runtime/APPLICATION_LOGS/"), "{left}");
    assert!(groups[2].starts_with("/aws/vendedlogs/bedrock-agentcore/runtime/USAGE_LOGS/"), "{left}");
    assert_eq!(left["deliveries"], serde_json::json!([]), "{left}");
    assert_eq!(left["repositories"], serde_json::json!(["agentcore-demo-dev"]), "{left}");
    assert_eq!(left["keys"].as_array().map(Vec::len), Some(1), "{left}");
}
