//! The platform rules (memories, gateways, targets, credential providers): the platform example
//! is clean, and each rule fires on its fault.

use corestack_rules::{Finding, Model, Severity, check};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use support::*;

mod support;

/// The platform example's assembly (memory, gateway, targets, provider) for `env`.
fn platform(env: &str) -> Vec<(String, Value)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform/corestack.toml");
    let settings = corestack_app::Settings::load(&path, Some(env)).unwrap();
    corestack_app::synth(&settings).unwrap().documents()
}

fn platform_findings(mutate: impl FnOnce(&mut Vec<(String, Value)>), production: bool) -> Vec<Finding> {
    let mut docs = platform(if production { "prod" } else { "dev" });
    mutate(&mut docs);
    check(&Model::new(docs, production), &[]).findings
}

#[test]
fn the_platform_example_is_clean_and_each_platform_security_rule_fires_on_its_fault() {
    for production in [false, true] {
        assert_eq!(platform_findings(|_| {}, production), vec![], "production {production}");
    }
    // SEC13: a memory and a gateway without the project key.
    let f = platform_findings(
        |d| {
            let p = part(d, "Platform");
            p["Resources"]["ConversationsMemory"]["Properties"].as_object_mut().unwrap().remove("EncryptionKeyArn");
            p["Resources"]["ToolsGateway"]["Properties"].as_object_mut().unwrap().remove("KmsKeyArn");
        },
        false,
    );
    fires(&f, "SEC13", "Platform", "/Resources/ConversationsMemory/Properties/EncryptionKeyArn");
    fires(&f, "SEC13", "Platform", "/Resources/ToolsGateway/Properties/KmsKeyArn");
    // SEC14: a key written into a provider, and an access key in a runtime's environment.
    let f = platform_findings(
        |d| {
            res(part(d, "Platform"), "PetstoreKeyCredentialProvider")["Properties"]["ApiKey"] = json!("hunter2");
            res(part(d, "AgentCore"), "AssistantRuntime")["Properties"]["EnvironmentVariables"]["KEY"] =
                json!("AKIAIOSFODNN7EXAMPLE");
        },
        false,
    );
    assert!(
        fires(&f, "SEC14", "Platform", "/Resources/PetstoreKeyCredentialProvider/Properties/ApiKey")
            .message
            .contains("a literal ApiKey")
    );
    assert!(
        fires(&f, "SEC14", "AgentCore", "/Resources/AssistantRuntime/Properties/EnvironmentVariables/KEY")
            .message
            .contains("an AWS access key ID")
    );
}

#[test]
fn platform_access_operations_and_correctness_rules_fire_on_their_faults() {
    // SEC15: memory actions on every memory of the account.
    let f = platform_findings(
        |d| {
            res(part(d, "AgentCore"), "AssistantPlatformAccess")["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] = json!([{"Fn::Sub": "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:memory/*"}]);
        },
        false,
    );
    fires(
        &f,
        "SEC15",
        "AgentCore",
        "/Resources/AssistantPlatformAccess/Properties/PolicyDocument/Statement/0/Resource",
    );
    // SEC16: a gateway anyone may call, a warning in dev and an error in production.
    let open = |d: &mut Vec<(String, Value)>| {
        res(part(d, "Platform"), "ToolsGateway")["Properties"]["AuthorizerType"] = json!("NONE")
    };
    assert_eq!(
        fires(
            &platform_findings(open, false),
            "SEC16",
            "Platform",
            "/Resources/ToolsGateway/Properties/AuthorizerType"
        )
        .severity,
        Severity::Warning
    );
    assert_eq!(
        fires(&platform_findings(open, true), "SEC16", "Platform", "/Resources/ToolsGateway/Properties/AuthorizerType")
            .severity,
        Severity::Error
    );
    // OPS06: events kept for ever (no expiry), or longer than the service allows.
    let f = platform_findings(
        |d| {
            drop(
                res(part(d, "Platform"), "ConversationsMemory")["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("EventExpiryDuration"),
            )
        },
        false,
    );
    fires(&f, "OPS06", "Platform", "/Resources/ConversationsMemory/Properties/EventExpiryDuration");
    // COR05: a target naming a provider nobody creates.
    let f = platform_findings(
        |d| {
            let t = res(part(d, "Platform"), "ToolsGatewayPetstoreTarget");
            t["Properties"]["CredentialProviderConfigurations"][0]["CredentialProvider"]["ApiKeyCredentialProvider"]
                ["ProviderArn"] = json!({"Fn::GetAtt": ["ToolsGatewayRole", "Arn"]});
        },
        false,
    );
    fires(
        &f,
        "COR05",
        "Platform",
        "/Resources/ToolsGatewayPetstoreTarget/Properties/CredentialProviderConfigurations/0/CredentialProvider/ApiKeyCredentialProvider/ProviderArn",
    );
}
