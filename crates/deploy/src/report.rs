//! The deployment report: Markdown and JSON, with the stacks, what happened, durations, images,
//! runtime statuses and outputs, and why a deploy stopped when it did.

use std::path::{Path, PathBuf};

use corestack_app::Settings;

use crate::StackResult;
use crate::image::RuntimeImage;

/// What a deploy did, for its report.
pub struct Deployment<'a> {
    /// What happened to each stack.
    pub results: &'a [StackResult],
    /// The images the runtimes were pinned to.
    pub images: &'a [RuntimeImage],
    /// Each runtime's status and version after the deploy.
    pub runtimes: &'a [crate::DeployedRuntime],
    /// Why it stopped, when it did not finish.
    pub failure: Option<&'a str>,
}

/// Writes `outputs.json` into `dir`: each stack's outputs by stack name. Returns its path.
pub fn write_outputs(dir: &Path, results: &[StackResult]) -> std::io::Result<PathBuf> {
    let outputs: std::collections::BTreeMap<&str, &std::collections::BTreeMap<String, String>> =
        results.iter().map(|r| (r.name.as_str(), &r.outputs)).collect();
    let path = dir.join("outputs.json");
    std::fs::write(&path, serde_json::to_string_pretty(&outputs).expect("plain data") + "\n")?;
    Ok(path)
}

/// Writes `<env>-<unix seconds>.md` and `.json` with the stacks, what happened, durations and outputs.
pub fn write_report(
    dir: &Path,
    settings: &Settings,
    deployment: &Deployment<'_>,
    seconds: f64,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let results = deployment.results;
    std::fs::create_dir_all(dir)?;
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let base = dir.join(format!("{}-{stamp}", settings.environment.name));
    let env = &settings.environment;
    let iso = |secs: u64| {
        aws_smithy_types::DateTime::from_secs(secs as i64)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_default()
    };
    let (started, finished) = (iso(stamp.saturating_sub(seconds as u64)), iso(stamp));
    let json = serde_json::json!({
        "project": settings.project.name, "environment": env.name, "region": env.region, "account": env.account,
        "started_at": started, "finished_at": finished, "seconds": seconds, "succeeded": deployment.failure.is_none(),
        "failure": deployment.failure, "stacks": results, "images": deployment.images,
        "runtimes": deployment.runtimes,
    });
    let json_path = base.with_extension("json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&json).expect("plain data") + "\n")?;
    let mut md = format!("# Deployment of {} / {} ({})\n\n", settings.project.name, env.name, env.region);
    md.push_str(&format!("Started {started}, finished {finished} (UTC); {seconds:.1} s in all.\n\n"));
    if let Some(failure) = deployment.failure {
        md.push_str(&format!("**Failed.** Stacks not listed below were not deployed.\n\n```\n{failure}\n```\n\n"));
    }
    md.push_str("| stack | result | seconds |\n|---|---|---|\n");
    for r in results {
        md.push_str(&format!("| {} | {} | {:.1} |\n", r.name, r.outcome.describe(), r.seconds));
    }
    md.push_str("\n## Images\n\n| runtime | image | digest | built now |\n|---|---|---|---|\n");
    for i in deployment.images {
        md.push_str(&format!(
            "| {} | `{}` | `{}` | {} |\n",
            i.runtime,
            i.source,
            i.digest,
            if i.built { "yes" } else { "no" }
        ));
    }
    md.push_str("\n## Runtimes\n\n| runtime | ID | status | version |\n|---|---|---|---|\n");
    for r in deployment.runtimes {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.runtime,
            r.id,
            r.status,
            r.version.as_deref().unwrap_or("-")
        ));
    }
    md.push_str("\n## Outputs\n\n| stack | output | value |\n|---|---|---|\n");
    for r in results {
        for (k, v) in &r.outputs {
            md.push_str(&format!("| {} | {k} | `{v}` |\n", r.name));
        }
    }
    let md_path = base.with_extension("md");
    std::fs::write(&md_path, md)?;
    Ok((md_path, json_path))
}

impl crate::Record {
    /// Writes the report of the deploy this record watched (Markdown and JSON, under `dir`),
    /// with its failure when it failed; the two files.
    pub fn write_report(
        &self,
        dir: &Path,
        settings: &Settings,
        failure: Option<&str>,
        seconds: f64,
    ) -> std::io::Result<(PathBuf, PathBuf)> {
        let (results, images, runtimes) = (self.results(), self.images(), self.runtimes());
        let deployment = Deployment { results: &results, images: &images, runtimes: &runtimes, failure };
        write_report(dir, settings, &deployment, seconds)
    }

    /// The lines a finished deploy ends with: the first runtime's ARN, ID, version and URL, the
    /// image each runtime runs on, and where `outputs.json` and the report (Markdown, JSON) are.
    pub fn summary_lines(&self, outputs: &Path, (md, json): &(PathBuf, PathBuf)) -> Vec<String> {
        let mut lines = Vec::new();
        let results = self.results();
        if let Some(ac) = results.iter().find(|r| r.outputs.contains_key("AgentRuntimeArn")) {
            for key in ["AgentRuntimeArn", "AgentRuntimeId", "AgentRuntimeVersion", "AgentRuntimeEndpointUrl"] {
                lines.push(format!("  {key}: {}", ac.outputs.get(key).map(String::as_str).unwrap_or("-")));
            }
        }
        lines.extend(self.images().iter().map(|i| format!("  image of {}: {} ({})", i.runtime, i.source, i.digest)));
        lines.push(format!("outputs: {}; report: {} and {}", outputs.display(), md.display(), json.display()));
        lines
    }
}
