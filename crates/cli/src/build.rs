//! `corestack build`: a Rust agent's image, built with no container engine, written as an OCI
//! image layout for inspection and for other tools (`skopeo copy oci:DIR docker://...`).

use std::io::Write;
use std::path::PathBuf;

use corestack_app::config::Source;
use corestack_oci::build::{BuildRequest, build_layout};

use crate::Failure;

#[derive(Debug, clap::Args)]
pub(crate) struct BuildArgs {
    #[command(flatten)]
    cfg: Source,
    /// The runtime (name or config key) whose protocol gives the port. Default: the first.
    #[arg(long, value_name = "NAME")]
    runtime: Option<String>,
    /// The cargo package of the agent, in the workspace of the config's directory.
    #[arg(long, value_name = "PACKAGE")]
    package: String,
    /// linux/arm64 (what AgentCore runs) or linux/amd64 (to run the image on an x86_64 machine).
    #[arg(long, default_value = "linux/arm64")]
    platform: String,
    /// Where to write the OCI image layout; it must not exist yet.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub(crate) fn run_build(args: &BuildArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let settings = args.cfg.load(err)?;
    let runtime = settings.pick_runtime(args.runtime.as_deref())?;
    let dir = args.cfg.dir();
    let port = runtime.spec.protocol.port();
    let request = BuildRequest { dir: &dir, package: &args.package, platform: &args.platform, port, out: &args.out };
    let built = build_layout(&request)?;
    if let Some(warning) = built.warning() {
        let _ = writeln!(err, "corestack: {warning}");
    }
    for line in built.lines(&request, &runtime.key) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
