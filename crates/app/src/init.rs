//! `corestack init`: the files of a new project ([`project_files`], as data) and writing them
//! ([`write_project`], which refuses to overwrite anything). Right after it, `synth`, `check` and
//! `dev` work in the new directory.

use std::path::{Path, PathBuf};

/// The agent a new project starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum AgentKind {
    /// Rust, on `corestack-agent`.
    Rust,
    /// Python, on the `bedrock-agentcore` SDK.
    Python,
}

impl std::fmt::Display for AgentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AgentKind::Rust => "rust",
            AgentKind::Python => "python",
        })
    }
}

/// The project name `init` gives a directory without `--name`: the directory's name, lowercase,
/// with `_`, spaces and dots as hyphens.
pub fn name_for(dir: &Path) -> std::io::Result<String> {
    let name = std::path::absolute(dir)?.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
    Ok(name.unwrap_or_default().replace(['_', ' ', '.'], "-"))
}

/// What `init` says after writing `files` in `dir`: the project, each file, and what to run next.
pub fn summary(dir: &Path, options: &InitOptions, files: &[PathBuf]) -> Vec<String> {
    let mut lines = vec![format!("Started project {} in {} ({} agent):", options.name, dir.display(), options.agent)];
    lines.extend(files.iter().map(|f| format!("  {}", f.display())));
    lines.push("Next:".into());
    lines.extend(next_steps(dir, options.agent).into_iter().map(|step| format!("  {step}")));
    lines
}

/// What to run after `init` in `dir`, as written: `cd`, the Python requirements, synth and dev,
/// then an invocation.
fn next_steps(dir: &Path, agent: AgentKind) -> Vec<String> {
    let mut steps = Vec::new();
    if dir != Path::new(".") {
        steps.push(format!("cd {}", dir.display()));
    }
    if agent == AgentKind::Python {
        steps.push("python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt".into());
    }
    steps.push("corestack synth && corestack dev      # the CloudFormation, then the agent on 127.0.0.1".into());
    steps.push("corestack invoke --local '{\"prompt\": \"hello\"}'   # in another terminal".into());
    steps
}

/// What `init` was asked for.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The project name (lowercase letters, digits, hyphens).
    pub name: String,
    /// The agent's language.
    pub agent: AgentKind,
    /// The AWS region of the `dev` environment.
    pub region: String,
    /// Where `corestack-agent` is, for a Rust agent's path dependency (this checkout's crate);
    /// `None` writes a git dependency instead.
    pub agent_crate: Option<PathBuf>,
}

/// Why `init` cannot write a project.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The name is not a project name.
    #[error(
        "`{0}` is not a project name: use 1-32 lowercase letters, digits and hyphens, starting with a letter\n    fix: pass --name, e.g. --name my-agents"
    )]
    Name(String),
    /// The region has no known AZ IDs for AgentCore's VPC mode.
    #[error(
        "region {0} is not one where AgentCore Runtime runs (the developer guide's Supported AWS Regions page), or its Availability Zones are not known to corestack\n    fix: pass --region with one of {1}"
    )]
    Region(String, String),
    /// Files the project would write are there already.
    #[error(
        "{} already exist(s); init writes a new project and overwrites nothing, so nothing was written\n    fix: choose an empty directory, or move those files away",
        .0.join(", ")
    )]
    Taken(Vec<String>),
    /// A file could not be written (a link or file where a folder goes, or the file system
    /// refused); nothing was left behind.
    #[error("{0}; nothing was written\n    fix: init a new or empty directory, with no links in it")]
    Write(crate::new_files::NewFilesError),
}

/// Writes a new project into `dir` (made if missing) and returns its files, relative to `dir`.
/// All or nothing, and never through a link ([`crate::new_files::write_all`]).
pub fn write_project(dir: &Path, o: &InitOptions) -> Result<Vec<PathBuf>, InitError> {
    use crate::new_files::{NewFilesError, write_all};
    let files = project_files(o)?;
    write_all(dir, &files).map_err(|e| match e {
        NewFilesError::Taken(taken) => InitError::Taken(taken),
        other => InitError::Write(other),
    })?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The new project's files, relative to its directory.
pub fn project_files(o: &InitOptions) -> Result<Vec<(PathBuf, String)>, InitError> {
    if !crate::config::project::project_name_ok(&o.name) {
        return Err(InitError::Name(o.name.clone()));
    }
    let Some(zones) = corestack_constructs::limits::supported_az_ids(&o.region) else {
        let known: Vec<&str> = corestack_constructs::limits::SUPPORTED_AZ_IDS.iter().map(|(r, _)| *r).collect();
        return Err(InitError::Region(o.region.clone(), known.join(", ")));
    };
    let config = config_text(o, zones);
    // The schema of this very corestack, beside the config: editors validate offline, and a
    // newer corestack's keys never show as valid for an older one.
    let schema = serde_json::to_string_pretty(&crate::config_schema()).expect("a schema is JSON") + "\n";
    let mut files = vec![
        (PathBuf::from("corestack.toml"), config),
        (PathBuf::from("corestack.schema.json"), schema),
        (PathBuf::from(".gitignore"), "/target\n/corestack.out\n/.venv\n__pycache__/\n".to_string()),
        (PathBuf::from(".dockerignore"), "target\ncorestack.out\n.venv\n.git\ndocs/deployments\n".to_string()),
    ];
    files.extend(agent_files(o));
    Ok(files)
}

/// The new project's `corestack.toml`: one runtime of `o.agent` in two of the region's `zones`.
fn config_text(o: &InitOptions, zones: &[&str]) -> String {
    let zones: Vec<String> = zones.iter().take(2).map(|z| format!("\"{z}\"")).collect();
    let (local, build_note) = match o.agent {
        AgentKind::Rust => {
            ("build = \"cargo build --quiet\"\ncommand = \"target/debug/agent\"", "a Rust agent on corestack-agent")
        }
        AgentKind::Python => (
            "command = \"python3 agent.py\"",
            "a Python agent on the bedrock-agentcore SDK (pip install bedrock-agentcore)",
        ),
    };
    format!(
        r#"#:schema ./corestack.schema.json
# corestack.toml: {name}, {build_note}. Every key: docs/configuration.md in the corestack repository.
default_environment = "dev"

[project]
name = "{name}"
# Exports are named <project>-<env>-..., so projects share an account without clashing.
prefix_exports = true
owner = "{name}-team"        # the Owner tag
cost_center = "cc-0000"      # the CostCenter tag

[network]
egress = "endpoints-only"

[[runtimes]]
# Runtime names are unique in an account and Region: named after the project by default.
name = "{runtime}"
description = "The {name} agent"
image_tag = "v1"
idle_timeout_seconds = 900
max_lifetime_seconds = 28800
# Bedrock models or inference profiles the agent may call, e.g. ["us.anthropic.claude-haiku-5-5"].
models = []

[runtimes.environment]
LOG_LEVEL = "info"

# How `corestack dev` runs the agent (PORT is set per session; the agent must honour it).
[runtimes.local]
{local}

# How `corestack deploy` builds the image (linux/arm64, pushed to the project repository).
[runtimes.build]
dockerfile = "Dockerfile"
context = "."

[environments.dev]
region = "{region}"

[environments.dev.network]
availability_zone_ids = [{zones}]
# The Region's S3 prefix list (com.amazonaws.{region}.s3) is looked up by deploy; set
# s3_prefix_list_id = "pl-..." to pin it.
"#,
        name = o.name,
        runtime = o.name.replace('-', "_"),
        region = o.region,
        zones = zones.join(", "),
    )
}

/// The agent's own files: its crate (or script and requirements) and its Dockerfile.
fn agent_files(o: &InitOptions) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    match o.agent {
        AgentKind::Rust => {
            let dependency = match &o.agent_crate {
                Some(path) => format!(
                    "# This corestack checkout's crate; to build elsewhere (and in the Docker build), use\n# corestack-agent = {{ git = \"https://github.com/corestack/corestack\" }} instead.\ncorestack-agent = {{ path = \"{}\" }}",
                    path.display()
                ),
                None => "corestack-agent = { git = \"https://github.com/corestack/corestack\" }".to_string(),
            };
            files.push((
                PathBuf::from("Cargo.toml"),
                format!(
                    "[package]\nname = \"agent\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{dependency}\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n\n[workspace]\n"
                ),
            ));
            files.push((PathBuf::from("src/main.rs"), RUST_AGENT.to_string()));
            files.push((PathBuf::from("Dockerfile"), RUST_DOCKERFILE.to_string()));
        }
        AgentKind::Python => {
            files.push((PathBuf::from("agent.py"), PYTHON_AGENT.to_string()));
            files.push((PathBuf::from("requirements.txt"), "bedrock-agentcore==1.25.0\n".to_string()));
            files.push((PathBuf::from("Dockerfile"), PYTHON_DOCKERFILE.to_string()));
        }
    }
    files
}

const RUST_AGENT: &str = r#"//! The agent: answers each invocation with its payload. Replace `answer` with your own.

use std::convert::Infallible;

use corestack_agent::{Request, Response, handler_fn};
use serde_json::json;

async fn answer(req: Request) -> Result<Response, Infallible> {
    Ok(Response::Json(json!({ "echo": req.payload, "session_id": req.context.session_id })))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Some(code) = corestack_agent::about!("answers each invocation with its payload").answer_command_line() {
        return code;
    }
    match corestack_agent::run(handler_fn(answer)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agent: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
"#;

const RUST_DOCKERFILE: &str = r#"# syntax=docker/dockerfile:1
# AgentCore Runtime runs linux/arm64 containers on port 8080.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release && cp target/release/agent /agent

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /agent /agent
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/agent"]
"#;

const PYTHON_AGENT: &str = r#""""The agent: answers each invocation with its payload. Replace `invoke` with your own."""
import os

from bedrock_agentcore import BedrockAgentCoreApp

app = BedrockAgentCoreApp()


@app.entrypoint
def invoke(payload, context=None):
    return {"echo": payload, "session_id": getattr(context, "session_id", None)}


if __name__ == "__main__":
    # AgentCore calls port 8080; `corestack dev` gives each session its own PORT.
    app.run(port=int(os.environ.get("PORT", "8080")), host=os.environ.get("AGENT_BIND_ADDRESS", "0.0.0.0"))
"#;

const PYTHON_DOCKERFILE: &str = r#"# syntax=docker/dockerfile:1
# AgentCore Runtime runs linux/arm64 containers on port 8080.
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY agent.py .
RUN useradd --uid 1000 agent
USER agent
ENV DOCKER_CONTAINER=1
EXPOSE 8080
CMD ["python", "agent.py"]
"#;
