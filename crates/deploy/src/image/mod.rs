//! The runtimes' images: built for `linux/arm64` with `docker buildx` and pushed to the project
//! repository, or named by the user, and in every case looked up in the repository and pinned
//! by digest before an AgentCore stack deploys. A missing image stops the deploy before
//! CloudFormation would fail on it minutes later (the service checks the image when it creates
//! the runtime).

mod choices;
mod docker;
mod pin;
mod registry;

use aws_sdk_ecr::error::ProvideErrorMetadata;
use corestack_app::config::ImageRef;
use serde::Serialize;

use crate::AwsFailure;

pub use choices::{ImageChoice, ImageChoices};
pub use docker::Docker;
pub use pin::{expected_parameters, preflight, prepare};
pub use registry::Registry;

/// The platform AgentCore runs (facts §10): images are always built for it.
pub const PLATFORM: &str = "linux/arm64";

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
    /// An `--image-tag` or `--image-uri` flag that does not fit the config.
    #[error("{0}")]
    Choice(String),
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

impl corestack_aws::Blamed for ImageError {
    fn blame(&self) -> corestack_aws::Blame {
        use corestack_aws::Blame;
        match self {
            ImageError::Aws(_) | ImageError::NoRepository { .. } => Blame::Aws,
            ImageError::NoDocker { .. } | ImageError::Missing { .. } => Blame::NotReady,
            ImageError::OtherRepository { .. }
            | ImageError::NoReference(_)
            | ImageError::NoBuildInput { .. }
            | ImageError::Choice(_) => Blame::Input,
            _ => Blame::Local,
        }
    }
}

pub(crate) fn call_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
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
pub(crate) fn image_parameter(placements: &[corestack_app::RuntimeEntry], key: &str) -> Option<String> {
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
