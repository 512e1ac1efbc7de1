//! The encryption key, the runtime security group and VPC flow logs.

use corestack_cfn::policy::{PolicyDocument, Principal, Statement};
use corestack_cfn::resources::Tag;
use corestack_cfn::resources::ec2::{Egress as EgressRule, FlowLog, SecurityGroup, SecurityGroupIngress};
use corestack_cfn::resources::iam::{Policy, Role};
use corestack_cfn::resources::kms::{Alias, Key};
use corestack_cfn::resources::logs::LogGroup;
use corestack_cfn::{Expr, Handle, Stack};

use crate::Error;
use crate::network::{Egress, PrivateNetwork};

/// A customer managed KMS key with yearly rotation, usable by CloudWatch Logs in this account and
/// region, administered through IAM policies of the account.
#[derive(Clone, Debug)]
pub struct EncryptionKey {
    /// The key.
    pub key: Handle<Key>,
}

impl EncryptionKey {
    /// Adds the key and an alias `alias/<alias>`. With `alarm_topics`, CloudWatch alarms of this
    /// account may also use it, to publish to SNS topics it encrypts (Amazon SNS Developer Guide,
    /// "Encryption at rest": an encrypted topic that CloudWatch publishes to needs a customer
    /// managed key whose policy lets `cloudwatch.amazonaws.com` decrypt and generate data keys).
    pub fn build(stack: &mut Stack, alias: &str, retain: bool, alarm_topics: bool) -> Result<EncryptionKey, Error> {
        let mut statements = vec![
            // The account root keeps the key manageable; who may use it is then decided by IAM
            // policies. Without this statement a key can become unmanageable (KMS default key policy).
            Statement::allow("AccountAdministersKeyThroughIam", ["kms:*"], vec!["*".into()])
                .principal(Principal::Aws(Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root", []))),
            Statement::allow(
                "CloudWatchLogsEncryptsLogGroups",
                [
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                vec!["*".into()],
            )
            .principal(Principal::Service(Expr::sub("logs.${AWS::Region}.amazonaws.com", [])))
            .when(
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*", []),
            ),
        ];
        if alarm_topics {
            statements.push(
                Statement::allow(
                    "CloudWatchAlarmsPublishToTopics",
                    ["kms:Decrypt", "kms:GenerateDataKey*"],
                    vec!["*".into()],
                )
                .principal(Principal::Service("cloudwatch.amazonaws.com".into()))
                .when("StringEquals", "aws:SourceAccount", Expr::sub("${AWS::AccountId}", [])),
            );
        }
        let policy = PolicyDocument::new(statements);
        let key = stack.add(
            "EncryptionKey",
            Key {
                description: Some(format!("Encrypts {alias}: container images, logs").into()),
                enable_key_rotation: Some(true),
                key_policy: Some(policy),
                pending_window_in_days: Some(Expr::Int(30)),
                tags: vec![],
            },
        )?;
        if retain {
            stack.retain(&key);
        }
        stack.add(
            "EncryptionKeyAlias",
            Alias { alias_name: format!("alias/{alias}").into(), target_key_id: key.as_ref() },
        )?;
        Ok(EncryptionKey { key })
    }
}

/// The security group of the runtimes' network interfaces: HTTPS out to the VPC endpoints and the
/// S3 prefix list only (and to the internet in NAT mode), nothing in.
#[derive(Clone, Debug)]
pub struct RuntimeSecurityGroup {
    /// The group.
    pub group: Handle<SecurityGroup>,
}

impl RuntimeSecurityGroup {
    /// The S3 prefix list the group's egress names: the ID given, or else a stack parameter
    /// (`S3PrefixListId`) that deploy fills from `ec2:DescribeManagedPrefixLists`, since
    /// CloudFormation cannot look it up.
    pub fn s3_prefix_list(stack: &mut Stack, given: Option<&str>, region: &str) -> Result<Expr, Error> {
        if let Some(id) = given {
            return Ok(Expr::from(id));
        }
        Ok(stack.add_parameter(
            "S3PrefixListId",
            corestack_cfn::Parameter {
                kind: "String".into(),
                description: format!(
                    "The ID of com.amazonaws.{region}.s3, the Region's S3 managed prefix list; corestack deploy looks it up"
                ),
                default: None,
                allowed_pattern: Some("^pl-[a-f0-9]{8,17}$".into()),
                constraint_description: Some("a prefix list ID, pl- and 8 to 17 hex digits".into()),
            },
        )?)
    }

    /// Adds the group, and a rule on the endpoint group that admits it on 443.
    ///
    /// `s3_prefix_list` is the region's `com.amazonaws.<region>.s3` managed prefix list (an ID,
    /// or a reference to a parameter); CloudFormation cannot look it up (facts §9).
    pub fn build(
        stack: &mut Stack,
        network: &PrivateNetwork,
        s3_prefix_list: Expr,
        name: &str,
    ) -> Result<RuntimeSecurityGroup, Error> {
        let https = |description: &str| EgressRule {
            ip_protocol: "tcp".into(),
            from_port: Some(Expr::Int(443)),
            to_port: Some(Expr::Int(443)),
            description: Some(description.into()),
            ..Default::default()
        };
        let mut egress = vec![
            EgressRule {
                destination_security_group_id: Some(network.endpoint_security_group.group_id()),
                ..https("HTTPS to the interface VPC endpoints")
            },
            EgressRule {
                destination_prefix_list_id: Some(s3_prefix_list),
                ..https("HTTPS to S3 through the gateway endpoint (image layers)")
            },
        ];
        if network.egress == Egress::Nat {
            egress.push(EgressRule { cidr_ip: Some("0.0.0.0/0".into()), ..https("HTTPS to the internet through NAT") });
        }
        let group = stack.add(
            "RuntimeSecurityGroup",
            SecurityGroup {
                group_description: "AgentCore runtime network interfaces; HTTPS egress only".into(),
                vpc_id: network.vpc.as_ref(),
                security_group_egress: egress,
                tags: vec![Tag::new("Name", format!("{name}-runtime"))],
                ..Default::default()
            },
        )?;
        stack.add(
            "EndpointIngressFromRuntime",
            SecurityGroupIngress {
                group_id: network.endpoint_security_group.group_id(),
                ip_protocol: "tcp".into(),
                from_port: Some(Expr::Int(443)),
                to_port: Some(Expr::Int(443)),
                source_security_group_id: Some(group.group_id()),
                description: Some("HTTPS from AgentCore runtimes".into()),
            },
        )?;
        Ok(RuntimeSecurityGroup { group })
    }
}

/// VPC flow logs of all traffic to a KMS-encrypted log group.
#[derive(Clone, Debug)]
pub struct FlowLogs {
    /// The log group.
    pub log_group: Handle<LogGroup>,
    /// The flow log.
    pub flow_log: Handle<FlowLog>,
}

impl FlowLogs {
    /// Adds the log group, the delivery role and its policy, and the flow log on the VPC.
    pub fn build(stack: &mut Stack, vpc: Expr, key_arn: Expr, retention_days: u32) -> Result<FlowLogs, Error> {
        let log_group = stack.add(
            "FlowLogGroup",
            LogGroup {
                retention_in_days: Some(Expr::Int(i64::from(retention_days))),
                kms_key_id: Some(key_arn),
                ..Default::default()
            },
        )?;
        let trust = Statement::allow("VpcFlowLogsDelivers", ["sts:AssumeRole"], vec![])
            .principal(Principal::Service("vpc-flow-logs.amazonaws.com".into()))
            .when("StringEquals", "aws:SourceAccount", Expr::sub("${AWS::AccountId}", []))
            .when(
                "ArnLike",
                "aws:SourceArn",
                Expr::sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*", []),
            );
        let role = stack.add(
            "FlowLogRole",
            Role {
                assume_role_policy_document: Some(PolicyDocument::new(vec![trust])),
                description: Some("Delivers VPC flow logs to their log group".into()),
                ..Default::default()
            },
        )?;
        let policy = stack.add(
            "FlowLogRolePolicy",
            Policy {
                policy_name: "deliver-flow-logs".into(),
                policy_document: Some(PolicyDocument::new(vec![
                    Statement::allow(
                        "WriteFlowLogGroup",
                        ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        vec![log_group.arn()],
                    ),
                    Statement::allow(
                        "FindLogGroups",
                        ["logs:DescribeLogGroups"],
                        vec![Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*", [])],
                    ),
                ])),
                roles: vec![role.as_ref()],
            },
        )?;
        let flow_log = stack.add(
            "VpcFlowLog",
            FlowLog {
                resource_id: vpc,
                resource_type: "VPC".into(),
                traffic_type: "ALL".into(),
                log_destination_type: Some("cloud-watch-logs".into()),
                log_group_name: Some(log_group.as_ref()),
                deliver_logs_permission_arn: Some(role.arn()),
                max_aggregation_interval: Some(Expr::Int(60)),
                tags: vec![],
            },
        )?;
        // Delivery is checked when the flow log is created, so the permissions must exist first.
        stack.add_dependency(&flow_log, &policy);
        Ok(FlowLogs { log_group, flow_log })
    }
}
