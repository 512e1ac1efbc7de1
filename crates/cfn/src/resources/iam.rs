//! AWS Identity and Access Management resources.

use super::Tag;
use crate::Expr;
use crate::policy::PolicyDocument;

resource!(
    /// `AWS::IAM::Role`
    Role = "AWS::IAM::Role", tags: List,
    {
        assume_role_policy_document: Option<PolicyDocument>, description: Option<Expr>,
        max_session_duration: Option<Expr>, path: Option<Expr>, tags: Vec<Tag>,
    }
    attrs { arn => "Arn", role_id => "RoleId" }
);

resource!(
    /// `AWS::IAM::Policy`: an inline policy attached to roles by name.
    Policy = "AWS::IAM::Policy", tags: None,
    { policy_name: Expr, policy_document: Option<PolicyDocument>, roles: Vec<Expr> }
    attrs { id => "Id" }
);
