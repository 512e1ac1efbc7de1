//! The runtimes' images: built for `linux/arm64` with `docker buildx` and pushed to the project
//! repository, or named by the user, and in every case looked up in the repository and pinned
//! by digest before an AgentCore stack deploys. A missing image stops the deploy before
//! CloudFormation would fail on it minutes later (the service checks the image when it creates
//! the runtime).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use aws_sdk_ecr::error::ProvideErrorMetadata;

use crate::AwsFailure;
use aws_sdk_ecr::types::ImageIdentifier;
use base64::Engine as _;
use corestack_app::config::{BuildSettings, ImageRef, RuntimeSettings};
use serde::Serialize;
use tokio::io::AsyncWriteExt;

/// The platform AgentCore runs (facts §10): images are always built for it.
pub const PLATFORM: &str = "linux/arm64";

/// Which image each runtime runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ImageChoice {
    /// What the config says: a build section builds a new image, otherwise `image_tag` or
    /// `image_digest`.
    #[default]
    Config,
    /// This tag of the project repository.
    Tag(String),
    /// This image URI, which must be in the project repository.
    Uri(String),
}

/// Which image each runtime runs: one choice for every runtime, and choices for named ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageChoices {
    /// For runtimes not named below.
    pub every: ImageChoice,
    /// By runtime name (the config's `name`).
    pub by_runtime: BTreeMap<String, ImageChoice>,
}

impl ImageChoices {
    /// The choice for a runtime.
    pub fn of(&self, runtime: &str) -> &ImageChoice {
        self.by_runtime.get(runtime).unwrap_or(&self.every)
    }
}

/// A runtime's image, pinned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuntimeImage {
    /// The runtime's name in the config.
    pub runtime: String,
    /// Its stack parameter, as the manifest names it.
    pub parameter: String,
    /// The image as chosen: `<repository URI>:<tag>` or `@<digest>`.
    pub source: String,
    /// The digest in the repository, `sha256:...`.
    pub digest: String,
    /// Whether this deploy built and pushed it.
    pub built: bool,
}

impl RuntimeImage {
    /// The parameter value that deploys this image by digest.
    pub fn parameter_value(&self) -> String {
        format!("@{}", self.digest)
    }
}

/// What can go wrong with images. Every message says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An ECR call failed.
    #[error("{0}")]
    Aws(Box<AwsFailure>),
    /// The project repository is not there yet.
    #[error(
        "repository {repository} does not exist; the Storage stack creates it, so deploy the stacks in order (corestack deploy does)"
    )]
    NoRepository {
        /// The repository name.
        repository: String,
    },
    /// The image is not in the repository.
    #[error(
        "image {image} is not in the repository, so runtime {runtime} could not start on it\n    fix: push it first (docker buildx build --platform linux/arm64 -t {image} --push .), pass an image that is there with --image-tag or --image-uri, or add a [runtimes.build] section so deploy builds it"
    )]
    Missing {
        /// The runtime.
        runtime: String,
        /// The image URI.
        image: String,
    },
    /// `--image-uri` names another repository than the project's.
    #[error(
        "--image-uri {given}: not in the project repository {expected}; the runtime's execution role may pull only from that one\n    fix: push the image to {expected} (or set [storage] repository_name to the repository it is in)"
    )]
    OtherRepository {
        /// The URI given.
        given: String,
        /// The project repository URI.
        expected: String,
    },
    /// `--image-uri` has no tag or digest.
    #[error(
        "--image-uri {0}: an AgentCore image URI needs a :tag or an @sha256:digest\n    fix: add the tag, e.g. {0}:v1"
    )]
    NoReference(String),
    /// Docker or buildx is not there.
    #[error(
        "runtime {runtime} has a [runtimes.build] section, but `{program} buildx version` did not work ({reason})\n    fix: install Docker with the buildx plugin, or deploy an image that is already pushed with --image-tag or --image-uri"
    )]
    NoDocker {
        /// The runtime that needs a build.
        runtime: String,
        /// The program tried.
        program: String,
        /// What happened.
        reason: String,
    },
    /// A Dockerfile or build context that is not there.
    #[error(
        "{at}: {path} does not exist\n    fix: give the path relative to the config file's directory, or pass an image that is already pushed with --image-tag or --image-uri"
    )]
    NoBuildInput {
        /// The config key.
        at: String,
        /// The path looked for.
        path: String,
    },
    /// A docker command failed.
    #[error("{what} failed ({status}){hint}")]
    Docker {
        /// The command, shortly.
        what: String,
        /// Its exit status.
        status: String,
        /// What usually helps.
        hint: String,
    },
}

fn call_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    call: &'static str,
    e: aws_sdk_ecr::error::SdkError<E>,
) -> ImageError {
    ImageError::Aws(Box::new(AwsFailure::from_sdk(&format!("ecr:{call}"), None, &e)))
}

/// The tag that keeps an image a deploy runs on: `deployed-` and the first 12 hex digits of its
/// digest (one tag per image, whichever runtimes and deploys use it).
pub fn deployed_tag(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("{}{}", corestack_app::constructs::storage::DEPLOYED_TAG_PREFIX, &hex[..hex.len().min(12)])
}

/// The image parameter of the runtime with config key `key`, as the manifest names it.
fn image_parameter(placements: &[corestack_app::RuntimeEntry], key: &str) -> Option<String> {
    placements.iter().find(|p| p.key == key).map(|p| p.image_parameter.clone())
}

/// Splits `<registry>/<repository>:<tag>` or `...@sha256:<digest>` into the repository URI and
/// the reference.
pub fn split_uri(uri: &str) -> Result<(&str, ImageRef), ImageError> {
    if let Some((base, digest)) = uri.split_once('@') {
        return Ok((base, ImageRef::Digest(digest.to_string())));
    }
    let name_start = uri.rfind('/').map(|i| i + 1).unwrap_or(0);
    match uri[name_start..].rfind(':') {
        Some(i) => Ok((&uri[..name_start + i], ImageRef::Tag(uri[name_start + i + 1..].to_string()))),
        None => Err(ImageError::NoReference(uri.to_string())),
    }
}

/// The project repository in ECR.
#[derive(Clone, Debug)]
pub struct Registry {
    ecr: aws_sdk_ecr::Client,
}

impl Registry {
    /// ECR on this configuration.
    pub fn new(config: &aws_config::SdkConfig) -> Registry {
        Registry { ecr: aws_sdk_ecr::Client::new(config) }
    }

    /// The repository's URI, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
    pub async fn repository_uri(&self, repository: &str) -> Result<String, ImageError> {
        let out = self.ecr.describe_repositories().repository_names(repository).send().await.map_err(|e| {
            if e.as_service_error().and_then(|s| s.code()) == Some("RepositoryNotFoundException") {
                ImageError::NoRepository { repository: repository.into() }
            } else {
                call_error("DescribeRepositories", e)
            }
        })?;
        out.repositories()
            .first()
            .and_then(|r| r.repository_uri())
            .map(str::to_string)
            .ok_or(ImageError::NoRepository { repository: repository.into() })
    }

    /// The digest of an image of the repository, by tag or digest; `None` when it is not there.
    pub async fn digest(&self, repository: &str, image: &ImageRef) -> Result<Option<String>, ImageError> {
        let id = match image {
            ImageRef::Tag(t) => ImageIdentifier::builder().image_tag(t).build(),
            ImageRef::Digest(d) => ImageIdentifier::builder().image_digest(d).build(),
        };
        match self.ecr.describe_images().repository_name(repository).image_ids(id).send().await {
            Ok(out) => Ok(out.image_details().first().and_then(|d| d.image_digest()).map(str::to_string)),
            Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ImageNotFoundException") => Ok(None),
            Err(e) => Err(call_error("DescribeImages", e)),
        }
    }

    /// Tags the image a deploy runs on `deployed-<first 12 hex of its digest>`, which the
    /// repository's lifecycle policy never expires (an endpoint may stay pinned to the version
    /// that runs it). Adding a tag adds no image; an existing tag is fine.
    pub async fn mark_deployed(&self, repository: &str, digest: &str) -> Result<String, ImageError> {
        let tag = deployed_tag(digest);
        let id = ImageIdentifier::builder().image_digest(digest).build();
        let got = self
            .ecr
            .batch_get_image()
            .repository_name(repository)
            .image_ids(id)
            .send()
            .await
            .map_err(|e| call_error("BatchGetImage", e))?;
        let Some(manifest) = got.images().first().and_then(|i| i.image_manifest()) else {
            return Err(ImageError::Missing { runtime: "(deployed)".into(), image: format!("{repository}@{digest}") });
        };
        let media_type = got.images().first().and_then(|i| i.image_manifest_media_type()).map(str::to_string);
        match self
            .ecr
            .put_image()
            .repository_name(repository)
            .image_manifest(manifest)
            .set_image_manifest_media_type(media_type)
            .image_tag(&tag)
            .image_digest(digest)
            .send()
            .await
        {
            Ok(_) => Ok(tag),
            Err(e)
                if matches!(
                    e.as_service_error().and_then(|s| s.code()),
                    Some("ImageAlreadyExistsException" | "ImageTagAlreadyExistsException")
                ) =>
            {
                Ok(tag)
            }
            Err(e) => Err(call_error("PutImage", e)),
        }
    }

    /// The user name, password and registry host `docker login` takes (GetAuthorizationToken).
    async fn credentials(&self) -> Result<(String, String, String), ImageError> {
        let out =
            self.ecr.get_authorization_token().send().await.map_err(|e| call_error("GetAuthorizationToken", e))?;
        let bad = |what: &str| {
            ImageError::Aws(Box::new(AwsFailure::plain(
                "ecr:GetAuthorizationToken",
                None,
                format!("{what} in the answer"),
            )))
        };
        let data = out.authorization_data().first().ok_or_else(|| bad("no authorization data"))?;
        let token = base64::engine::general_purpose::STANDARD
            .decode(data.authorization_token().unwrap_or_default())
            .ok()
            .and_then(|t| String::from_utf8(t).ok())
            .ok_or_else(|| bad("an undecodable token"))?;
        let (user, password) = token.split_once(':').ok_or_else(|| bad("a token without user name"))?;
        let endpoint = data.proxy_endpoint().ok_or_else(|| bad("no proxy endpoint"))?;
        let host = endpoint.trim_start_matches("https://").trim_end_matches('/');
        Ok((user.to_string(), password.to_string(), host.to_string()))
    }
}

/// The docker CLI with buildx.
#[derive(Clone, Debug)]
pub struct Docker {
    program: PathBuf,
}

impl Docker {
    /// `docker` from PATH.
    pub fn new() -> Docker {
        Docker { program: PathBuf::from("docker") }
    }

    fn command(&self) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(&self.program);
        // Docker's own output goes to stderr, so stdout stays clean for --json.
        c.stdout(stderr_stdio()).stderr(Stdio::inherit()).kill_on_drop(true);
        c
    }

    /// Checks that buildx answers.
    async fn check(&self, runtime: &str) -> Result<(), ImageError> {
        let missing = |reason: String| ImageError::NoDocker {
            runtime: runtime.into(),
            program: self.program.display().to_string(),
            reason,
        };
        let out = tokio::process::Command::new(&self.program)
            .args(["buildx", "version"])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| missing(e.to_string()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(missing(format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim())))
        }
    }

    /// `docker login` with the password on stdin; its output is kept for the error message.
    async fn login(&self, user: &str, password: &str, host: &str) -> Result<(), ImageError> {
        let what = format!("docker login {host}");
        let mut child = tokio::process::Command::new(&self.program)
            .args(["login", "--username", user, "--password-stdin", host])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| docker_failed(&what, e.to_string(), ""))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(password.as_bytes()).await;
        }
        let out = child.wait_with_output().await.map_err(|e| docker_failed(&what, e.to_string(), ""))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(docker_failed(&what, format!("{}: {said}", out.status), ""));
        }
        Ok(())
    }

    /// Builds for [`PLATFORM`], pushes as `image`, and returns the pushed digest.
    async fn build_and_push(&self, build: &BuildSettings, base: &Path, image: &str) -> Result<String, ImageError> {
        let metadata = std::env::temp_dir().join(format!("corestack-build-{}-{}.json", std::process::id(), unique()));
        let mut c = self.command();
        c.arg("buildx")
            .arg("build")
            .args(["--platform", PLATFORM])
            .arg("--file")
            .arg(base.join(&build.dockerfile))
            .args(["--tag", image])
            // One single-platform manifest: no attestation index for the service to trip on.
            .args(["--provenance=false", "--sbom=false", "--push"])
            .arg("--metadata-file")
            .arg(&metadata);
        for (k, v) in &build.args {
            c.arg("--build-arg").arg(format!("{k}={v}"));
        }
        c.arg(base.join(&build.context)).stdin(Stdio::null());
        let status = c.status().await.map_err(|e| docker_failed("docker buildx build", e.to_string(), ""))?;
        let read = std::fs::read_to_string(&metadata);
        let _ = std::fs::remove_file(&metadata);
        if !status.success() {
            return Err(docker_failed(
                &format!("docker buildx build of {image}"),
                status.to_string(),
                "; on a machine that is not arm64, buildx needs QEMU for linux/arm64 (docker run --privileged --rm tonistiigi/binfmt --install arm64)",
            ));
        }
        let digest = read
            .ok()
            .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
            .and_then(|m| m["containerimage.digest"].as_str().map(str::to_string))
            .filter(|d| d.starts_with("sha256:"));
        digest.ok_or_else(|| {
            docker_failed(
                "reading the pushed digest",
                "no containerimage.digest in buildx's metadata file".into(),
                "; buildx 0.6 or newer writes it",
            )
        })
    }
}

impl Default for Docker {
    fn default() -> Docker {
        Docker::new()
    }
}

fn docker_failed(what: &str, status: String, hint: &str) -> ImageError {
    ImageError::Docker { what: what.into(), status, hint: hint.into() }
}

/// This process's stderr, for a child's stdout.
fn stderr_stdio() -> Stdio {
    use std::os::fd::AsFd;
    std::io::stderr().as_fd().try_clone_to_owned().map(Stdio::from).unwrap_or_else(|_| Stdio::null())
}

fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// Refuses an `--image-uri` outside the project repository at `repository_uri` (the execution
/// role may pull from nowhere else).
pub fn check_repository(choices: &ImageChoices, repository_uri: &str) -> Result<(), ImageError> {
    for choice in std::iter::once(&choices.every).chain(choices.by_runtime.values()) {
        if let ImageChoice::Uri(uri) = choice {
            let (base, _) = split_uri(uri)?;
            if base != repository_uri {
                return Err(ImageError::OtherRepository { given: uri.clone(), expected: repository_uri.into() });
            }
        }
    }
    Ok(())
}

/// Checks, before any stack changes (and before the repository exists), that the images the
/// flags name are of the project repository of `account`, and that the builds the config asks
/// for can run: each Dockerfile and context exists, and docker buildx answers.
pub async fn preflight(
    docker: &Docker,
    settings: &corestack_app::Settings,
    account: &str,
    choices: &ImageChoices,
    base: &Path,
) -> Result<(), ImageError> {
    let (region, repository) = (&settings.environment.region, &settings.repository_name);
    check_repository(choices, &format!("{account}.dkr.ecr.{region}.amazonaws.com/{repository}"))?;
    let mut checked = false;
    for r in &settings.runtimes {
        let Some(build) = r.build.as_ref().filter(|_| *choices.of(&r.key) == ImageChoice::Config) else { continue };
        for (what, path) in [("dockerfile", &build.dockerfile), ("context", &build.context)] {
            let full = base.join(path);
            if !full.exists() {
                return Err(ImageError::NoBuildInput {
                    at: format!("{}.build.{what}", r.key),
                    path: full.display().to_string(),
                });
            }
        }
        if !checked {
            docker.check(&r.key).await?;
            checked = true;
        }
    }
    Ok(())
}

/// Pins every runtime's image by digest: builds and pushes where the config says (once per
/// distinct build), checks the named images are in the repository, and returns one
/// [`RuntimeImage`] per runtime, in config order. `base` is the directory the config's relative
/// paths start from; `progress` gets a line per step.
pub async fn prepare(
    registry: &Registry,
    docker: &Docker,
    settings: &corestack_app::Settings,
    placements: &[corestack_app::RuntimeEntry],
    choices: &ImageChoices,
    base: &Path,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<RuntimeImage>, ImageError> {
    let (repository, runtimes) = (settings.repository_name.as_str(), settings.runtimes.as_slice());
    let repository_uri = registry.repository_uri(repository).await?;
    check_repository(choices, &repository_uri)?;
    let mut built: BTreeMap<&BuildSettings, (String, String)> = BTreeMap::new();
    let mut logged_in = false;
    let mut images = Vec::new();
    for r in runtimes {
        // The parameter's name comes from the manifest, where synthesis wrote it.
        let Some(parameter) = image_parameter(placements, &r.key) else { continue };
        let (reference, build) = match choices.of(&r.key) {
            ImageChoice::Tag(t) => (ImageRef::Tag(t.clone()), None),
            ImageChoice::Uri(uri) => (split_uri(uri)?.1, None),
            ImageChoice::Config => (r.image.clone(), r.build.as_ref()),
        };
        if let Some(build) = build {
            // Runtimes with the same build share one image.
            let (image, digest) = match built.get(build) {
                Some(done) => done.clone(),
                None => {
                    docker.check(&r.key).await?;
                    if !logged_in {
                        let (user, password, host) = registry.credentials().await?;
                        docker.login(&user, &password, &host).await?;
                        logged_in = true;
                    }
                    let image = format!("{repository_uri}:{}-{}", r.key, unique() / 1_000_000);
                    progress(&format!("building {image} for {PLATFORM} from {}", build.dockerfile.display()));
                    let digest = docker.build_and_push(build, base, &image).await?;
                    progress(&format!("pushed {image} ({digest})"));
                    built.insert(build, (image.clone(), digest.clone()));
                    (image, digest)
                }
            };
            // The repository must really have it: a push to another registry would not do.
            let found = registry.digest(repository, &ImageRef::Digest(digest.clone())).await?;
            if found.is_none() {
                return Err(ImageError::Missing {
                    runtime: r.key.clone(),
                    image: format!("{repository_uri}@{digest}"),
                });
            }
            images.push(RuntimeImage { runtime: r.key.clone(), parameter, source: image, digest, built: true });
            continue;
        }
        let source = format!("{repository_uri}{}", reference.suffix());
        let digest = registry
            .digest(repository, &reference)
            .await?
            .ok_or_else(|| ImageError::Missing { runtime: r.key.clone(), image: source.clone() })?;
        progress(&format!("runtime {} runs {source} ({digest})", r.key));
        images.push(RuntimeImage { runtime: r.key.clone(), parameter, source, digest, built: false });
    }
    Ok(images)
}

/// The image parameters a deploy would most likely pass, without building or failing, for
/// `diff`: a named image by its digest when the repository has it (else as named), and a runtime
/// the deploy would build on the image it runs now (`deployed`: parameter values of the
/// deployed stacks), since the new digest is not known before the build.
pub async fn expected_parameters(
    registry: &Registry,
    repository: &str,
    runtimes: &[RuntimeSettings],
    placements: &[corestack_app::RuntimeEntry],
    choices: &ImageChoices,
    deployed: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for r in runtimes {
        let Some(parameter) = image_parameter(placements, &r.key) else { continue };
        let reference = match choices.of(&r.key) {
            ImageChoice::Tag(t) => ImageRef::Tag(t.clone()),
            ImageChoice::Uri(uri) => match split_uri(uri) {
                Ok((_, reference)) => reference,
                Err(_) => continue,
            },
            ImageChoice::Config if r.build.is_some() => {
                if let Some(v) = deployed.get(&parameter) {
                    values.insert(parameter, v.clone());
                }
                continue;
            }
            ImageChoice::Config => r.image.clone(),
        };
        let value = match registry.digest(repository, &reference).await {
            Ok(Some(digest)) => format!("@{digest}"),
            _ => reference.suffix(),
        };
        values.insert(parameter, value);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_uri_splits_into_repository_and_reference() {
        let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/agent";
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(split_uri(&format!("{repo}:v1")).unwrap(), (repo, ImageRef::Tag("v1".into())));
        assert_eq!(split_uri(&format!("{repo}@{digest}")).unwrap(), (repo, ImageRef::Digest(digest.clone())));
        // A registry port is not a tag.
        assert!(matches!(split_uri("localhost:5000/agent"), Err(ImageError::NoReference(_))));
        assert_eq!(split_uri("localhost:5000/agent:v2").unwrap(), ("localhost:5000/agent", ImageRef::Tag("v2".into())));
    }

    #[test]
    fn an_image_uri_must_be_of_the_project_repository() {
        let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/agent";
        let mut choices = ImageChoices::default();
        choices.by_runtime.insert("a".into(), ImageChoice::Uri(format!("{repo}:v1")));
        assert!(check_repository(&choices, repo).is_ok());
        choices.every = ImageChoice::Uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/other:v1".into());
        let err = check_repository(&choices, repo).unwrap_err().to_string();
        assert!(
            err.contains("not in the project repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/agent"),
            "{err}"
        );
        // A tag is always of the project repository.
        choices.every = ImageChoice::Tag("v1".into());
        assert!(check_repository(&choices, repo).is_ok());
    }

    #[test]
    fn a_built_image_is_deployed_by_digest() {
        let image = RuntimeImage {
            runtime: "a".into(),
            parameter: "AImageRef".into(),
            source: "r:a-1".into(),
            digest: "sha256:00".into(),
            built: true,
        };
        assert_eq!(image.parameter_value(), "@sha256:00");
    }
}
