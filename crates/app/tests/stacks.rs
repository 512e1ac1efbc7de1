//! Template assertions for every part of the standard architecture.

mod support;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use support::*;

#[test]
fn key_rotates_and_lets_cloudwatch_logs_use_it() {
    let sec = template(&default_assembly(), "Security");
    sec.has_resource_properties("AWS::KMS::Key", json!({"EnableKeyRotation": true}));
    let key = sec.resource("EncryptionKey");
    assert_eq!(key["DeletionPolicy"], "RetainExceptOnCreate");
    let statements = key["Properties"]["KeyPolicy"]["Statement"].as_array().unwrap();
    let logs = statements.iter().find(|s| s["Sid"] == "CloudWatchLogsEncryptsLogGroups").unwrap();
    assert_eq!(logs["Principal"], json!({"Service": sub("logs.${AWS::Region}.amazonaws.com")}));
    assert_eq!(
        logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"],
        sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")
    );
    sec.has_resource_properties(
        "AWS::KMS::Alias",
        json!({"AliasName": "alias/agentcore-demo-dev", "TargetKeyId": {"Ref": "EncryptionKey"}}),
    );
}

#[test]
fn flow_logs_cover_the_vpc_into_an_encrypted_log_group() {
    let sec = template(&default_assembly(), "Security");
    sec.has_resource_properties(
        "AWS::EC2::FlowLog",
        json!({"ResourceId": {"Fn::ImportValue": "agentcore-demo-dev-Network:ExportVpcRef"}, "ResourceType": "VPC", "TrafficType": "ALL"}),
    );
    sec.has_resource("AWS::EC2::FlowLog", json!({"DependsOn": ["FlowLogRolePolicy"]}));
    sec.has_resource_properties(
        "AWS::Logs::LogGroup",
        json!({"KmsKeyId": {"Fn::GetAtt": ["EncryptionKey", "Arn"]}, "RetentionInDays": 90}),
    );
    let prod = template(&synth(corestack_app::DEFAULT_CONFIG, "prod"), "Security");
    prod.has_resource_properties("AWS::Logs::LogGroup", json!({"RetentionInDays": 365}));
}

#[test]
fn execution_role_trusts_agentcore_for_this_account_and_runtime_only() {
    let sec = template(&default_assembly(), "Security");
    let trust = &sec.resource("DemoAgentExecutionRole")["Properties"]["AssumeRolePolicyDocument"];
    assert_eq!(
        trust["Statement"],
        json!([{
            "Sid": "AgentCoreAssumesRole",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": sub("${AWS::AccountId}")},
                "ArnLike": {"aws:SourceArn": sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:runtime/demo_agent_dev-*")}
            }
        }])
    );
}

#[test]
fn execution_role_permissions_are_least_privilege() {
    let sec = template(&default_assembly(), "Security");
    let statements = sec.resource("DemoAgentExecutionRolePolicy")["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone();
    let allowed_star = corestack_cfn::policy::ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS;
    for s in &statements {
        let actions: Vec<&str> = s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        assert!(actions.iter().all(|a| *a != "*" && !a.ends_with(":*")), "wildcard action in {s}");
        if s["Resource"].as_array().unwrap().contains(&json!("*")) {
            assert!(actions.iter().all(|a| allowed_star.contains(a)), "`*` resource for {actions:?}");
        }
    }
    let by_sid = |sid: &str| statements.iter().find(|s| s["Sid"] == sid).unwrap_or_else(|| panic!("no {sid}"));
    assert_eq!(
        by_sid("PullAgentImage")["Resource"],
        json!([sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/agentcore-demo-dev")])
    );
    assert_eq!(
        by_sid("WriteRuntimeLogs")["Resource"],
        json!([sub(
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/bedrock-agentcore/runtimes/demo_agent_dev-*:log-stream:*"
        )])
    );
    assert_eq!(
        by_sid("PutAgentMetrics")["Condition"],
        json!({"StringEquals": {"cloudwatch:namespace": "bedrock-agentcore"}})
    );
    assert_eq!(
        by_sid("GetWorkloadAccessTokens")["Resource"][1],
        sub(
            "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default/workload-identity/demo_agent_dev-*"
        )
    );
    // A US inference profile: the profile here, and its model in each Region it routes to.
    let model =
        |r: &str| sub(&format!("arn:${{AWS::Partition}}:bedrock:{r}::foundation-model/anthropic.claude-haiku-5-5"));
    assert_eq!(
        by_sid("InvokeModels"),
        &json!({"Sid": "InvokeModels", "Effect": "Allow",
        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        "Resource": [
            sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/us.anthropic.claude-haiku-5-5"),
            model("us-east-1"), model("us-east-2"), model("us-west-1"), model("us-west-2"),
        ]})
    );
    // A third-party model's first call subscribes through Marketplace, only when Bedrock calls.
    assert_eq!(
        by_sid("SubscribeThroughBedrock"),
        &json!({"Sid": "SubscribeThroughBedrock", "Effect": "Allow",
                "Action": ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"], "Resource": ["*"],
                "Condition": {"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}}})
    );
}

#[test]
fn repository_is_encrypted_immutable_scanned_and_retained() {
    let t = template(&default_assembly(), "Storage");
    t.has_resource_properties(
        "AWS::ECR::Repository",
        json!({
            "RepositoryName": "agentcore-demo-dev",
            "EncryptionConfiguration": {"EncryptionType": "KMS", "KmsKey": {"Fn::ImportValue": "agentcore-demo-dev-Security:ExportEncryptionKeyArn"}},
            "ImageTagMutability": "IMMUTABLE",
            "ImageScanningConfiguration": {"ScanOnPush": true},
            "EmptyOnDelete": false,
        }),
    );
    let repo = t.resource("AgentRepository");
    assert_eq!(
        (&repo["DeletionPolicy"], &repo["UpdateReplacePolicy"]),
        (&json!("RetainExceptOnCreate"), &json!("Retain"))
    );
    let policy: Value =
        serde_json::from_str(repo["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"].as_str().unwrap()).unwrap();
    // Images deploys ran on first (never expired), then untagged ones, then the newest 30.
    assert_eq!(policy["rules"][0]["selection"]["tagPrefixList"], json!(["deployed-"]));
    assert_eq!(policy["rules"][2]["selection"]["countNumber"], 30);
}

#[test]
fn runtime_is_private_pinned_and_waits_for_its_role_and_policy() {
    let a = default_assembly();
    let t = template(&a, "AgentCore");
    t.has_resource_properties(
        "AWS::BedrockAgentCore::Runtime",
        json!({
            "AgentRuntimeName": "demo_agent_dev",
            "RoleArn": {"Fn::ImportValue": "agentcore-demo-dev-Security:ExportDemoAgentExecutionRoleArn"},
            "NetworkConfiguration": {
                "NetworkMode": "VPC",
                "NetworkModeConfig": {
                    "SecurityGroups": [{"Fn::ImportValue": "agentcore-demo-dev-Security:ExportRuntimeSecurityGroupGroupId"}],
                    "Subnets": [
                        {"Fn::ImportValue": "agentcore-demo-dev-Network:ExportPrivateSubnetUse1Az1Ref"},
                        {"Fn::ImportValue": "agentcore-demo-dev-Network:ExportPrivateSubnetUse1Az2Ref"}
                    ]
                }
            },
            "AgentRuntimeArtifact": {"ContainerConfiguration": {"ContainerUri": {"Fn::Join": ["", [
                {"Fn::ImportValue": "agentcore-demo-dev-Storage:ExportAgentRepositoryRepositoryUri"},
                {"Ref": "DemoAgentImageRef"}
            ]]}}},
            "ProtocolConfiguration": "HTTP",
            "LifecycleConfiguration": {"IdleRuntimeSessionTimeout": 900, "MaxLifetime": 28800},
            "EnvironmentVariables": {"RUST_LOG": "info", "BEDROCK_MODEL_ID": "us.anthropic.claude-haiku-5-5", "AWS_REGION": "us-east-1"},
        }),
    );
    assert_eq!(
        t.0["Parameters"]["DemoAgentImageRef"]["Default"], ":v1",
        "the image is a parameter so deploy can pass a digest without re-synthesizing"
    );
    // The role and its policy live in Security; the stack dependency orders them before the runtime.
    let agentcore = a.manifest.stacks.iter().find(|s| s.name.ends_with("-AgentCore")).unwrap();
    assert!(agentcore.dependencies.contains(&"agentcore-demo-dev-Security".to_string()));
    let order: Vec<&str> = a.manifest.stacks.iter().map(|s| s.name.rsplit('-').next().unwrap()).collect();
    assert_eq!(order, vec!["Network", "Security", "Storage", "AgentCore", "Monitoring"]);
}

#[test]
fn a_digest_image_becomes_the_parameter_default() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let text = variant("image_tag = \"v1\"", &format!("image_digest = \"{digest}\""));
    let t = template(&synth(&text, "dev"), "AgentCore");
    assert_eq!(t.0["Parameters"]["DemoAgentImageRef"]["Default"], json!(format!("@{digest}")));
}

#[test]
fn named_endpoints_are_pinned_to_a_version() {
    let text = variant(
        "# [[runtimes.endpoints]]\n# name = \"prod\"\n# version = \"current\"",
        "[[runtimes.endpoints]]\nname = \"prod\"\nversion = \"current\"\n[[runtimes.endpoints]]\nname = \"canary\"\nversion = 3",
    );
    let t = template(&synth(&text, "dev"), "AgentCore");
    t.has_resource_properties(
        "AWS::BedrockAgentCore::RuntimeEndpoint",
        json!({"Name": "prod", "AgentRuntimeId": {"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeId"]},
               "AgentRuntimeVersion": {"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeVersion"]}}),
    );
    t.has_resource_properties(
        "AWS::BedrockAgentCore::RuntimeEndpoint",
        json!({"Name": "canary", "AgentRuntimeVersion": "3"}),
    );
    assert_eq!(
        t.output("DemoAgentprodEndpointArn")["Value"],
        json!({"Fn::GetAtt": ["DemoAgentRuntimeEndpointprod", "AgentRuntimeEndpointArn"]})
    );
    let mon = template(&synth(&text, "dev"), "Monitoring");
    mon.resource_count_is("AWS::CloudWatch::Alarm", 12);
}

#[test]
fn jwt_authorizer_and_forwarded_headers_reach_the_runtime() {
    let text = variant(
        "request_header_allowlist = []",
        "request_header_allowlist = [\"Authorization\", \"X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant\"]\n[runtimes.authorizer]\ndiscovery_url = \"https://idp.example.com/.well-known/openid-configuration\"\nallowed_clients = [\"client1\"]",
    );
    let t = template(&synth(&text, "dev"), "AgentCore");
    t.has_resource_properties(
        "AWS::BedrockAgentCore::Runtime",
        json!({
            "RequestHeaderConfiguration": {"RequestHeaderAllowlist": ["Authorization", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant"]},
            "AuthorizerConfiguration": {"CustomJWTAuthorizer": {"DiscoveryUrl": "https://idp.example.com/.well-known/openid-configuration", "AllowedClients": ["client1"]}},
        }),
    );
}

#[test]
fn alarms_watch_every_runtime_metric_with_all_three_dimensions() {
    let t = template(&default_assembly(), "Monitoring");
    t.resource_count_is("AWS::CloudWatch::Alarm", 4);
    // Latency runs to the last token: a percentile (an extended statistic), in minutes, not seconds.
    for (metric, stat_key, stat, threshold) in [
        ("Latency", "ExtendedStatistic", "p95", 120_000),
        ("SystemErrors", "Statistic", "Sum", 1),
        ("UserErrors", "Statistic", "Sum", 5),
        ("Throttles", "Statistic", "Sum", 1),
    ] {
        t.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            json!({
                "Namespace": "AWS/Bedrock-AgentCore", "MetricName": metric, stat_key: stat, "Threshold": threshold,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Dimensions": [
                    {"Name": "Operation", "Value": "InvokeAgentRuntime"},
                    {"Name": "Name", "Value": "demo_agent_dev::DEFAULT"},
                    {"Name": "Resource", "Value": {"Fn::ImportValue": "agentcore-demo-dev-AgentCore:ExportDemoAgentRuntimeAgentRuntimeArn"}}
                ]
            }),
        );
    }
    let dashboard = &t.of_type("AWS::CloudWatch::Dashboard")[0].1["Properties"];
    assert_eq!(dashboard["DashboardName"], "agentcore-demo-dev-agentcore");
    let body: Value = serde_json::from_str(dashboard["DashboardBody"]["Fn::Sub"][0].as_str().unwrap()).unwrap();
    assert_eq!(body["widgets"].as_array().unwrap().len(), 4);
}

#[test]
fn alarm_emails_get_an_encrypted_topic_that_every_alarm_notifies() {
    let a = synth(&variant("alarm_emails = []", "alarm_emails = [\"oncall@example.com\"]"), "dev");
    let mon = template(&a, "Monitoring");
    mon.has_resource_properties(
        "AWS::SNS::Topic",
        json!({
            "KmsMasterKeyId": {"Fn::ImportValue": "agentcore-demo-dev-Security:ExportEncryptionKeyArn"},
            "Subscription": [{"Endpoint": "oncall@example.com", "Protocol": "email"}],
        }),
    );
    for (_, alarm) in mon.of_type("AWS::CloudWatch::Alarm") {
        assert_eq!(alarm["Properties"]["AlarmActions"], json!([{"Ref": "AlarmTopic"}]));
        assert_eq!(alarm["Properties"]["OKActions"], json!([{"Ref": "AlarmTopic"}]));
    }
    // The key lets CloudWatch (of this account only) publish to the topic it encrypts.
    let key = template(&a, "Security").resource("EncryptionKey")["Properties"]["KeyPolicy"]["Statement"].clone();
    let cloudwatch = key.as_array().unwrap().iter().find(|s| s["Sid"] == "CloudWatchAlarmsPublishToTopics").unwrap();
    assert_eq!(cloudwatch["Principal"], json!({"Service": "cloudwatch.amazonaws.com"}));
    assert_eq!(
        cloudwatch["Condition"],
        json!({"StringEquals": {"aws:SourceAccount": {"Fn::Sub": "${AWS::AccountId}"}}})
    );
    // Without emails, no topic and no such key statement.
    let plain = default_assembly();
    template(&plain, "Monitoring").resource_count_is("AWS::SNS::Topic", 0);
}

#[test]
fn every_taggable_resource_carries_the_four_tags_in_its_form() {
    let a = synth(&variant("egress = \"endpoints-only\"", "egress = \"nat\""), "dev");
    let untaggable = [
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::Route",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::IAM::Policy",
        "AWS::KMS::Alias",
    ];
    let want =
        [("Project", "agentcore-demo"), ("Environment", "dev"), ("Owner", "platform-team"), ("CostCenter", "cc-0000")];
    let mut checked = 0;
    for entry in &a.manifest.stacks {
        let t: Value = serde_json::from_str(a.template(&entry.name).unwrap()).unwrap();
        for (id, r) in t["Resources"].as_object().unwrap() {
            let kind = r["Type"].as_str().unwrap();
            let tags = &r["Properties"]["Tags"];
            if untaggable.contains(&kind) {
                assert!(tags.is_null(), "{id} ({kind}) takes no tags");
                continue;
            }
            for (k, v) in want {
                let value = if kind.starts_with("AWS::BedrockAgentCore::") {
                    tags[k].clone()
                } else {
                    tags.as_array()
                        .unwrap_or_else(|| panic!("{id} tags"))
                        .iter()
                        .find(|t| t["Key"] == k)
                        .map(|t| t["Value"].clone())
                        .unwrap_or(Value::Null)
                };
                assert_eq!(value, json!(v), "{id} ({kind}) tag {k}");
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "checked {checked} resources");
}

#[test]
fn seed_outputs_and_what_a_later_deploy_needs() {
    let a = default_assembly();
    let ac = template(&a, "AgentCore");
    assert_eq!(ac.output("AgentRuntimeArn")["Export"]["Name"], "dev-AgentRuntimeArn");
    assert_eq!(ac.output("AgentRuntimeId")["Value"], json!({"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeId"]}));
    assert_eq!(
        ac.output("AgentRuntimeEndpointUrl")["Value"],
        json!({"Fn::Sub": ["https://bedrock-agentcore.${AWS::Region}.${AWS::URLSuffix}/runtimes/${RuntimeId}/invocations?qualifier=DEFAULT&accountId=${AWS::AccountId}",
                           {"RuntimeId": {"Fn::GetAtt": ["DemoAgentRuntime", "AgentRuntimeId"]}}]})
    );
    assert_eq!(ac.output("DemoAgentAgentRuntimeArn")["Export"]["Name"], "dev-DemoAgent-AgentRuntimeArn");
    assert_eq!(
        template(&a, "Security").output("ExecutionRoleArn")["Value"],
        json!({"Fn::GetAtt": ["DemoAgentExecutionRole", "Arn"]})
    );
    for (part, outputs) in [
        ("Network", &["VpcId", "PrivateSubnetIds", "EndpointSecurityGroupId"][..]),
        ("Security", &["EncryptionKeyArn", "RuntimeSecurityGroupId"][..]),
        ("Storage", &["RepositoryUri", "RepositoryArn"][..]),
    ] {
        let t = template(&a, part);
        for o in outputs {
            t.output(o);
        }
    }
}

#[test]
fn many_runtimes_spread_over_stacks_within_limits() {
    let a = synth(&corestack_app::fixtures::many_runtimes(100), "dev");
    let parts: Vec<&str> = a.manifest.stacks.iter().map(|s| s.name.rsplit('-').next().unwrap()).collect();
    assert_eq!(parts.iter().filter(|p| p.starts_with("AgentCore")).count(), 5);
    assert_eq!(parts.iter().filter(|p| p.starts_with("Monitoring")).count(), 5);
    for s in &a.manifest.stacks {
        assert!(
            s.resources <= 500 && s.outputs <= 200,
            "{} has {} resources, {} outputs",
            s.name,
            s.resources,
            s.outputs
        );
    }
    let runtimes: usize = a
        .manifest
        .stacks
        .iter()
        .map(|s| a.template(&s.name).unwrap().matches("\"AWS::BedrockAgentCore::Runtime\"").count())
        .sum();
    assert_eq!(runtimes, 100);
    // Only the primary runtime carries the seed's unprefixed names.
    let exports: usize = a.templates.iter().map(|(_, b)| b.matches("\"dev-AgentRuntimeArn\"").count()).sum();
    assert_eq!(exports, 1);
}

#[test]
fn same_input_gives_byte_identical_output() {
    let text = corestack_app::fixtures::many_runtimes(12);
    assert_eq!(synth(&text, "dev"), synth(&text, "dev"));
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    synth(&text, "dev").write(&one).unwrap();
    synth(&text, "dev").write(&two).unwrap();
    for entry in std::fs::read_dir(&one).unwrap() {
        let name = entry.unwrap().file_name();
        assert_eq!(std::fs::read(one.join(&name)).unwrap(), std::fs::read(two.join(&name)).unwrap(), "{name:?}");
    }
}

#[test]
fn environments_override_the_file_field_by_field() {
    let prod = synth(corestack_app::DEFAULT_CONFIG, "prod");
    assert!(prod.manifest.environment.production);
    let net = template(&prod, "Network");
    net.resource_count_is("AWS::EC2::Subnet", 3);
    net.has_resource_properties(
        "AWS::EC2::Subnet",
        json!({"AvailabilityZoneId": "use1-az4", "CidrBlock": "10.0.32.0/20"}),
    );
    let mon = template(&prod, "Monitoring");
    mon.has_resource_properties("AWS::CloudWatch::Alarm", json!({"EvaluationPeriods": 2, "Threshold": 120_000}));
    template(&prod, "AgentCore")
        .has_resource_properties("AWS::BedrockAgentCore::Runtime", json!({"AgentRuntimeName": "demo_agent_prod"}));
}

#[test]
fn the_partial_matcher_rejects_what_differs() {
    let actual = json!({"A": 1, "B": {"C": [1, 2]}, "D": "x"});
    assert!(matches(&actual, &json!({"B": {"C": [1, 2]}})));
    assert!(!matches(&actual, &json!({"B": {"C": [1]}})), "arrays must have the same length");
    assert!(!matches(&actual, &json!({"A": 2})));
    assert!(!matches(&actual, &json!({"E": null})), "a missing key does not match");
    let t = template(&default_assembly(), "Storage");
    let missing = std::panic::catch_unwind(|| {
        t.has_resource_properties("AWS::ECR::Repository", json!({"ImageTagMutability": "MUTABLE"}))
    });
    assert!(missing.is_err());
}
