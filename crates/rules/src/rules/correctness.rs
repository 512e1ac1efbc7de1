//! What the service will refuse: names, image references, creation order, attributes.

use serde_json::Value;

use super::{Emit, list, runtimes};
use crate::Severity;
use crate::model::Model;

pub(crate) fn names(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::BedrockAgentCore::Runtime") {
        if let Some(Err(v)) = m
            .text(doc, &r["Properties"]["AgentRuntimeName"])
            .filter(|n| !n.contains("${"))
            .map(|n| corestack_constructs::limits::runtime_name(&n))
        {
            e.at(doc, id, "Properties/AgentRuntimeName", v.message, &v.fix);
        }
    }
    for (doc, id, r) in m.resources_of("AWS::BedrockAgentCore::RuntimeEndpoint") {
        if let Some(Err(v)) = m
            .text(doc, &r["Properties"]["Name"])
            .filter(|n| !n.contains("${"))
            .map(|n| corestack_constructs::limits::endpoint_name(&n))
        {
            e.at(doc, id, "Properties/Name", v.message, &v.fix);
        }
    }
}

/// Tags that name whatever was pushed last.
const MUTABLE_TAGS: &[&str] =
    &["latest", "main", "master", "dev", "develop", "stable", "edge", "nightly", "current", "prod", "production"];

pub(crate) fn image_pinned(m: &Model, e: &mut Emit<'_>) {
    let at = "Properties/AgentRuntimeArtifact/ContainerConfiguration/ContainerUri";
    for rt in runtimes(m) {
        let uri = &rt.props["AgentRuntimeArtifact"]["ContainerConfiguration"]["ContainerUri"];
        if uri.is_null() {
            continue;
        }
        let Some(text) = m.text(rt.doc, uri) else { continue };
        if text.contains("@sha256:") {
            continue;
        }
        // The reference after the last path segment and after any unresolved ${...} part.
        let tail = text.rsplit('/').next().unwrap_or(&text);
        let tail = tail.rsplit('}').next().unwrap_or(tail);
        match tail.rsplit_once(':').map(|(_, t)| t) {
            None if text.contains("${?}") => {}
            None => e.with_severity(
                Severity::Error,
                rt.doc,
                rt.id,
                at,
                format!("image `{text}` has no tag or digest"),
                "pin the image as <repository>:<tag> or <repository>@sha256:<digest>",
            ),
            Some(tag) if MUTABLE_TAGS.contains(&tag.to_ascii_lowercase().as_str()) => {
                let severity = if m.production { Severity::Error } else { Severity::Warning };
                e.with_severity(
                    severity,
                    rt.doc,
                    rt.id,
                    at,
                    format!("image tag `{tag}` moves whenever something is pushed"),
                    "pin a version tag or, better, the digest the deploy pushed",
                );
            }
            Some(_) => {}
        }
    }
}

/// Every policy resource attached to each role: (role's template, role's logical ID) to the
/// policies' (template, logical ID). Built once, so the rule stays linear in resources.
fn policies_by_role(m: &Model) -> std::collections::HashMap<(usize, String), Vec<(usize, &str)>> {
    let mut by_role: std::collections::HashMap<(usize, String), Vec<(usize, &str)>> = Default::default();
    for (d, id, r) in m.all_resources() {
        if !matches!(r["Type"].as_str(), Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy"))
        {
            continue;
        }
        let p = &r["Properties"];
        let roles: std::collections::BTreeSet<(usize, String)> = list(&p["Roles"])
            .into_iter()
            .chain(std::iter::once(&p["RoleName"]))
            .filter_map(|x| m.target(d, x))
            .collect();
        for role in roles {
            by_role.entry(role).or_default().push((d, id));
        }
    }
    by_role
}

pub(crate) fn depends_on_policy(m: &Model, e: &mut Emit<'_>) {
    let by_role = policies_by_role(m);
    for rt in runtimes(m) {
        let Some(role) = m.target(rt.doc, &rt.props["RoleArn"]) else { continue };
        if role.0 != rt.doc {
            // Another stack: it is complete before this one starts.
            continue;
        }
        let depends: Vec<&str> = list(&m.resource(rt.doc, rt.id).expect("a runtime")["DependsOn"])
            .into_iter()
            .filter_map(Value::as_str)
            .collect();
        // Policies in the runtime's own template: those in another are complete before it starts.
        let attached: Vec<(usize, &str)> =
            by_role.get(&role).into_iter().flatten().copied().filter(|(d, _)| *d == rt.doc).collect();
        let role_props = &m.resource(role.0, &role.1).expect("a role")["Properties"];
        let has_own = !list(&role_props["Policies"]).is_empty() || !list(&role_props["ManagedPolicyArns"]).is_empty();
        let waiting_for: Vec<&str> = attached.iter().map(|(_, id)| *id).filter(|id| !depends.contains(id)).collect();
        if !waiting_for.is_empty() {
            e.at(
                rt.doc,
                rt.id,
                "DependsOn",
                format!("the runtime does not wait for its role's policy {}", waiting_for.join(", ")),
                "add the policy's logical ID to the runtime's DependsOn",
            );
        } else if attached.is_empty() && !has_own {
            e.at(
                rt.doc,
                rt.id,
                "Properties/RoleArn",
                format!("role {} has no policy, so AgentCore cannot pull the image", role.1),
                "attach the execution policy (ECR pull, logs) to the role and make the runtime depend on it",
            );
        }
    }
}

/// Every `Fn::GetAtt` (and `${X.Attr}` in `Fn::Sub`) below a value, with its JSON path.
fn getatts(v: &Value, path: String, out: &mut Vec<(String, String, String)>) {
    match v {
        Value::Object(map) => {
            if let Some(arg) = map.get("Fn::GetAtt") {
                let pair = match arg {
                    Value::Array(a) if a.len() == 2 => {
                        a[0].as_str().zip(a[1].as_str()).map(|(x, y)| (x.to_string(), y.to_string()))
                    }
                    Value::String(s) => s.split_once('.').map(|(x, y)| (x.to_string(), y.to_string())),
                    _ => None,
                };
                if let Some((id, attr)) = pair {
                    out.push((format!("{path}/Fn::GetAtt"), id, attr));
                }
            }
            if let Some(template) =
                map.get("Fn::Sub").and_then(|s| s.as_str().or_else(|| s.get(0).and_then(Value::as_str)))
            {
                for var in template.split("${").skip(1).filter_map(|p| p.split('}').next()) {
                    if let Some((id, attr)) =
                        var.split_once('.').filter(|(id, _)| !id.starts_with("AWS::") && !id.starts_with('!'))
                    {
                        out.push((format!("{path}/Fn::Sub"), id.to_string(), attr.to_string()));
                    }
                }
            }
            for (k, child) in map {
                getatts(child, format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, child)| getatts(child, format!("{path}/{i}"), out)),
        _ => {}
    }
}

pub(crate) fn getatt(m: &Model, e: &mut Emit<'_>) {
    for (doc, d) in m.docs.iter().enumerate() {
        let mut found = Vec::new();
        getatts(&d.template, String::new(), &mut found);
        for (path, id, attr) in found {
            let Some(kind) = d.template["Resources"][&id]["Type"].as_str() else { continue };
            // The AgentCore types' attribute lists are complete; others are not judged.
            if !kind.starts_with("AWS::BedrockAgentCore::") {
                continue;
            }
            let Some(info) = corestack_cfn::resources::type_info(kind) else { continue };
            if !info.attributes.contains(&attr.as_str()) {
                let owner = path
                    .strip_prefix("/Resources/")
                    .and_then(|p| p.split('/').next())
                    .unwrap_or(id.as_str())
                    .to_string();
                let severity = e.severity();
                e.raw(
                    severity,
                    doc,
                    Some(&owner),
                    path,
                    format!("{kind} has no attribute `{attr}` (it has {})", info.attributes.join(", ")),
                    "use one of the listed attributes; build URLs with Fn::Sub from AgentRuntimeId",
                );
            }
        }
    }
}
