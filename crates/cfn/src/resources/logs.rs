//! Amazon CloudWatch Logs resources.

use super::Tag;
use crate::Expr;

resource!(
    /// `AWS::Logs::LogGroup`
    LogGroup = "AWS::Logs::LogGroup", tags: List,
    { log_group_name: Option<Expr>, retention_in_days: Option<Expr>, kms_key_id: Option<Expr>, tags: Vec<Tag> }
    attrs { arn => "Arn" }
);

resource!(
    /// `AWS::Logs::DeliverySource`: a resource that sends vended logs or traces (`Ref` is its name).
    DeliverySource = "AWS::Logs::DeliverySource", tags: List,
    { name: Expr, resource_arn: Option<Expr>, log_type: Option<Expr>, tags: Vec<Tag> }
    attrs { arn => "Arn" }
);

resource!(
    /// `AWS::Logs::DeliveryDestination`: where deliveries write (`CWL`, `S3`, `FH` or `XRAY`).
    DeliveryDestination = "AWS::Logs::DeliveryDestination", tags: List,
    {
        name: Expr, delivery_destination_type: Option<Expr>, destination_resource_arn: Option<Expr>,
        output_format: Option<Expr>, tags: Vec<Tag>,
    }
    attrs { arn => "Arn" }
);

resource!(
    /// `AWS::Logs::Delivery`: one source paired with one destination.
    Delivery = "AWS::Logs::Delivery", tags: List,
    { delivery_source_name: Expr, delivery_destination_arn: Expr, tags: Vec<Tag> }
    attrs { arn => "Arn", delivery_id => "DeliveryId" }
);

resource!(
    /// `AWS::Logs::ResourcePolicy`: an account-wide policy that lets a service write to log groups.
    ResourcePolicy = "AWS::Logs::ResourcePolicy", tags: None,
    { policy_name: Expr, policy_document: Expr }
    attrs {}
);
