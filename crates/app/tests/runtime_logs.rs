//! Each runtime endpoint's log group, made by its AgentCore stack: named as the service names it,
//! with the environment's retention and the project's key, kept when the stack goes, and created
//! only when its parameter says `create`; the manifest says which parameter that is.

mod support;

use serde_json::json;
use support::*;

#[test]
fn every_endpoint_gets_a_retained_encrypted_log_group_with_the_configured_retention() {
    let text = corestack_app::DEFAULT_CONFIG
        .replace(
            "# [[runtimes.endpoints]]\n# name = \"prod\"\n# version = \"current\"",
            "[[runtimes.endpoints]]\nname = \"live\"\nversion = \"current\"",
        )
        .replace("runtime_log_retention_days = 30", "runtime_log_retention_days = 90");
    assert!(text.contains("name = \"live\"") && text.contains("runtime_log_retention_days = 90"));
    let a = synth(&text, "dev");
    let agentcore = template(&a, "AgentCore");
    for endpoint in ["DEFAULT", "live"] {
        agentcore.has_resource_properties(
            "AWS::Logs::LogGroup",
            json!({
                "LogGroupName": {"Fn::Sub": [format!("/aws/bedrock-agentcore/runtimes/${{RuntimeId}}-{endpoint}"),
                                             {"RuntimeId": {"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeId"]}}]},
                "RetentionInDays": 90,
                "KmsKeyId": {"Fn::ImportValue": "agentcore-demo-dev-Security:ExportEncryptionKeyArn"},
            }),
        );
    }
    let body: serde_json::Value =
        serde_json::from_str(&a.templates.iter().find(|(n, _)| n.ends_with("-AgentCore.template.json")).unwrap().1)
            .unwrap();
    let group = &body["Resources"]["DemoAgentRuntimeLogslive"];
    assert_eq!(group["DeletionPolicy"], "RetainExceptOnCreate");
    assert_eq!(group["UpdateReplacePolicy"], "Retain");
    assert_eq!(group["Condition"], "DemoAgentRuntimeLogsliveCreated");
    assert_eq!(
        body["Conditions"]["DemoAgentRuntimeLogsliveCreated"],
        json!({"Fn::Equals": [{"Ref": "DemoAgentRuntimeLogsliveState"}, "create"]})
    );
    assert_eq!(body["Parameters"]["DemoAgentRuntimeLogsliveState"]["Default"], "create");
    let entry = &a.manifest.runtimes[0];
    let parameters: Vec<&str> = entry.log_groups.iter().map(|g| g.parameter.as_str()).collect();
    assert_eq!(parameters, ["DemoAgentRuntimeLogsDEFAULTState", "DemoAgentRuntimeLogsliveState"]);
}

#[test]
fn a_retention_cloudwatch_does_not_take_is_refused_with_the_key() {
    let text =
        corestack_app::DEFAULT_CONFIG.replace("runtime_log_retention_days = 30", "runtime_log_retention_days = 31");
    assert!(text.contains("runtime_log_retention_days = 31"), "the default config sets the retention");
    let err = corestack_app::Settings::from_toml(&text, std::path::Path::new("corestack.toml"), Some("dev"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("observability.runtime_log_retention_days: 31 is not a retention CloudWatch Logs accepts"),
        "{err}"
    );
}
