//! What CloudFormation calls with the deployer's credentials to create, update and delete the
//! resources of this project's templates (CloudFormation uses the caller's permissions when a
//! stack has no service role: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html>).
//! Each action is allowed only through CloudFormation (`aws:CalledVia` names it:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-calledvia>),
//! and only for the resource types the templates hold; IAM roles only under the project's name.
//!
//! The actions per type are those of the APIs each resource's handlers call, with the tagging
//! actions every type needs because stack tags propagate to each resource. The registry schemas'
//! own handler permission lists are not readable offline; a type missing here fails the test
//! that checks every synthesized type has an entry.

use std::collections::BTreeSet;

use serde_json::json;

use super::{Scope, Statement};
use corestack_app::Assembly;

/// The one resource type a change set of corestack's may import (a repository that outlived a
/// destroy of its project).
const IMPORTED_TYPE: &str = "AWS::ECR::Repository";

const EC2_TAGS: &[&str] = &["ec2:CreateTags", "ec2:DeleteTags"];
const LOGS_TAGS: &[&str] = &["logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"];
const AGENTCORE_TAGS: &[&str] =
    &["bedrock-agentcore:TagResource", "bedrock-agentcore:UntagResource", "bedrock-agentcore:ListTagsForResource"];

/// What every credential provider needs besides its own actions: the token vault keeps each
/// provider's secret in Secrets Manager.
const CREDENTIAL_PROVIDERS: &[&str] = &[
    "bedrock-agentcore:CreateTokenVault",
    "bedrock-agentcore:GetTokenVault",
    "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "bedrock-agentcore:TagResource",
    "bedrock-agentcore:UntagResource",
    "bedrock-agentcore:ListTagsForResource",
];

/// The actions CloudFormation needs for one resource type, or `None` for a type not known here.
pub fn actions(resource_type: &str) -> Option<Vec<&'static str>> {
    let (own, tags): (&[&str], &[&str]) = match resource_type {
        "AWS::EC2::VPC" => (
            &[
                "ec2:CreateVpc",
                "ec2:DeleteVpc",
                "ec2:DescribeVpcs",
                "ec2:ModifyVpcAttribute",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeNetworkAcls",
            ],
            EC2_TAGS,
        ),
        "AWS::EC2::Subnet" => (
            &[
                "ec2:CreateSubnet",
                "ec2:DeleteSubnet",
                "ec2:DescribeSubnets",
                "ec2:ModifySubnetAttribute",
                "ec2:DescribeNetworkAcls",
            ],
            EC2_TAGS,
        ),
        "AWS::EC2::InternetGateway" => {
            (&["ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:DescribeInternetGateways"], EC2_TAGS)
        }
        "AWS::EC2::VPCGatewayAttachment" => {
            (&["ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:DescribeInternetGateways"], &[])
        }
        "AWS::EC2::EIP" => (&["ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DescribeAddresses"], EC2_TAGS),
        "AWS::EC2::NatGateway" => {
            (&["ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:DescribeNatGateways"], EC2_TAGS)
        }
        "AWS::EC2::RouteTable" => {
            (&["ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables"], EC2_TAGS)
        }
        "AWS::EC2::Route" => {
            (&["ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute", "ec2:DescribeRouteTables"], &[])
        }
        "AWS::EC2::SubnetRouteTableAssociation" => (
            &[
                "ec2:AssociateRouteTable",
                "ec2:DisassociateRouteTable",
                "ec2:ReplaceRouteTableAssociation",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSubnets",
            ],
            &[],
        ),
        "AWS::EC2::SecurityGroup" => (
            &[
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSecurityGroupRules",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
            ],
            EC2_TAGS,
        ),
        "AWS::EC2::SecurityGroupEgress" | "AWS::EC2::SecurityGroupIngress" => (
            &[
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSecurityGroupRules",
                "ec2:ModifySecurityGroupRules",
            ],
            &[],
        ),
        // Interface endpoints with private DNS associate the VPC with the service's hosted zone.
        "AWS::EC2::VPCEndpoint" => (
            &[
                "ec2:CreateVpcEndpoint",
                "ec2:DeleteVpcEndpoints",
                "ec2:DescribeVpcEndpoints",
                "ec2:ModifyVpcEndpoint",
                "route53:AssociateVPCWithHostedZone",
            ],
            EC2_TAGS,
        ),
        "AWS::EC2::FlowLog" => (
            &[
                "ec2:CreateFlowLogs",
                "ec2:DeleteFlowLogs",
                "ec2:DescribeFlowLogs",
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
            ],
            EC2_TAGS,
        ),
        "AWS::ECR::Repository" => (
            &[
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeRepositories",
                "ecr:PutLifecyclePolicy",
                "ecr:GetLifecyclePolicy",
                "ecr:DeleteLifecyclePolicy",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:SetRepositoryPolicy",
                "ecr:GetRepositoryPolicy",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:ListTagsForResource",
                "kms:CreateGrant",
                "kms:DescribeKey",
                "kms:RetireGrant",
            ],
            &[],
        ),
        "AWS::KMS::Key" => (
            &[
                "kms:CreateKey",
                "kms:DescribeKey",
                "kms:EnableKey",
                "kms:DisableKey",
                "kms:EnableKeyRotation",
                "kms:DisableKeyRotation",
                "kms:GetKeyRotationStatus",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:UpdateKeyDescription",
                "kms:ScheduleKeyDeletion",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ListResourceTags",
            ],
            &[],
        ),
        "AWS::KMS::Alias" => (&["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:ListAliases"], &[]),
        "AWS::Logs::LogGroup" => (
            &[
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:DescribeLogGroups",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:AssociateKmsKey",
                "logs:DisassociateKmsKey",
            ],
            LOGS_TAGS,
        ),
        "AWS::Logs::ResourcePolicy" => {
            (&["logs:PutResourcePolicy", "logs:DeleteResourcePolicy", "logs:DescribeResourcePolicies"], &[])
        }
        // CloudWatch Logs checks AllowVendedLogDeliveryForResource when a source names an AgentCore
        // resource (AgentCore observability guide, "vended logs").
        "AWS::Logs::DeliverySource" => (
            &[
                "logs:PutDeliverySource",
                "logs:GetDeliverySource",
                "logs:DeleteDeliverySource",
                "logs:DescribeDeliverySources",
                "bedrock-agentcore:AllowVendedLogDeliveryForResource",
            ],
            LOGS_TAGS,
        ),
        "AWS::Logs::DeliveryDestination" => (
            &[
                "logs:PutDeliveryDestination",
                "logs:GetDeliveryDestination",
                "logs:DeleteDeliveryDestination",
                "logs:DescribeDeliveryDestinations",
                "logs:PutDeliveryDestinationPolicy",
                "logs:GetDeliveryDestinationPolicy",
                "logs:DeleteDeliveryDestinationPolicy",
            ],
            LOGS_TAGS,
        ),
        // The first delivery to a log group or to X-Ray adds the service's resource policy.
        "AWS::Logs::Delivery" => (
            &[
                "logs:CreateDelivery",
                "logs:GetDelivery",
                "logs:DeleteDelivery",
                "logs:DescribeDeliveries",
                "logs:UpdateDeliveryConfiguration",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "xray:PutResourcePolicy",
                "xray:ListResourcePolicies",
            ],
            LOGS_TAGS,
        ),
        "AWS::CloudWatch::Alarm" => (
            &[
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ],
            &[],
        ),
        "AWS::CloudWatch::Dashboard" => {
            (&["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"], &[])
        }
        "AWS::SNS::Topic" => (
            &[
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:GetSubscriptionAttributes",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
            ],
            &[],
        ),
        "AWS::XRay::TransactionSearchConfig" => (
            &[
                "xray:UpdateTraceSegmentDestination",
                "xray:GetTraceSegmentDestination",
                "xray:UpdateIndexingRule",
                "xray:GetIndexingRules",
            ],
            &[],
        ),
        "AWS::IAM::Role" => (
            &[
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:TagRole",
                "iam:UntagRole",
            ],
            &[],
        ),
        "AWS::IAM::Policy" => (&["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"], &[]),
        "AWS::BedrockAgentCore::Runtime" => (
            &[
                "bedrock-agentcore:CreateAgentRuntime",
                "bedrock-agentcore:GetAgentRuntime",
                "bedrock-agentcore:UpdateAgentRuntime",
                "bedrock-agentcore:DeleteAgentRuntime",
                "bedrock-agentcore:ListAgentRuntimeVersions",
                "bedrock-agentcore:CreateWorkloadIdentity",
                "bedrock-agentcore:GetWorkloadIdentity",
                "bedrock-agentcore:DeleteWorkloadIdentity",
            ],
            AGENTCORE_TAGS,
        ),
        "AWS::BedrockAgentCore::RuntimeEndpoint" => (
            &[
                "bedrock-agentcore:CreateAgentRuntimeEndpoint",
                "bedrock-agentcore:GetAgentRuntimeEndpoint",
                "bedrock-agentcore:UpdateAgentRuntimeEndpoint",
                "bedrock-agentcore:DeleteAgentRuntimeEndpoint",
            ],
            AGENTCORE_TAGS,
        ),
        "AWS::BedrockAgentCore::Memory" => (
            &[
                "bedrock-agentcore:CreateMemory",
                "bedrock-agentcore:GetMemory",
                "bedrock-agentcore:UpdateMemory",
                "bedrock-agentcore:DeleteMemory",
                "kms:CreateGrant",
                "kms:DescribeKey",
                "kms:Decrypt",
                "kms:GenerateDataKey",
            ],
            AGENTCORE_TAGS,
        ),
        "AWS::BedrockAgentCore::Gateway" => (
            &[
                "bedrock-agentcore:CreateGateway",
                "bedrock-agentcore:GetGateway",
                "bedrock-agentcore:UpdateGateway",
                "bedrock-agentcore:DeleteGateway",
                "bedrock-agentcore:CreateWorkloadIdentity",
                "bedrock-agentcore:GetWorkloadIdentity",
                "bedrock-agentcore:DeleteWorkloadIdentity",
                "kms:CreateGrant",
                "kms:DescribeKey",
                "kms:Decrypt",
                "kms:GenerateDataKey",
            ],
            AGENTCORE_TAGS,
        ),
        "AWS::BedrockAgentCore::GatewayTarget" => (
            &[
                "bedrock-agentcore:CreateGatewayTarget",
                "bedrock-agentcore:GetGatewayTarget",
                "bedrock-agentcore:UpdateGatewayTarget",
                "bedrock-agentcore:DeleteGatewayTarget",
                "bedrock-agentcore:ListGatewayTargets",
            ],
            &[],
        ),
        "AWS::BedrockAgentCore::ApiKeyCredentialProvider" => (
            &[
                "bedrock-agentcore:CreateApiKeyCredentialProvider",
                "bedrock-agentcore:GetApiKeyCredentialProvider",
                "bedrock-agentcore:UpdateApiKeyCredentialProvider",
                "bedrock-agentcore:DeleteApiKeyCredentialProvider",
            ],
            CREDENTIAL_PROVIDERS,
        ),
        "AWS::BedrockAgentCore::OAuth2CredentialProvider" => (
            &[
                "bedrock-agentcore:CreateOauth2CredentialProvider",
                "bedrock-agentcore:GetOauth2CredentialProvider",
                "bedrock-agentcore:UpdateOauth2CredentialProvider",
                "bedrock-agentcore:DeleteOauth2CredentialProvider",
            ],
            CREDENTIAL_PROVIDERS,
        ),
        _ => return None,
    };
    Some(own.iter().chain(tags).copied().collect())
}

/// Every resource type of the assembly's templates, sorted.
pub fn resource_types(assembly: &Assembly) -> BTreeSet<String> {
    assembly
        .templates
        .iter()
        .filter_map(|(_, t)| serde_json::from_str::<serde_json::Value>(t).ok())
        .flat_map(|t| {
            t["Resources"]
                .as_object()
                .map(|r| r.values().filter_map(|v| v["Type"].as_str().map(str::to_string)).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

/// Two statements: IAM roles under the project's name, and everything else the templates' types
/// need; both only through CloudFormation. A type not known here is left out (and a test fails).
pub fn statements(scope: &Scope, assembly: &Assembly) -> Vec<Statement> {
    let via = json!({"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}});
    let (mut iam, mut other) = (BTreeSet::new(), BTreeSet::new());
    for t in resource_types(assembly) {
        for a in actions(&t).unwrap_or_default() {
            if a.starts_with("iam:") {
                iam.insert(a)
            } else {
                other.insert(a)
            };
        }
    }
    let mut out = Vec::new();
    // CloudFormation names roles `<stack>-<logical ID>-<suffix>`, so this project's roles in
    // this environment start with its stack prefix (a very long prefix is cut to fit 64
    // characters; widen the pattern then).
    let roles = vec![scope.global_arn("iam", &format!("role/{}-*", scope.stack_prefix))];
    if !iam.is_empty() {
        let actions: Vec<&str> = iam.into_iter().collect();
        out.push(Statement::new("ProjectRolesViaCloudFormation", &actions, roles.clone()).when(via.clone()));
        // Runtimes, memories and gateways are handed their roles, and flow logs theirs: the
        // caller passes each role (CloudFormation checks iam:PassRole as the deployer).
        let services = ["bedrock-agentcore.amazonaws.com", "vpc-flow-logs.amazonaws.com"];
        out.push(
            Statement::new("PassProjectRoles", &["iam:PassRole"], roles)
                .when(json!({"StringEquals": {"iam:PassedToService": services}})),
        );
    }
    if !other.is_empty() {
        let actions: Vec<&str> = other.into_iter().collect();
        out.push(Statement::new("ResourcesViaCloudFormation", &actions, vec!["*".into()]).when(via));
    }
    // The statements above act on what the project's stacks hold. A change set that imports
    // resources would bring anything of the account into them; corestack imports only the
    // project's own repository when it outlived a destroy (its name is the project's, and deploy
    // checks its tags first), so any other imported type is refused.
    let mut no_imports = Statement::new("NoResourceImports", &["cloudformation:CreateChangeSet"], vec!["*".into()])
        .when(json!({"ForAnyValue:StringNotEquals": {"cloudformation:ImportResourceTypes": [IMPORTED_TYPE]}}));
    no_imports.deny = true;
    out.push(no_imports);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_a_full_config_synthesizes_has_its_actions() {
        let default =
            corestack_app::Settings::from_toml(corestack_app::DEFAULT_CONFIG, std::path::Path::new("c"), None);
        let examples = ["platform", "protocols", "sessions"].map(super::super::tests::example);
        for s in std::iter::once(default.expect("valid")).chain(examples) {
            let assembly = corestack_app::synth(&s).expect("synthesizes");
            for t in resource_types(&assembly) {
                assert!(actions(&t).is_some(), "{t} has no entry in permissions::via_cloudformation::actions");
            }
        }
    }

    #[test]
    fn roles_are_scoped_to_the_project_and_everything_needs_cloudformation() {
        let s = corestack_app::Settings::from_toml(corestack_app::DEFAULT_CONFIG, std::path::Path::new("c"), None)
            .expect("valid");
        let assembly = corestack_app::synth(&s).expect("synthesizes");
        let statements = statements(&Scope::of(&s), &assembly);
        let sids: Vec<&str> = statements.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(
            sids,
            ["ProjectRolesViaCloudFormation", "PassProjectRoles", "ResourcesViaCloudFormation", "NoResourceImports"]
        );
        assert_eq!(statements[0].resources, ["arn:aws:iam::*:role/agentcore-demo-dev-*"]);
        assert!(statements[0].actions.iter().all(|a| a.starts_with("iam:")));
        let via = json!({"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}});
        assert_eq!(statements[0].condition.as_ref(), Some(&via));
        assert_eq!(statements[2].condition.as_ref(), Some(&via));
        assert_eq!(statements[1].actions, ["iam:PassRole"]);
        assert_eq!(statements[1].resources, statements[0].resources, "only the project's roles are passed");
        assert!(statements[3].deny && statements[3].actions == ["cloudformation:CreateChangeSet"]);
        assert!(statements[2].actions.contains(&"bedrock-agentcore:CreateAgentRuntime".to_string()));
        assert!(
            !statements[2].actions.contains(&"bedrock-agentcore:CreateMemory".to_string()),
            "no memory in the default"
        );
    }
}
