//! OCI image layouts of one static binary, written without a container engine.
//!
//! The image has one layer: the binary at `/<name>`, `/etc/passwd` and `/etc/group` with the
//! `nonroot` user (65532, as distroless images have it), the CA certificates the agent's TLS
//! clients read, and `/tmp`. No shell, no package manager. Its config runs the binary as 65532
//! with the runtime's port in `PORT`. The same inputs give the same bytes, so the same digest:
//! every entry has mtime 0 and root or nonroot ownership, entries are in a fixed order, and gzip
//! carries no timestamp.
//!
//! The layout follows the OCI image layout specification (`oci-layout`, `index.json`,
//! `blobs/sha256/`), so `skopeo copy oci:DIR docker://...` and other tools take it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use oci_spec::image::{
    Arch, ConfigBuilder, Descriptor, DescriptorBuilder, ImageConfigurationBuilder, ImageIndexBuilder,
    ImageManifestBuilder, MediaType, Os, RootFsBuilder,
};
use sha2::{Digest as _, Sha256};

pub mod build;
pub mod cargo;
pub mod elf;
mod layer;

/// The user the image runs as (distroless's `nonroot`).
pub const NONROOT: u32 = 65532;

/// What an image is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// linux/arm64: the only platform AgentCore Runtime runs.
    LinuxArm64,
    /// linux/amd64: for running the image on an x86_64 machine in tests.
    LinuxAmd64,
}

impl Platform {
    /// `linux/arm64` or `linux/amd64`.
    pub fn parse(text: &str) -> Option<Platform> {
        match text {
            "linux/arm64" | "linux/arm64/v8" => Some(Platform::LinuxArm64),
            "linux/amd64" => Some(Platform::LinuxAmd64),
            _ => None,
        }
    }

    fn arch(self) -> Arch {
        match self {
            Platform::LinuxArm64 => Arch::ARM64,
            Platform::LinuxAmd64 => Arch::Amd64,
        }
    }
}

/// One image: a binary and how it is started.
#[derive(Clone, Debug)]
pub struct ImageSpec {
    /// The static binary.
    pub binary: PathBuf,
    /// Its name in the image (`/<name>`), which is the entry point.
    pub name: String,
    /// What it is built for.
    pub platform: Platform,
    /// The port it listens on, in `PORT` and the exposed ports.
    pub port: u16,
    /// More environment variables, in order.
    pub env: Vec<(String, String)>,
    /// A CA bundle for `/etc/ssl/certs/ca-certificates.crt`, if any.
    pub ca_certificates: Option<PathBuf>,
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OciError {
    /// A file could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The image's name cannot be a file name at the root.
    #[error("`{0}` cannot be the binary's name in the image\n    fix: use letters, digits, '.', '_' and '-'")]
    Name(String),
    /// The binary could not be built.
    #[error("{0}\n    fix: {1}")]
    Build(String, &'static str),
    /// The binary cannot start in an image with nothing else in it.
    #[error("{} cannot be the image's entry point: {why}\n    fix: build it static for the image's platform, as `corestack build` does (cargo-zigbuild for arm64, +crt-static for amd64); check RUSTFLAGS and .cargo/config.toml for a linker or target that overrides it", binary.display())]
    NotRunnable {
        /// The binary.
        binary: PathBuf,
        /// What it is instead.
        why: String,
    },
    /// A platform corestack does not build.
    #[error(
        "--platform {0}: corestack builds linux/arm64 or linux/amd64\n    fix: leave it out for AgentCore (linux/arm64)"
    )]
    Platform(String),
    /// The output directory exists.
    #[error("--out {} exists; the image is written to a new directory\n    fix: remove it, or name another", .0.display())]
    Exists(PathBuf),
    /// The OCI structures refused a value.
    #[error("the image description is not valid OCI: {0}")]
    Spec(#[from] oci_spec::OciSpecError),
}

/// A build that cannot run (no target, no zig, no cargo-zigbuild) is this machine not being ready,
/// a platform or output directory that cannot be is the user's to fix; the rest fails here.
impl corestack_fault::Blamed for OciError {
    fn blame(&self) -> corestack_fault::Blame {
        match self {
            OciError::Build(..) => corestack_fault::Blame::NotReady,
            OciError::Platform(_) | OciError::Exists(_) => corestack_fault::Blame::Input,
            _ => corestack_fault::Blame::Local,
        }
    }
}

pub(crate) fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> OciError + 'a {
    move |source| OciError::Io { what, path: path.to_path_buf(), source }
}

/// A written image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// The manifest's digest, `sha256:...`: what a registry and a deploy know the image by.
    pub manifest_digest: String,
    /// The compressed layer's size in bytes.
    pub layer_bytes: u64,
}

/// Where Debian and Ubuntu, Fedora and RHEL, and macOS and Alpine keep the CA bundle.
pub const CA_BUNDLE_PLACES: [&str; 3] =
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

/// This machine's CA bundle, for the agent's TLS clients: the first of [`CA_BUNDLE_PLACES`]
/// that is a file; `None` when there is none (the image then has none).
pub fn host_ca_bundle() -> Option<PathBuf> {
    CA_BUNDLE_PLACES.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Writes the OCI image layout of `spec` to `dir`, which must not exist yet: it is made in a
/// sibling temporary directory and renamed into place, so a failure leaves nothing half written.
pub fn write_layout(spec: &ImageSpec, dir: &Path) -> Result<Written, OciError> {
    if dir.exists() {
        let taken = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it exists; name a new directory");
        return Err(OciError::Io { what: "will not write the image over", path: dir.to_path_buf(), source: taken });
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".oci-")
        .tempdir_in(parent)
        .map_err(io("cannot create a directory in", parent))?;
    let blobs = staging.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(io("cannot create", &blobs))?;

    let (layer, diff_id) = layer::build(spec)?;
    let layer_desc = blob(&blobs, MediaType::ImageLayerGzip, &layer)?;
    let config = image_config(spec, &diff_id)?;
    let config_desc = blob(&blobs, MediaType::ImageConfig, config.as_bytes())?;
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config_desc)
        .layers(vec![layer_desc])
        .build()?;
    let manifest_json = serde_json::to_vec(&manifest).expect("a manifest is JSON");
    let mut manifest_desc = blob(&blobs, MediaType::ImageManifest, &manifest_json)?;
    manifest_desc.set_platform(Some(
        oci_spec::image::PlatformBuilder::default().architecture(spec.platform.arch()).os(Os::Linux).build()?,
    ));
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(vec![manifest_desc.clone()])
        .build()?;
    write(&staging.path().join("index.json"), &serde_json::to_vec(&index).expect("an index is JSON"))?;
    write(&staging.path().join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let staged = staging.keep();
    // A temporary directory is private (0700); an image layout is for other tools to read.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755)).map_err(io("cannot open up", &staged))?;
    std::fs::rename(&staged, dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        OciError::Io { what: "cannot move the image into", path: dir.to_path_buf(), source: e }
    })?;
    Ok(Written { manifest_digest: manifest_desc.digest().to_string(), layer_bytes: layer.len() as u64 })
}

/// The image configuration: who runs what, on which port, for which platform.
fn image_config(spec: &ImageSpec, diff_id: &str) -> Result<String, OciError> {
    let mut env = vec![format!("PORT={}", spec.port)];
    env.extend(spec.env.iter().map(|(k, v)| format!("{k}={v}")));
    let config = ConfigBuilder::default()
        .user(format!("{NONROOT}:{NONROOT}"))
        .entrypoint(vec![format!("/{}", spec.name)])
        .env(env)
        .exposed_ports(vec![format!("{}/tcp", spec.port)])
        .working_dir("/".to_string())
        .build()?;
    let rootfs = RootFsBuilder::default().typ("layers").diff_ids(vec![diff_id.to_string()]).build()?;
    let image = ImageConfigurationBuilder::default()
        .architecture(spec.platform.arch())
        .os(Os::Linux)
        .config(config)
        .rootfs(rootfs)
        .build()?;
    Ok(serde_json::to_string(&image).expect("a configuration is JSON"))
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Writes `bytes` as a blob and describes it.
fn blob(blobs: &Path, media_type: MediaType, bytes: &[u8]) -> Result<Descriptor, OciError> {
    let digest = sha256(bytes);
    write(&blobs.join(&digest["sha256:".len()..]), bytes)?;
    let parsed: oci_spec::image::Digest = digest.parse()?;
    Ok(DescriptorBuilder::default().media_type(media_type).digest(parsed).size(bytes.len() as u64).build()?)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), OciError> {
    let mut f = std::fs::File::create(path).map_err(io("cannot create", path))?;
    f.write_all(bytes).map_err(io("cannot write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_the_two_corestack_builds() {
        assert_eq!(Platform::parse("linux/arm64"), Some(Platform::LinuxArm64));
        assert_eq!(Platform::parse("linux/amd64"), Some(Platform::LinuxAmd64));
        assert_eq!(Platform::parse("windows/amd64"), None);
    }

    #[test]
    fn a_name_that_is_not_a_file_name_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("bin");
        std::fs::write(&binary, b"\x7fELF").unwrap();
        for name in ["", ".", "..", "etc", "tmp", "home", "../etc/passwd", "a/b", "a b"] {
            let spec = ImageSpec {
                binary: binary.clone(),
                name: name.into(),
                platform: Platform::LinuxArm64,
                port: 8080,
                env: Vec::new(),
                ca_certificates: None,
            };
            let out = dir.path().join("out");
            assert!(matches!(write_layout(&spec, &out), Err(OciError::Name(_))), "{name}");
            assert!(!out.exists());
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no staging directory left behind");
    }
}
