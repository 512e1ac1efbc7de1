//! `examples/platform/corestack.toml` synthesized: the Platform stack's memory, gateway, targets
//! and credential provider; the grants and variables each runtime gets for what it names, and
//! nothing for what it does not; the gateway endpoint in the VPC; the manifest's entries.

mod support;

use serde_json::{Value, json};
use support::*;

fn import(name: &str) -> Value {
    json!({"Fn::ImportValue": format!("agentcore-platform-dev-Platform:Export{name}")})
}

#[test]
fn the_platform_stack_holds_the_memory_with_its_key_strategies_and_role() {
    let a = platform_example("dev");
    let names: Vec<&str> = a.manifest.stacks.iter().map(|s| s.name.rsplit('-').next().unwrap()).collect();
    assert_eq!(names, ["Network", "Security", "Storage", "Platform", "AgentCore", "Monitoring"]);
    let p = template(&a, "Platform");
    let key = json!({"Fn::ImportValue": "agentcore-platform-dev-Security:ExportEncryptionKeyArn"});

    let memory = p.resource("ConversationsMemory");
    assert_eq!(memory["DeletionPolicy"], "RetainExceptOnCreate", "memories hold user data");
    assert_eq!(memory["Properties"]["Name"], "conversations_dev");
    assert_eq!(memory["Properties"]["EventExpiryDuration"], 30);
    assert_eq!(memory["Properties"]["EncryptionKeyArn"], key);
    let strategies = &memory["Properties"]["MemoryStrategies"];
    assert_eq!(strategies[0], json!({"SemanticMemoryStrategy": {"Name": "facts", "Namespaces": ["/facts/{actorId}"]}}));
    let custom = &strategies[1]["CustomMemoryStrategy"];
    assert_eq!(custom["Configuration"]["SummaryOverride"]["Consolidation"]["ModelId"], "us.anthropic.claude-haiku-5-5");
    // The custom strategy's model is the memory role's only permission.
    let role_policy = &p.resource("ConversationsMemoryRolePolicy")["Properties"]["PolicyDocument"]["Statement"];
    let actions: Vec<&Value> =
        role_policy.as_array().unwrap().iter().flat_map(|s| s["Action"].as_array().unwrap()).collect();
    assert!(actions.iter().all(|a| a.as_str().unwrap().starts_with("bedrock:") || a.as_str().unwrap().starts_with("aws-marketplace:")), "{actions:?}");
}

#[test]
fn the_gateway_role_may_use_the_key_functions_secrets_and_provider_and_nothing_else() {
    let a = platform_example("dev");
    let p = template(&a, "Platform");
    let key = json!({"Fn::ImportValue": "agentcore-platform-dev-Security:ExportEncryptionKeyArn"});
    let gateway = &p.resource("ToolsGateway")["Properties"];
    assert_eq!((gateway["Name"].as_str(), gateway["AuthorizerType"].as_str()), (Some("tools-dev"), Some("AWS_IAM")));
    assert_eq!(gateway["KmsKeyArn"], key);
    let statements = p.resource("ToolsGatewayRolePolicy")["Properties"]["PolicyDocument"]["Statement"].clone();
    let by_sid = |sid: &str| {
        statements.as_array().unwrap().iter().find(|s| s["Sid"] == sid).cloned().unwrap_or_else(|| panic!("no {sid}"))
    };
    assert_eq!(
        by_sid("UseProjectKey")["Action"],
        json!(["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"])
    );
    assert_eq!(by_sid("UseProjectKey")["Resource"], json!([key]));
    assert_eq!(
        by_sid("InvokeTargetFunctions")["Resource"],
        json!(["arn:aws:lambda:us-east-1:123456789012:function:weather-tools"])
    );
    assert_eq!(
        by_sid("ReadTargetSecrets")["Resource"],
        json!(["arn:aws:secretsmanager:us-east-1:123456789012:secret:petstore-api-key-AbCdEf"])
    );
    // Issue 20: the directory, the gateway's workload identity, the vault and the provider, as the
    // Identity guide's "scope credential provider access" page grants them.
    assert_eq!(
        by_sid("GetTargetApiKeys")["Resource"],
        json!([
            {"Fn::Sub": "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default"},
            {"Fn::Sub": "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default/workload-identity/tools-dev-*"},
            {"Fn::Sub": "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:token-vault/default"},
            {"Fn::GetAtt": ["PetstoreKeyCredentialProvider", "CredentialProviderArn"]}
        ])
    );
    // Issue 20: the gateway is created after its role may use the key.
    let depends = &p.resource("ToolsGateway")["DependsOn"];
    assert!(depends.as_array().is_some_and(|d| d.contains(&json!("ToolsGatewayRolePolicy"))), "{depends}");
    assert!(statements.to_string().matches("\"*\"").count() == 0, "no wildcard resource: {statements}");
}

#[test]
fn the_gateway_targets_provider_and_outputs_are_as_configured() {
    let a = platform_example("dev");
    let p = template(&a, "Platform");
    let weather = &p.resource("ToolsGatewayWeatherTarget")["Properties"];
    assert_eq!(weather["CredentialProviderConfigurations"], json!([{"CredentialProviderType": "GATEWAY_IAM_ROLE"}]));
    let tools = &weather["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"];
    assert_eq!(tools[0]["Name"], "get_forecast");
    assert_eq!(tools[0]["InputSchema"]["Properties"]["days"]["Type"], "integer");
    assert_eq!(tools[0]["InputSchema"]["Required"], json!(["place"]));
    let petstore = &p.resource("ToolsGatewayPetstoreTarget")["Properties"];
    let openapi: Value = serde_json::from_str(
        petstore["TargetConfiguration"]["Mcp"]["OpenApiSchema"]["InlinePayload"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(openapi["paths"]["/pets"]["get"]["operationId"], "listPets");
    assert_eq!(
        petstore["CredentialProviderConfigurations"][0]["CredentialProvider"]["ApiKeyCredentialProvider"]["CredentialParameterName"],
        "X-Api-Key"
    );
    let provider = &p.resource("PetstoreKeyCredentialProvider")["Properties"];
    assert_eq!(provider["ApiKeySecretSource"], "EXTERNAL");
    assert_eq!(provider["Name"], "agentcore-platform-dev-petstore-key");
    assert!(provider.get("ApiKey").is_none());

    for output in
        ["ConversationsMemoryId", "ConversationsMemoryArn", "ToolsGatewayId", "ToolsGatewayArn", "ToolsGatewayUrl"]
    {
        assert!(p.0["Outputs"][output].is_object(), "output {output}");
    }
    let entries: Vec<(&str, &str, &str)> =
        a.manifest.platform.iter().map(|e| (e.kind.as_str(), e.key.as_str(), e.variable.as_str())).collect();
    assert_eq!(
        entries,
        [
            ("memory", "conversations", "CORESTACK_MEMORY_CONVERSATIONS_ID"),
            ("gateway", "tools", "CORESTACK_GATEWAY_TOOLS_URL")
        ]
    );
}

#[test]
fn each_runtime_gets_exactly_what_it_names() {
    let a = platform_example("dev");
    let t = template(&a, "AgentCore");
    let env = |r: &str| t.resource(&format!("{r}Runtime"))["Properties"]["EnvironmentVariables"].clone();
    let assistant = env("Assistant");
    assert_eq!(assistant["CORESTACK_MEMORY_CONVERSATIONS_ID"], import("ConversationsMemoryMemoryId"));
    assert_eq!(assistant["BEDROCK_AGENTCORE_MEMORY_ID"], import("ConversationsMemoryMemoryId"));
    assert_eq!(assistant["CORESTACK_GATEWAY_TOOLS_URL"], import("ToolsGatewayGatewayUrl"));
    let notetaker = env("Notetaker");
    assert_eq!(notetaker["CORESTACK_MEMORY_CONVERSATIONS_ID"], import("ConversationsMemoryMemoryId"));
    assert!(notetaker.get("CORESTACK_GATEWAY_TOOLS_URL").is_none(), "{notetaker}");

    let statements =
        |r: &str| t.resource(&format!("{r}PlatformAccess"))["Properties"]["PolicyDocument"]["Statement"].clone();
    let assistant = statements("Assistant");
    assert_eq!(assistant[0]["Sid"], "UseMemories");
    assert_eq!(assistant[0]["Resource"], json!([import("ConversationsMemoryMemoryArn")]));
    assert!(
        assistant[0]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_str().unwrap().starts_with("bedrock-agentcore:"))
    );
    assert_eq!(assistant[1]["Sid"], "UseMemoryKey");
    assert_eq!(
        assistant[1]["Resource"],
        json!([{"Fn::ImportValue": "agentcore-platform-dev-Security:ExportEncryptionKeyArn"}])
    );
    assert_eq!(
        assistant[1]["Condition"]["StringEquals"]["kms:ViaService"],
        json!({"Fn::Sub": "bedrock-agentcore.${AWS::Region}.amazonaws.com"})
    );
    assert_eq!(
        assistant[2],
        json!({"Sid": "CallGateways", "Effect": "Allow", "Action": ["bedrock-agentcore:InvokeGateway"], "Resource": [import("ToolsGatewayGatewayArn")]})
    );
    let notetaker = statements("Notetaker");
    let sids: Vec<&str> = notetaker.as_array().unwrap().iter().map(|s| s["Sid"].as_str().unwrap()).collect();
    assert_eq!(sids, ["UseMemories", "UseMemoryKey"], "{notetaker}");

    // The default config names nothing: no Platform stack, no grants, no variables.
    let d = default_assembly();
    assert!(d.manifest.stacks.iter().all(|s| !s.name.ends_with("-Platform")) && d.manifest.platform.is_empty());
    let core = template(&d, "AgentCore");
    assert!(core.of_type("AWS::IAM::Policy").is_empty());
    let vars = core.resource("DemoAgentRuntime")["Properties"]["EnvironmentVariables"].clone();
    assert!(
        vars.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("CORESTACK_MEMORY") && !k.starts_with("CORESTACK_GATEWAY"))
    );
}

#[test]
fn a_vpc_runtime_calling_a_gateway_gets_its_endpoint_and_alarms_watch_the_platform() {
    let a = platform_example("dev");
    let network = template(&a, "Network");
    let endpoint = network.resource("EndpointBedrockAgentcoreGateway");
    assert_eq!(
        endpoint["Properties"]["ServiceName"],
        json!({"Fn::Sub": "com.amazonaws.${AWS::Region}.bedrock-agentcore.gateway"})
    );
    assert!(template(&default_assembly(), "Network").0["Resources"].get("EndpointBedrockAgentcoreGateway").is_none());
    let monitoring = template(&a, "Monitoring");
    let alarm = &monitoring.resource("ToolsDevSystemErrorsAlarm")["Properties"];
    let query = &alarm["Metrics"][0]["Expression"]["Fn::Sub"];
    assert_eq!(query[0], "SELECT SUM(SystemErrors) FROM \"AWS/Bedrock-AgentCore\" WHERE Resource = '${Arn}'");
    assert_eq!(query[1]["Arn"], import("ToolsGatewayGatewayArn"));
    for id in ["ConversationsDevThrottlesAlarm", "ConversationsDevUserErrorsAlarm", "PlatformDashboard"] {
        assert!(monitoring.0["Resources"].get(id).is_some(), "{id}");
    }
}

/// Delivery sources and destinations are named account-wide (their names are their CloudFormation
/// primary identifiers), so two projects with a memory and a gateway of the same name must not
/// share one: the project's name is in each.
#[test]
fn two_projects_with_alike_memories_name_their_deliveries_apart() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform/corestack.toml");
    let names = |project: &str| {
        let mut settings = corestack_app::Settings::load(&path, Some("dev")).unwrap();
        settings.project.name = project.to_string();
        let a = corestack_app::synth(&settings).unwrap();
        let p = template(&a, "Platform");
        let mut names = std::collections::BTreeSet::new();
        for r in p.0["Resources"].as_object().unwrap().values() {
            if matches!(r["Type"].as_str(), Some("AWS::Logs::DeliverySource" | "AWS::Logs::DeliveryDestination")) {
                names.insert(r["Properties"]["Name"].as_str().unwrap().to_string());
            }
        }
        names
    };
    let (a, b) = (names("shop"), names("bank"));
    assert!(a.len() >= 4, "{a:?}");
    assert!(a.is_disjoint(&b), "{a:?} and {b:?} share names");
    assert!(a.iter().all(|n| n.contains("-shop-")), "{a:?}");
}
