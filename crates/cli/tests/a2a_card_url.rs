//! An A2A runtime's agent card advertises the runtime's invocation URL once deployed (issue 20):
//! the first deploy creates the runtime, then sets its stack's URL parameter, which becomes
//! `AGENTCORE_RUNTIME_URL`; the next deploy passes the same value and changes nothing. Against
//! moto, read back with boto3.

use std::process::Command;

use common::on_moto::corestack;
use common::{text, workspace, write_config};
use corestack_deploy::testing::Moto;
use serde_json::Value;

mod common;

/// The runtime's environment variable and the stack parameter, as boto3 reads them.
fn deployed(moto: &Moto) -> Value {
    let script = format!(
        r#"import boto3, json
kw = dict(region_name='us-east-1', endpoint_url='{}', aws_access_key_id='a', aws_secret_access_key='b')
control = boto3.client('bedrock-agentcore-control', **kw)
r = control.list_agent_runtimes()['agentRuntimes'][0]
got = control.get_agent_runtime(agentRuntimeId=r['agentRuntimeId'])
stack = boto3.client('cloudformation', **kw).describe_stacks(StackName='agentcore-demo-dev-AgentCore')['Stacks'][0]
params = {{p['ParameterKey']: p['ParameterValue'] for p in stack['Parameters']}}
print(json.dumps(dict(arn=got['agentRuntimeArn'], env=got.get('environmentVariables', {{}}).get('AGENTCORE_RUNTIME_URL'),
    parameter=params.get('DemoAgentInvocationUrl'))))"#,
        moto.url()
    );
    let out = Command::new(workspace().join(".venv/bin/python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_a2a_runtime_gets_its_invocation_url_in_one_deploy_and_keeps_it() {
    let moto = Moto::start(&workspace());
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), |c| c.replacen("protocol = \"HTTP\"", "protocol = \"A2A\"", 1));
    let first = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    let said = format!("{}{}", text(&first.stdout), text(&first.stderr));
    assert!(first.status.success(), "{said}");
    assert!(said.contains("invocation URLs go into AGENTCORE_RUNTIME_URL"), "{said}");
    let state = deployed(&moto);
    let arn = state["arn"].as_str().unwrap();
    let url = corestack_deploy::runtime_url::invocation_url("us-east-1", arn);
    assert!(url.starts_with("https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3A"), "{url}");
    assert_eq!(state["parameter"], url.as_str(), "{state}");
    assert_eq!(state["env"], url.as_str(), "the runtime's environment: {state}");

    let again = corestack(dir.path(), &moto, &["deploy", "--yes"]);
    let said = format!("{}{}", text(&again.stdout), text(&again.stderr));
    assert!(again.status.success(), "{said}");
    assert!(!said.contains("invocation URLs go into"), "no second update on a later deploy: {said}");
    assert_eq!(deployed(&moto)["env"], url.as_str());
}
