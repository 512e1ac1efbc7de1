//! `[observability]`: each runtime's vended deliveries (application and usage logs to encrypted,
//! retained log groups of their own, traces to X-Ray), and the opt-in account-wide Transaction
//! Search stack; bad values are refused with their key.

mod support;

use serde_json::json;
use support::*;

const ALL: &str = "deliveries = [\"application_logs\", \"usage_logs\", \"traces\"]";

#[test]
fn every_runtime_delivers_its_logs_to_encrypted_groups_and_its_traces_to_xray() {
    let a = synth(&variant("runtime_log_retention_days = 30", "runtime_log_retention_days = 90"), "dev");
    let t = template(&a, "AgentCore");
    let runtime_arn = json!({"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeArn"]});
    let runtime_id = json!({"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeId"]});
    for (logical, log_type, short) in [
        ("ApplicationLogs", "APPLICATION_LOGS", "app"),
        ("UsageLogs", "USAGE_LOGS", "usage"),
        ("Traces", "TRACES", "traces"),
    ] {
        let source = t.resource(&format!("DemoAgentRuntime{logical}Source"));
        assert_eq!(source["Type"], "AWS::Logs::DeliverySource");
        assert_eq!(source["Properties"]["Name"], format!("demo_agent_dev-{short}"));
        assert_eq!(source["Properties"]["ResourceArn"], runtime_arn);
        assert_eq!(source["Properties"]["LogType"], log_type);
        let delivery = t.resource(&format!("DemoAgentRuntime{logical}Delivery"));
        assert_eq!(
            delivery["Properties"]["DeliverySourceName"],
            json!({"Ref": format!("DemoAgentRuntime{logical}Source")})
        );
        assert_eq!(
            delivery["Properties"]["DeliveryDestinationArn"],
            json!({"Fn::GetAtt": [format!("DemoAgentRuntime{logical}Destination"), "Arn"]})
        );
        let destination = &t.resource(&format!("DemoAgentRuntime{logical}Destination"))["Properties"];
        if log_type == "TRACES" {
            assert_eq!(destination["DeliveryDestinationType"], "XRAY");
            assert!(destination.get("DestinationResourceArn").is_none());
            continue;
        }
        assert_eq!(destination["DeliveryDestinationType"], "CWL");
        let group_id = format!("DemoAgentRuntime{logical}Group");
        assert_eq!(
            destination["DestinationResourceArn"],
            json!({"Fn::Sub": ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Group}",
                               {"Group": {"Ref": group_id}}]})
        );
        let group = t.resource(&group_id);
        assert_eq!(group["DeletionPolicy"], "RetainExceptOnCreate");
        assert_eq!(
            group["Properties"]["LogGroupName"],
            json!({"Fn::Sub": [format!("/aws/vendedlogs/bedrock-agentcore/runtime/{log_type}/${{ResourceId}}"), {"ResourceId": runtime_id}]})
        );
        assert_eq!(group["Properties"]["RetentionInDays"], 90);
        assert_eq!(
            group["Properties"]["KmsKeyId"],
            json!({"Fn::ImportValue": "agentcore-demo-dev-Security:ExportEncryptionKeyArn"})
        );
    }
    t.resource_count_is("AWS::Logs::Delivery", 3);
    assert!(a.manifest.stacks.iter().all(|s| !s.account_wide && s.name != "corestack-transaction-search"));
}

#[test]
fn deliveries_are_chosen_per_environment_and_none_makes_nothing() {
    let text = variant(ALL, "deliveries = [\"traces\"]").replace(
        "[environments.dev.network]\n",
        "[environments.dev.observability]\ndeliveries = []\n\n[environments.dev.network]\n",
    );
    assert!(text.contains("[environments.dev.observability]"), "the default config has [environments.dev]");
    let dev = template(&synth(&text, "dev"), "AgentCore");
    for kind in ["AWS::Logs::DeliverySource", "AWS::Logs::DeliveryDestination", "AWS::Logs::Delivery"] {
        dev.resource_count_is(kind, 0);
    }
    let prod = template(&synth(&text, "prod"), "AgentCore");
    prod.resource_count_is("AWS::Logs::Delivery", 1);
    assert_eq!(prod.resource("DemoAgentRuntimeTracesSource")["Properties"]["LogType"], "TRACES");
}

#[test]
fn transaction_search_is_an_account_wide_stack_deployed_first() {
    let text = variant("transaction_search = false", "transaction_search = true")
        .replace("transaction_search_indexing_percent = 1", "transaction_search_indexing_percent = 5");
    let a = synth(&text, "dev");
    let entry = &a.manifest.stacks[0];
    assert_eq!((entry.name.as_str(), entry.account_wide, entry.resources), ("corestack-transaction-search", true, 2));
    assert!(a.manifest.stacks[1..].iter().all(|s| !s.account_wide));
    let t = template(&a, "transaction-search");
    let config = t.resource("TransactionSearch");
    assert_eq!(config["Type"], "AWS::XRay::TransactionSearchConfig");
    assert_eq!(config["Properties"]["IndexingPercentage"], 5);
    assert_eq!(config["DependsOn"], json!(["TransactionSearchLogsPolicy"]));
    let policy = &t.resource("TransactionSearchLogsPolicy")["Properties"];
    let document: serde_json::Value =
        serde_json::from_str(policy["PolicyDocument"]["Fn::Sub"].as_str().unwrap()).unwrap();
    let statement = &document["Statement"][0];
    assert_eq!(statement["Principal"], json!({"Service": "xray.amazonaws.com"}));
    assert_eq!(statement["Action"], "logs:PutLogEvents");
    assert_eq!(
        statement["Resource"],
        json!([
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:aws/spans:*",
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/application-signals/data:*"
        ])
    );
    assert_eq!(statement["Condition"]["StringEquals"]["aws:SourceAccount"], "${AWS::AccountId}");
}

#[test]
fn bad_observability_values_name_their_key() {
    let text = variant(ALL, "deliveries = [\"traces\", \"spans\", \"traces\"]")
        .replace("transaction_search_indexing_percent = 1", "transaction_search_indexing_percent = 101");
    let err =
        corestack_app::Settings::from_toml(&text, "corestack.toml".as_ref(), Some("dev")).unwrap_err().to_string();
    for expected in [
        "observability.deliveries[1]: `spans` is not a delivery AgentCore offers for a runtime",
        "use application_logs, usage_logs or traces",
        "observability.deliveries[2]: `traces` is listed twice",
        "observability.transaction_search_indexing_percent: 101 is outside 0-100",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
}
