//! Which stacks a project and environment own: decided by the stack tags corestack puts on every
//! stack it creates or updates, never by a name that another project could also have. From
//! those, the stacks the config no longer names ("orphans") are found, and every owned stack's
//! dependencies are read from its deployed template, so that deleting goes dependents first
//! even for stacks the config has forgotten.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::types::Tag;
use serde::Serialize;

use crate::operations::call_error;
use crate::{DeployError, Deployer, StackPlan};

/// The stack tag naming the owning project.
pub const PROJECT_TAG: &str = "corestack:project";
/// The stack tag naming the owning environment.
pub const ENVIRONMENT_TAG: &str = "corestack:environment";

/// A project and environment, as stack tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The project name.
    pub project: String,
    /// The environment name.
    pub environment: String,
}

impl Owner {
    /// The tags every stack of this owner carries.
    pub(crate) fn tags(&self) -> Vec<Tag> {
        [(PROJECT_TAG, &self.project), (ENVIRONMENT_TAG, &self.environment)]
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    }

    fn owns(&self, tags: &[Tag]) -> bool {
        let value = |k: &str| tags.iter().find(|t| t.key() == Some(k)).and_then(Tag::value);
        value(PROJECT_TAG) == Some(self.project.as_str()) && value(ENVIRONMENT_TAG) == Some(self.environment.as_str())
    }
}

/// A stack the config no longer names, with what deleting it would keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Orphan {
    /// The stack.
    pub stack: String,
    /// Its resources.
    pub resources: usize,
    /// The resources its template retains on delete, as `LogicalId (Type)`.
    pub retained: Vec<String>,
}

impl Deployer {
    /// The names of the live stacks `owner` owns (every page of DescribeStacks, which carries
    /// the tags; deleted stacks are not listed).
    pub async fn owned_stacks(&self, owner: &Owner) -> Result<Vec<String>, DeployError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            self.count();
            let page = self
                .cfn
                .describe_stacks()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call_error("(every stack)", "DescribeStacks", e))?;
            for s in page.stacks() {
                if owner.owns(s.tags()) {
                    names.extend(s.stack_name().map(str::to_string));
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                names.sort();
                return Ok(names);
            }
        }
    }

    /// Owned stacks that are not among `plans` (nor `keep`), as plans to delete: each with its
    /// deployed template (for what it retains) and the owned stacks it imports from.
    pub async fn orphans(
        &self,
        owner: &Owner,
        plans: &[StackPlan],
        keep: &[String],
    ) -> Result<Vec<StackPlan>, DeployError> {
        let mut orphans = Vec::new();
        for name in self.owned_stacks(owner).await? {
            if plans.iter().any(|p| p.name == name) || keep.contains(&name) {
                continue;
            }
            let template = self.deployed_template(&name).await?.unwrap_or_default();
            let dependencies = imported_stacks(&template);
            orphans.push(StackPlan {
                name,
                template,
                parameters: BTreeMap::new(),
                dependencies,
                images: Vec::new(),
                import_kept: false,
            });
        }
        Ok(orphans)
    }
}

/// The stacks a template imports from: our exports are named `<stack>:<output>`.
pub(crate) fn imported_stacks(template: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(template) else { return Vec::new() };
    let mut found = Vec::new();
    collect_imports(&value, &mut found);
    found.sort();
    found.dedup();
    found
}

fn collect_imports(v: &serde_json::Value, found: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(stack) = map.get("Fn::ImportValue").and_then(|n| n.as_str()).and_then(|n| n.split_once(':')) {
                found.push(stack.0.to_string());
            }
            map.values().for_each(|x| collect_imports(x, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|x| collect_imports(x, found)),
        _ => {}
    }
}

/// What a stack's template keeps when the stack is deleted.
pub fn describe_orphan(plan: &StackPlan) -> Orphan {
    let value = serde_json::from_str::<serde_json::Value>(&plan.template).unwrap_or_default();
    let resources = value["Resources"].as_object().cloned().unwrap_or_default();
    let retained = resources
        .iter()
        .filter(|(_, r)| matches!(r["DeletionPolicy"].as_str(), Some("Retain" | "RetainExceptOnCreate")))
        .map(|(id, r)| format!("{id} ({})", r["Type"].as_str().unwrap_or("?")))
        .collect();
    Orphan { stack: plan.name.clone(), resources: resources.len(), retained }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_name_the_stacks_they_come_from() {
        let template = r#"{"Resources":{"R":{"Type":"X","Properties":{"A":{"Fn::ImportValue":"p-dev-Security:ExportRole"},"B":[{"Fn::ImportValue":"p-dev-Network:ExportSubnet"}],"C":{"Fn::ImportValue":"p-dev-Security:ExportKey"}}}}}"#;
        assert_eq!(imported_stacks(template), ["p-dev-Network", "p-dev-Security"]);
        assert!(imported_stacks("not json").is_empty());
    }

    #[test]
    fn an_orphan_says_what_it_retains() {
        let plan = StackPlan {
            name: "p-dev-Platform".into(),
            template: r#"{"Resources":{"Memory":{"Type":"AWS::BedrockAgentCore::Memory","DeletionPolicy":"RetainExceptOnCreate"},"Role":{"Type":"AWS::IAM::Role"}}}"#.into(),
            parameters: BTreeMap::new(),
            dependencies: vec![],
            images: vec![],
            import_kept: false,
        };
        let o = describe_orphan(&plan);
        assert_eq!(o.resources, 2);
        assert_eq!(o.retained, ["Memory (AWS::BedrockAgentCore::Memory)"]);
    }

    #[test]
    fn ownership_needs_both_tags() {
        let owner = Owner { project: "a".into(), environment: "dev".into() };
        assert!(owner.owns(&owner.tags()));
        let other = Owner { project: "b".into(), environment: "dev".into() };
        assert!(!owner.owns(&other.tags()));
        assert!(!owner.owns(&owner.tags()[..1]));
    }
}
