//! `corestack check`: Well-Architected and AgentCore rules over CloudFormation templates.
//!
//! The rules read templates (JSON or YAML, from corestack or not), never corestack's own structs,
//! so they judge any template the same way. References are followed across the stacks of an
//! assembly ([`Model::resolve`]), so a runtime's subnets, route tables, endpoints, role and alarms
//! are found wherever they are declared. Each [`Finding`] names the rule, the stack, the logical ID
//! and the JSON path, says why and how to fix it; reporters render text, JSON or SARIF.
//!
//! # Example
//! ```
//! use corestack_rules::{Model, check};
//! let template = serde_json::json!({"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {}}}});
//! let report = check(&Model::new(vec![("demo".into(), template)], false), &[]);
//! assert!(report.findings.iter().any(|f| f.rule == "SEC04" && f.path == "/Resources/Key/Properties/EnableKeyRotation"));
//! ```

mod input;
mod load;
mod model;
pub mod project;
pub mod report;
mod rules;

use serde::Serialize;

pub use input::{MAX_FILE_BYTES, MAX_NESTING, MAX_TEMPLATE_BYTES, MAX_YAML_NODES, parse};
pub use load::{MAX_CHECK_BYTES, MAX_STACKS};
pub use model::{Doc, LoadError, Model, Resolved};
pub use rules::RULES;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the check (exit 1) and stops `synth` from writing.
    Error,
    /// Reported; does not fail.
    Warning,
}

/// The Well-Architected pillar (or corestack's own concern) a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Pillar {
    /// Security.
    Security,
    /// Network isolation of the runtimes (Security pillar, VPC isolation row of the seed's table).
    #[serde(rename = "VPC isolation")]
    VpcIsolation,
    /// Reliability.
    Reliability,
    /// Operational excellence.
    #[serde(rename = "Operational excellence")]
    OperationalExcellence,
    /// Cost optimization.
    Cost,
    /// What the service will accept.
    Correctness,
    /// The check's own configuration.
    Configuration,
}

impl std::fmt::Display for Pillar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        f.write_str(&s)
    }
}

/// A rule: what it checks and why.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleInfo {
    /// Stable ID, e.g. `SEC01`.
    pub id: &'static str,
    /// The pillar.
    pub pillar: Pillar,
    /// Default severity.
    pub severity: Severity,
    /// One line: what must hold.
    pub title: &'static str,
    /// Why, with its source.
    pub rationale: &'static str,
}

/// One place where a rule does not hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The rule ID.
    pub rule: &'static str,
    /// Severity (production can raise a warning to an error).
    pub severity: Severity,
    /// The stack.
    pub stack: String,
    /// The template file.
    pub source: String,
    /// The resource, when the finding is about one.
    pub logical_id: Option<String>,
    /// JSON pointer into the template.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The suppression's reason, when a suppression covers this finding.
    pub suppressed: Option<String>,
}

/// A finding the user accepts, with a written reason. `resource` is a logical ID, or
/// `Stack/LogicalId` to name one stack's resource.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// The rule ID.
    pub rule: String,
    /// The resource.
    pub resource: String,
    /// Why this is acceptable; required.
    #[serde(default)]
    pub reason: String,
}

/// The result of a check.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Every finding, suppressed ones included, ordered by stack, resource, rule.
    pub findings: Vec<Finding>,
    /// How many rules ran.
    pub rules_run: usize,
    /// How many templates were read.
    pub templates: usize,
}

impl Report {
    /// Findings that are not suppressed, of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.suppressed.is_none() && f.severity == severity).count()
    }

    /// Whether the check fails: an unsuppressed error.
    pub fn failed(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Runs every rule over the model and applies the suppressions.
pub fn check(model: &Model, suppressions: &[Suppression]) -> Report {
    let mut findings = Vec::new();
    for rule in RULES {
        (rule.check)(model, &mut rules::Emit::new(model, &rule.info, &mut findings));
    }
    let mut used = vec![false; suppressions.len()];
    for f in &mut findings {
        for (i, s) in suppressions.iter().enumerate() {
            let resource_matches =
                f.logical_id.as_deref().is_some_and(|id| s.resource == id || s.resource == format!("{}/{id}", f.stack));
            if s.rule == f.rule && resource_matches && !s.reason.trim().is_empty() {
                f.suppressed = Some(s.reason.clone());
                used[i] = true;
            }
        }
    }
    for (i, s) in suppressions.iter().enumerate() {
        let (rule, message, fix, severity) = if s.reason.trim().is_empty() {
            (
                "CHK02",
                format!("the suppression of {} on {} has no reason", s.rule, s.resource),
                "write why the finding is acceptable in `reason`",
                Severity::Error,
            )
        } else if !used[i] {
            (
                "CHK01",
                format!("the suppression of {} on {} matches no finding", s.rule, s.resource),
                "remove it, or correct its rule and resource",
                Severity::Warning,
            )
        } else {
            continue;
        };
        findings.push(Finding {
            rule,
            severity,
            stack: "(config)".into(),
            source: "check.suppressions".into(),
            logical_id: None,
            path: format!("/check/suppressions/{i}"),
            message,
            fix: fix.into(),
            suppressed: None,
        });
    }
    findings
        .sort_by(|a, b| (&a.stack, &a.logical_id, a.rule, &a.path).cmp(&(&b.stack, &b.logical_id, b.rule, &b.path)));
    Report { findings, rules_run: RULES.len(), templates: model.docs.len() }
}
