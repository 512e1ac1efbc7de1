//! IAM policy documents, as CloudFormation takes them inline.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Expr;

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants the actions.
    Allow,
    /// Denies the actions.
    Deny,
}

/// Who a resource policy or trust policy applies to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Principal {
    /// An AWS service, for example `bedrock-agentcore.amazonaws.com`.
    Service(Expr),
    /// An AWS account or role ARN.
    #[serde(rename = "AWS")]
    Aws(Expr),
}

/// One statement. `Resource` is left out when empty, as in trust policies.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Statement ID, letters and digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// The principal (resource and trust policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// The actions, `service:Action`.
    pub action: Vec<String>,
    /// The resources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Expr>,
    /// Conditions: operator to key to value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<String, BTreeMap<String, Expr>>,
}

impl Statement {
    /// An `Allow` statement of the actions on the resources.
    pub fn allow<A: Into<String>>(sid: &str, actions: impl IntoIterator<Item = A>, resources: Vec<Expr>) -> Statement {
        Statement {
            sid: Some(sid.to_string()),
            effect: Effect::Allow,
            principal: None,
            action: actions.into_iter().map(Into::into).collect(),
            resource: resources,
            condition: BTreeMap::new(),
        }
    }

    /// Adds a condition `operator: {key: value}`.
    pub fn when(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Statement {
        self.condition.entry(operator.to_string()).or_default().insert(key.to_string(), value.into());
        self
    }

    /// Sets the principal.
    pub fn principal(mut self, principal: Principal) -> Statement {
        self.principal = Some(principal);
        self
    }
}

/// A policy document, version 2012-10-17.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// Always `2012-10-17`.
    pub version: &'static str,
    /// The statements.
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with these statements.
    pub fn new(statement: Vec<Statement>) -> PolicyDocument {
        PolicyDocument { version: "2012-10-17", statement }
    }
}

/// Actions that have no resource-level permissions, so `"Resource": "*"` is the only way to grant them.
///
/// Sources: the Service Authorization Reference pages "Actions, resources, and condition keys" for
/// Amazon ECR (GetAuthorizationToken), AWS X-Ray (PutTraceSegments, PutTelemetryRecords,
/// GetSamplingRules, GetSamplingTargets), Amazon CloudWatch (PutMetricData: no resource type, use the
/// `cloudwatch:namespace` condition), AWS STS (GetCallerIdentity), and Amazon EC2 (the Describe* calls
/// a deployer makes), and AWS Marketplace (Subscribe, ViewSubscriptions: the subscription Bedrock
/// makes on a third-party model's first call). Keep this list short and sourced: every entry is a place where `*` is allowed.
pub const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS: &[&str] = &[
    "aws-marketplace:Subscribe",
    "aws-marketplace:ViewSubscriptions",
    "cloudwatch:PutMetricData",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ecr:GetAuthorizationToken",
    "sts:GetCallerIdentity",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// Whether the action (case-insensitive, as IAM compares them) has no resource-level permissions.
pub fn needs_star_resource(action: &str) -> bool {
    ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.iter().any(|a| a.eq_ignore_ascii_case(action))
}

/// How an Allow statement grants more than least privilege. The one judgement corestack makes,
/// used when a construct grants (refused at synth) and by the check's rules (reported).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overreach<'a> {
    /// `*` or `service:*` as an action.
    WildcardAction(&'a str),
    /// `*` as a resource for these actions, which have resource-level permissions.
    StarResource(Vec<&'a str>),
    /// `iam:PassRole` on every role.
    PassRoleOnStar,
}

/// Everything an Allow statement with these actions (and `*` among its resources or not) grants
/// beyond least privilege, in that order.
pub fn overreach<'a>(actions: &[&'a str], star_resource: bool) -> Vec<Overreach<'a>> {
    let mut out = Vec::new();
    if let Some(a) = actions.iter().find(|a| **a == "*" || a.ends_with(":*")) {
        out.push(Overreach::WildcardAction(a));
    }
    if star_resource {
        let scoped: Vec<&str> = actions.iter().copied().filter(|a| !needs_star_resource(a)).collect();
        if !scoped.is_empty() {
            out.push(Overreach::StarResource(scoped));
        }
        if actions.iter().any(|a| a.eq_ignore_ascii_case("iam:PassRole")) {
            out.push(Overreach::PassRoleOnStar);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trust_statement_has_no_resource_and_keeps_conditions() {
        let s = Statement::allow("Trust", ["sts:AssumeRole"], vec![])
            .principal(Principal::Service("bedrock-agentcore.amazonaws.com".into()))
            .when("StringEquals", "aws:SourceAccount", "123456789012");
        assert_eq!(
            serde_json::to_value(PolicyDocument::new(vec![s])).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "Trust", "Effect": "Allow", "Action": ["sts:AssumeRole"],
                "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}
            }]})
        );
    }

    #[test]
    fn star_allowlist_is_case_insensitive_and_closed() {
        assert!(needs_star_resource("ecr:getauthorizationtoken"));
        assert!(!needs_star_resource("ecr:BatchGetImage"));
        assert!(!needs_star_resource("*"));
    }
}
