//! Reporters: a readable table, JSON, and SARIF 2.1.0 for code-scanning tools.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::{Finding, RULES, Report, Severity};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Grouped by stack, one line per finding.
    Text,
    /// The report as JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Every rule with its pillar, severity, title and rationale: two lines each as text, else a
/// JSON array (SARIF lists its rules in each report).
pub fn rule_list(format: Format) -> String {
    if format != Format::Text {
        let rules: Vec<_> = RULES.iter().map(|r| r.info).collect();
        return serde_json::to_string_pretty(&rules).expect("plain data") + "\n";
    }
    let mut s = String::new();
    for r in RULES {
        let severity = format!("{:?}", r.info.severity).to_lowercase();
        let (id, pillar, title, why) = (r.info.id, r.info.pillar.to_string(), r.info.title, r.info.rationale);
        let _ = writeln!(s, "{id:<6} {pillar:<22} {severity:<7} {title}\n       {why}");
    }
    s
}

/// Renders a report. `color` adds ANSI colours to the text format.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Text => text(report, color),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json!({
                "errors": report.count(Severity::Error),
                "warnings": report.count(Severity::Warning),
                "suppressed": report.findings.iter().filter(|f| f.suppressed.is_some()).count(),
                "rules_run": report.rules_run,
                "templates": report.templates,
                "findings": report.findings,
            }))
            .expect("plain data");
            s.push('\n');
            s
        }
        Format::Sarif => sarif(report),
    }
}

fn paint(s: &str, code: &str, color: bool) -> String {
    if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
}

fn text(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let mut stack = None;
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        if stack != Some(&f.stack) {
            let _ = writeln!(out, "{}", paint(&f.stack, "1", color));
            stack = Some(&f.stack);
        }
        let level = match f.severity {
            Severity::Error => paint("error  ", "31", color),
            Severity::Warning => paint("warning", "33", color),
        };
        let _ = writeln!(out, "  {level} {:<6} {:<28} {}", f.rule, f.logical_id.as_deref().unwrap_or("-"), f.message);
        let _ = writeln!(out, "          at {}", f.path);
        let _ = writeln!(out, "          fix: {}", f.fix);
    }
    let suppressed = report.findings.iter().filter(|f| f.suppressed.is_some()).count();
    let _ = writeln!(
        out,
        "{} error(s), {} warning(s), {suppressed} suppressed; {} rules over {} template(s)",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.rules_run,
        report.templates
    );
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn sarif(report: &Report) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.info.id,
                "name": r.info.title,
                "shortDescription": {"text": r.info.title},
                "fullDescription": {"text": r.info.rationale},
                "defaultConfiguration": {"level": level(r.info.severity)},
                "properties": {"pillar": r.info.pillar.to_string()},
            })
        })
        .collect();
    let results: Vec<Value> = report.findings.iter().map(result).collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "corestack", "informationUri": "https://github.com/corestack/corestack", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("plain data");
    s.push('\n');
    s
}

fn result(f: &Finding) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": format!("{} Fix: {}", f.message, f.fix)},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": f.source}},
            "logicalLocations": [{"name": f.logical_id.clone().unwrap_or_default(), "fullyQualifiedName": format!("{}{}", f.stack, f.path), "kind": "resource"}],
        }],
        "properties": {"stack": f.stack, "path": f.path},
    });
    if let Some(reason) = &f.suppressed {
        r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
    }
    r
}
