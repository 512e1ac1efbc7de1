//! `corestack deploy` and `corestack destroy`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use corestack_deploy::image::ImageChoices;
use corestack_deploy::{Observer, Project, Record, StackResult, Wait, deploy_question, destroy_question};

use crate::Failure;
use crate::runtime::Tokio;
use corestack_progress::{Mode, Progress, confirm};

#[derive(Debug, clap::Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// Where the assembly, and outputs.json, are written.
    #[arg(long, value_name = "DIR", default_value = "corestack.out")]
    out: PathBuf,
    /// Deploy without asking.
    #[arg(short, long)]
    yes: bool,
    #[command(flatten)]
    images: ImageFlags,
    /// Print events and results as JSON lines on stdout, for scripts.
    #[arg(long)]
    json: bool,
    /// Where the deployment report (Markdown and JSON) goes.
    #[arg(long, value_name = "DIR", default_value = "docs/deployments/deployment_reports")]
    report_dir: PathBuf,
}

/// The images deploy (and diff, as if deploying) runs on instead of building.
#[derive(Debug, clap::Args)]
struct ImageFlags {
    /// Run on this tag of the project repository, pinned by digest (no build): `TAG` for every
    /// runtime, `RUNTIME=TAG` for one. Repeatable.
    #[arg(long, value_name = "[RUNTIME=]TAG")]
    image_tag: Vec<String>,
    /// Run on this image of the project repository, `<uri>:<tag>` or `<uri>@sha256:<digest>`,
    /// pinned by digest (no build): `URI` for every runtime, `RUNTIME=URI` for one. Repeatable.
    #[arg(long, value_name = "[RUNTIME=]URI")]
    image_uri: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    #[command(flatten)]
    images: ImageFlags,
    /// Print the differences as one JSON document, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// Poll until every runtime is READY (or one fails).
    #[arg(long)]
    wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "S", default_value_t = 900)]
    timeout: u64,
    /// First polling interval in seconds; it grows by half each time, to 15 s at most.
    #[arg(long, value_name = "S", default_value_t = 2.0)]
    interval: f64,
    /// Print the statuses as one JSON document, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct LogsArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// The runtime (name or config key). Default: the first in the config.
    #[arg(long, value_name = "NAME")]
    runtime: Option<String>,
    /// The endpoint whose logs to read.
    #[arg(long, default_value = "DEFAULT")]
    endpoint: String,
    /// How far back to start: 90s, 15m, 2h, 1d.
    #[arg(long, value_name = "D", default_value = "1h")]
    since: String,
    /// Keep printing new events as they arrive (Ctrl-C to stop).
    #[arg(long)]
    follow: bool,
    /// Only events matching this CloudWatch Logs filter pattern: a term (`ERROR`), a quoted
    /// phrase, or a JSON pattern (`{ $.level = "error" }`).
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// One JSON object per event (`timestamp` in ms, `stream`, `message`), for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DestroyArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// Delete without asking.
    #[arg(short, long)]
    yes: bool,
    /// Print events and results as JSON lines on stdout, for scripts.
    #[arg(long)]
    json: bool,
}

fn print_results(results: &[StackResult], json: bool, out: &mut dyn Write) {
    for r in results {
        let _ = if json { writeln!(out, "{}", r.json_event()) } else { writeln!(out, "{r}") };
    }
}

pub(crate) fn run_deploy(args: &DeployArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("deploy")?;
    let choices = ImageChoices::from_flags(&settings, &args.images.image_tag, &args.images.image_uri)?;
    let (assembly, report) = corestack_rules::project::synth_and_check(&settings)?;
    if report.failed() {
        let _ =
            write!(err, "{}", corestack_rules::project::findings_text(&report, false, Some("nothing was deployed")));
        return Err(Failure::Findings);
    }
    let rt = Tokio::new()?;
    // Before any file is written or any stack changes: credentials, account, the images named
    // by flags, builds that cannot run, taken exports and oversized templates stop here, and
    // leave no report behind.
    let (project, rollout, changes) = rt.run(async {
        let project = Project::connect(&settings, &assembly).await?;
        // What will change, for the question (as `diff` shows it); not asked with --yes.
        let changes = if args.yes { Vec::new() } else { project.diff(&choices).await? };
        let rollout = project.prepare_deploy(choices, &args.cfg.dir()).await?;
        Ok::<_, Failure>((project, rollout, changes))
    })?;
    for (name, diff) in &changes {
        let _ = writeln!(err, "  {name}: {}", diff.summary());
    }
    assembly.write(&args.out)?;
    let env = &settings.environment;
    let question = deploy_question(rollout.stack_count(), &env.name, &env.region, &rollout.orphans());
    if !confirm(&question, args.yes, err)? {
        return Err(Failure::Declined);
    }
    let started = std::time::Instant::now();
    let progress = Arc::new(Progress::new(Mode::detect(args.json)));
    let observer: Arc<dyn Observer> = progress.clone();
    let resume = format!("corestack deploy{}", args.cfg.flags());
    let record = Record::default();
    let deployed =
        rt.run(progress.until_interrupted(
            async { rollout.run(&project, &observer, &record).await.map_err(Failure::from) },
            &resume,
        ));
    progress.finish();
    let failure = deployed.as_ref().err().map(ToString::to_string);
    let report = record.write_report(&args.report_dir, &settings, failure.as_deref(), started.elapsed().as_secs_f64());
    if let Err(failed) = deployed {
        // The report of what was done, when one could be written; the failure is what counts.
        if let Ok((md, _)) = &report {
            let _ = writeln!(err, "corestack: report of this failed deploy: {}", md.display());
        }
        return Err(failed);
    }
    let report = report?;
    let results = record.results();
    let outputs_json = corestack_deploy::report::write_outputs(&args.out, &results)?;
    // On a terminal the progress block already shows each stack's result.
    if !(progress.mode() == Mode::Terminal && std::io::stdout().is_terminal()) {
        print_results(&results, args.json, out);
    }
    if !args.json {
        for line in record.summary_lines(&outputs_json, &report) {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(())
}

pub(crate) fn run_destroy(args: &DestroyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("destroy")?;
    let assembly = corestack_app::synth(&settings)?;
    if !confirm(&destroy_question(assembly.manifest.stacks.len(), &settings), args.yes, err)? {
        return Err(Failure::Declined);
    }
    let progress = Arc::new(Progress::new(Mode::detect(args.json)));
    let observer: Arc<dyn Observer> = progress.clone();
    let resume = format!("corestack destroy{}", args.cfg.flags());
    let results = Tokio::new()?.run(progress.until_interrupted(
        async {
            let project = Project::connect(&settings, &assembly).await?;
            project.destroy(&observer).await.map_err(Failure::from)
        },
        &resume,
    ))?;
    progress.finish();
    print_results(&results, args.json, out);
    Ok(())
}

pub(crate) fn run_status(args: &StatusArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("status")?;
    let assembly = corestack_app::synth(&settings)?;
    let wait = args.wait.then(|| Wait {
        interval: Duration::from_secs_f64(args.interval.max(0.01)),
        timeout: Duration::from_secs(args.timeout),
    });
    let status = Tokio::new()?.run(async {
        let project = Project::connect(&settings, &assembly).await?;
        Ok::<_, Failure>(project.status(wait, &|line| eprintln!("corestack: {line}")).await?)
    })?;
    let lines = if args.json { vec![serde_json::json!(status).to_string()] } else { status.lines() };
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    if status.failed() { Err(Failure::Findings) } else { Ok(()) }
}

pub(crate) fn run_diff(args: &DiffArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("diff")?;
    let assembly = corestack_app::synth(&settings)?;
    let choices = ImageChoices::from_flags(&settings, &args.images.image_tag, &args.images.image_uri)?;
    let diffs = Tokio::new()?.run(async {
        let project = Project::connect(&settings, &assembly).await?;
        project.diff(&choices).await.map_err(Failure::from)
    })?;
    if args.json {
        let stacks: Vec<serde_json::Value> =
            diffs.iter().map(|(name, diff)| serde_json::json!({"stack": name, "diff": diff})).collect();
        let _ = writeln!(out, "{}", serde_json::json!({ "stacks": stacks }));
        return Ok(());
    }
    for line in diffs.iter().flat_map(|(name, diff)| diff.lines(name)) {
        let _ = writeln!(out, "{line}");
    }
    Ok(())
}

pub(crate) fn run_logs(args: &LogsArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let tail = corestack_deploy::logs::Tail::new(&args.since, args.follow, args.filter.clone())?;
    let settings = args.cfg.load_project("logs")?;
    // The runtime is checked before any AWS call, and only its own output is looked for.
    let runtime = settings.pick_runtime(args.runtime.as_deref())?;
    let assembly = corestack_app::synth(&settings)?;
    let what = format!("runtime {} (endpoint {})", runtime.key, args.endpoint);
    Tokio::new()?.run(async {
        let project = Project::connect(&settings, &assembly).await?;
        let mut print = |e: &corestack_deploy::logs::Event| {
            writeln!(out, "{}", e.line(args.json))?;
            out.flush()
        };
        if tail.follow {
            eprintln!("{}", tail.following_line(&what));
        }
        if project.tail_logs(&runtime.key, &args.endpoint, &tail, &mut print).await? == 0 && !tail.follow {
            eprintln!("{}", tail.nothing_line(&what));
        }
        Ok(())
    })
}
