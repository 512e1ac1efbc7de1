//! What invoking a Bedrock model needs from IAM: the model, or for a cross-Region inference
//! profile the profile and its model in every Region the profile routes to.
//!
//! Sources: Amazon Bedrock User Guide, "Prerequisites for inference profiles" and "Supported
//! Regions and models for inference profiles" (a profile request is authorized on the profile ARN
//! in the source Region and on the foundation model in the destination Region that serves it);
//! "Access Amazon Bedrock foundation models" (a third-party model's first call subscribes the
//! account through AWS Marketplace, which the caller must be allowed to do).

use corestack_cfn::Expr;
use corestack_cfn::policy::Statement;

const P: &str = "arn:${AWS::Partition}";

/// The destination Regions of each geography's system-defined inference profiles, as the Bedrock
/// User Guide lists them (read 2026-12-02: "Geographic cross-Region inference"; the per-model
/// lists now live on each model's page, so the union is taken as the AWS CDK's
/// `CrossRegionInferenceProfileRegion` has it, which adds ap-southeast-5, ap-southeast-7, ap-east-2
/// and me-central-1 to `apac.`). A Region a profile may route to but this list lacks would fail
/// that request with AccessDenied, so the list errs on the wide side. A profile routes only inside its geography; `global.` profiles route to
/// every commercial Region, so their model is granted in any Region.
pub const PROFILE_GEOGRAPHIES: &[(&str, &[&str])] = &[
    ("us.", &["us-east-1", "us-east-2", "us-west-1", "us-west-2"]),
    ("us-gov.", &["us-gov-east-1", "us-gov-west-1"]),
    ("ca.", &["ca-central-1", "ca-west-1"]),
    (
        "eu.",
        &[
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
        ],
    ),
    (
        "apac.",
        &[
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-7",
            "ap-east-2",
            "me-central-1",
        ],
    ),
    ("jp.", &["ap-northeast-1", "ap-northeast-3"]),
    ("au.", &["ap-southeast-2", "ap-southeast-4"]),
];

/// A model ID as IAM sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelRef<'a> {
    /// A foundation model, invoked in the stack's Region.
    Foundation(&'a str),
    /// A cross-Region inference profile of a geography: the profile, and its model in these Regions.
    Profile {
        /// The profile ID, e.g. `us.anthropic.claude-haiku-5-5`.
        id: &'a str,
        /// The foundation model behind it.
        model: &'a str,
        /// The Regions it routes to.
        regions: &'a [&'a str],
    },
    /// A global profile: the profile, and its model in any commercial Region.
    Global {
        /// The profile ID.
        id: &'a str,
        /// The foundation model behind it.
        model: &'a str,
    },
}

impl<'a> ModelRef<'a> {
    /// Classifies a model or profile ID by its prefix.
    pub fn parse(id: &'a str) -> ModelRef<'a> {
        if let Some(model) = id.strip_prefix("global.") {
            return ModelRef::Global { id, model };
        }
        for (prefix, regions) in PROFILE_GEOGRAPHIES {
            if let Some(model) = id.strip_prefix(prefix) {
                return ModelRef::Profile { id, model, regions };
            }
        }
        ModelRef::Foundation(id)
    }

    /// The foundation model's ID.
    pub fn model(&self) -> &'a str {
        match self {
            ModelRef::Foundation(m) => m,
            ModelRef::Profile { model, .. } | ModelRef::Global { model, .. } => model,
        }
    }

    /// Whether the model is sold through AWS Marketplace (every provider but Amazon).
    pub fn third_party(&self) -> bool {
        !self.model().starts_with("amazon.")
    }

    /// The resource ARNs `bedrock:InvokeModel*` needs for this model.
    pub fn arns(&self) -> Vec<Expr> {
        let profile = |id: &str| {
            Expr::sub(&format!("{P}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:inference-profile/{id}"), [])
        };
        match self {
            ModelRef::Foundation(m) => {
                vec![Expr::sub(&format!("{P}:bedrock:${{AWS::Region}}::foundation-model/{m}"), [])]
            }
            ModelRef::Profile { id, model, regions } => std::iter::once(profile(id))
                .chain(regions.iter().map(|r| Expr::sub(&format!("{P}:bedrock:{r}::foundation-model/{model}"), [])))
                .collect(),
            ModelRef::Global { id, model } => {
                vec![profile(id), Expr::sub(&format!("{P}:bedrock:*::foundation-model/{model}"), [])]
            }
        }
    }
}

/// The statements that let a role call these models: `InvokeModels` on exactly their ARNs, and,
/// when any is a third-party model, `SubscribeThroughBedrock`, the Marketplace subscription that a
/// model's first call makes, allowed only when Bedrock makes it (`aws:CalledViaLast`).
pub fn statements(model_ids: &[String]) -> Vec<Statement> {
    if model_ids.is_empty() {
        return vec![];
    }
    let models: Vec<ModelRef<'_>> = model_ids.iter().map(|m| ModelRef::parse(m)).collect();
    let mut out = vec![Statement::allow(
        "InvokeModels",
        ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        models.iter().flat_map(ModelRef::arns).collect(),
    )];
    if models.iter().any(ModelRef::third_party) {
        // Marketplace's subscription actions have no resource-level permissions.
        out.push(
            Statement::allow(
                "SubscribeThroughBedrock",
                ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"],
                vec!["*".into()],
            )
            .when("StringEquals", "aws:CalledViaLast", "bedrock.amazonaws.com"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(s: &Statement) -> Vec<String> {
        s.resource.iter().map(|r| serde_json::to_value(r).unwrap()["Fn::Sub"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn a_geography_profile_is_granted_with_its_model_in_each_destination_region() {
        let st = statements(&["us.anthropic.claude-haiku-5-5".to_string()]);
        assert_eq!(
            subs(&st[0]),
            vec![
                "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/us.anthropic.claude-haiku-5-5",
                "arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-5-5",
                "arn:${AWS::Partition}:bedrock:us-east-2::foundation-model/anthropic.claude-haiku-5-5",
                "arn:${AWS::Partition}:bedrock:us-west-1::foundation-model/anthropic.claude-haiku-5-5",
                "arn:${AWS::Partition}:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-5-5",
            ]
        );
        assert_eq!(st[1].sid.as_deref(), Some("SubscribeThroughBedrock"));
        let json = serde_json::to_value(&st[1]).unwrap();
        assert_eq!(
            json["Condition"],
            serde_json::json!({"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}})
        );
    }

    /// Issue 20: APAC profiles route to the Regions the CDK's table adds (a request served
    /// there was refused before).
    #[test]
    fn an_apac_profile_is_granted_in_every_apac_destination() {
        let st = statements(&["apac.anthropic.claude-haiku-5-5".to_string()]);
        let granted = subs(&st[0]);
        for region in ["ap-southeast-5", "ap-southeast-7", "ap-east-2", "me-central-1", "ap-south-2"] {
            assert!(granted.iter().any(|g| g.contains(&format!(":bedrock:{region}::"))), "{region}: {granted:#?}");
        }
        assert_eq!(granted.len(), 1 + 13);
    }

    #[test]
    fn longer_prefixes_win_and_foundation_models_stay_in_the_region() {
        assert!(matches!(ModelRef::parse("us-gov.anthropic.x"), ModelRef::Profile { model: "anthropic.x", .. }));
        assert_eq!(ModelRef::parse("anthropic.x"), ModelRef::Foundation("anthropic.x"));
        assert!(matches!(ModelRef::parse("global.anthropic.x"), ModelRef::Global { model: "anthropic.x", .. }));
    }

    #[test]
    fn amazon_models_need_no_marketplace_subscription() {
        let st = statements(&["us.amazon.nova-2-lite-v1:0".to_string()]);
        assert_eq!(st.len(), 1);
        assert!(statements(&[]).is_empty());
    }
}
