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

/// The lifecycle policy: untagged images go after a day, and only the newest `keep` images stay.
pub fn lifecycle_policy_text(keep: u32) -> String {
    serde_json::json!({
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images after one day",
                "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1},
                "action": {"type": "expire"}
            },
            {
                "rulePriority": 2,
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
        if let Err(v) = crate::rules::repository_name(name) {
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
