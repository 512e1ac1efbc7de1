//! `corestack build`: a Rust agent's image, built with no container engine, written as an OCI
//! image layout for inspection and for other tools (`skopeo copy oci:DIR docker://...`).

use std::io::Write;
use std::path::PathBuf;

use corestack_app::config::Source;

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
    let platform = corestack_oci::Platform::parse(&args.platform).ok_or_else(|| {
        Failure::input(anyhow::anyhow!(
            "--platform {}: corestack builds linux/arm64 or linux/amd64\n    fix: leave it out for AgentCore (linux/arm64)",
            args.platform
        ))
    })?;
    if args.out.exists() {
        return Err(Failure::input(anyhow::anyhow!(
            "--out {} exists; the image is written to a new directory\n    fix: remove it, or name another",
            args.out.display()
        )));
    }
    let settings = args.cfg.load(err)?;
    let runtime = settings.pick_runtime(args.runtime.as_deref())?;
    let binary = corestack_oci::cargo::static_binary(&args.cfg.dir(), &args.package, platform)?;
    let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| args.package.clone());
    let spec = corestack_oci::ImageSpec {
        binary,
        name,
        platform,
        port: runtime.spec.protocol.port(),
        env: Vec::new(),
        ca_certificates: ca_bundle(err),
    };
    let written = corestack_oci::write_layout(&spec, &args.out)?;
    writeln!(
        out,
        "Wrote the {} image of {} for runtime {} to {}: {} ({:.1} MB compressed)",
        args.platform,
        args.package,
        runtime.key,
        args.out.display(),
        written.manifest_digest,
        written.layer_bytes as f64 / 1_000_000.0
    )?;
    writeln!(out, "  push it with: skopeo copy oci:{} docker://<repository URI>:<tag>", args.out.display())?;
    Ok(())
}

/// This machine's CA bundle; without one, the image has none, and says so.
fn ca_bundle(err: &mut dyn Write) -> Option<PathBuf> {
    let found = corestack_oci::host_ca_bundle();
    if found.is_none() {
        let places = corestack_oci::CA_BUNDLE_PLACES.join(", ");
        let _ = writeln!(
            err,
            "corestack: warning: no CA bundle in {places}; the image has none, so the agent's TLS calls will fail"
        );
    }
    found
}
