//! Rules about memories, gateways, their targets and credential providers, and the secrets that
//! must never be written into a template.

use corestack_constructs::platform::grants::{GATEWAY_ACTION, MEMORY_ACTIONS};
use corestack_constructs::platform::names::looks_like_secret;
use serde_json::Value;

use super::{Emit, iam_statements, list};
use crate::Severity;
use crate::model::Model;

const MEMORY: &str = "AWS::BedrockAgentCore::Memory";
const GATEWAY: &str = "AWS::BedrockAgentCore::Gateway";
const PROVIDERS: [&str; 2] =
    ["AWS::BedrockAgentCore::ApiKeyCredentialProvider", "AWS::BedrockAgentCore::OAuth2CredentialProvider"];

/// Memories (`EncryptionKeyArn`) and gateways (`KmsKeyArn`) name a key of the customer's.
pub(crate) fn encrypted(m: &Model, e: &mut Emit<'_>) {
    for (kind, property) in [(MEMORY, "EncryptionKeyArn"), (GATEWAY, "KmsKeyArn")] {
        for (doc, id, r) in m.resources_of(kind) {
            if r["Properties"].get(property).is_none() {
                e.at(
                    doc,
                    id,
                    &format!("Properties/{property}"),
                    format!("{} is encrypted with an AWS owned key", kind.rsplit("::").next().unwrap_or(kind)),
                    &format!("set {property} to the project's KMS key (its policy must let bedrock-agentcore use it)"),
                );
            }
        }
    }
}

/// A memory says how long its events live (the schema requires it; checked so that a
/// hand-written template gets a reason, not a failed deploy).
pub(crate) fn memory_expiry(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of(MEMORY) {
        let days = r["Properties"]["EventExpiryDuration"].as_i64();
        if !days.is_some_and(|d| (3..=365).contains(&d)) {
            e.at(
                doc,
                id,
                "Properties/EventExpiryDuration",
                match days {
                    Some(d) => format!("events are kept {d} days, outside 3-365"),
                    None => "the memory does not say how long it keeps events".into(),
                },
                "set EventExpiryDuration to the days users' events may be kept (3-365)",
            );
        }
    }
}

/// A gateway with `AuthorizerType: NONE` answers anyone who finds its URL: an error in production.
pub(crate) fn gateway_authorizer(m: &Model, e: &mut Emit<'_>) {
    let severity = if m.production { Severity::Error } else { Severity::Warning };
    for (doc, id, r) in m.resources_of(GATEWAY) {
        if r["Properties"]["AuthorizerType"].as_str() == Some("NONE") {
            e.with_severity(
                severity,
                doc,
                id,
                "Properties/AuthorizerType",
                "the gateway lets anyone call its tools (AuthorizerType NONE)".into(),
                "use AWS_IAM, or CUSTOM_JWT with an authorizer ([gateways] authorizer = \"iam\" or \"jwt\")",
            );
        }
    }
}

fn walk<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a str, Option<&'a str>)>) {
    match v {
        Value::String(s) => out.push((path, s.as_str(), None)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(x, format!("{path}/{i}"), out)),
        Value::Object(o) if o.len() == 1 && o.keys().next().is_some_and(|k| k.starts_with("Fn::") || k == "Ref") => {}
        Value::Object(o) => {
            for (k, x) in o {
                if let Value::String(s) = x {
                    out.push((format!("{path}/{k}"), s.as_str(), Some(k.as_str())));
                } else {
                    walk(x, format!("{path}/{k}"), out);
                }
            }
        }
        _ => {}
    }
}

/// Properties whose literal value would be a secret by their name alone.
const SECRET_PROPERTIES: [&str; 5] = ["ApiKey", "ClientSecret", "Password", "SecretString", "SecretAccessKey"];

/// No property holds a secret written out: a known credential format anywhere, or any literal in
/// a property that holds a secret by its name.
pub(crate) fn literal_secrets(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.all_resources() {
        let mut strings = Vec::new();
        walk(&r["Properties"], "Properties".into(), &mut strings);
        for (path, value, key) in strings {
            let why = looks_like_secret(value)
                .map(str::to_string)
                .or_else(|| key.filter(|k| SECRET_PROPERTIES.contains(k)).map(|k| format!("a literal {k}")));
            if let Some(why) = why {
                e.at(
                    doc,
                    id,
                    &path,
                    format!("the template holds {why}: anyone who can read the stack can read it"),
                    "keep the secret in AWS Secrets Manager and refer to it (corestack's providers use ApiKeySecretConfig / ClientSecretConfig)",
                );
            }
        }
    }
}

/// Memory and gateway data-plane actions are granted on named ARNs, never on `*` or on every
/// memory or gateway of the account.
pub(crate) fn scoped_grants(m: &Model, e: &mut Emit<'_>) {
    for s in iam_statements(m) {
        if !s.allows() {
            continue;
        }
        let actions = s.actions();
        let platform = actions
            .iter()
            .any(|a| MEMORY_ACTIONS.contains(a) || *a == GATEWAY_ACTION || a.starts_with("bedrock-agentcore:*"));
        if !platform {
            continue;
        }
        let broad = list(s.statement.get("Resource").unwrap_or(&Value::Null)).into_iter().find_map(|r| {
            let text = m.text(s.doc, r)?;
            (text == "*" || text.ends_with(":memory/*") || text.ends_with(":gateway/*")).then_some(text)
        });
        if let Some(resource) = broad {
            e.at(
                s.doc,
                s.id,
                &format!("{}/Resource", s.below),
                format!("memory or gateway actions are granted on `{resource}`"),
                "grant them on the ARNs of the memories and gateways the runtime uses (corestack does, from runtimes[].memories and gateways)",
            );
        }
    }
}

/// Each target's credential provider is one the templates create (or a provider ARN written out).
pub(crate) fn target_providers(m: &Model, e: &mut Emit<'_>) {
    for (doc, id, r) in m.resources_of("AWS::BedrockAgentCore::GatewayTarget") {
        for (i, c) in list(&r["Properties"]["CredentialProviderConfigurations"]).into_iter().enumerate() {
            let Some((kind, p)) = c["CredentialProvider"].as_object().and_then(|o| o.iter().next()) else { continue };
            let arn = &p["ProviderArn"];
            let found = match m.target(doc, arn) {
                Some((d, target)) => {
                    m.resource(d, &target).is_some_and(|x| x["Type"].as_str().is_some_and(|t| PROVIDERS.contains(&t)))
                }
                None => arn.as_str().is_some_and(|a| a.contains(":token-vault/")),
            };
            if !found {
                e.at(
                    doc,
                    id,
                    &format!("Properties/CredentialProviderConfigurations/{i}/CredentialProvider/{kind}/ProviderArn"),
                    "the target's credential provider is not a provider these templates create".into(),
                    "refer to an ApiKeyCredentialProvider or OAuth2CredentialProvider's CredentialProviderArn",
                );
            }
        }
    }
}
