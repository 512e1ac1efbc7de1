//! `corestack traces`: the deployed runtimes' recent traces, and `traces get <id>` for one trace
//! as a span tree, read from X-Ray.

use std::io::Write;
use std::time::Duration;

use corestack_deploy::{Project, RuntimeOutput};
use corestack_traces::{Query, RuntimeRef, TraceReader, render};

use crate::Failure;
use crate::runtime::Tokio;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct TracesArgs {
    #[command(subcommand)]
    get: Option<TracesCommand>,
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// Only this runtime's traces (name or config key). Default: every runtime of the config.
    #[arg(long, value_name = "NAME")]
    runtime: Option<String>,
    /// Only this session's traces (the runtime session ID).
    #[arg(long, value_name = "ID")]
    session: Option<String>,
    /// How far back: 90s, 15m, 2h, 1d.
    #[arg(long, value_name = "D", default_value = "1h")]
    since: String,
    /// At most this many traces, newest first.
    #[arg(long, value_name = "N", default_value_t = 20)]
    limit: usize,
    /// Print JSON, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum TracesCommand {
    /// One trace as an indented span tree.
    Get {
        /// The trace ID: X-Ray's `1-5759e988-bd862e3fe1be46a994272793`, or the 32 hex digits
        /// OpenTelemetry tools show.
        id: String,
        #[command(flatten)]
        cfg: corestack_app::config::Source,
        /// Print JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run_traces(args: &TracesArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if let Some(TracesCommand::Get { id, cfg, json }) = &args.get {
        return run_get(id, cfg, *json, out);
    }
    let since = corestack_deploy::logs::since_flag(&args.since)?;
    if args.limit == 0 {
        return Err(Failure::input(anyhow::anyhow!("--limit 0 lists nothing\n    fix: use --limit 1 or more")));
    }
    let settings = args.cfg.load_project("traces")?;
    let only = args.runtime.as_deref().map(|name| settings.pick_runtime(Some(name)).map(|r| r.key.clone()));
    let only = only.transpose()?;
    let assembly = corestack_app::synth(&settings)?;
    let listed = Tokio::new()?.run(async {
        let project = Project::connect(&settings, &assembly).await?;
        let ids = project.runtime_outputs(RuntimeOutput::Id, only.as_deref()).await?;
        let runtimes = ids.into_iter().map(|(r, id)| RuntimeRef { key: r.key.clone(), id }).collect();
        let query =
            Query { since: Duration::from_secs(since), runtimes, session: args.session.clone(), limit: args.limit };
        TraceReader::new(project.config()).list(&query).await.map_err(Failure::from)
    })?;
    if args.json {
        writeln!(out, "{}", render::list_json(&listed))?;
    } else {
        write!(out, "{}", render::list(&listed))?;
    }
    Ok(())
}

fn run_get(id: &str, cfg: &corestack_app::config::Source, json: bool, out: &mut dyn Write) -> Result<(), Failure> {
    corestack_traces::parse_trace_id(id)?;
    let settings = cfg.load_project("traces get")?;
    let assembly = corestack_app::synth(&settings)?;
    let trace = Tokio::new()?.run(async {
        let project = Project::connect(&settings, &assembly).await?;
        TraceReader::new(project.config()).find(id, &settings.environment.region).await.map_err(Failure::from)
    })?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&trace).expect("plain data"))?;
    } else {
        write!(out, "{}", render::tree(&trace))?;
    }
    Ok(())
}
