//! What `corestack dev` checks before it builds anything, and what it says once it listens.

use std::path::Path;

use corestack_app::Settings;

use crate::{LocalProject, SetupError, local_arn};

/// Where `dev` sends the agents' spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceTarget {
    /// Printed on the console (a local OTLP receiver).
    Console,
    /// An OTLP/HTTP collector at this URL.
    Collector(String),
}

impl TraceTarget {
    /// The `--traces` value: `console` or an http(s) URL.
    pub fn parse(flag: &str) -> Result<TraceTarget, SetupError> {
        match flag {
            "console" => Ok(TraceTarget::Console),
            url if url.starts_with("http://") || url.starts_with("https://") => Ok(TraceTarget::Collector(url.into())),
            other => Err(SetupError::Flag(format!(
                "--traces {other}: neither `console` nor an http(s) URL\n    fix: --traces console, or --traces http://127.0.0.1:4318"
            ))),
        }
    }
}

/// The embedded demo builds and runs the bedrock-agent of a corestack checkout: refused, with
/// the way out, when `dir` is in none.
pub fn check_embedded_demo(dir: &Path) -> Result<(), SetupError> {
    if dir.ancestors().any(|d| d.join("agents/bedrock-agent/Cargo.toml").is_file()) {
        return Ok(());
    }
    Err(SetupError::Flag(
        "there is no corestack.toml here, and the embedded demo runs the bedrock-agent of a corestack checkout, which this directory is not in\n    fix: start a project here with `corestack init` and run `corestack dev` again, or pass --config FILE".into(),
    ))
}

/// What dev serves, where.
pub struct Listening<'a> {
    /// The base URL it listens on.
    pub url: &'a str,
    /// Its port.
    pub port: u16,
    /// The Bedrock stand-in's URL, when agents use it.
    pub stand_in: Option<&'a str>,
    /// Where spans go, when anywhere.
    pub traces: Option<&'a str>,
}

/// The lines dev prints once it listens: each runtime with its local ARN and command, the
/// stand-in, the spans, and how to call it.
pub fn banner(settings: &Settings, project: &LocalProject, at: &Listening<'_>) -> Vec<String> {
    let url = at.url;
    let mut lines = vec![format!(
        "corestack dev: serving {} runtime(s) on {url} (SigV4 signatures are accepted, not verified)",
        project.runtimes.len()
    )];
    for r in &project.runtimes {
        let Some(s) = settings.runtimes.iter().find(|s| s.spec.name == r.name) else { continue };
        lines.push(format!("  {}: {}  (command: {})", r.name, local_arn(settings, s), r.command.join(" ")));
    }
    if let Some(stand_in) = at.stand_in {
        let names: Vec<&str> = project.stand_in_users.iter().map(|&i| project.runtimes[i].name.as_str()).collect();
        lines.push(format!(
            "  Bedrock: the local stand-in on {stand_in} for {} (--bedrock aws calls the real service)",
            names.join(", ")
        ));
    }
    if let Some(endpoint) = at.traces {
        lines.push(format!("  spans: exported to {endpoint} (OTEL_EXPORTER_OTLP_ENDPOINT)"));
    }
    lines.push(format!("  export AWS_ENDPOINT_URL_BEDROCK_AGENTCORE={url}"));
    lines.push(format!("  or: corestack invoke --local --port {} '{{\"prompt\": \"hello\"}}'", at.port));
    lines
}
