//! `corestack`: the command line. It parses arguments and calls the library; nothing else.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod build;
mod check;
mod deploy;
mod dev;
mod failure;
mod invoke;
mod permissions;
mod runtime;
mod traces;
use failure::Failure;

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
    #[arg(long, value_enum, default_value = "rust")]
    agent: corestack_app::init::AgentKind,
    /// The region of the dev environment (its supported AZ IDs go into the config).
    #[arg(long, default_value = "us-east-1")]
    region: String,
}

fn init(args: &InitArgs, out: &mut dyn Write) -> Result<(), Failure> {
    use corestack_app::init::{InitOptions, summary, write_project};
    let name = match &args.name {
        Some(n) => n.clone(),
        None => corestack_app::init::name_for(&args.dir)?,
    };
    // This checkout's agent crate, when corestack runs from one; otherwise a git dependency.
    let agent_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../agent").canonicalize().ok();
    let options = InitOptions { name, agent: args.agent, region: args.region.clone(), agent_crate };
    let files = write_project(&args.dir, &options)?;
    for line in summary(&args.dir, &options, &files) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
struct SynthArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
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

fn synth(args: &SynthArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let started = Instant::now();
    let settings = args.cfg.load(err)?;
    let assembly = corestack_app::synth(&settings)?;
    // Timed alone: the line below reports synthesis, the check is its own step.
    let synthesized = started.elapsed();
    let report = corestack_rules::project::check_assembly(&settings, &assembly);
    let refused = format!(
        "nothing was written to {}; fix them, suppress them in [[check.suppressions]] with a reason, or pass --ignore-check-errors",
        args.out.display()
    );
    let refused = (!args.ignore_check_errors).then_some(refused.as_str());
    let _ = write!(
        err,
        "{}",
        corestack_rules::project::findings_text(&report, check::color(std::io::stderr().is_terminal()), refused)
    );
    if report.failed() && !args.ignore_check_errors {
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
        writeln!(out, "{line}")?;
    }
    Ok(())
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
        Command::Schema => writeln!(out, "{:#}", corestack_app::config_schema()).map_err(Failure::from),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Made whole, then written: clap_complete panics on a write error, and a reader that
            // stops early (`| head -1`) is a normal end.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "corestack", &mut script);
            out.write_all(&script).map_err(Failure::from)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(&mut err),
    }
}
