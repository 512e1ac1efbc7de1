//! Amazon ECR resources.

use super::Tag;
use crate::Expr;

props!(
    /// How images at rest are encrypted. Changing it replaces the repository.
    EncryptionConfiguration { encryption_type: Expr, kms_key: Option<Expr> }
);
props!(
    /// Image scanning.
    ImageScanningConfiguration { scan_on_push: Option<bool> }
);
props!(
    /// The lifecycle policy, as a JSON string.
    LifecyclePolicy { lifecycle_policy_text: Option<Expr> }
);

resource!(
    /// `AWS::ECR::Repository`
    Repository = "AWS::ECR::Repository", tags: List,
    {
        repository_name: Option<Expr>, encryption_configuration: Option<EncryptionConfiguration>,
        image_tag_mutability: Option<Expr>, image_scanning_configuration: Option<ImageScanningConfiguration>,
        lifecycle_policy: Option<LifecyclePolicy>, empty_on_delete: Option<bool>, tags: Vec<Tag>,
    }
    attrs { arn => "Arn", repository_uri => "RepositoryUri" }
);
