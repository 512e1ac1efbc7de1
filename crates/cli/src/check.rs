//! `corestack check`: argument handling and output; the rules live in corestack-rules.

use std::io::Write;
use std::path::{Path, PathBuf};

use corestack_app::Settings;
use corestack_rules::report::{Format, render};
use corestack_rules::{Model, RULES};

use crate::Failure;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Assembly directories (with manifest.json) or template files, JSON or YAML. Without any, the
    /// configured environment is synthesized and checked.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The config file, for the environment and [[check.suppressions]]. Default: ./corestack.toml,
    #[command(flatten)]
    cfg: crate::ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Treat the templates as production (a mutable image tag becomes an error). Assemblies say it
    /// in their manifest.
    #[arg(long)]
    production: bool,
    /// List every rule with its pillar and rationale, and exit.
    #[arg(long)]
    list_rules: bool,
}

/// Colour only on a terminal, and never with NO_COLOR set.
pub(crate) fn color(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none()
}

fn list_rules(format: OutputFormat, out: &mut dyn Write) -> std::io::Result<()> {
    if let OutputFormat::Json | OutputFormat::Sarif = format {
        let rules: Vec<_> = RULES.iter().map(|r| r.info).collect();
        return writeln!(out, "{}", serde_json::to_string_pretty(&rules).expect("plain data"));
    }
    for r in RULES {
        let severity = format!("{:?}", r.info.severity).to_lowercase();
        writeln!(
            out,
            "{:<6} {:<22} {:<7} {}\n       {}",
            r.info.id,
            r.info.pillar.to_string(),
            severity,
            r.info.title,
            r.info.rationale
        )?;
    }
    Ok(())
}

pub(crate) fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure::Other(e.into());
    if args.list_rules {
        return list_rules(args.format, out).map_err(io);
    }
    let report = if args.paths.is_empty() {
        corestack_rules::project::synth_and_check(&args.cfg.load(err)?)?.1
    } else {
        let model = Model::load(&args.paths, args.production).map_err(|e| Failure::Input(e.into()))?;
        let suppressions = match &args.cfg.config {
            Some(path) => {
                corestack_rules::project::suppressions(&Settings::load(Path::new(path), args.cfg.env.as_deref())?)
            }
            None => Vec::new(),
        };
        corestack_rules::check(&model, &suppressions)
    };
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    write!(out, "{}", render(&report, format, color(terminal) && matches!(format, Format::Text))).map_err(io)?;
    if report.failed() { Err(Failure::Findings) } else { Ok(()) }
}
