//! The runtime execution role: trusted only by AgentCore in this account for this runtime, with
//! exactly the permissions of the service's documented policy (facts §8), scoped to one runtime.

use corestack_cfn::policy::{Overreach, PolicyDocument, Principal, Statement, overreach};
use corestack_cfn::resources::iam::{Policy, Role};
use corestack_cfn::{Expr, Handle, Stack};

use crate::limits::Violation;
use crate::{Error, Problem};

/// What the role is for.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionRoleProps {
    /// The runtime's full name; logs, workload identity and trust are scoped to `<name>-*`.
    pub runtime_name: String,
    /// The ARN of the one ECR repository the runtime pulls from.
    pub repository_arn: Expr,
    /// Bedrock model or inference profile IDs the agent may invoke.
    pub model_ids: Vec<String>,
    /// Whether to grant `GetWorkloadAccessTokenForUserId`; the service's guidance is to leave it
    /// out in production and use JWT-derived tokens (facts §8.2).
    pub user_id_tokens: bool,
}

/// A built execution role and its policy.
#[derive(Clone, Debug)]
pub struct ExecutionRole {
    /// The role.
    pub role: Handle<Role>,
    /// The inline policy with the runtime's permissions.
    pub policy: Handle<Policy>,
}

const P: &str = "arn:${AWS::Partition}";

/// Checks a statement for least privilege: no `*` or `service:*` action, `*` resources only for
/// actions that have no resource-level permissions, and never `iam:PassRole` on `*` (the
/// judgement of [`corestack_cfn::policy::overreach`], which the check's rules share).
pub fn check_statement(statement: &Statement) -> Result<(), Violation> {
    let sid = statement.sid.as_deref().unwrap_or("(no Sid)");
    let actions: Vec<&str> = statement.action.iter().map(String::as_str).collect();
    let star = statement.resource.iter().any(|r| r.as_str() == Some("*"));
    match overreach(&actions, star).into_iter().next() {
        None => Ok(()),
        Some(Overreach::WildcardAction(a)) => Err(Violation::new(
            format!("statement {sid} grants the wildcard action `{a}`"),
            "list the actions the agent calls",
        )),
        Some(Overreach::StarResource(scoped)) => {
            let a = scoped[0];
            Err(Violation::new(
                format!("statement {sid} grants `{a}` on resource `*`, but `{a}` supports resource-level permissions"),
                "name the resource ARNs; `*` is only for actions without resource-level permissions",
            ))
        }
        Some(Overreach::PassRoleOnStar) => Err(Violation::new(
            format!("statement {sid} allows iam:PassRole on every role"),
            "name the role ARNs it may pass",
        )),
    }
}

fn statements(props: &ExecutionRoleProps) -> Vec<Statement> {
    let name = &props.runtime_name;
    let runtime_logs =
        format!("{P}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/bedrock-agentcore/runtimes/{name}-*");
    let directory =
        format!("{P}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:workload-identity-directory/default");
    let mut token_actions =
        vec!["bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetWorkloadAccessTokenForJWT"];
    if props.user_id_tokens {
        token_actions.push("bedrock-agentcore:GetWorkloadAccessTokenForUserId");
    }
    let mut out = vec![
        Statement::allow(
            "PullAgentImage",
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            vec![props.repository_arn.clone()],
        ),
        // ecr:GetAuthorizationToken has no resource-level permissions: `*` is the only resource.
        Statement::allow("GetRegistryToken", ["ecr:GetAuthorizationToken"], vec!["*".into()]),
        Statement::allow(
            "CreateRuntimeLogGroups",
            ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
            vec![Expr::sub(&runtime_logs, [])],
        ),
        Statement::allow(
            "FindLogGroups",
            ["logs:DescribeLogGroups"],
            vec![Expr::sub(&format!("{P}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:*"), [])],
        ),
        Statement::allow(
            "WriteRuntimeLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![Expr::sub(&format!("{runtime_logs}:log-stream:*"), [])],
        ),
        // X-Ray's write and sampling calls have no resource-level permissions.
        Statement::allow(
            "WriteTraces",
            ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            vec!["*".into()],
        ),
        // PutMetricData has no resource type; the namespace condition is what limits it.
        Statement::allow("PutAgentMetrics", ["cloudwatch:PutMetricData"], vec!["*".into()]).when(
            "StringEquals",
            "cloudwatch:namespace",
            "bedrock-agentcore",
        ),
        Statement::allow(
            "GetWorkloadAccessTokens",
            token_actions,
            vec![Expr::sub(&directory, []), Expr::sub(&format!("{directory}/workload-identity/{name}-*"), [])],
        ),
    ];
    out.extend(crate::models::statements(&props.model_ids));
    out
}

/// A role the AgentCore service assumes for its resources `<resource>-*` (`runtime/<name>`,
/// `memory/<name>`, `gateway/<name>`): trusted only from this account and for those resources, the
/// conditions that keep the service from being a confused deputy.
pub fn service_role(stack: &mut Stack, id: &str, resource: &str, description: &str) -> Result<Handle<Role>, Error> {
    let trust = Statement::allow("AgentCoreAssumesRole", ["sts:AssumeRole"], vec![])
        .principal(Principal::Service("bedrock-agentcore.amazonaws.com".into()))
        .when("StringEquals", "aws:SourceAccount", Expr::sub("${AWS::AccountId}", []))
        .when(
            "ArnLike",
            "aws:SourceArn",
            Expr::sub(&format!("{P}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:{resource}-*"), []),
        );
    Ok(stack.add(
        id,
        Role {
            assume_role_policy_document: Some(PolicyDocument::new(vec![trust])),
            description: Some(description.into()),
            ..Default::default()
        },
    )?)
}

impl ExecutionRole {
    /// Adds the role (logical ID `<id>`) and its policy (`<id>Policy`).
    pub fn build(stack: &mut Stack, id: &str, props: &ExecutionRoleProps) -> Result<ExecutionRole, Error> {
        if let Err(v) = crate::limits::runtime_name(&props.runtime_name) {
            return Err(Error::Invalid(vec![Problem::from_violation("runtime_name", v)]));
        }
        let role = service_role(
            stack,
            id,
            &format!("runtime/{}", props.runtime_name),
            &format!("Execution role of AgentCore runtime {}", props.runtime_name),
        )?;
        let policy = stack.add(
            &format!("{id}Policy"),
            Policy {
                policy_name: "agentcore-runtime".into(),
                policy_document: Some(PolicyDocument::new(statements(props))),
                roles: vec![role.as_ref()],
            },
        )?;
        Ok(ExecutionRole { role, policy })
    }

    /// Grants more permissions to the role, as a policy of its own in `stack` (any stack of the
    /// app). Every statement is checked for least privilege first.
    ///
    /// # Example
    /// ```
    /// use corestack_cfn::{Expr, Stack, policy::Statement};
    /// use corestack_constructs::role::{ExecutionRole, ExecutionRoleProps};
    /// let mut security = Stack::new("demo-Security", "roles");
    /// let role = ExecutionRole::build(&mut security, "AgentRole", &ExecutionRoleProps {
    ///     runtime_name: "agent".into(), repository_arn: "arn:aws:ecr:us-east-1:123456789012:repository/a".into(),
    ///     model_ids: vec![], user_id_tokens: false,
    /// })?;
    /// let mut data = Stack::new("demo-Data", "data");
    /// role.grant(&mut data, "AgentReadsDocs", vec![
    ///     Statement::allow("ReadDocs", ["s3:GetObject"], vec!["arn:aws:s3:::docs/*".into()]),
    /// ])?;
    /// assert!(role.grant(&mut data, "TooMuch", vec![Statement::allow("All", ["s3:*"], vec!["*".into()])]).is_err());
    /// # Ok::<(), corestack_constructs::Error>(())
    /// ```
    pub fn grant(&self, stack: &mut Stack, id: &str, statements: Vec<Statement>) -> Result<Handle<Policy>, Error> {
        let problems: Vec<Problem> = statements
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                check_statement(s).err().map(|v| Problem::from_violation(&format!("{id}.statements[{i}]"), v))
            })
            .collect();
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        Ok(stack.add(
            id,
            Policy {
                policy_name: id.into(),
                policy_document: Some(PolicyDocument::new(statements)),
                roles: vec![self.role.as_ref()],
            },
        )?)
    }

    /// The role's statements, for inspection and contract tests.
    pub fn statements(props: &ExecutionRoleProps) -> Vec<Statement> {
        statements(props)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> ExecutionRoleProps {
        ExecutionRoleProps {
            runtime_name: "agent_dev".into(),
            repository_arn: "arn:aws:ecr:us-east-1:123456789012:repository/a".into(),
            model_ids: vec!["anthropic.claude-3-5-haiku-20241022-v1:0".into(), "us.amazon.nova-pro-v1:0".into()],
            user_id_tokens: false,
        }
    }

    #[test]
    fn every_generated_statement_is_least_privilege() {
        for s in statements(&props()) {
            assert_eq!(check_statement(&s), Ok(()), "{:?}", s.sid);
        }
    }

    #[test]
    fn models_become_scoped_arns() {
        let st = statements(&props());
        let models = st.iter().find(|s| s.sid.as_deref() == Some("InvokeModels")).unwrap();
        let arns: Vec<String> = models
            .resource
            .iter()
            .map(|r| serde_json::to_value(r).unwrap()["Fn::Sub"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(arns.len(), 6, "{arns:?}");
        assert_eq!(
            arns[..3],
            [
                "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
                "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/us.amazon.nova-pro-v1:0",
                "arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
            ]
        );
        let none = statements(&ExecutionRoleProps { model_ids: vec![], ..props() });
        assert!(none.iter().all(|s| s.sid.as_deref() != Some("InvokeModels")));
    }

    #[test]
    fn user_id_tokens_only_when_asked() {
        let has =
            |p: &ExecutionRoleProps| statements(p).iter().any(|s| s.action.iter().any(|a| a.ends_with("ForUserId")));
        assert!(!has(&props()));
        assert!(has(&ExecutionRoleProps { user_id_tokens: true, ..props() }));
    }

    #[test]
    fn wildcards_are_refused_with_the_reason() {
        let star_action = Statement::allow("A", ["*"], vec!["arn:aws:s3:::b".into()]);
        assert!(check_statement(&star_action).unwrap_err().message.contains("wildcard action `*`"));
        let service_star = Statement::allow("B", ["s3:*"], vec!["arn:aws:s3:::b".into()]);
        assert!(check_statement(&service_star).is_err());
        let star_resource = Statement::allow("C", ["s3:GetObject"], vec!["*".into()]);
        assert!(check_statement(&star_resource).unwrap_err().message.contains("supports resource-level permissions"));
        let pass_role = Statement::allow("D", ["iam:PassRole"], vec!["*".into()]);
        assert!(check_statement(&pass_role).is_err());
    }
}
