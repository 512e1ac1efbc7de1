//! The calls corestack itself makes, on this project's resources where the action takes one.
//! Resource types per action are those of the Service Authorization Reference pages
//! `list_cloudformation`, `list_ecr`, `list_bedrock-agentcore`, `list_logs`, `list_xray`,
//! `list_bedrock`, `list_sts` and `list_ec2`: an action with no resource type takes `*`.

use super::{Scope, Statement};
use corestack_app::{Assembly, Settings};

/// The stacks corestack makes, changes and deletes (CreateChangeSet and the rest take the stack's
/// ARN: change-set names are not resources of their own there).
const STACK_ACTIONS: &[&str] = &[
    "cloudformation:CreateStack",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResources",
    "cloudformation:GetTemplate",
    "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:ContinueUpdateRollback",
];

/// Image pushes (docker's through the ECR login) and corestack's own image lookups and tags, and
/// the repository's tags, which say whether a repository that outlived a destroy is the project's.
const IMAGE_ACTIONS: &[&str] = &[
    "ecr:DescribeRepositories",
    "ecr:ListTagsForResource",
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
];

/// What status, logs, invoke and the deploy's waits call on the runtimes and their endpoints
/// (`invoke --user-id` is InvokeAgentRuntimeForUser as well).
const RUNTIME_ACTIONS: &[&str] = &[
    "bedrock-agentcore:GetAgentRuntime",
    "bedrock-agentcore:GetAgentRuntimeEndpoint",
    "bedrock-agentcore:InvokeAgentRuntime",
    "bedrock-agentcore:InvokeAgentRuntimeForUser",
    "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStream",
    "bedrock-agentcore:StopRuntimeSession",
];

/// Calls on `*`: actions that take no resource in the reference, and DescribeStacks, which
/// lists every stack to find the project's by their tags.
const UNSCOPED: &[(&str, &[&str])] = &[
    ("WhoAmI", &["sts:GetCallerIdentity"]),
    ("FindStacks", &["cloudformation:DescribeStacks", "cloudformation:ListExports"]),
    ("EcrLogin", &["ecr:GetAuthorizationToken"]),
    ("RuntimeNames", &["bedrock-agentcore:ListAgentRuntimes"]),
    ("PlatformNames", &["bedrock-agentcore:ListMemories", "bedrock-agentcore:ListGateways"]),
    ("S3PrefixList", &["ec2:DescribeManagedPrefixLists"]),
    ("ModelAccessForm", &["bedrock:GetUseCaseForModelAccess"]),
    ("LogGroups", &["logs:DescribeLogGroups"]),
    ("Traces", &["xray:GetTraceSummaries", "xray:BatchGetTraces", "xray:GetTraceSegmentDestination"]),
];

/// The statements for corestack's own calls.
pub fn statements(scope: &Scope, settings: &Settings, assembly: &Assembly) -> Vec<Statement> {
    let mut out = vec![Statement::new("Stacks", STACK_ACTIONS, vec![stacks(scope)])];
    // The account's Transaction Search stack is shared by every project: kept up to date, never
    // deleted (destroy leaves it).
    if settings.observability.transaction_search.is_some() {
        let name = corestack_app::constructs::transaction_search::STACK_NAME;
        let shared = STACK_ACTIONS
            .iter()
            .copied()
            .filter(|a| !a.ends_with(":DeleteStack") && !a.ends_with(":ContinueUpdateRollback"));
        let actions: Vec<&str> = shared.collect();
        out.push(Statement::new(
            "TransactionSearchStack",
            &actions,
            vec![scope.arn("cloudformation", &format!("stack/{name}/*"))],
        ));
    }
    let repository = scope.arn("ecr", &format!("repository/{}", settings.repository_name));
    out.push(Statement::new("Images", IMAGE_ACTIONS, vec![repository]));
    if let Some(bucket) = &settings.environment.template_bucket {
        let objects = format!("arn:{}:s3:::{bucket}/corestack/*", scope.partition);
        out.push(Statement::new("LargeTemplates", &["s3:PutObject", "s3:GetObject"], vec![objects]));
    }
    out.extend(runtimes(scope, assembly));
    out.extend(platform(scope, assembly));
    for (sid, actions) in UNSCOPED {
        out.push(Statement::new(sid, actions, vec!["*".into()]));
    }
    // The service-linked role AgentCore needs for VPC runtimes, made on the first VPC deploy.
    let network_role =
        "role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork";
    out.push(
        Statement::new(
            "AgentCoreNetworkRole",
            &["iam:CreateServiceLinkedRole"],
            vec![scope.global_arn("iam", network_role)],
        )
        .when(serde_json::json!({"StringEquals": {"iam:AWSServiceName": "network.bedrock-agentcore.amazonaws.com"}})),
    );
    out
}

/// This project's stacks in this environment.
fn stacks(scope: &Scope) -> String {
    scope.arn("cloudformation", &format!("stack/{}-*/*", scope.stack_prefix))
}

/// The runtimes by name: a runtime's ID is its name, a dash and ten characters
/// (`AgentRuntime.agentRuntimeId` in the control-plane API reference), and its log groups are
/// named by that ID.
fn runtimes(scope: &Scope, assembly: &Assembly) -> Vec<Statement> {
    let names: Vec<&str> = assembly.manifest.runtimes.iter().map(|r| r.name.as_str()).collect();
    if names.is_empty() {
        return Vec::new();
    }
    let mut arns = Vec::new();
    for name in &names {
        arns.push(scope.arn("bedrock-agentcore", &format!("runtime/{name}-*")));
    }
    let groups =
        names.iter().map(|n| scope.arn("logs", &format!("log-group:/aws/bedrock-agentcore/runtimes/{n}-*"))).collect();
    vec![
        Statement::new("Runtimes", RUNTIME_ACTIONS, arns),
        Statement::new("RuntimeLogs", &["logs:FilterLogEvents"], groups),
    ]
}

/// Memories (by name, as runtimes) and gateways (any: a gateway's ID format is not documented
/// against its name), for status.
fn platform(scope: &Scope, assembly: &Assembly) -> Vec<Statement> {
    let platform = &assembly.manifest.platform;
    let mut out = Vec::new();
    let memories: Vec<String> = platform
        .iter()
        .filter(|p| p.kind == "memory")
        .map(|p| scope.arn("bedrock-agentcore", &format!("memory/{}-*", p.name)))
        .collect();
    if !memories.is_empty() {
        out.push(Statement::new("Memories", &["bedrock-agentcore:GetMemory"], memories));
    }
    if platform.iter().any(|p| p.kind == "gateway") {
        let actions = [
            "bedrock-agentcore:GetGateway",
            "bedrock-agentcore:ListGatewayTargets",
            "bedrock-agentcore:GetGatewayTarget",
        ];
        out.push(Statement::new("Gateways", &actions, vec![scope.arn("bedrock-agentcore", "gateway/*")]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_project_is_scoped_to_its_names() {
        let s = Settings::from_toml(corestack_app::DEFAULT_CONFIG, std::path::Path::new("c"), None).expect("valid");
        let assembly = corestack_app::synth(&s).expect("synthesizes");
        let statements = statements(&Scope::of(&s), &s, &assembly);
        let by_sid = |sid: &str| statements.iter().find(|s| s.sid == sid).unwrap_or_else(|| panic!("{sid}"));
        assert_eq!(by_sid("Stacks").resources, ["arn:aws:cloudformation:us-east-1:*:stack/agentcore-demo-dev-*/*"]);
        assert_eq!(by_sid("Images").resources, ["arn:aws:ecr:us-east-1:*:repository/agentcore-demo-dev"]);
        assert_eq!(by_sid("Runtimes").resources, ["arn:aws:bedrock-agentcore:us-east-1:*:runtime/demo_agent_dev-*"]);
        assert!(statements.iter().all(|s| s.sid != "Memories" && s.sid != "LargeTemplates"));
    }

    #[test]
    fn the_platform_example_adds_its_memories_and_gateways() {
        let s = super::super::tests::example("platform");
        let assembly = corestack_app::synth(&s).expect("synthesizes");
        let statements = statements(&Scope::of(&s), &s, &assembly);
        let sids: Vec<&str> = statements.iter().map(|s| s.sid.as_str()).collect();
        assert!(sids.contains(&"Memories") && sids.contains(&"Gateways"), "{sids:?}");
    }
}
