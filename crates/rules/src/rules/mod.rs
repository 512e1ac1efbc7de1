//! The rule table and what the rules share: the emitter, IAM statements, runtimes and their network.

use serde_json::Value;

use crate::model::Model;
use crate::{Finding, Pillar, RuleInfo, Severity};

mod correctness;
mod network;
mod operations;
mod security;

/// A rule: its description and its check.
pub struct Rule {
    /// What it checks and why.
    pub info: RuleInfo,
    pub(crate) check: fn(&Model, &mut Emit<'_>),
}

/// Collects one rule's findings.
pub(crate) struct Emit<'a> {
    model: &'a Model,
    info: &'a RuleInfo,
    out: &'a mut Vec<Finding>,
}

impl<'a> Emit<'a> {
    /// The rule's default severity.
    pub(crate) fn severity(&self) -> Severity {
        self.info.severity
    }

    pub(crate) fn new(model: &'a Model, info: &'a RuleInfo, out: &'a mut Vec<Finding>) -> Emit<'a> {
        Emit { model, info, out }
    }

    /// A finding on a resource at a path below it (`Properties/...`, or empty for the resource).
    pub(crate) fn at(&mut self, doc: usize, id: &str, below: &str, message: String, fix: &str) {
        self.with_severity(self.info.severity, doc, id, below, message, fix);
    }

    pub(crate) fn with_severity(
        &mut self,
        severity: Severity,
        doc: usize,
        id: &str,
        below: &str,
        message: String,
        fix: &str,
    ) {
        let path = if below.is_empty() { format!("/Resources/{id}") } else { format!("/Resources/{id}/{below}") };
        self.raw(severity, doc, Some(id), path, message, fix);
    }

    /// A finding at any JSON path of a template.
    pub(crate) fn raw(
        &mut self,
        severity: Severity,
        doc: usize,
        id: Option<&str>,
        path: String,
        message: String,
        fix: &str,
    ) {
        let d = &self.model.docs[doc];
        self.out.push(Finding {
            rule: self.info.id,
            severity,
            stack: d.stack.clone(),
            source: d.source.clone(),
            logical_id: id.map(str::to_string),
            path,
            message,
            fix: fix.to_string(),
            suppressed: None,
        });
    }
}

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
];

/// A value as a list: arrays as they are, anything else as one item, absent as none.
pub(crate) fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// One IAM policy statement and where it sits.
pub(crate) struct StatementAt<'a> {
    pub(crate) doc: usize,
    pub(crate) id: &'a str,
    /// Path below the resource.
    pub(crate) below: String,
    pub(crate) statement: &'a Value,
}

impl<'a> StatementAt<'a> {
    pub(crate) fn allows(&self) -> bool {
        self.statement.get("Effect").and_then(Value::as_str) == Some("Allow")
    }

    pub(crate) fn actions(&self) -> Vec<&'a str> {
        let statement: &'a Value = self.statement;
        list(statement.get("Action").unwrap_or(&Value::Null)).into_iter().filter_map(Value::as_str).collect()
    }

    pub(crate) fn star_resource(&self) -> bool {
        list(self.statement.get("Resource").unwrap_or(&Value::Null)).iter().any(|r| r.as_str() == Some("*"))
    }
}

/// Every statement of every identity policy: inline role policies and policy resources.
pub(crate) fn iam_statements(m: &Model) -> Vec<StatementAt<'_>> {
    let mut out = Vec::new();
    for (doc, id, r) in m.all_resources() {
        let p = &r["Properties"];
        let documents: Vec<(String, &Value)> = match r["Type"].as_str() {
            Some("AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group") => list(&p["Policies"])
                .into_iter()
                .enumerate()
                .map(|(i, pol)| (format!("Properties/Policies/{i}/PolicyDocument"), &pol["PolicyDocument"]))
                .collect(),
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy") => {
                vec![("Properties/PolicyDocument".to_string(), &p["PolicyDocument"])]
            }
            _ => continue,
        };
        for (below, document) in documents {
            let statements = &document["Statement"];
            for (i, statement) in list(statements).into_iter().enumerate() {
                let below =
                    if statements.is_array() { format!("{below}/Statement/{i}") } else { format!("{below}/Statement") };
                out.push(StatementAt { doc, id, below, statement });
            }
        }
    }
    out
}

/// Statements by the role they apply to: a role's inline policies, and policy resources attached
/// to it by `Roles` or `RoleName`. Built once, so rules over many runtimes stay linear.
pub(crate) fn statements_by_role(m: &Model) -> std::collections::HashMap<(usize, String), Vec<StatementAt<'_>>> {
    let mut index: std::collections::HashMap<(usize, String), Vec<StatementAt<'_>>> = std::collections::HashMap::new();
    let mut roles_of: std::collections::HashMap<(usize, &str), Vec<(usize, String)>> = std::collections::HashMap::new();
    for s in iam_statements(m) {
        let owner = m.resource(s.doc, s.id).expect("a statement's resource");
        let roles = roles_of.entry((s.doc, s.id)).or_insert_with(|| {
            if owner["Type"] == "AWS::IAM::Role" {
                return vec![(s.doc, s.id.to_string())];
            }
            let p = &owner["Properties"];
            list(&p["Roles"])
                .into_iter()
                .chain(std::iter::once(&p["RoleName"]))
                .filter_map(|r| m.target(s.doc, r))
                .collect()
        });
        for role in roles.iter() {
            index.entry(role.clone()).or_default().push(StatementAt {
                doc: s.doc,
                id: s.id,
                below: s.below.clone(),
                statement: s.statement,
            });
        }
    }
    index
}

/// A runtime and what its network placement resolves to.
pub(crate) struct RuntimeAt<'a> {
    pub(crate) doc: usize,
    pub(crate) id: &'a str,
    pub(crate) props: &'a Value,
    /// The subnet values as written.
    pub(crate) subnet_values: Vec<&'a Value>,
    /// The subnets that are resources of the model.
    pub(crate) subnets: Vec<(usize, String)>,
}

pub(crate) fn runtimes(m: &Model) -> Vec<RuntimeAt<'_>> {
    m.resources_of("AWS::BedrockAgentCore::Runtime")
        .map(|(doc, id, r)| {
            let props = &r["Properties"];
            let subnet_values = list(&props["NetworkConfiguration"]["NetworkModeConfig"]["Subnets"]);
            let subnets = subnet_values
                .iter()
                .filter_map(|v| m.target(doc, v))
                .filter(|(d, id)| m.resource(*d, id).is_some_and(|r| r["Type"] == "AWS::EC2::Subnet"))
                .collect();
            RuntimeAt { doc, id, props, subnet_values, subnets }
        })
        .collect()
}

/// The route tables associated with a subnet.
pub(crate) fn route_tables(m: &Model, subnet: &(usize, String)) -> Vec<(usize, String)> {
    m.resources_of("AWS::EC2::SubnetRouteTableAssociation")
        .filter(|(doc, _, r)| m.target(*doc, &r["Properties"]["SubnetId"]).as_ref() == Some(subnet))
        .filter_map(|(doc, _, r)| m.target(doc, &r["Properties"]["RouteTableId"]))
        .collect()
}

/// The VPC a subnet is in.
pub(crate) fn vpc_of(m: &Model, subnet: &(usize, String)) -> Option<(usize, String)> {
    m.target(subnet.0, &m.resource(subnet.0, &subnet.1)?["Properties"]["VpcId"])
}
