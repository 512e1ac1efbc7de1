//! The account-wide Transaction Search stack against moto (with corestack's test extension, which
//! gives X-Ray's GetTraceSegmentDestination and CloudFormation's TransactionSearchConfig): deployed
//! when the account does not have the setting, kept up to date once it is corestack's, left out when
//! the account turned it on some other way, and never destroyed with an environment.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use corestack_deploy::preflight::Identity;
use corestack_deploy::testing::Moto;
use corestack_deploy::transaction_search::{segment_destination, settle};
use corestack_deploy::{Deployer, Observer, Outcome, Project, StackPlan};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn settings(project: &str) -> corestack_app::Settings {
    let text = corestack_app::DEFAULT_CONFIG
        .replace("transaction_search = false", "transaction_search = true")
        .replace("name = \"agentcore-demo\"", &format!("name = \"{project}\""));
    assert!(text.contains("transaction_search = true") && text.contains(project));
    corestack_app::Settings::from_toml(&text, "corestack.toml".as_ref(), Some("dev")).unwrap()
}

const STACK: &str = "corestack-transaction-search";

#[derive(Default)]
struct Notes(Mutex<Vec<String>>);
impl Observer for Notes {
    fn note(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployed_once_per_account_kept_and_never_destroyed_with_an_environment() {
    let moto = Moto::start(&workspace());
    let config = moto.sdk_config("us-east-1").await;
    let deployer = Deployer::new(&config);
    let first = corestack_app::synth(&settings("alpha")).unwrap();
    let shared = vec![STACK.to_string()];
    assert_eq!(segment_destination(&config).await.unwrap().destination, "XRay");

    // Off in the account: the stack is deployed, and spans then go to CloudWatch Logs.
    let (plans, notes) = settle(&config, &deployer, StackPlan::from_assembly(&first), &shared).await.unwrap();
    assert_eq!(plans[0].name, STACK);
    assert!(notes[0].starts_with("Transaction Search is off in us-east-1 (spans go to XRay)"), "{notes:?}");
    let done = deployer.deploy(&plans[..1], &|_| {}).await.unwrap();
    assert_eq!(done[0].outcome, Outcome::Created);
    assert_eq!(segment_destination(&config).await.unwrap().destination, "CloudWatchLogs");

    // Another project in the same account: the stack is corestack's, so it stays in the plan.
    let second = corestack_app::synth(&settings("beta")).unwrap();
    let (plans, notes) = settle(&config, &deployer, StackPlan::from_assembly(&second), &shared).await.unwrap();
    assert_eq!(plans[0].name, STACK);
    assert_eq!(
        notes,
        ["Transaction Search in us-east-1 is managed by stack corestack-transaction-search: kept up to date"]
    );
    assert_eq!(deployer.deploy(&plans[..1], &|_| {}).await.unwrap()[0].outcome, Outcome::Unchanged);

    // Destroying an environment leaves the stack, and says so.
    let s = settings("alpha");
    let identity = Identity { account: "123456789012".into(), arn: "arn:aws:iam::123456789012:user/test".into() };
    let project = Project::with_config(&s, &first, config.clone(), identity);
    let notes = Arc::new(Notes::default());
    let observer: Arc<dyn Observer> = notes.clone();
    let destroyed = project.destroy(&observer).await.unwrap();
    assert!(destroyed.iter().all(|r| r.name != STACK), "{destroyed:?}");
    assert!(notes.0.lock().unwrap()[0].starts_with(
        "left stack corestack-transaction-search: Transaction Search is one setting for the whole account"
    ));
    assert!(deployer.exists(STACK).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_made_outside_corestack_is_left_as_it_is() {
    let moto = Moto::start(&workspace());
    let config = moto.sdk_config("us-east-1").await;
    // Someone turned Transaction Search on with the X-Ray API (as the console and the AgentCore CLI do).
    let python = workspace().join(".venv/bin/python");
    let on = Command::new(&python)
        .args(["-c", &format!("import boto3; c = boto3.client('xray', region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b'); print(c.update_trace_segment_destination(Destination='CloudWatchLogs')['Destination'])", moto.url())])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&on.stdout).trim(), "CloudWatchLogs", "{}", String::from_utf8_lossy(&on.stderr));
    let deployer = Deployer::new(&config);
    let assembly = corestack_app::synth(&settings("alpha")).unwrap();
    let all = StackPlan::from_assembly(&assembly);
    let (plans, notes) = settle(&config, &deployer, all.clone(), &[STACK.to_string()]).await.unwrap();
    assert_eq!(plans.len(), all.len() - 1);
    assert!(plans.iter().all(|p| p.name != STACK));
    assert_eq!(
        notes,
        [
            "Transaction Search is already on in us-east-1 (spans go to CloudWatch Logs, ACTIVE), set up outside corestack: left as it is, stack corestack-transaction-search not deployed"
        ]
    );
}
