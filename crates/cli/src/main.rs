//! `corestack`: the command line. It parses arguments and calls the library; nothing else.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod build;
mod check;
mod deploy;
mod dev;
mod invoke;
mod permissions;
mod runtime;
mod traces;
use corestack_app::{ConfigError, DEFAULT_CONFIG, Settings, SynthError, WriteError};

/// Private, least-privilege Amazon Bedrock AgentCore infrastructure from one config file.
#[derive(Debug, Parser)]
#[command(name = "corestack", version, after_help = "Docs: README.md and docs/ in the corestack repository.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a project: corestack.toml, an agent (Rust or Python), its Dockerfile, .gitignore.
    Init(InitArgs),
    /// Synthesize the CloudFormation cloud assembly (manifest.json and one template per stack).
    Synth(SynthArgs),
    /// Check templates against the Well-Architected and AgentCore rules.
    Check(check::CheckArgs),
    /// Run the runtimes locally, one process per session, behind the InvokeAgentRuntime API.
    Dev(dev::DevArgs),
    /// Invoke a runtime (InvokeAgentRuntime): on AWS, or with --local on `corestack dev`.
    Invoke(invoke::InvokeArgs),
    /// Build a Rust agent's image with no container engine, as an OCI image layout.
    Build(build::BuildArgs),
    /// Synthesize, check and deploy the stacks through CloudFormation.
    Deploy(deploy::DeployArgs),
    /// Delete the deployed stacks, dependents first (retained resources stay).
    Destroy(deploy::DestroyArgs),
    /// Each runtime's and endpoint's status from the control plane; --wait polls until READY.
    Status(deploy::StatusArgs),
    /// What a deploy would change, per stack and resource (change sets, not executed).
    Diff(deploy::DiffArgs),
    /// A runtime's application logs (CloudWatch Logs); --follow keeps printing.
    Logs(deploy::LogsArgs),
    /// The deployed runtimes' recent traces (X-Ray); `traces get <id>` shows one as a span tree.
    Traces(traces::TracesArgs),
    /// Print the deployer's IAM policy for this project: what deploy, diff, status, logs, traces,
    /// invoke and destroy call, and what CloudFormation creates with the deployer's credentials.
    Permissions(permissions::PermissionsArgs),
    /// Print the JSON Schema of corestack.toml (editors read it from a `#:schema` line).
    Schema,
    /// Print a shell completion script: `corestack completions bash > /etc/bash_completion.d/corestack`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The project directory (created if needed). Nothing in it is overwritten.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The project name. Default: the directory's name.
    #[arg(long)]
    name: Option<String>,
    /// The agent's language.
    #[arg(long, value_parser = ["rust", "python"], default_value = "rust")]
    agent: String,
    /// The region of the dev environment (its supported AZ IDs go into the config).
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

fn init(args: &InitArgs, out: &mut dyn Write) -> Result<(), Failure> {
    use corestack_app::init::{AgentKind, InitError, InitOptions, write_project};
    let name = match &args.name {
        Some(n) => n.clone(),
        None => std::path::absolute(&args.dir)?
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase().replace(['_', ' ', '.'], "-"))
            .unwrap_or_default(),
    };
    // This checkout's agent crate, when corestack runs from one; otherwise a git dependency.
    let agent_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../agent").canonicalize().ok();
    let agent = if args.agent == "python" { AgentKind::Python } else { AgentKind::Rust };
    let options = InitOptions { name, agent, region: args.region.clone(), agent_crate };
    let files = write_project(&args.dir, &options).map_err(|e| match e {
        InitError::Write(corestack_app::new_files::NewFilesError::Io { .. }) => Failure::Other(e.into()),
        other => Failure::Input(other.into()),
    })?;
    writeln!(out, "Started project {} in {} ({} agent):", options.name, args.dir.display(), args.agent)?;
    for path in &files {
        writeln!(out, "  {}", path.display())?;
    }
    writeln!(out, "Next:")?;
    if args.dir != Path::new(".") {
        writeln!(out, "  cd {}", args.dir.display())?;
    }
    if args.agent == "python" {
        writeln!(out, "  python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt")?;
    }
    writeln!(out, "  corestack synth && corestack dev      # the CloudFormation, then the agent on 127.0.0.1")?;
    writeln!(out, "  corestack invoke --local '{{\"prompt\": \"hello\"}}'   # in another terminal")?;
    Ok(())
}

#[derive(Debug, clap::Args)]
struct SynthArgs {
    #[command(flatten)]
    cfg: crate::ConfigArgs,
    /// Where to write the assembly; replaced all at once, and only if it is an assembly.
    #[arg(long, value_name = "DIR", default_value = "corestack.out")]
    out: PathBuf,
    /// Write the assembly even when the check finds errors.
    #[arg(long)]
    ignore_check_errors: bool,
    /// Print what was written as one JSON document (environment, output directory, each stack's
    /// resources and outputs), for scripts.
    #[arg(long)]
    json: bool,
}

/// Why a command failed; each kind has its own exit code (docs/deploy.md has the table).
enum Failure {
    /// 1: the check found errors (printed already), or `status` found a failed runtime.
    Findings,
    /// 2: what the user wrote is wrong: the config, the flags, an output directory not ours.
    Input(anyhow::Error),
    /// 3: this machine or account is not ready, found before anything changed: no usable
    /// credentials, another account, no Docker or buildx, an export another project owns.
    NotReady(anyhow::Error),
    /// 4: AWS refused or failed a call, or a stack operation failed.
    Aws(anyhow::Error),
    /// 5: the user answered no at the prompt; nothing changed.
    Declined,
    /// 6: a local failure: a file not written, a build step or an agent that failed.
    Other(anyhow::Error),
    /// 130: stopped by Ctrl-C, as shells report SIGINT.
    Interrupted(anyhow::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

impl Failure {
    /// The failure a library error is, by whose move it is.
    fn blamed(blame: corestack_aws::Blame, e: anyhow::Error) -> Failure {
        match blame {
            corestack_aws::Blame::Input => Failure::Input(e),
            corestack_aws::Blame::NotReady => Failure::NotReady(e),
            corestack_aws::Blame::Aws => Failure::Aws(e),
            corestack_aws::Blame::Local => Failure::Other(e),
        }
    }
}

impl From<corestack_deploy::DeployError> for Failure {
    fn from(e: corestack_deploy::DeployError) -> Self {
        Failure::blamed(e.blame(), e.into())
    }
}

impl From<corestack_deploy::image::ImageError> for Failure {
    fn from(e: corestack_deploy::image::ImageError) -> Self {
        Failure::blamed(e.blame(), e.into())
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::Input(e.into())
    }
}
impl From<SynthError> for Failure {
    fn from(e: SynthError) -> Self {
        // Synthesis refuses only what the config asked for (for example a stack over a limit).
        Failure::Input(e.into())
    }
}
impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::NotAnAssembly(_) => Failure::Input(e.into()),
            other => Failure::Other(other.into()),
        }
    }
}

/// A `--since` value (90s, 15m, 2h, 1d) in seconds, or the input error that says how to write it.
pub(crate) fn since_flag(text: &str) -> Result<u64, Failure> {
    corestack_deploy::logs::parse_since(text).ok_or_else(|| {
        Failure::Input(anyhow::anyhow!(
            "--since `{text}` is not a duration\n    fix: use a number and s, m, h or d, e.g. 15m"
        ))
    })
}

/// Where the configuration comes from; shared by every command.
#[derive(Debug, clap::Args)]
pub(crate) struct ConfigArgs {
    /// The config file. Default: ./corestack.toml, or the embedded default when there is none.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The environment section to use. Default: the file's default_environment.
    #[arg(short, long, value_name = "NAME")]
    pub(crate) env: Option<String>,
    /// The AWS profile to reach the account with, as the AWS CLI's `--profile`. Default:
    /// AWS_PROFILE, else `default`.
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The AWS region, as the AWS CLI's `--region`, in place of the environment's `region`
    /// (the stacks, their zones and every call go there). Default: the config's.
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
}

impl ConfigArgs {
    fn overrides(&self) -> corestack_app::config::Overrides {
        corestack_app::config::Overrides { region: self.region.clone() }
    }

    /// The directory the config's relative paths start from: the config file's.
    pub(crate) fn dir(&self) -> PathBuf {
        let file = self.config.clone().unwrap_or_else(|| PathBuf::from("corestack.toml"));
        match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The flags that choose this configuration, to repeat in a suggested command.
    pub(crate) fn flags(&self) -> String {
        let mut flags = String::new();
        if let Some(c) = &self.config {
            flags.push_str(&format!(" --config {}", c.display()));
        }
        if let Some(e) = &self.env {
            flags.push_str(&format!(" --env {e}"));
        }
        if let Some(p) = &self.profile {
            flags.push_str(&format!(" --profile {p}"));
        }
        if let Some(r) = &self.region {
            flags.push_str(&format!(" --region {r}"));
        }
        flags
    }

    /// The config file: `--config`, else ./corestack.toml when there is one.
    /// Whether no config file is given or here, so the embedded demo config is used.
    pub(crate) fn embedded(&self) -> bool {
        self.project_file().is_none()
    }

    fn project_file(&self) -> Option<&Path> {
        self.config.as_deref().or_else(|| Some(Path::new("corestack.toml")).filter(|p| p.exists()))
    }

    /// Reads and resolves the configuration; without a file, the embedded demo config, which
    /// `synth`, `check` and `dev` may use (and say so).
    pub(crate) fn load(&self, err: &mut dyn Write) -> Result<Settings, Failure> {
        let env = self.env.as_deref();
        let mut settings = match self.project_file() {
            Some(path) => Settings::load_with(path, env, &self.overrides())?,
            None => {
                let _ = writeln!(err, "corestack: no ./corestack.toml; using the embedded demo config");
                Settings::from_toml_with(
                    DEFAULT_CONFIG,
                    Path::new("(embedded corestack.toml)"),
                    env,
                    &self.overrides(),
                )?
            }
        };
        settings.aws_profile.clone_from(&self.profile);
        Ok(settings)
    }

    /// Reads the project's own configuration, for commands that read or change an AWS account:
    /// they never fall back to the embedded demo config.
    pub(crate) fn load_project(&self, command: &str) -> Result<Settings, Failure> {
        let path = self.project_file().ok_or_else(|| {
            Failure::Input(anyhow::anyhow!(
                "`corestack {command}` works on your project's AWS account and needs its corestack.toml, and there is none in this directory (the embedded demo config is only for synth, check and dev)\n    fix: run it in the project's directory, or pass --config FILE; a new project starts with `corestack init`"
            ))
        })?;
        let mut settings = Settings::load_with(path, self.env.as_deref(), &self.overrides())?;
        settings.aws_profile.clone_from(&self.profile);
        Ok(settings)
    }
}

fn synth(args: &SynthArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let started = Instant::now();
    let settings = args.cfg.load(err)?;
    let assembly = corestack_app::synth(&settings)?;
    // Timed alone: the line below reports synthesis, the check is its own step.
    let synthesized = started.elapsed();
    let report = corestack_rules::project::check_assembly(&settings, &assembly);
    if !report.findings.is_empty() {
        let _ = write!(
            err,
            "{}",
            corestack_rules::report::render(
                &report,
                corestack_rules::report::Format::Text,
                check::color(err_is_terminal())
            )
        );
    }
    if report.failed() && !args.ignore_check_errors {
        let _ = writeln!(
            err,
            "corestack: the check found errors, so nothing was written to {}; fix them, suppress them in [[check.suppressions]] with a reason, or pass --ignore-check-errors",
            args.out.display()
        );
        return Err(Failure::Findings);
    }
    assembly.write(&args.out)?;
    let milliseconds = synthesized.as_secs_f64() * 1000.0;
    let lines = if args.json {
        vec![assembly.summary_json(&args.out, milliseconds).to_string()]
    } else {
        assembly.summary_lines(&args.out, milliseconds)
    };
    for line in lines {
        writeln!(out, "{line}").map_err(|e| Failure::Other(e.into()))?;
    }
    Ok(())
}

pub(crate) fn err_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not locked here: `dev` prints from worker threads, which would wait on a lock held by main.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let result = match &cli.command {
        Command::Init(args) => init(args, &mut out),
        Command::Synth(args) => synth(args, &mut out, &mut err),
        Command::Check(args) => check::run(args, &mut out, &mut err),
        Command::Dev(args) => dev::run_dev(args, &mut err),
        Command::Invoke(args) => invoke::run_invoke(args, &mut out, &mut err),
        Command::Build(args) => build::run_build(args, &mut out, &mut err),
        Command::Deploy(args) => deploy::run_deploy(args, &mut out, &mut err),
        Command::Destroy(args) => deploy::run_destroy(args, &mut out, &mut err),
        Command::Status(args) => deploy::run_status(args, &mut out),
        Command::Diff(args) => deploy::run_diff(args, &mut out),
        Command::Logs(args) => deploy::run_logs(args, &mut out),
        Command::Traces(args) => traces::run_traces(args, &mut out),
        Command::Permissions(args) => permissions::run_permissions(args, &mut out, &mut err),
        Command::Schema => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&corestack_app::config_schema()).expect("a schema is JSON")
        )
        .map_err(Failure::from),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Made whole, then written: clap_complete panics on a write error, and a reader that
            // stops early (`| head -1`) is a normal end.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "corestack", &mut script);
            out.write_all(&script).map_err(Failure::from)
        }
    };
    let (code, e) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Findings) => return ExitCode::from(1),
        Err(Failure::Declined) => {
            let _ = writeln!(err, "corestack: cancelled; nothing was changed");
            return ExitCode::from(5);
        }
        Err(Failure::Input(e)) => (2, e),
        Err(Failure::NotReady(e)) => (3, e),
        Err(Failure::Aws(e)) => (4, e),
        Err(Failure::Other(e)) => {
            if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            (6, e)
        }
        Err(Failure::Interrupted(e)) => (130, e),
    };
    let _ = writeln!(err, "corestack: {e:#}");
    ExitCode::from(code)
}
