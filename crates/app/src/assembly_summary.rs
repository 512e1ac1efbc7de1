//! What `synth` says of the assembly it wrote: a JSON document for scripts, or a headline and a
//! line per stack.

use std::path::Path;

use crate::Assembly;

impl Assembly {
    /// The summary as JSON: environment, region, account, where it was written, how long
    /// synthesis took, and each stack's resources and outputs.
    pub fn summary_json(&self, out: &Path, milliseconds: f64) -> serde_json::Value {
        let env = &self.manifest.environment;
        let stacks: Vec<_> = self
            .manifest
            .stacks
            .iter()
            .map(|s| serde_json::json!({"name": s.name, "resources": s.resources, "outputs": s.outputs}))
            .collect();
        serde_json::json!({
            "environment": env.name, "region": env.region, "account": env.account,
            "out": out.display().to_string(), "milliseconds": milliseconds, "stacks": stacks,
        })
    }

    /// The summary as lines: a headline, and each stack's resources and outputs.
    pub fn summary_lines(&self, out: &Path, milliseconds: f64) -> Vec<String> {
        let env = &self.manifest.environment;
        let account = env
            .account
            .as_deref()
            .map(|a| format!("account {a}"))
            .unwrap_or_else(|| "account of the credentials".into());
        let mut lines = vec![format!(
            "Synthesized {} stacks for environment {} ({}, {account}) in {milliseconds:.1} ms -> {}",
            self.manifest.stacks.len(),
            env.name,
            env.region,
            out.display()
        )];
        let width = self.manifest.stacks.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in &self.manifest.stacks {
            lines.push(format!("  {:width$}  {:>3} resources  {:>3} outputs", s.name, s.resources, s.outputs));
        }
        lines
    }
}
