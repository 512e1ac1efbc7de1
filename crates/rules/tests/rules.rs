//! Every rule: the default assembly passes it; a mutation of the assembly fails it at a path.

use corestack_rules::{Model, RULES, Severity, Suppression, check};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use support::*;

mod support;

#[test]
fn the_default_assembly_is_clean_for_every_environment() {
    for env in ["dev", "test", "prod"] {
        let report = check(&Model::new(assembly(env), env == "prod"), &[]);
        assert_eq!(report.findings, vec![], "{env}");
        assert_eq!(report.rules_run, RULES.len());
    }
}

#[test]
fn security_rules_of_encryption_and_keys() {
    let f = findings_after(
        |d| {
            drop(
                res(part(d, "Storage"), "AgentRepository")["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("EncryptionConfiguration"),
            )
        },
        false,
    );
    fires(&f, "SEC01", "Storage", "/Resources/AgentRepository/Properties/EncryptionConfiguration/EncryptionType");
    let f = findings_after(
        |d| {
            res(part(d, "Storage"), "AgentRepository")["Properties"]["ImageScanningConfiguration"]["ScanOnPush"] =
                json!(false)
        },
        false,
    );
    fires(&f, "SEC02", "Storage", "/Resources/AgentRepository/Properties/ImageScanningConfiguration/ScanOnPush");
    let f = findings_after(
        |d| res(part(d, "Storage"), "AgentRepository")["Properties"]["ImageTagMutability"] = json!("MUTABLE"),
        false,
    );
    fires(&f, "SEC03", "Storage", "/Resources/AgentRepository/Properties/ImageTagMutability");
    let f = findings_after(
        |d| res(part(d, "Security"), "EncryptionKey")["Properties"]["EnableKeyRotation"] = json!(false),
        false,
    );
    fires(&f, "SEC04", "Security", "/Resources/EncryptionKey/Properties/EnableKeyRotation");
    let f = findings_after(
        |d| drop(res(part(d, "Security"), "FlowLogGroup")["Properties"].as_object_mut().unwrap().remove("KmsKeyId")),
        false,
    );
    fires(&f, "SEC05", "Security", "/Resources/FlowLogGroup/Properties/KmsKeyId");
}

#[test]
fn security_rules_of_roles_and_policies() {
    let policy = "/Resources/DemoAgentExecutionRolePolicy/Properties/PolicyDocument/Statement";
    let f = findings_after(
        |d| {
            res(part(d, "Security"), "DemoAgentExecutionRolePolicy")["Properties"]["PolicyDocument"]["Statement"][0]["Action"] =
                json!(["ecr:*"])
        },
        false,
    );
    fires(&f, "SEC06", "Security", &format!("{policy}/0/Action"));
    let f = findings_after(
        |d| {
            res(part(d, "Security"), "DemoAgentExecutionRolePolicy")["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] =
                json!("*")
        },
        false,
    );
    let sec07 = fires(&f, "SEC07", "Security", &format!("{policy}/0/Resource"));
    assert!(sec07.message.contains("ecr:BatchGetImage"), "{}", sec07.message);
    let f = findings_after(
        |d| {
            let st =
                res(part(d, "Security"), "DemoAgentExecutionRolePolicy")["Properties"]["PolicyDocument"]["Statement"]
                    .as_array_mut()
                    .unwrap();
            st.push(json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}));
        },
        false,
    );
    fires(&f, "SEC09", "Security", &format!("{policy}/10/Resource"));
    let f = findings_after(
        |d| {
            drop(res(part(d, "Security"), "DemoAgentExecutionRole")["Properties"]["AssumeRolePolicyDocument"]["Statement"][0].as_object_mut().unwrap().remove("Condition"))
        },
        false,
    );
    let sec08 = fires(
        &f,
        "SEC08",
        "Security",
        "/Resources/DemoAgentExecutionRole/Properties/AssumeRolePolicyDocument/Statement/0/Condition",
    );
    assert!(sec08.message.contains("aws:SourceAccount and aws:SourceArn"));
}

#[test]
fn security_rules_of_security_groups_and_authorizers() {
    let f = findings_after(
        |d| {
            res(part(d, "Security"), "RuntimeSecurityGroup")["Properties"]["SecurityGroupIngress"] =
                json!([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}])
        },
        false,
    );
    fires(&f, "SEC10", "Security", "/Resources/RuntimeSecurityGroup/Properties/SecurityGroupIngress/0");
    let f = findings_after(
        |d| {
            res(part(d, "Security"), "RuntimeSecurityGroup")["Properties"]["SecurityGroupEgress"][1] =
                json!({"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"})
        },
        false,
    );
    fires(&f, "SEC11", "Security", "/Resources/RuntimeSecurityGroup/Properties/SecurityGroupEgress/1");
    let f = findings_after(
        |d| {
            drop(
                res(part(d, "Security"), "RuntimeSecurityGroup")["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("SecurityGroupEgress"),
            )
        },
        false,
    );
    fires(&f, "SEC11", "Security", "/Resources/RuntimeSecurityGroup/Properties/SecurityGroupEgress");
    let f = findings_after(
        |d| {
            res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]["AuthorizerConfiguration"] = json!({"CustomJWTAuthorizer": {"DiscoveryUrl": "http://idp.example.com/.well-known/openid-configuration"}})
        },
        false,
    );
    fires(
        &f,
        "SEC12",
        "AgentCore",
        "/Resources/DemoAgentRuntime/Properties/AuthorizerConfiguration/CustomJWTAuthorizer/DiscoveryUrl",
    );
}

const SUBNETS: &str = "/Resources/DemoAgentRuntime/Properties/NetworkConfiguration/NetworkModeConfig/Subnets";

#[test]
fn vpc_isolation_rules() {
    let f = findings_after(
        |d| {
            res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]["NetworkConfiguration"] =
                json!({"NetworkMode": "PUBLIC"})
        },
        false,
    );
    fires(&f, "VPC01", "AgentCore", "/Resources/DemoAgentRuntime/Properties/NetworkConfiguration/NetworkMode");
    let f = findings_after(
        |d| {
            let net = part(d, "Network");
            net["Resources"]["Igw"] = json!({"Type": "AWS::EC2::InternetGateway"});
            net["Resources"]["ToInternet"] = json!({"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": {"Ref": "PrivateRouteTableUse1Az2"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "Igw"}}});
        },
        false,
    );
    let vpc02 = fires(&f, "VPC02", "AgentCore", SUBNETS);
    assert!(vpc02.message.contains("PrivateSubnetUse1Az2"), "{}", vpc02.message);
    let f = findings_after(
        |d| drop(part(d, "Network")["Resources"].as_object_mut().unwrap().remove("EndpointEcrApi")),
        false,
    );
    assert!(fires(&f, "VPC03", "AgentCore", SUBNETS).message.contains("no ecr.api interface endpoint"));
    let f = findings_after(
        |d| res(part(d, "Network"), "EndpointLogs")["Properties"]["PrivateDnsEnabled"] = json!(false),
        false,
    );
    assert!(fires(&f, "VPC03", "AgentCore", SUBNETS).message.contains("logs endpoint has private DNS off"));
    let f = findings_after(
        |d| {
            res(part(d, "Network"), "EndpointS3")["Properties"]["RouteTableIds"] =
                json!([{"Ref": "PrivateRouteTableUse1Az1"}])
        },
        false,
    );
    assert!(
        fires(&f, "VPC03", "AgentCore", SUBNETS).message.contains("not on route table(s) PrivateRouteTableUse1Az2")
    );
    let f = findings_after(
        |d| drop(part(d, "Network")["Resources"].as_object_mut().unwrap().remove("EndpointBedrockRuntime")),
        false,
    );
    fires(&f, "VPC04", "AgentCore", "/Resources/DemoAgentRuntime/Properties/RoleArn");
}

#[test]
fn reliability_rules() {
    let f = findings_after(
        |d| {
            res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]["NetworkConfiguration"]["NetworkModeConfig"]["Subnets"].as_array_mut().unwrap().truncate(1)
        },
        false,
    );
    fires(&f, "REL01", "AgentCore", SUBNETS);
    let f = findings_after(
        |d| res(part(d, "Network"), "PrivateSubnetUse1Az2")["Properties"]["AvailabilityZoneId"] = json!("use1-az1"),
        false,
    );
    assert!(fires(&f, "REL01", "AgentCore", SUBNETS).message.contains("all in use1-az1"));
    let f =
        findings_after(|d| drop(part(d, "Security")["Resources"].as_object_mut().unwrap().remove("VpcFlowLog")), false);
    fires(&f, "REL02", "Network", "/Resources/Vpc");
    let f = findings_after(
        |d| {
            drop(
                res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("LifecycleConfiguration"),
            )
        },
        false,
    );
    assert_eq!(
        fires(&f, "REL03", "AgentCore", "/Resources/DemoAgentRuntime/Properties/LifecycleConfiguration").severity,
        Severity::Warning
    );
}

#[test]
fn operations_and_cost_rules() {
    let f = findings_after(
        |d| drop(part(d, "Monitoring")["Resources"].as_object_mut().unwrap().remove("DemoAgentDevDEFAULTLatencyAlarm")),
        false,
    );
    assert!(fires(&f, "OPS01", "AgentCore", "/Resources/DemoAgentRuntime").message.contains("latency"));
    let f = findings_after(
        |d| {
            drop(
                res(part(d, "Security"), "FlowLogGroup")["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("RetentionInDays"),
            )
        },
        false,
    );
    fires(&f, "OPS02", "Security", "/Resources/FlowLogGroup/Properties/RetentionInDays");
    let f = findings_after(
        |d| drop(part(d, "AgentCore")["Resources"].as_object_mut().unwrap().remove("DemoAgentRuntimeLogsDEFAULT")),
        false,
    );
    fires(&f, "OPS04", "AgentCore", "/Resources/DemoAgentRuntime");
    // Without its traces delivery, a runtime is fine in dev and an error once marked production.
    let no_traces = |d: &mut Vec<(String, Value)>| {
        drop(part(d, "AgentCore")["Resources"].as_object_mut().unwrap().remove("DemoAgentRuntimeTracesDelivery"))
    };
    assert!(findings_after(no_traces, false).iter().all(|f| f.rule != "OPS05"));
    let f = findings_after(no_traces, true);
    let ops05 = fires(&f, "OPS05", "AgentCore", "/Resources/DemoAgentRuntime");
    assert_eq!(ops05.severity, Severity::Error);
    assert!(ops05.message.contains("no TRACES") && !ops05.message.contains("APPLICATION_LOGS"), "{}", ops05.message);
    // The dev assembly's alarms notify nobody: fine in dev, an error once marked production.
    assert!(findings_after(|_| {}, false).iter().all(|f| f.rule != "OPS03"));
    let f = findings_after(|_| {}, true);
    let ops03 = fires(&f, "OPS03", "Monitoring", "/Resources/DemoAgentDevDEFAULTLatencyAlarm/Properties/AlarmActions");
    assert_eq!(ops03.severity, Severity::Error);
    let f = findings_after(
        |d| {
            for (_, alarm) in part(d, "Monitoring")["Resources"].as_object_mut().unwrap() {
                if alarm["Type"] == "AWS::CloudWatch::Alarm" {
                    alarm["Properties"]["AlarmActions"] = json!(["arn:aws:sns:us-east-1:123456789012:oncall"]);
                }
            }
        },
        true,
    );
    assert!(f.iter().all(|f| f.rule != "OPS03"), "{f:#?}");
    let f = findings_after(
        |d| {
            res(part(d, "Network"), "Vpc")["Properties"]["Tags"].as_array_mut().unwrap().retain(|t| t["Key"] != "Owner")
        },
        false,
    );
    assert!(fires(&f, "COST01", "Network", "/Resources/Vpc/Properties/Tags").message.contains("Owner"));
    let f = findings_after(
        |d| res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]["Tags"]["CostCenter"] = json!(""),
        false,
    );
    assert!(
        fires(&f, "COST01", "AgentCore", "/Resources/DemoAgentRuntime/Properties/Tags").message.contains("CostCenter")
    );
}

#[test]
fn correctness_rules() {
    let f = findings_after(
        |d| res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]["AgentRuntimeName"] = json!("demo-agent"),
        false,
    );
    fires(&f, "COR01", "AgentCore", "/Resources/DemoAgentRuntime/Properties/AgentRuntimeName");
    let image = "/Resources/DemoAgentRuntime/Properties/AgentRuntimeArtifact/ContainerConfiguration/ContainerUri";
    let latest = |d: &mut Vec<(String, Value)>| {
        part(d, "AgentCore")["Parameters"]["DemoAgentImageRef"]["Default"] = json!(":latest")
    };
    assert_eq!(fires(&findings_after(latest, false), "COR02", "AgentCore", image).severity, Severity::Warning);
    assert_eq!(
        fires(&findings_after(latest, true), "COR02", "AgentCore", image).severity,
        Severity::Error,
        "an error in production"
    );
    let f = findings_after(
        |d| {
            res(part(d, "AgentCore"), "DemoAgentRuntime")["Properties"]["AgentRuntimeArtifact"]["ContainerConfiguration"]
                ["ContainerUri"] = json!("123456789012.dkr.ecr.us-east-1.amazonaws.com/agent")
        },
        false,
    );
    assert_eq!(fires(&f, "COR02", "AgentCore", image).severity, Severity::Error);
    let f = findings_after(
        |d| {
            part(d, "AgentCore")["Outputs"]["Url"] =
                json!({"Value": {"Fn::GetAtt": ["DemoAgentRuntime", "EndpointUrl"]}})
        },
        false,
    );
    assert_eq!(
        fires(&f, "COR04", "AgentCore", "/Outputs/Url/Value/Fn::GetAtt").logical_id.as_deref(),
        Some("DemoAgentRuntime")
    );
    let f = findings_after(
        |d| {
            part(d, "AgentCore")["Outputs"]["Wid"] =
                json!({"Value": {"Fn::Sub": "${DemoAgentRuntime.WorkloadIdentityDetails.WorkloadIdentityArn}"}})
        },
        false,
    );
    fires(&f, "COR04", "AgentCore", "/Outputs/Wid/Value/Fn::Sub");
}

/// One template with the role, its policy and the runtime: the runtime must wait for the policy.
#[test]
fn a_runtime_in_the_same_template_must_depend_on_its_policy() {
    let template = json!({"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Pol": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "p", "Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": []}}},
        "Rt": {"Type": "AWS::BedrockAgentCore::Runtime", "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}}
    }});
    let f = check(&Model::new(vec![("one".into(), template.clone())], false), &[]).findings;
    assert!(fires(&f, "COR03", "one", "/Resources/Rt/DependsOn").message.contains("Pol"));
    let mut fixed = template;
    fixed["Resources"]["Rt"]["DependsOn"] = json!(["Pol"]);
    let f = check(&Model::new(vec![("one".into(), fixed)], false), &[]).findings;
    assert!(!f.iter().any(|f| f.rule == "COR03"));
    let bare = json!({"Resources": {"Role": {"Type": "AWS::IAM::Role"}, "Rt": {"Type": "AWS::BedrockAgentCore::Runtime", "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}}}});
    let f = check(&Model::new(vec![("one".into(), bare)], false), &[]).findings;
    assert!(fires(&f, "COR03", "one", "/Resources/Rt/Properties/RoleArn").message.contains("has no policy"));
}

#[test]
fn suppressions_need_a_reason_and_a_finding() {
    let mut docs = assembly("dev");
    res(part(&mut docs, "AgentCore"), "DemoAgentRuntime")["Properties"]["NetworkConfiguration"] =
        json!({"NetworkMode": "PUBLIC"});
    let model = Model::new(docs, false);
    let s = |rule: &str, resource: &str, reason: &str| Suppression {
        rule: rule.into(),
        resource: resource.into(),
        reason: reason.into(),
    };
    let report = check(&model, &[s("VPC01", "DemoAgentRuntime", "public demo, no data")]);
    let vpc01 = report.findings.iter().find(|f| f.rule == "VPC01").unwrap();
    assert_eq!(vpc01.suppressed.as_deref(), Some("public demo, no data"));
    assert!(!report.failed());
    let report = check(&model, &[s("VPC01", "agentcore-demo-dev-AgentCore/DemoAgentRuntime", " ")]);
    assert!(report.failed());
    let chk02 = report.findings.iter().find(|f| f.rule == "CHK02").unwrap();
    assert_eq!((chk02.path.as_str(), chk02.severity), ("/check/suppressions/0", Severity::Error));
    assert!(report.findings.iter().any(|f| f.rule == "VPC01" && f.suppressed.is_none()));
    let report = check(&model, &[s("VPC01", "DemoAgentRuntime", "ok"), s("SEC01", "Nothing", "stale")]);
    let chk01 = report.findings.iter().find(|f| f.rule == "CHK01").unwrap();
    assert_eq!((chk01.path.as_str(), chk01.severity), ("/check/suppressions/1", Severity::Warning));
}

#[test]
fn every_rule_has_a_test_above() {
    let source = concat!(include_str!("rules.rs"), include_str!("platform_rules.rs"));
    for r in RULES {
        assert!(source.contains(&format!("\"{}\"", r.info.id)), "no test fires {}", r.info.id);
    }
}
