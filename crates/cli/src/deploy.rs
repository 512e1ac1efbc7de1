//! `corestack deploy` and `corestack destroy`.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use corestack_app::Settings;
use corestack_deploy::image::{ImageChoice, ImageChoices, RuntimeImage};
use corestack_deploy::{Deployer, StackPlan, StackResult, describe_outcome};

use crate::Failure;
use crate::progress::{Mode, Progress};

#[derive(Debug, clap::Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    cfg: crate::ConfigArgs,
    /// Where the assembly, and outputs.json, are written.
    #[arg(long, value_name = "DIR", default_value = "corestack.out")]
    out: PathBuf,
    /// Deploy without asking.
    #[arg(long)]
    yes: bool,
    /// Run on this tag of the project repository, pinned by digest (no build): `TAG` for every
    /// runtime, `RUNTIME=TAG` for one. Repeatable.
    #[arg(long, value_name = "[RUNTIME=]TAG")]
    image_tag: Vec<String>,
    /// Run on this image of the project repository, `<uri>:<tag>` or `<uri>@sha256:<digest>`,
    /// pinned by digest (no build): `URI` for every runtime, `RUNTIME=URI` for one. Repeatable.
    #[arg(long, value_name = "[RUNTIME=]URI")]
    image_uri: Vec<String>,
    /// Print events and results as JSON lines on stdout, for scripts.
    #[arg(long)]
    json: bool,
    /// Where the deployment report (Markdown and JSON) goes.
    #[arg(long, value_name = "DIR", default_value = "docs/deployments/deployment_reports")]
    report_dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    cfg: crate::ConfigArgs,
    /// Compare as if deploying on this tag: `TAG` for every runtime, `RUNTIME=TAG` for one.
    #[arg(long, value_name = "[RUNTIME=]TAG")]
    image_tag: Vec<String>,
    /// Compare as if deploying on this image URI: `URI` or `RUNTIME=URI`.
    #[arg(long, value_name = "[RUNTIME=]URI")]
    image_uri: Vec<String>,
    /// Print the differences as one JSON document, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    cfg: crate::ConfigArgs,
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
    cfg: crate::ConfigArgs,
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
}

#[derive(Debug, clap::Args)]
pub(crate) struct DestroyArgs {
    #[command(flatten)]
    cfg: crate::ConfigArgs,
    /// Delete without asking.
    #[arg(long)]
    yes: bool,
    /// Print events and results as JSON lines on stdout, for scripts.
    #[arg(long)]
    json: bool,
}

fn confirm(question: &str, yes: bool, err: &mut dyn Write) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Input(anyhow::anyhow!("{question}: not asked without a terminal\n    fix: pass --yes")));
    }
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") { Ok(()) } else { Err(Failure::Declined) }
}

/// The AWS configuration for an environment (its region, the default credential chain and
/// profiles, the standard AWS_ENDPOINT_URL overrides), checked before anything else happens:
/// credentials resolve, AWS accepts them, and they are of the environment's account.
pub(crate) async fn aws(settings: &Settings) -> Result<aws_config::SdkConfig, Failure> {
    Ok(preflight(settings).await?.0)
}

/// [`aws`], with who the credentials are.
pub(crate) async fn preflight(
    settings: &Settings,
) -> Result<(aws_config::SdkConfig, corestack_deploy::preflight::Identity), Failure> {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(settings.environment.region.clone()))
        .load()
        .await;
    let env = &settings.environment;
    let identity = corestack_deploy::preflight::preflight(&config, &env.name, env.account.as_deref()).await?;
    Ok((config, identity))
}

fn tokio() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure::Other(e.into()))
}

/// A deployer that reports every stack and resource event to `progress`, and uploads large
/// templates to the environment's template bucket.
fn deployer(config: &aws_config::SdkConfig, settings: &Settings, progress: &Arc<Progress>) -> Deployer {
    let progress = Arc::clone(progress);
    Deployer::new(config)
        .with_template_bucket(settings.environment.template_bucket.clone())
        .with_events(Arc::new(move |e: &corestack_deploy::ResourceEvent| progress.event(e)))
}

/// Runs `work` until it finishes or Ctrl-C. On Ctrl-C, says what goes on without corestack and
/// how to resume: CloudFormation finishes (or rolls back) what it started, and nothing is
/// deleted or rolled back by stopping.
async fn interruptible<T>(
    work: impl std::future::Future<Output = Result<T, Failure>>,
    progress: &Progress,
    resume: &str,
) -> Result<T, Failure> {
    tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => {
            progress.finish();
            let running = progress.in_progress();
            let running = if running.is_empty() {
                String::new()
            } else {
                format!("; CloudFormation carries on with {} on its own", running.join(", "))
            };
            Err(Failure::Interrupted(anyhow::anyhow!(
                "interrupted: corestack stopped waiting{running}. Nothing was cancelled, rolled back or deleted.\n    resume: {resume} (finished stacks are skipped; a stack still busy is reported until it settles)"
            )))
        }
    }
}

fn print_results(results: &[StackResult], json: bool, out: &mut dyn Write) {
    for r in results {
        let _ = if json {
            writeln!(
                out,
                "{}",
                serde_json::json!({"event": "result", "stack": r.name, "outcome": r.outcome, "seconds": r.seconds, "outputs": r.outputs})
            )
        } else {
            writeln!(out, "{:<36} {}", r.name, describe_outcome(r))
        };
    }
}

/// The image choices of the `--image-tag` and `--image-uri` flags, checked: each is `VALUE`
/// (every runtime not named otherwise) or `RUNTIME=VALUE`.
fn image_choices(settings: &Settings, tags: &[String], uris: &[String]) -> Result<ImageChoices, Failure> {
    let bad = |message: String| Failure::Input(anyhow::anyhow!(message));
    let mut choices = ImageChoices::default();
    let flags = tags.iter().map(|t| ("--image-tag", t)).chain(uris.iter().map(|u| ("--image-uri", u)));
    for (flag, given) in flags {
        let (runtime, value) = match given.split_once('=') {
            Some((runtime, value)) => (Some(runtime), value),
            None => (None, given.as_str()),
        };
        let choice = if flag == "--image-tag" {
            if let Err(v) = corestack_app::constructs::rules::image_tag(value) {
                return Err(bad(format!("{flag} {given}: {}\n    fix: {}", v.message, v.fix)));
            }
            ImageChoice::Tag(value.to_string())
        } else {
            corestack_deploy::image::split_uri(value).map_err(|e| Failure::Input(e.into()))?;
            ImageChoice::Uri(value.to_string())
        };
        match runtime {
            None if choices.every != ImageChoice::Config => {
                return Err(bad(format!(
                    "{flag} {given}: a second image for every runtime\n    fix: give one, or name the runtime: {flag} <runtime>={value}"
                )));
            }
            None => choices.every = choice,
            Some(name) => {
                if !settings.runtimes.iter().any(|r| r.key == name) {
                    let known: Vec<&str> = settings.runtimes.iter().map(|r| r.key.as_str()).collect();
                    return Err(bad(format!(
                        "{flag} {given}: the config has no runtime `{name}`\n    fix: use one of {}",
                        known.join(", ")
                    )));
                }
                if choices.by_runtime.insert(name.to_string(), choice).is_some() {
                    return Err(bad(format!(
                        "{flag} {given}: runtime `{name}` is given two images\n    fix: give one"
                    )));
                }
            }
        }
    }
    Ok(choices)
}

/// The deployed runtimes' status and version, for the report (empty when not readable).
async fn runtime_statuses(
    config: &aws_config::SdkConfig,
    placements: &[corestack_app::RuntimeEntry],
    results: &[StackResult],
) -> Vec<serde_json::Value> {
    let reader = corestack_deploy::status::StatusReader::new(config);
    let mut all = Vec::new();
    for p in placements {
        let Some(id) = results.iter().filter(|s| s.name == p.stack).find_map(|s| s.outputs.get(&p.outputs.id)) else {
            continue;
        };
        if let Ok(s) = reader.runtime(id).await {
            all.push(serde_json::json!({"runtime": p.key, "id": id, "status": s.status, "version": s.version, "image": s.image}));
        }
    }
    all
}

pub(crate) fn run_deploy(args: &DeployArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("deploy")?;
    let choices = image_choices(&settings, &args.image_tag, &args.image_uri)?;
    let assembly = corestack_app::synth(&settings)?;
    let report = crate::check::assembly_report(&settings, &assembly);
    if report.failed() {
        let _ =
            write!(err, "{}", corestack_rules::report::render(&report, corestack_rules::report::Format::Text, false));
        let _ = writeln!(err, "corestack: the check found errors, so nothing was deployed");
        return Err(Failure::Findings);
    }
    let base = args.cfg.dir();
    let rt = tokio()?;
    // Before any file is written or any stack changes: credentials, account, the images named
    // by flags, and a build that cannot run stop here, and leave no report behind.
    let (config, identity) = rt.block_on(preflight(&settings))?;
    let docker = corestack_deploy::image::Docker::new();
    rt.block_on(corestack_deploy::image::preflight(&docker, &settings, &identity.account, &choices, &base))?;
    let plans = StackPlan::from_assembly(&assembly);
    rt.block_on(Deployer::new(&config).check_exports(&plans))?;
    assembly.write(&args.out)?;
    let (before, after) = StackPlan::split_at_images(plans);
    let env = &settings.environment;
    confirm(
        &format!("deploy {} stacks of environment {} to {}", before.len() + after.len(), env.name, env.region),
        args.yes,
        err,
    )?;
    let started = std::time::Instant::now();
    let progress = Arc::new(Progress::new(Mode::detect(args.json)));
    let resume = format!("corestack deploy{}", args.cfg.flags());
    let plans = Phases { before, after, placements: &assembly.manifest.runtimes };
    let record = Record::default();
    let deployed = rt.block_on(interruptible(
        deploy_phases(&config, &settings, plans, &choices, &base, &progress, &record),
        &progress,
        &resume,
    ));
    progress.finish();
    let (results, images, statuses) = (record.results().clone(), record.images().clone(), record.runtimes().clone());
    let failure = deployed.as_ref().err().map(failure_text);
    let deployment = corestack_deploy::report::Deployment {
        results: &results,
        images: &images,
        runtimes: &statuses,
        failure: failure.as_deref(),
    };
    let report = corestack_deploy::report::write_report(
        &args.report_dir,
        &settings,
        &deployment,
        started.elapsed().as_secs_f64(),
    );
    if let Err(failed) = deployed {
        // The report of what was done, when one could be written; the failure is what counts.
        if let Ok((md, _)) = &report {
            let _ = writeln!(err, "corestack: report of this failed deploy: {}", md.display());
        }
        return Err(failed);
    }
    let (md, json) = report?;
    let outputs: BTreeMap<&str, &BTreeMap<String, String>> =
        results.iter().map(|r| (r.name.as_str(), &r.outputs)).collect();
    let outputs_json = serde_json::to_string_pretty(&outputs).expect("plain data") + "\n";
    std::fs::write(args.out.join("outputs.json"), &outputs_json)?;
    // On a terminal the progress block already shows each stack's result.
    if !(progress.mode() == Mode::Terminal && std::io::stdout().is_terminal()) {
        print_results(&results, args.json, out);
    }
    if args.json {
        return Ok(());
    }
    if let Some(ac) = results.iter().find(|r| r.outputs.contains_key("AgentRuntimeArn")) {
        for key in ["AgentRuntimeArn", "AgentRuntimeId", "AgentRuntimeVersion", "AgentRuntimeEndpointUrl"] {
            let _ = writeln!(out, "  {key}: {}", ac.outputs.get(key).map(String::as_str).unwrap_or("-"));
        }
    }
    for i in &images {
        let _ = writeln!(out, "  image of {}: {} ({})", i.runtime, i.source, i.digest);
    }
    let _ = writeln!(
        out,
        "outputs: {}; report: {} and {}",
        args.out.join("outputs.json").display(),
        md.display(),
        json.display()
    );
    Ok(())
}

/// The stacks before and after the images are pinned, and where the manifest places the runtimes.
struct Phases<'a> {
    before: Vec<StackPlan>,
    after: Vec<StackPlan>,
    placements: &'a [corestack_app::RuntimeEntry],
}

/// What a deploy did so far, kept as it happens so that a failed or interrupted deploy is
/// reported too.
#[derive(Default)]
struct Record {
    results: Mutex<Vec<StackResult>>,
    images: Mutex<Vec<RuntimeImage>>,
    runtimes: Mutex<Vec<serde_json::Value>>,
}

impl Record {
    fn results(&self) -> std::sync::MutexGuard<'_, Vec<StackResult>> {
        self.results.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn images(&self) -> std::sync::MutexGuard<'_, Vec<RuntimeImage>> {
        self.images.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn runtimes(&self) -> std::sync::MutexGuard<'_, Vec<serde_json::Value>> {
        self.runtimes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Deploys the stacks that create the repository, pins every runtime's image by digest (building
/// and pushing where the config says), then deploys the rest with those digests; reads each
/// runtime's status for the report. Everything done is kept in `record`.
async fn deploy_phases(
    config: &aws_config::SdkConfig,
    settings: &Settings,
    Phases { before, mut after, placements }: Phases<'_>,
    choices: &ImageChoices,
    base: &Path,
    progress: &Arc<Progress>,
    record: &Record,
) -> Result<(), Failure> {
    let deployer = deployer(config, settings, progress);
    deployer.check_sizes(&after)?;
    let step = |s: corestack_deploy::Step<'_>| {
        if let corestack_deploy::Step::Finished(r) = s {
            record.results().push(r.clone());
        }
        progress.step(s);
    };
    deployer.deploy(&before, &step).await?;
    let note = |line: &str| progress.note(line);
    let registry = corestack_deploy::image::Registry::new(config);
    let docker = corestack_deploy::image::Docker::new();
    let images =
        corestack_deploy::image::prepare(&registry, &docker, settings, placements, choices, base, &note).await?;
    if progress.mode() == Mode::Json {
        for i in &images {
            println!(
                "{}",
                serde_json::json!({"event": "image", "runtime": i.runtime, "source": i.source, "digest": i.digest, "built": i.built})
            );
        }
    }
    // Every image a runtime is about to run on is kept by the lifecycle policy from now on.
    let mut kept = std::collections::BTreeSet::new();
    for i in &images {
        if kept.insert(i.digest.clone()) {
            let tag = registry.mark_deployed(&settings.repository_name, &i.digest).await?;
            progress.note(&format!("kept {} as {tag} (the lifecycle policy never expires deployed images)", i.digest));
        }
    }
    let pinned = images.iter().map(|i| (i.parameter.clone(), i.parameter_value())).collect();
    for p in &mut after {
        p.set_parameters(&pinned);
    }
    *record.images() = images;
    deployer.deploy(&after, &step).await?;
    let results = record.results().clone();
    let statuses = runtime_statuses(config, placements, &results).await;
    *record.runtimes() = statuses;
    Ok(())
}

/// A failure's message, for the report.
pub(crate) fn failure_text(f: &Failure) -> String {
    match f {
        Failure::Input(e) | Failure::NotReady(e) | Failure::Aws(e) | Failure::Other(e) | Failure::Interrupted(e) => {
            format!("{e:#}")
        }
        Failure::Findings => "the check found errors".into(),
        Failure::Declined => "cancelled at the prompt".into(),
    }
}

pub(crate) fn run_destroy(args: &DestroyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("destroy")?;
    let assembly = corestack_app::synth(&settings)?;
    let plans = StackPlan::from_assembly(&assembly);
    let env = &settings.environment;
    confirm(
        &format!(
            "delete the {} stacks of environment {} in {} ({} retained)",
            plans.len(),
            env.name,
            env.region,
            if settings.retain_key { "the image repository and the KMS key are" } else { "the image repository is" }
        ),
        args.yes,
        err,
    )?;
    let progress = Arc::new(Progress::new(Mode::detect(args.json)));
    let resume = format!("corestack destroy{}", args.cfg.flags());
    let results = tokio()?.block_on(interruptible(
        async {
            let config = aws(&settings).await?;
            let step = |s: corestack_deploy::Step<'_>| progress.step(s);
            deployer(&config, &settings, &progress).destroy(&plans, &step).await.map_err(Failure::from)
        },
        &progress,
        &resume,
    ))?;
    progress.finish();
    print_results(&results, args.json, out);
    Ok(())
}

/// Each configured runtime with its deployed ID.
async fn runtime_ids<'a>(
    settings: &'a Settings,
    assembly: &corestack_app::Assembly,
    config: &aws_config::SdkConfig,
) -> Result<Vec<(&'a corestack_app::config::RuntimeSettings, String)>, Failure> {
    runtime_outputs(settings, assembly, config, Output::Id, None).await
}

/// Which output of a runtime.
#[derive(Clone, Copy)]
pub(crate) enum Output {
    Arn,
    Id,
}

/// Each configured runtime (or only the one with config key `only`) with one of its deployed
/// outputs, read from the stack the manifest says holds it (each stack read once).
pub(crate) async fn runtime_outputs<'a>(
    settings: &'a Settings,
    assembly: &corestack_app::Assembly,
    config: &aws_config::SdkConfig,
    output: Output,
    only: Option<&str>,
) -> Result<Vec<(&'a corestack_app::config::RuntimeSettings, String)>, Failure> {
    let deployer = Deployer::new(config);
    let mut read: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut found = Vec::new();
    for r in settings.runtimes.iter().filter(|r| only.is_none_or(|k| r.key == k)) {
        let place = assembly.manifest.runtime(&r.key).expect("synthesis places every runtime");
        if !read.contains_key(&place.stack) {
            read.insert(place.stack.clone(), deployer.outputs(&place.stack).await?);
        }
        let key = match output {
            Output::Arn => &place.outputs.arn,
            Output::Id => &place.outputs.id,
        };
        match read[&place.stack].get(key) {
            Some(value) => found.push((r, value.clone())),
            None => {
                return Err(Failure::NotReady(anyhow::anyhow!(
                    "runtime {} is not deployed in environment {} (stack {} has no {key} output)\n    fix: run corestack deploy --env {}",
                    r.key,
                    settings.environment.name,
                    place.stack,
                    settings.environment.name
                )));
            }
        }
    }
    Ok(found)
}

fn status_line(s: &corestack_deploy::status::Status) -> String {
    let mut line = format!("{:<40} {:<14} version {}", s.id, s.status, s.version.as_deref().unwrap_or("-"));
    if let Some(mode) = &s.network_mode {
        line.push_str(&format!("  {mode}"));
    }
    if let Some(image) = &s.image {
        line.push_str(&format!("  {image}"));
    }
    if let Some(reason) = &s.failure_reason {
        line.push_str(&format!("\n    failure: {reason}"));
    }
    line
}

pub(crate) fn run_status(args: &StatusArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("status")?;
    let assembly = corestack_app::synth(&settings)?;
    let lines = tokio()?.block_on(async {
        let config = aws(&settings).await?;
        let ids = runtime_ids(&settings, &assembly, &config).await?;
        let reader = corestack_deploy::status::StatusReader::new(&config);
        let runtime_ids: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
        let statuses = if args.wait {
            let interval = std::time::Duration::from_secs_f64(args.interval.max(0.01));
            let progress = |s: &corestack_deploy::status::Status| eprintln!("corestack: {} {}", s.id, s.status);
            reader.wait_ready(&runtime_ids, interval, std::time::Duration::from_secs(args.timeout), &progress).await?
        } else {
            let mut all = Vec::new();
            for id in &runtime_ids {
                all.push(reader.runtime(id).await?);
            }
            all
        };
        let mut lines = Vec::new();
        let mut documents = Vec::new();
        for ((r, id), s) in ids.iter().zip(&statuses) {
            lines.push(format!("{}: {}", r.spec.name, status_line(s)));
            let mut endpoints = Vec::new();
            for e in &r.spec.endpoints {
                let es = reader.endpoint(id, &e.name).await?;
                lines.push(format!("  endpoint {}: {}", e.name, status_line(&es)));
                endpoints.push(serde_json::json!({"name": e.name, "status": es}));
            }
            documents
                .push(serde_json::json!({"runtime": r.key, "name": r.spec.name, "status": s, "endpoints": endpoints}));
        }
        let failed = statuses.iter().any(|s| s.status.ends_with("_FAILED"));
        Ok::<_, Failure>((lines, documents, failed))
    })?;
    let (lines, documents, failed) = lines;
    if args.json {
        let _ = writeln!(out, "{}", serde_json::json!({ "runtimes": documents }));
    } else {
        for l in &lines {
            let _ = writeln!(out, "{l}");
        }
    }
    if failed { Err(Failure::Findings) } else { Ok(()) }
}

pub(crate) fn run_diff(args: &DiffArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load_project("diff")?;
    let assembly = corestack_app::synth(&settings)?;
    let choices = image_choices(&settings, &args.image_tag, &args.image_uri)?;
    let mut plans = StackPlan::from_assembly(&assembly);
    let diffs = tokio()?.block_on(async {
        let config = aws(&settings).await?;
        let deployer = Deployer::new(&config).with_template_bucket(settings.environment.template_bucket.clone());
        let mut deployed = BTreeMap::new();
        for p in plans.iter().filter(|p| p.takes_image()) {
            deployed.extend(deployer.deployed_parameters(&p.name).await?);
        }
        let registry = corestack_deploy::image::Registry::new(&config);
        let values = corestack_deploy::image::expected_parameters(
            &registry,
            &settings.repository_name,
            &settings.runtimes,
            &assembly.manifest.runtimes,
            &choices,
            &deployed,
        )
        .await;
        for p in &mut plans {
            p.set_parameters(&values);
        }
        deployer.diff(&plans).await.map_err(Failure::from)
    })?;
    if args.json {
        let stacks: Vec<serde_json::Value> =
            diffs.iter().map(|(name, diff)| serde_json::json!({"stack": name, "diff": diff})).collect();
        let _ = writeln!(out, "{}", serde_json::json!({ "stacks": stacks }));
        return Ok(());
    }
    for (name, diff) in &diffs {
        match diff {
            corestack_deploy::StackDiff::New { resources } => {
                let _ = writeln!(out, "{name}: new stack, {resources} resource(s) to create");
            }
            corestack_deploy::StackDiff::Unchanged => {
                let _ = writeln!(out, "{name}: unchanged");
            }
            corestack_deploy::StackDiff::Changes(changes) => {
                let _ = writeln!(out, "{name}: {} change(s)", changes.len());
                for c in changes {
                    let replacement = match c.replacement.as_deref() {
                        Some("True") => "  REPLACEMENT",
                        Some("Conditional") => "  may be replaced",
                        _ => "",
                    };
                    let _ = writeln!(out, "  {:<7} {:<40} {}{replacement}", c.action, c.logical_id, c.resource_type);
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn run_logs(args: &LogsArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let since = corestack_deploy::logs::parse_since(&args.since).ok_or_else(|| {
        Failure::Input(anyhow::anyhow!(
            "--since `{}` is not a duration\n    fix: use a number and s, m, h or d, e.g. 15m",
            args.since
        ))
    })?;
    let settings = args.cfg.load_project("logs")?;
    // The runtime is checked before any AWS call, and only its own output is looked for.
    let runtime = crate::dev::pick(&settings, args.runtime.as_deref())?[0];
    let assembly = corestack_app::synth(&settings)?;
    tokio()?.block_on(async {
        let config = aws(&settings).await?;
        let ids = runtime_outputs(&settings, &assembly, &config, Output::Id, Some(&runtime.key)).await?;
        let (_, id) = ids.into_iter().next().expect("the picked runtime");
        let group = corestack_deploy::logs::log_group(&id, &args.endpoint);
        let reader = corestack_deploy::logs::LogReader::new(&config);
        let mut print = |e: &corestack_deploy::logs::Event| {
            writeln!(out, "{} {} {}", e.timestamp, e.stream, e.message)?;
            out.flush()
        };
        let poll = std::time::Duration::from_secs(2);
        reader.tail(&group, since, args.follow, poll, &mut print).await.map_err(Failure::from)
    })
}
