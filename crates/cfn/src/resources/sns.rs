//! Amazon SNS topics, for alarm notifications.

use super::Tag;
use crate::Expr;

props!(
    /// A subscription declared with its topic (`email`, `https`, ...).
    Subscription { endpoint: Expr, protocol: Expr }
);

resource!(
    /// `AWS::SNS::Topic`; `Ref` is its ARN.
    Topic = "AWS::SNS::Topic", tags: List,
    {
        display_name: Option<Expr>, kms_master_key_id: Option<Expr>, subscription: Vec<Subscription>,
        tags: Vec<Tag>,
    }
    attrs { topic_arn => "TopicArn", topic_name => "TopicName" }
);
