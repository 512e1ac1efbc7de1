//! The project repository in ECR: its URI, image digests, the deployed tag, and login credentials.

use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::types::ImageIdentifier;
use base64::Engine as _;
use corestack_app::config::ImageRef;

use super::{ImageError, call_error, deployed_tag};
use crate::AwsFailure;

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

    /// The repository's tags; `None` when no repository has the name.
    pub async fn repository_tags(
        &self,
        repository: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, String>>, ImageError> {
        let out = match self.ecr.describe_repositories().repository_names(repository).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("RepositoryNotFoundException") => {
                return Ok(None);
            }
            Err(e) => return Err(call_error("DescribeRepositories", e)),
        };
        let Some(arn) = out.repositories().first().and_then(|r| r.repository_arn()) else { return Ok(None) };
        let tags = self
            .ecr
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| call_error("ListTagsForResource", e))?;
        Ok(Some(tags.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()))
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
    pub(crate) async fn credentials(&self) -> Result<(String, String, String), ImageError> {
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
