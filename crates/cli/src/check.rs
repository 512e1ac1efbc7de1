//! `corestack check`: argument handling and output; the rules live in corestack-rules.

use std::io::Write;
use std::path::{Path, PathBuf};

use corestack_app::Settings;
use corestack_rules::Model;
use corestack_rules::report::{Format, render};

use crate::Failure;

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Assembly directories (with manifest.json) or template files, JSON or YAML. Without any, the
    /// configured environment is synthesized and checked.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The config file, for the environment and [[check.suppressions]]. Default: ./corestack.toml,
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
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

pub(crate) fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    if args.list_rules {
        return write!(out, "{}", corestack_rules::report::rule_list(args.format)).map_err(Failure::from);
    }
    let report = if args.paths.is_empty() {
        corestack_rules::project::synth_and_check(&args.cfg.load(err)?)?.1
    } else {
        let model = Model::load(&args.paths, args.production)?;
        let suppressions = match &args.cfg.config {
            Some(path) => {
                corestack_rules::project::suppressions(&Settings::load(Path::new(path), args.cfg.env.as_deref())?)
            }
            None => Vec::new(),
        };
        corestack_rules::check(&model, &suppressions)
    };
    let format = args.format;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    write!(out, "{}", render(&report, format, color(terminal) && matches!(format, Format::Text)))?;
    if report.failed() { Err(Failure::Findings) } else { Ok(()) }
}
