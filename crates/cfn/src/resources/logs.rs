//! Amazon CloudWatch Logs resources.

use super::Tag;
use crate::Expr;

resource!(
    /// `AWS::Logs::LogGroup`
    LogGroup = "AWS::Logs::LogGroup", tags: List,
    { log_group_name: Option<Expr>, retention_in_days: Option<Expr>, kms_key_id: Option<Expr>, tags: Vec<Tag> }
    attrs { arn => "Arn" }
);
