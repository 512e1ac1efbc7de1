//! `corestack build`'s work: an agent package of a cargo workspace, built static for a platform,
//! written as an OCI image layout. A library user gets the same checks and the same image.

use std::path::Path;

use crate::{ImageSpec, OciError, Platform, Written};

/// What to build, as the command's flags say it.
#[derive(Clone, Debug)]
pub struct BuildRequest<'a> {
    /// The cargo workspace (the config's directory).
    pub dir: &'a Path,
    /// The agent's package in it.
    pub package: &'a str,
    /// `linux/arm64` or `linux/amd64`, as written.
    pub platform: &'a str,
    /// The port the runtime's protocol serves on.
    pub port: u16,
    /// Where the layout goes; it must not exist yet.
    pub out: &'a Path,
}

/// A built image.
#[derive(Clone, Debug)]
pub struct Built {
    /// The layout as written.
    pub written: Written,
    /// `true` when this machine had no CA bundle, so the image has none.
    pub without_ca_bundle: bool,
}

/// Builds `request.package` static for the platform, and writes its image to `request.out`. The
/// flags are checked before the (slow) build, and nothing is written when any step fails.
pub fn build_layout(request: &BuildRequest) -> Result<Built, OciError> {
    let platform = Platform::parse(request.platform).ok_or_else(|| OciError::Platform(request.platform.into()))?;
    if request.out.exists() {
        return Err(OciError::Exists(request.out.to_path_buf()));
    }
    let binary = crate::cargo::static_binary(request.dir, request.package, platform)?;
    crate::elf::check_runs_alone(&binary, platform)?;
    let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| request.package.into());
    let ca_certificates = crate::host_ca_bundle();
    let without_ca_bundle = ca_certificates.is_none();
    let spec = ImageSpec { binary, name, platform, port: request.port, env: Vec::new(), ca_certificates };
    Ok(Built { written: crate::write_layout(&spec, request.out)?, without_ca_bundle })
}

impl Built {
    /// The warning for a machine with no CA bundle, when it had none.
    pub fn warning(&self) -> Option<String> {
        let places = crate::CA_BUNDLE_PLACES.join(", ");
        self.without_ca_bundle.then(|| {
            format!("warning: no CA bundle in {places}; the image has none, so the agent's TLS calls will fail")
        })
    }

    /// What was written (for `runtime`) and how to push it.
    pub fn lines(&self, request: &BuildRequest, runtime: &str) -> Vec<String> {
        let out = request.out.display();
        let wrote = format!(
            "Wrote the {} image of {} for runtime {runtime} to {out}: {} ({:.1} MB compressed)",
            request.platform,
            request.package,
            self.written.manifest_digest,
            self.written.layer_bytes as f64 / 1_000_000.0
        );
        vec![wrote, format!("  push it with: skopeo copy oci:{out} docker://<repository URI>:<tag>")]
    }
}
