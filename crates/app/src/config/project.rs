//! The environment's name, `[project]`, the tags, and `[environments.<name>]`'s own keys.

use std::collections::BTreeMap;

use corestack_constructs::{Problem, limits};

use super::{Environment, Problems, ProjectSettings};
use crate::raw::{RawEnvironment, RawProject};

/// The environment name becomes part of stack, runtime and export names.
pub(super) fn environment_name(env_name: &str, problems: &mut Problems<'_>) {
    let ok = env_name.len() <= 16
        && env_name.starts_with(|c: char| c.is_ascii_lowercase())
        && env_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !ok {
        problems.push(Problem::new(
            problems.env_key(),
            format!("environment name `{env_name}` must be 1-16 lowercase letters and digits, starting with a letter"),
            "it becomes part of stack names, runtime names and export names; rename the section, e.g. [environments.prod]",
        ));
    }
}

/// A required text: missing and empty are each one problem, here, rather than an empty tag on
/// every resource later.
fn required(key: &str, value: Option<String>, fix: &str, problems: &mut Problems<'_>) -> String {
    match value {
        Some(v) if v.trim().is_empty() => {
            problems.push(Problem::new(key, format!("`{key}` is empty"), fix));
            v
        }
        Some(v) => v,
        None => {
            problems.push(Problem::new(key, format!("`{key}` is required"), fix));
            String::new()
        }
    }
}

pub(super) fn project(raw: RawProject, problems: &mut Problems<'_>) -> ProjectSettings {
    let project = ProjectSettings {
        name: required("project.name", raw.name, "set a lowercase name such as \"agentcore-demo\"", problems),
        owner: required(
            "project.owner",
            raw.owner,
            "set the team that owns the stacks; it becomes the Owner tag",
            problems,
        ),
        cost_center: required(
            "project.cost_center",
            raw.cost_center,
            "set the cost center; it becomes the CostCenter tag",
            problems,
        ),
        prefix_exports: raw.prefix_exports.unwrap_or(false),
    };
    if !project.name.is_empty() && !project_name_ok(&project.name) {
        problems.push(Problem::new(
            "project.name",
            format!(
                "project name `{}` must be 1-32 lowercase letters, digits and hyphens, starting with a letter",
                project.name
            ),
            "it prefixes stack names and the repository name; use e.g. \"agentcore-demo\"",
        ));
    }
    project
}

/// Whether `name` is a project name: 1-32 lowercase letters, digits and hyphens, starting with a
/// letter and not ending with a hyphen (it prefixes stack and repository names).
pub(crate) fn project_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// The four tags corestack sets, then the file's `[tags]` and the environment's, checked.
pub(super) fn tags(
    project: &ProjectSettings,
    env_name: &str,
    file: &BTreeMap<String, String>,
    env: &BTreeMap<String, String>,
    problems: &mut Problems<'_>,
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    tags.insert("Project".to_string(), project.name.clone());
    tags.insert("Environment".to_string(), env_name.to_string());
    tags.insert("Owner".to_string(), project.owner.clone());
    tags.insert("CostCenter".to_string(), project.cost_center.clone());
    let env_origin = format!("{}.tags", problems.env_key());
    for (origin, extra) in [("tags", file), (env_origin.as_str(), env)] {
        for (k, v) in extra {
            if ["Project", "Environment", "Owner", "CostCenter"].contains(&k.as_str()) {
                problems.push(Problem::new(
                    &format!("{origin}.{k}"),
                    format!("tag `{k}` is set by corestack"),
                    "set it through [project] (or the environment name) instead",
                ));
            } else if k.to_ascii_lowercase().starts_with("aws:") || k.is_empty() || k.len() > 128 {
                problems.push(Problem::new(
                    &format!("{origin}.{k}"),
                    format!("tag key `{k}` is not allowed (reserved `aws:` prefix, empty, or over 128 characters)"),
                    "rename the tag",
                ));
            } else {
                tags.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in &tags {
        if let Err(violation) = limits::tag_value(v)
            && !v.is_empty()
        {
            problems.push(Problem::from_violation(&format!("tags.{k}"), violation));
        }
    }
    tags
}

/// `region`, `account`, `production` and `template_bucket` of the environment's section.
pub(super) fn environment(env_name: &str, raw: &RawEnvironment, problems: &mut Problems<'_>) -> Environment {
    let key = problems.env_key().to_string();
    let region = raw.region.clone().unwrap_or_else(|| {
        problems.push(Problem::new(
            &format!("{key}.region"),
            "`region` is required",
            "set the AWS region, e.g. region = \"us-east-1\"",
        ));
        String::new()
    });
    if !region.is_empty()
        && let Err(v) = limits::region(&region)
    {
        problems.push(Problem::from_violation(&format!("{key}.region"), v));
    } else if !region.is_empty()
        && let Some(v) = limits::runtime_region(&region)
    {
        // Said here, under `region`, not under the zones it also decides.
        problems.push(Problem::from_violation(&format!("{key}.region"), v));
    }
    if let Some(Err(v)) = raw.account.as_deref().map(limits::account_id) {
        problems.push(Problem::from_violation(&format!("{key}.account"), v));
    }
    if let Some(bucket) = raw.template_bucket.as_deref().filter(|b| !bucket_name_ok(b)) {
        problems.push(Problem::new(
            &format!("{key}.template_bucket"),
            format!("`{bucket}` is not an S3 bucket name"),
            "use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
        ));
    }
    Environment {
        name: env_name.to_string(),
        region,
        account: raw.account.clone(),
        production: raw.production.unwrap_or(false),
        template_bucket: raw.template_bucket.clone(),
    }
}

/// S3's bucket naming rules, the ones a typo breaks.
fn bucket_name_ok(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
        && !name.contains("..")
}
