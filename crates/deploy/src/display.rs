//! How deploy's values read to a person: a runtime's status line, a memory's or gateway's, what a
//! deploy does to each stack, and the question before a deploy. The CLI prints these; a library
//! user gets the same words.

use std::fmt;

use crate::logs::Event;
use crate::platform_status::PlatformStatus;
use crate::project::ProjectStatus;
use crate::status::{ControlPlaneStatus, MMDS_FIX};
use crate::{StackDiff, StackResult, describe_outcome, ownership::Orphan};

impl fmt::Display for ControlPlaneStatus {
    /// `<id> <status> version <v>`, then what the control plane says of it, and its failure on a
    /// line of its own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<40} {:<14} version {}", self.id, self.status, self.version.as_deref().unwrap_or("-"))?;
        let labelled = [
            ("", &self.network_mode),
            ("", &self.image),
            ("platform ", &self.platform_version),
            ("session storage ", &self.session_storage),
        ];
        for (label, value) in labelled {
            if let Some(value) = value {
                write!(f, "  {label}{value}")?;
            }
        }
        match self.require_mmdsv2 {
            Some(true) => write!(f, "  MMDSv2 required")?,
            Some(false) => write!(f, "\n    warning: {MMDS_FIX}")?,
            None => {}
        }
        if let Some(reason) = &self.failure_reason {
            write!(f, "\n    failure: {reason}")?;
        }
        Ok(())
    }
}

fn reasons(reasons: &[String]) -> String {
    if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join("; ")) }
}

impl fmt::Display for PlatformStatus {
    /// `<kind> <name>: <status> <id>`, and a line per target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {} {}{}", self.kind, self.name, self.status, self.id, reasons(&self.reasons))?;
        for t in &self.targets {
            write!(f, "\n  target {}: {}{}", t.name, t.status, reasons(&t.reasons))?;
        }
        Ok(())
    }
}

fn kept(retained: &[String], label: &str) -> String {
    if retained.is_empty() { String::new() } else { format!("{label}{}", retained.join(", ")) }
}

impl StackDiff {
    /// One line of what a deploy does to the stack: created, unchanged, its resources added,
    /// modified (replaced) and removed, or deleted with what it keeps.
    pub fn summary(&self) -> String {
        match self {
            StackDiff::New { resources } => format!("new, {resources} resource(s) to create"),
            StackDiff::Unchanged => "unchanged".into(),
            StackDiff::Delete { resources, retained } => {
                format!("deleted with its {resources} resource(s){}", kept(retained, ", keeping "))
            }
            StackDiff::Changes(changes) => {
                let count = |action: &str| changes.iter().filter(|c| c.action == action).count();
                let replaced = changes.iter().filter(|c| c.replacement.as_deref() == Some("True")).count();
                format!(
                    "{} added, {} modified ({replaced} replaced), {} removed",
                    count("Add"),
                    count("Modify"),
                    count("Remove")
                )
            }
        }
    }

    /// What `diff` says of stack `name`: a line, and one per resource change.
    pub fn lines(&self, name: &str) -> Vec<String> {
        match self {
            StackDiff::New { resources } => vec![format!("{name}: new stack, {resources} resource(s) to create")],
            StackDiff::Unchanged => vec![format!("{name}: unchanged")],
            StackDiff::Delete { resources, retained } => vec![format!(
                "{name}: no longer in the config: deploy deletes it and its {resources} resource(s){}",
                kept(retained, "; kept: ")
            )],
            StackDiff::Changes(changes) => {
                let mut lines = vec![format!("{name}: {} change(s)", changes.len())];
                for c in changes {
                    let replacement = match c.replacement.as_deref() {
                        Some("True") => "  REPLACEMENT",
                        Some("Conditional") => "  may be replaced",
                        _ => "",
                    };
                    lines.push(format!("  {:<7} {:<40} {}{replacement}", c.action, c.logical_id, c.resource_type));
                }
                lines
            }
        }
    }
}

/// The question before a deploy of `stacks` stacks of `environment` to `region`, naming the
/// stacks it deletes because the config no longer names them.
pub fn deploy_question(stacks: usize, environment: &str, region: &str, orphans: &[Orphan]) -> String {
    let mut question = format!("deploy {stacks} stacks of environment {environment} to {region}");
    if !orphans.is_empty() {
        let each: Vec<String> = orphans
            .iter()
            .map(|o| format!("{} ({} resource(s){})", o.stack, o.resources, kept(&o.retained, ", keeping ")))
            .collect();
        question.push_str(&format!(
            ", and delete {} stack(s) the config no longer names: {}",
            orphans.len(),
            each.join("; ")
        ));
    }
    question
}

/// The question before a destroy of `stacks` stacks of the environment.
pub fn destroy_question(stacks: usize, settings: &corestack_app::Settings) -> String {
    let env = &settings.environment;
    let kept = if settings.retain_key {
        "the image repository, the runtimes' log groups and the KMS key are"
    } else {
        "the image repository and the runtimes' log groups are"
    };
    format!(
        "delete the {stacks} stacks of environment {} in {}, and any other stack of it the config no longer names ({kept} retained)",
        env.name, env.region
    )
}

impl ProjectStatus {
    /// Each runtime's line and its endpoints', then each memory's and gateway's.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for r in &self.runtimes {
            lines.push(format!("{}: {}", r.name, r.status));
            lines.extend(r.endpoints.iter().map(|e| format!("  endpoint {}: {}", e.name, e.status)));
        }
        lines.extend(self.platform.iter().map(ToString::to_string));
        lines
    }
}

impl fmt::Display for StackResult {
    /// `<stack> <what happened> in <s> s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<36} {}", self.name, describe_outcome(self))
    }
}

impl StackResult {
    /// The `result` event of `--json`: stack, outcome, seconds and outputs.
    pub fn json_event(&self) -> serde_json::Value {
        serde_json::json!({"event": "result", "stack": self.name, "outcome": self.outcome, "seconds": self.seconds, "outputs": self.outputs})
    }
}

impl Event {
    /// `<ms since the epoch> <stream> <message>`, or with `json` the object `logs --json` prints
    /// (`timestamp`, `stream`, `message`).
    pub fn line(&self, json: bool) -> String {
        if json {
            serde_json::json!({"timestamp": self.timestamp, "stream": self.stream, "message": self.message}).to_string()
        } else {
            format!("{} {} {}", self.timestamp, self.stream, self.message)
        }
    }
}
