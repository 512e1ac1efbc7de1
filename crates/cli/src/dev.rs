//! `corestack dev` and `corestack invoke`.

use std::io::Write;
use std::sync::Arc;

use corestack_app::config::LocalBedrock;
use corestack_dev::run::Serving;
use corestack_dev::startup::{self, TraceTarget};
use corestack_dev::{DevOptions, LocalProject};

use crate::Failure;
use crate::runtime::Tokio;

#[derive(Debug, clap::Args)]
pub(crate) struct DevArgs {
    #[command(flatten)]
    cfg: corestack_app::config::Source,
    /// Serve only this runtime (its name or its key in the config).
    #[arg(long, value_name = "NAME")]
    runtime: Option<String>,
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = corestack_contract::DEV_PORT)]
    port: u16,
    /// Override every runtime's idle timeout, in seconds (to try the lifecycle quickly).
    #[arg(long, value_name = "S")]
    idle_timeout: Option<u64>,
    /// Override every runtime's max lifetime, in seconds.
    #[arg(long, value_name = "S")]
    max_lifetime: Option<u64>,
    /// Skip the runtimes' build steps.
    #[arg(long)]
    no_build: bool,
    /// Which Bedrock the agents call: `local` (a stand-in for Converse and ConverseStream on
    /// 127.0.0.1, no account needed) or `aws` (the real service, with your credentials).
    /// Default: each runtime's `[runtimes.local] bedrock`, else `aws`.
    #[arg(long, value_enum)]
    bedrock: Option<LocalBedrock>,
    /// Show the agents' spans: `console` prints each span on the console; an OTLP/HTTP URL (such
    /// as http://127.0.0.1:4318) sends them to your collector. The agents export when built with
    /// an OpenTelemetry SDK (corestack-agent's `otel` feature).
    #[arg(long, value_name = "console|URL")]
    traces: Option<String>,
    /// Most sessions alive at once (the service's quota of active sessions is 1,000 in us-east-1
    /// and us-west-2, 500 elsewhere); more are refused with ServiceQuotaExceededException.
    #[arg(long, value_name = "N", default_value_t = corestack_dev::DEFAULT_MAX_SESSIONS)]
    max_sessions: usize,
}

pub(crate) fn run_dev(args: &DevArgs, err: &mut dyn Write) -> Result<(), Failure> {
    let cwd = args.cfg.dir().canonicalize()?;
    if args.cfg.embedded() {
        startup::check_embedded_demo(&cwd)?;
    }
    let settings = args.cfg.load(err)?;
    let options = DevOptions {
        runtime: args.runtime.clone(),
        idle_timeout: args.idle_timeout,
        max_lifetime: args.max_lifetime,
        bedrock: args.bedrock,
    };
    let traces = args.traces.as_deref().map(TraceTarget::parse).transpose()?;
    let mut project = LocalProject::new(&settings, &cwd, &options)?;
    if project.uses_platform(&settings) {
        // The deployed runtime gets its memories' IDs and gateways' URLs from the Platform stack;
        // dev reads the same values from the deployed stacks when it can, and says when it cannot.
        let deployed = Tokio::new()?.run(corestack_deploy::project::deployed_platform_values(&settings));
        let values = deployed.unwrap_or_else(|e| {
            let _ = writeln!(err, "corestack dev: cannot read the deployed memories and gateways: {e}");
            Default::default()
        });
        for line in project.platform_environment(&settings, &values) {
            let _ = writeln!(err, "corestack dev: {line}");
        }
    }
    if !args.no_build {
        project.build(&cwd, &mut |line| {
            let _ = writeln!(err, "corestack dev: {line}");
        })?;
    }
    // Each session holds a few descriptors; hundreds of sessions need more than the usual soft
    // limit of 1,024.
    corestack_dev::raise_open_files_limit();
    let serving = Serving { port: args.port, traces, max_sessions: args.max_sessions };
    let mut banner = |line: &str| {
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    };
    let served = corestack_dev::run::serve(
        &settings,
        project,
        &serving,
        stdout_console(),
        &mut banner,
        corestack_dev::run::interrupted(),
    );
    Ok(Tokio::new()?.run(served)?)
}

/// Lines for dev's console, on stdout.
fn stdout_console() -> corestack_dev::Console {
    Arc::new(|line: &str| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    })
}
