//! The synthesized templates against the data files in `contracts/` (the seed plan's contracts).

mod support;

use pretty_assertions::assert_eq;
use serde_json::Value;
use support::*;

fn contract(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../../contracts/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn fill(text: &str) -> Value {
    let text = text
        .replace("<runtime_name>", "demo_agent_dev")
        .replace("<repository_name>", "agentcore-demo-dev")
        .replace("<profile_id>", "us.anthropic.claude-haiku-5-5")
        .replace("<model_id>", "anthropic.claude-haiku-5-5");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn outputs_match_the_outputs_contract() {
    let a = default_assembly();
    let spec: Value = serde_yaml_ng::from_str(&contract("agentcore-stack.yaml")).unwrap();
    let outputs = spec["outputs"].as_object().unwrap();
    assert_eq!(outputs.len(), 5);
    for (name, want) in outputs {
        let t = template(&a, want["stack"].as_str().unwrap());
        let got = t.output(name);
        let value = serde_json::to_string(&want["value"])
            .unwrap()
            .replace("<Runtime>", "DemoAgentRuntime")
            .replace("<Role>", "DemoAgentExecutionRole");
        assert_eq!(got["Value"], serde_json::from_str::<Value>(&value).unwrap(), "value of {name}");
        match want.get("exportName").and_then(Value::as_str) {
            Some(export) => {
                assert_eq!(got["Export"]["Name"], export.replace("${Environment}", "dev"), "export of {name}")
            }
            None => assert!(got.get("Export").is_none(), "{name} is not exported"),
        }
        assert!(!got["Description"].as_str().unwrap().is_empty());
    }
}

#[test]
fn trust_policy_matches_the_trust_contract() {
    let t = template(&default_assembly(), "Security");
    assert_eq!(
        t.resource("DemoAgentExecutionRole")["Properties"]["AssumeRolePolicyDocument"],
        fill(&contract("execution-role-trust.json"))
    );
}

#[test]
fn permissions_match_the_permissions_contract() {
    let t = template(&default_assembly(), "Security");
    assert_eq!(
        t.resource("DemoAgentExecutionRolePolicy")["Properties"]["PolicyDocument"],
        fill(&contract("execution-role-permissions.json"))
    );
}
