//! The catalog: every rule with its pillar, severity, title and rationale, in report order.

use super::{Rule, correctness, network, operations, platform, security};
use crate::{Pillar, RuleInfo, Severity};

macro_rules! rule {
    ($id:literal, $pillar:ident, $sev:ident, $check:path, $title:literal, $why:literal) => {
        Rule {
            info: RuleInfo {
                id: $id,
                pillar: Pillar::$pillar,
                severity: Severity::$sev,
                title: $title,
                rationale: $why,
            },
            check: $check,
        }
    };
}

/// Every rule, in report order.
pub static RULES: &[Rule] = &[
    rule!(
        "SEC01",
        Security,
        Error,
        security::ecr_kms,
        "ECR repositories are encrypted with a KMS key",
        "Images are the agent's code; a customer managed key puts reads under key policy and CloudTrail (seed: encryption at rest)."
    ),
    rule!(
        "SEC02",
        Security,
        Error,
        security::ecr_scan,
        "ECR repositories scan images on push",
        "Known CVEs in agent images are found when they are pushed, not after deploy."
    ),
    rule!(
        "SEC03",
        Security,
        Error,
        security::ecr_immutable,
        "ECR image tags are immutable",
        "A runtime pinned to a tag must keep running the image that was reviewed; mutable tags can be overwritten."
    ),
    rule!(
        "SEC04",
        Security,
        Error,
        security::kms_rotation,
        "KMS keys rotate",
        "Yearly rotation limits the data under one key version (AWS Security Hub KMS.4)."
    ),
    rule!(
        "SEC05",
        Security,
        Error,
        security::log_group_kms,
        "Log groups are encrypted with a KMS key",
        "Agent logs carry prompts and answers (seed: encryption at rest)."
    ),
    rule!(
        "SEC06",
        Security,
        Error,
        security::no_star_action,
        "IAM statements grant no `*` or `service:*` action",
        "Least privilege (seed constitution); wildcard actions grant tomorrow's actions too."
    ),
    rule!(
        "SEC07",
        Security,
        Error,
        security::star_resource,
        "IAM `*` resources only for actions without resource-level permissions",
        "`*` is acceptable only where IAM offers nothing narrower (sourced list in corestack-cfn's policy module)."
    ),
    rule!(
        "SEC08",
        Security,
        Error,
        security::trust_conditions,
        "Roles AgentCore assumes require aws:SourceAccount and aws:SourceArn",
        "Without them any AgentCore runtime in any account could assume the role (confused deputy; AgentCore permissions guide)."
    ),
    rule!(
        "SEC09",
        Security,
        Error,
        security::pass_role,
        "iam:PassRole is never granted on `*`",
        "PassRole on `*` lets the holder give any role to any service: a privilege escalation path."
    ),
    rule!(
        "SEC10",
        Security,
        Error,
        security::open_ingress,
        "No security group admits 0.0.0.0/0 or ::/0",
        "Runtimes receive invocations through the service, not the VPC; nothing needs to be reachable from the internet."
    ),
    rule!(
        "SEC11",
        Security,
        Error,
        security::runtime_egress,
        "Runtime security groups allow only HTTPS egress",
        "A runtime talks to AWS APIs over 443; CloudFormation's default allow-all egress is an exfiltration path."
    ),
    rule!(
        "SEC12",
        Security,
        Error,
        security::jwt_https,
        "JWT discovery URLs use https and the OpenID path",
        "The service fetches signing keys from it; a plain-http issuer can be spoofed (facts §1.2)."
    ),
    rule!(
        "SEC13",
        Security,
        Error,
        platform::encrypted,
        "Memories and gateways are encrypted with a customer managed key",
        "Memories hold users' conversations and what was learned from them; gateways hold tool traffic. The project key keeps them under the account's control and audit."
    ),
    rule!(
        "SEC14",
        Security,
        Error,
        platform::literal_secrets,
        "No template property holds a secret written out",
        "Templates are read by everyone who can describe a stack, kept in deployment history and copied into reports; secrets belong in Secrets Manager, referred to by ARN."
    ),
    rule!(
        "SEC15",
        Security,
        Error,
        platform::scoped_grants,
        "Grants on memories and gateways name their ARNs",
        "An agent granted every memory can read every user's memories; least privilege names the ones it uses."
    ),
    rule!(
        "SEC16",
        Security,
        Error,
        platform::gateway_authorizer,
        "In production, a gateway checks who calls it",
        "A gateway without inbound authorization runs its tools, with its role's permissions, for anyone who finds the URL (a warning outside production)."
    ),
    rule!(
        "VPC01",
        VpcIsolation,
        Error,
        network::vpc_mode,
        "Runtimes run in VPC network mode",
        "VPC mode keeps agent egress inside your network controls (seed FR: private subnets only); PUBLIC needs a written suppression."
    ),
    rule!(
        "VPC02",
        VpcIsolation,
        Error,
        network::private_subnets,
        "Runtime subnets have no route to an internet gateway",
        "Public subnets give AgentCore ENIs no internet access anyway and expose the subnet (facts §9)."
    ),
    rule!(
        "VPC03",
        VpcIsolation,
        Error,
        network::required_endpoints,
        "A private runtime's VPC has the ecr.api, ecr.dkr, logs and s3 endpoints",
        "Image pull and logs need them when there is no internet path; since May 2026 the S3 path is yours to provide (facts §9, §15.8)."
    ),
    rule!(
        "VPC04",
        VpcIsolation,
        Error,
        network::bedrock_endpoint,
        "A runtime that may invoke models has a bedrock-runtime endpoint",
        "Model calls from a private subnet need the bedrock-runtime interface endpoint."
    ),
    rule!(
        "REL01",
        Reliability,
        Error,
        network::multi_az,
        "Runtime subnets span at least two Availability Zones",
        "One AZ is a single point of failure (seed: multi-AZ deployment)."
    ),
    rule!(
        "REL02",
        Reliability,
        Error,
        network::flow_logs,
        "Every VPC has flow logs",
        "Flow logs are how network problems and unexpected egress are investigated."
    ),
    rule!(
        "REL03",
        Reliability,
        Warning,
        operations::lifecycle,
        "Runtimes set their session lifecycle explicitly",
        "Idle timeout and max lifetime decide cost and session loss; the defaults (900 s / 8 h) should be a choice."
    ),
    rule!(
        "OPS01",
        OperationalExcellence,
        Error,
        operations::alarms,
        "Each runtime has alarms on errors and latency",
        "Seed: CloudWatch monitoring; the alarms must name the runtime's ARN as the Resource dimension to match (facts §10)."
    ),
    rule!(
        "OPS03",
        OperationalExcellence,
        Error,
        operations::alarms_notify,
        "In production, alarms notify someone",
        "An alarm without actions changes colour on a dashboard and tells nobody (checked in environments marked production)."
    ),
    rule!(
        "OPS02",
        OperationalExcellence,
        Warning,
        operations::log_retention,
        "Log groups set a retention",
        "Logs kept forever cost money and keep personal data longer than needed."
    ),
    rule!(
        "OPS04",
        OperationalExcellence,
        Warning,
        operations::runtime_log_groups,
        "Each runtime's log group is made before the first invocation",
        "Otherwise the service creates it with no retention and no customer key, and CloudFormation cannot create it afterwards."
    ),
    rule!(
        "OPS05",
        OperationalExcellence,
        Error,
        operations::runtime_deliveries,
        "In production, each runtime delivers its application logs and traces",
        "The service's vended logs and spans are the record of what each invocation did; AgentCore's observability pages show nothing without them (checked in environments marked production)."
    ),
    rule!(
        "OPS06",
        OperationalExcellence,
        Error,
        platform::memory_expiry,
        "Memories say how long they keep events",
        "Events are users' words; keeping them no longer than needed is both cheaper and the rule of data protection (3-365 days)."
    ),
    rule!(
        "COST01",
        Cost,
        Error,
        operations::cost_tags,
        "Taggable resources carry Project, Environment, Owner and CostCenter",
        "Seed FR-009: cost allocation needs all four tags, non-empty, on every resource that takes tags."
    ),
    rule!(
        "COR01",
        Correctness,
        Error,
        correctness::names,
        "AgentCore names match [a-zA-Z][a-zA-Z0-9_]{0,47}",
        "The service refuses hyphens and long names; cfn-lint misses it for runtimes (facts §15.2)."
    ),
    rule!(
        "COR02",
        Correctness,
        Warning,
        correctness::image_pinned,
        "Container images are pinned by tag or digest, not a mutable tag",
        "An image without tag or digest is refused; `latest` changes under a running runtime (an error in production)."
    ),
    rule!(
        "COR03",
        Correctness,
        Error,
        correctness::depends_on_policy,
        "A runtime depends on its role's policy",
        "CreateAgentRuntime checks image access with the role at once; without DependsOn the policy may not exist yet (facts §8.2)."
    ),
    rule!(
        "COR04",
        Correctness,
        Error,
        correctness::getatt,
        "Fn::GetAtt uses attributes the AgentCore types have",
        "There is no endpoint-URL attribute, and nested WorkloadIdentityDetails paths are refused (facts §15.3)."
    ),
    rule!(
        "COR05",
        Correctness,
        Error,
        platform::target_providers,
        "Every gateway target's credential provider exists",
        "A target that names a provider nobody creates fails at deploy time, or later at its first tool call."
    ),
];
