//! Typed resources. Each struct's fields are the CloudFormation properties of the same name (in
//! snake case); `None` and empty collections are left out of the template. Attribute accessors on
//! [`crate::Handle`] exist only for the attributes the type really has, so a template cannot ask for
//! an attribute CloudFormation would reject.
#![allow(missing_docs)]

use std::collections::BTreeMap;

/// Decides which property values are left out of a template.
pub trait Skip {
    /// True when the value should not be written.
    fn skip(&self) -> bool;
}
impl<T> Skip for Option<T> {
    fn skip(&self) -> bool {
        self.is_none()
    }
}
impl<T> Skip for Vec<T> {
    fn skip(&self) -> bool {
        self.is_empty()
    }
}
impl<K, V> Skip for BTreeMap<K, V> {
    fn skip(&self) -> bool {
        self.is_empty()
    }
}
impl Skip for crate::Expr {
    fn skip(&self) -> bool {
        false
    }
}

impl Default for crate::Expr {
    /// An empty string. Required properties left at their default are caught by cfn-lint.
    fn default() -> Self {
        crate::Expr::Str(String::new())
    }
}

/// A `{Key, Value}` tag in the list form.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: crate::Expr,
}

impl Tag {
    /// A tag.
    pub fn new(key: &str, value: impl Into<crate::Expr>) -> Tag {
        Tag { key: key.to_string(), value: value.into() }
    }
}

/// Declares a property struct: PascalCase names, empty values skipped.
macro_rules! props {
    ($(#[$m:meta])* $name:ident { $( $(#[$fm:meta])* $field:ident : $fty:ty ),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            $( $(#[$fm])* #[serde(skip_serializing_if = "crate::resources::Skip::skip")] pub $field: $fty, )*
        }
    };
}

/// Declares a resource: its properties, CloudFormation type, tag form and `Fn::GetAtt` attributes.
macro_rules! resource {
    ($(#[$m:meta])* $name:ident = $ty:literal, tags: $form:ident,
     { $( $(#[$fm:meta])* $field:ident : $fty:ty ),* $(,)? }
     attrs { $( $acc:ident => $attr:literal ),* $(,)? }) => {
        props!($(#[$m])* $name { $( $(#[$fm])* $field : $fty ),* });
        impl crate::Resource for $name {
            const TYPE: &'static str = $ty;
            const TAGS: crate::TagForm = crate::TagForm::$form;
            const ATTRIBUTES: &'static [&'static str] = &[$($attr),*];
        }
        impl crate::Handle<$name> {
            $(
                #[doc = concat!("`Fn::GetAtt` `", $attr, "`.")]
                pub fn $acc(&self) -> crate::Expr { self.attr($attr) }
            )*
        }
    };
}

pub mod agentcore;
pub mod agentcore_platform;
pub mod cloudwatch;
pub mod ec2;
pub mod ecr;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod s3;
pub mod sns;
pub mod xray;

/// What the typed layer knows about one resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeInfo {
    /// The CloudFormation type name.
    pub name: &'static str,
    /// How it takes tags.
    pub tags: crate::TagForm,
    /// Its `Fn::GetAtt` attributes.
    pub attributes: &'static [&'static str],
}

macro_rules! registry {
    ($($t:ty),* $(,)?) => {
        /// Every resource type of the typed layer, for tools that read templates (rules, checks).
        pub const TYPES: &[TypeInfo] = &[$(TypeInfo {
            name: <$t as crate::Resource>::TYPE,
            tags: <$t as crate::Resource>::TAGS,
            attributes: <$t as crate::Resource>::ATTRIBUTES,
        }),*];
    };
}

registry!(
    agentcore::Runtime,
    agentcore::RuntimeEndpoint,
    agentcore_platform::Memory,
    agentcore_platform::Gateway,
    agentcore_platform::GatewayTarget,
    agentcore_platform::ApiKeyCredentialProvider,
    agentcore_platform::OAuth2CredentialProvider,
    cloudwatch::Alarm,
    cloudwatch::Dashboard,
    ec2::Vpc,
    ec2::Subnet,
    ec2::RouteTable,
    ec2::SubnetRouteTableAssociation,
    ec2::Route,
    ec2::InternetGateway,
    ec2::VpcGatewayAttachment,
    ec2::Eip,
    ec2::NatGateway,
    ec2::SecurityGroup,
    ec2::SecurityGroupIngress,
    ec2::SecurityGroupEgress,
    ec2::VpcEndpoint,
    ec2::FlowLog,
    ecr::Repository,
    iam::Role,
    iam::Policy,
    kms::Key,
    kms::Alias,
    logs::LogGroup,
    logs::DeliverySource,
    logs::DeliveryDestination,
    logs::Delivery,
    logs::ResourcePolicy,
    s3::Bucket,
    sns::Topic,
    xray::TransactionSearchConfig,
);

/// What the typed layer knows about a type, if anything.
pub fn type_info(name: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.name == name)
}
