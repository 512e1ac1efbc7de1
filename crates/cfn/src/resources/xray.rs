//! AWS X-Ray resources.

use crate::Expr;

resource!(
    /// `AWS::XRay::TransactionSearchConfig`: sends the account's spans to CloudWatch Logs and
    /// indexes a share of them as trace summaries. One per account and Region.
    TransactionSearchConfig = "AWS::XRay::TransactionSearchConfig", tags: None,
    { indexing_percentage: Option<Expr> }
    attrs { account_id => "AccountId" }
);
