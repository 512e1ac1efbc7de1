//! CloudWatch Transaction Search: the account-wide setting that sends spans to CloudWatch Logs
//! (`aws/spans`) and indexes a share of them as X-Ray trace summaries. AgentCore's generative-AI
//! observability pages show sessions and traces only when it is on (AgentCore developer guide,
//! "Enabling CloudWatch Transaction Search"). CloudFormation sets it with
//! `AWS::XRay::TransactionSearchConfig` and a CloudWatch Logs resource policy that lets X-Ray write
//! the span log groups (CloudWatch user guide, "Enable Transaction Search with CloudFormation").
//! It is one per account and Region, so it lives in a stack of its own that deploy creates only
//! when the account does not have it yet.

use corestack_cfn::resources::logs::ResourcePolicy;
use corestack_cfn::resources::xray::TransactionSearchConfig;
use corestack_cfn::{Error, Expr, Stack};

/// The name of the account's Transaction Search stack: the same for every project and
/// environment in an account and Region, since the setting is.
pub const STACK_NAME: &str = "corestack-transaction-search";

/// The log groups X-Ray writes spans to, as the resource policy names them.
const SPAN_GROUPS: [&str; 2] = ["aws/spans", "/aws/application-signals/data"];

/// Adds the resource policy and the setting, indexing `indexing_percent` of the spans.
pub fn build(stack: &mut Stack, indexing_percent: u32) -> Result<(), Error> {
    let resources = SPAN_GROUPS
        .iter()
        .map(|g| format!("\"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{g}:*\""))
        .collect::<Vec<_>>()
        .join(",");
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"TransactionSearchXRayAccess","Effect":"Allow","Principal":{{"Service":"xray.amazonaws.com"}},"Action":"logs:PutLogEvents","Resource":[{resources}],"Condition":{{"ArnLike":{{"aws:SourceArn":"arn:${{AWS::Partition}}:xray:${{AWS::Region}}:${{AWS::AccountId}}:*"}},"StringEquals":{{"aws:SourceAccount":"${{AWS::AccountId}}"}}}}}}]}}"#
    );
    let policy = stack.add(
        "TransactionSearchLogsPolicy",
        ResourcePolicy {
            policy_name: "corestack-transaction-search".into(),
            policy_document: Expr::sub(&document, []),
        },
    )?;
    let config = stack.add(
        "TransactionSearch",
        TransactionSearchConfig { indexing_percentage: Some(Expr::Int(i64::from(indexing_percent))) },
    )?;
    stack.add_dependency(&config, &policy);
    Ok(())
}
