//! What CloudFormation calls with the deployer's credentials to create, update and delete the
//! resources of this project's templates (CloudFormation uses the caller's permissions when a
//! stack has no service role: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html>).
//! Each action is allowed only through CloudFormation (`aws:CalledVia` names it:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-calledvia>),
//! and only for the resource types the templates hold; IAM roles only under the project's name.
//!
//! The actions per type are those of the APIs each resource's handlers call, with the tagging
//! actions every type needs because stack tags propagate to each resource. The registry schemas'
//! own handler permission lists are not readable offline; a type missing here fails the test
//! that checks every synthesized type has an entry.

use std::collections::BTreeSet;

use serde_json::json;

use super::type_actions::TYPE_ACTIONS;
use super::{Scope, Statement};
use corestack_app::Assembly;

/// The one resource type a change set of corestack's may import (a repository that outlived a
/// destroy of its project).
const IMPORTED_TYPE: &str = "AWS::ECR::Repository";

/// The actions CloudFormation needs for one resource type, or `None` for a type not known here.
pub fn actions(resource_type: &str) -> Option<Vec<&'static str>> {
    let (_, own, tags) = TYPE_ACTIONS.iter().find(|(t, _, _)| *t == resource_type)?;
    Some(own.iter().chain(tags.iter()).copied().collect())
}

/// Every resource type of the assembly's templates, sorted.
pub fn resource_types(assembly: &Assembly) -> BTreeSet<String> {
    assembly
        .templates
        .iter()
        .filter_map(|(_, t)| serde_json::from_str::<serde_json::Value>(t).ok())
        .flat_map(|t| {
            t["Resources"]
                .as_object()
                .map(|r| r.values().filter_map(|v| v["Type"].as_str().map(str::to_string)).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

/// Two statements: IAM roles under the project's name, and everything else the templates' types
/// need; both only through CloudFormation. A type not known here is left out (and a test fails).
pub fn statements(scope: &Scope, assembly: &Assembly) -> Vec<Statement> {
    let via = json!({"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}});
    let (mut iam, mut other) = (BTreeSet::new(), BTreeSet::new());
    for t in resource_types(assembly) {
        for a in actions(&t).unwrap_or_default() {
            if a.starts_with("iam:") {
                iam.insert(a)
            } else {
                other.insert(a)
            };
        }
    }
    let mut out = Vec::new();
    // CloudFormation names roles `<stack>-<logical ID>-<suffix>`, so this project's roles in
    // this environment start with its stack prefix (a very long prefix is cut to fit 64
    // characters; widen the pattern then).
    let roles = vec![scope.global_arn("iam", &format!("role/{}-*", scope.stack_prefix))];
    if !iam.is_empty() {
        let actions: Vec<&str> = iam.into_iter().collect();
        out.push(Statement::new("ProjectRolesViaCloudFormation", &actions, roles.clone()).when(via.clone()));
        // Runtimes, memories and gateways are handed their roles, and flow logs theirs: the
        // caller passes each role (CloudFormation checks iam:PassRole as the deployer).
        let services = ["bedrock-agentcore.amazonaws.com", "vpc-flow-logs.amazonaws.com"];
        out.push(
            Statement::new("PassProjectRoles", &["iam:PassRole"], roles)
                .when(json!({"StringEquals": {"iam:PassedToService": services}})),
        );
    }
    if !other.is_empty() {
        let actions: Vec<&str> = other.into_iter().collect();
        out.push(Statement::new("ResourcesViaCloudFormation", &actions, vec!["*".into()]).when(via));
    }
    // The statements above act on what the project's stacks hold. A change set that imports
    // resources would bring anything of the account into them; corestack imports only the
    // project's own repository when it outlived a destroy (its name is the project's, and deploy
    // checks its tags first), so any other imported type is refused.
    let mut no_imports = Statement::new("NoResourceImports", &["cloudformation:CreateChangeSet"], vec!["*".into()])
        .when(json!({"ForAnyValue:StringNotEquals": {"cloudformation:ImportResourceTypes": [IMPORTED_TYPE]}}));
    no_imports.deny = true;
    out.push(no_imports);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_a_full_config_synthesizes_has_its_actions() {
        let default =
            corestack_app::Settings::from_toml(corestack_app::DEFAULT_CONFIG, std::path::Path::new("c"), None);
        let examples = ["platform", "protocols", "sessions"].map(super::super::tests::example);
        for s in std::iter::once(default.expect("valid")).chain(examples) {
            let assembly = corestack_app::synth(&s).expect("synthesizes");
            for t in resource_types(&assembly) {
                assert!(actions(&t).is_some(), "{t} has no entry in permissions::via_cloudformation::actions");
            }
        }
    }

    #[test]
    fn roles_are_scoped_to_the_project_and_everything_needs_cloudformation() {
        let s = corestack_app::Settings::from_toml(corestack_app::DEFAULT_CONFIG, std::path::Path::new("c"), None)
            .expect("valid");
        let assembly = corestack_app::synth(&s).expect("synthesizes");
        let statements = statements(&Scope::of(&s), &assembly);
        let sids: Vec<&str> = statements.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(
            sids,
            ["ProjectRolesViaCloudFormation", "PassProjectRoles", "ResourcesViaCloudFormation", "NoResourceImports"]
        );
        assert_eq!(statements[0].resources, ["arn:aws:iam::*:role/agentcore-demo-dev-*"]);
        assert!(statements[0].actions.iter().all(|a| a.starts_with("iam:")));
        let via = json!({"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}});
        assert_eq!(statements[0].condition.as_ref(), Some(&via));
        assert_eq!(statements[2].condition.as_ref(), Some(&via));
        assert_eq!(statements[1].actions, ["iam:PassRole"]);
        assert_eq!(statements[1].resources, statements[0].resources, "only the project's roles are passed");
        assert!(statements[3].deny && statements[3].actions == ["cloudformation:CreateChangeSet"]);
        assert!(statements[2].actions.contains(&"bedrock-agentcore:CreateAgentRuntime".to_string()));
        assert!(
            !statements[2].actions.contains(&"bedrock-agentcore:CreateMemory".to_string()),
            "no memory in the default"
        );
    }
}
