//! The rule table and what the rules share: the emitter, IAM statements, runtimes and their network.

use serde_json::Value;

use crate::model::Model;
use crate::{Finding, RuleInfo, Severity};

mod catalog;
mod correctness;
mod network;
mod operations;
mod platform;
mod security;

pub use catalog::RULES;

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
