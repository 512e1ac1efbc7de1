//! Amazon S3 resources.

use super::Tag;
use crate::Expr;

/// Default encryption of new objects.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ServerSideEncryptionByDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: Expr,
    #[serde(rename = "KMSMasterKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
}

props!(
    /// One encryption rule.
    ServerSideEncryptionRule { server_side_encryption_by_default: Option<ServerSideEncryptionByDefault>, bucket_key_enabled: Option<bool> }
);
props!(
    /// Bucket encryption.
    BucketEncryption { server_side_encryption_configuration: Vec<ServerSideEncryptionRule> }
);
props!(
    /// Blocks public access.
    PublicAccessBlockConfiguration {
        block_public_acls: Option<bool>, block_public_policy: Option<bool>, ignore_public_acls: Option<bool>,
        restrict_public_buckets: Option<bool>,
    }
);

resource!(
    /// `AWS::S3::Bucket`
    Bucket = "AWS::S3::Bucket", tags: List,
    {
        bucket_encryption: Option<BucketEncryption>,
        public_access_block_configuration: Option<PublicAccessBlockConfiguration>, tags: Vec<Tag>,
    }
    attrs { arn => "Arn", bucket_name_attr => "BucketName" }
);
