//! The agent image repository.

use corestack_cfn::resources::ecr::{EncryptionConfiguration, ImageScanningConfiguration, LifecyclePolicy, Repository};
use corestack_cfn::{Expr, Handle, Stack};

use crate::{Error, Problem};

/// An ECR repository encrypted with a KMS key, with immutable tags, scan on push and a lifecycle
/// policy, kept when its stack is deleted (images are the user's).
#[derive(Clone, Debug)]
pub struct AgentRepository {
    /// The repository.
    pub repository: Handle<Repository>,
}

/// The tag prefix `corestack deploy` adds to every image it deploys a runtime on.
pub const DEPLOYED_TAG_PREFIX: &str = "deployed-";

/// Images with a `deployed-` tag the first rule keeps; far more than a project deploys.
pub const KEEP_DEPLOYED: u32 = 9_999;

/// The lifecycle policy. A runtime version keeps its image after later deploys (a named endpoint
/// may stay pinned to it), so the images deploys ran on must never expire, however many builds
/// come after: deploy tags each one `deployed-...`, and the first rule claims those images. In
/// ECR's documented evaluation, an image that matches a higher-priority rule's tag selection
/// cannot be expired by a lower-priority rule (Amazon ECR User Guide, "Lifecycle policy
/// evaluation rules"). Then untagged images go after a day, and of the rest the newest `keep` stay.
pub fn lifecycle_policy_text(keep: u32) -> String {
    serde_json::json!({
        "rules": [
            {
                "rulePriority": 1,
                "description": "Keep every image a deploy ran on (tagged deployed-*)",
                "selection": {"tagStatus": "tagged", "tagPrefixList": [DEPLOYED_TAG_PREFIX], "countType": "imageCountMoreThan", "countNumber": KEEP_DEPLOYED},
                "action": {"type": "expire"}
            },
            {
                "rulePriority": 2,
                "description": "Expire untagged images after one day",
                "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1},
                "action": {"type": "expire"}
            },
            {
                "rulePriority": 3,
                "description": format!("Keep the newest {keep} images"),
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
                "action": {"type": "expire"}
            }
        ]
    })
    .to_string()
}

impl AgentRepository {
    /// Adds the repository.
    pub fn build(stack: &mut Stack, name: &str, key_arn: Expr, keep_images: u32) -> Result<AgentRepository, Error> {
        if let Err(v) = crate::limits::repository_name(name) {
            return Err(Error::Invalid(vec![Problem::from_violation("repository_name", v)]));
        }
        let repository = stack.add(
            "AgentRepository",
            Repository {
                repository_name: Some(name.into()),
                encryption_configuration: Some(EncryptionConfiguration {
                    encryption_type: "KMS".into(),
                    kms_key: Some(key_arn),
                }),
                image_tag_mutability: Some("IMMUTABLE".into()),
                image_scanning_configuration: Some(ImageScanningConfiguration { scan_on_push: Some(true) }),
                lifecycle_policy: Some(LifecyclePolicy {
                    lifecycle_policy_text: Some(lifecycle_policy_text(keep_images).into()),
                }),
                empty_on_delete: Some(false),
                tags: vec![],
            },
        )?;
        stack.retain(&repository);
        Ok(AgentRepository { repository })
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
