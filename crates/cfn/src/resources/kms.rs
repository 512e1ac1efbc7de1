//! AWS Key Management Service resources.

use super::Tag;
use crate::Expr;
use crate::policy::PolicyDocument;

resource!(
    /// `AWS::KMS::Key`
    Key = "AWS::KMS::Key", tags: List,
    {
        description: Option<Expr>, enable_key_rotation: Option<bool>, key_policy: Option<PolicyDocument>,
        pending_window_in_days: Option<Expr>, tags: Vec<Tag>,
    }
    attrs { arn => "Arn", key_id => "KeyId" }
);

resource!(
    /// `AWS::KMS::Alias`
    Alias = "AWS::KMS::Alias", tags: None,
    { alias_name: Expr, target_key_id: Expr }
    attrs {}
);
