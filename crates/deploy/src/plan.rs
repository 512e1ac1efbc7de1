//! What a deploy is made of: the stacks to deploy, and what happened to each.

use std::collections::BTreeMap;

use serde::Serialize;

/// One stack to deploy.
#[derive(Clone, Debug, PartialEq)]
pub struct StackPlan {
    /// The stack name.
    pub name: String,
    /// The template body.
    pub template: String,
    /// Parameter values.
    pub parameters: BTreeMap<String, String>,
    /// Stacks that must be deployed first.
    pub dependencies: Vec<String>,
    /// The parameters that take a runtime's image, as the manifest names them.
    pub images: Vec<String>,
    /// Whether a create of the stack imports what an earlier life of it kept (a change set with
    /// ImportExistingResources); set only when that resource is the project's own.
    pub import_kept: bool,
}

impl StackPlan {
    /// Resources in the template.
    pub fn resource_count(&self) -> usize {
        serde_json::from_str::<serde_json::Value>(&self.template)
            .ok()
            .and_then(|t| t["Resources"].as_object().map(|r| r.len()))
            .unwrap_or(0)
    }

    /// The assembly's stacks as plans, in manifest order, templates as compact JSON, with their
    /// parameter defaults (change them with [`StackPlan::set_parameters`]).
    pub fn from_assembly(assembly: &corestack_app::Assembly) -> Vec<StackPlan> {
        assembly
            .manifest
            .stacks
            .iter()
            .zip(&assembly.templates)
            .map(|(s, (_, body))| {
                // Compact JSON: about half the bytes of the written file, so twice as much fits
                // under the inline limit.
                let template = serde_json::from_str::<serde_json::Value>(body)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| body.clone());
                StackPlan {
                    name: s.name.clone(),
                    template,
                    parameters: s.parameters.iter().filter_map(|(k, v)| Some((k.clone(), v.clone()?))).collect(),
                    dependencies: s.dependencies.clone(),
                    images: assembly
                        .manifest
                        .runtimes
                        .iter()
                        .filter(|r| r.stack == s.name)
                        .map(|r| r.image_parameter.clone())
                        .collect(),
                    import_kept: false,
                }
            })
            .collect()
    }

    /// Sets the parameters the stack has among `values` (parameter name to value).
    pub fn set_parameters(&mut self, values: &BTreeMap<String, String>) {
        for (k, v) in values {
            if let Some(slot) = self.parameters.get_mut(k) {
                slot.clone_from(v);
            }
        }
    }

    /// Whether the stack takes a runtime image.
    pub fn takes_image(&self) -> bool {
        !self.images.is_empty()
    }

    /// Splits plans in dependency order into the stacks that can deploy before the images are
    /// pinned (they create the repository) and the rest: stacks taking an image and every stack
    /// that depends on one of those.
    pub fn split_at_images(plans: Vec<StackPlan>) -> (Vec<StackPlan>, Vec<StackPlan>) {
        let mut after: Vec<StackPlan> = Vec::new();
        let mut before = Vec::new();
        for p in plans {
            if p.takes_image() || p.dependencies.iter().any(|d| after.iter().any(|a| &a.name == d)) {
                after.push(p);
            } else {
                before.push(p);
            }
        }
        (before, after)
    }
}

/// One resource change of a change set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    /// Add, Modify, Remove, Import, Dynamic.
    pub action: String,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// For Modify: True, False or Conditional.
    pub replacement: Option<String>,
}

/// What a deploy would do to a stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StackDiff {
    /// The stack does not exist yet (or must be recreated): this many resources.
    New {
        /// Resources in the template.
        resources: usize,
    },
    /// Nothing would change.
    Unchanged,
    /// These resource changes.
    Changes(Vec<ResourceChange>),
    /// The stack is this project's but the config no longer names it: deploy deletes it.
    Delete {
        /// Resources in the deployed template.
        resources: usize,
        /// Those kept when it is deleted, as `LogicalId (Type)`.
        retained: Vec<String>,
    },
}

/// What happened to a stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Created.
    Created,
    /// Updated through a change set of this many resource changes.
    Updated {
        /// Resource changes in the change set.
        changes: usize,
    },
    /// Nothing to do.
    Unchanged,
    /// Deleted.
    Deleted,
    /// Was not there.
    Absent,
}

/// One stack's result.
#[derive(Clone, Debug, Serialize)]
pub struct StackResult {
    /// The stack name.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took, in seconds.
    pub seconds: f64,
    /// Its outputs.
    pub outputs: BTreeMap<String, String>,
}

/// A step of a deploy or destroy, for progress displays.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// Work on a stack began.
    Started {
        /// The stack.
        stack: &'a str,
        /// Whether it is being deleted.
        deleting: bool,
    },
    /// A stack is done.
    Finished(&'a StackResult),
}

/// Where steps go.
pub type StepSink<'a> = &'a (dyn Fn(Step<'_>) + Sync);

impl Outcome {
    /// What happened, in words: `created`, `updated (3 change(s))`, `not deployed`, ...
    pub fn describe(&self) -> String {
        match self {
            Outcome::Created => "created".to_string(),
            Outcome::Updated { changes } => format!("updated ({changes} change(s))"),
            Outcome::Unchanged => "unchanged".to_string(),
            Outcome::Deleted => "deleted".to_string(),
            Outcome::Absent => "not deployed".to_string(),
        }
    }
}

/// A short description of a result, for progress lines.
pub fn describe_outcome(r: &StackResult) -> String {
    format!("{} in {:.1} s", r.outcome.describe(), r.seconds)
}
