//! `[[gateways]]` and their targets: names, inbound authorization, and the files a target names
//! (tool schemas, OpenAPI and Smithy documents), read and parsed relative to the config file.

use std::path::Path;

use corestack_constructs::Problem;
use corestack_constructs::platform::gateway::tool_definitions;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{
    ApiKeyPlacement, GatewayAuth, GatewaySpec, ProviderKind, ProviderSpec, TargetCredential, TargetKind, TargetSpec,
};
use corestack_constructs::runtime::JwtAuthorizer;

use super::Problems;
use crate::raw_platform::{RawGateway, RawTarget};

pub(super) fn gateway(
    g: RawGateway,
    i: usize,
    env: &str,
    base: &Path,
    providers: &[ProviderSpec],
    problems: &mut Problems<'_>,
) -> GatewaySpec {
    let at = format!("gateways[{i}]");
    let name = format!("{}-{env}", g.name).replace('_', "-");
    if !names::hyphenated_name(&name, 48) {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!(
                "gateway name `{name}` (`<name>-<environment>`) breaks the AgentCore rule ([0-9a-zA-Z][-]?){{1,48}}"
            ),
            "use letters and digits with single hyphens, short enough to leave room for the environment",
        ));
    }
    let auth = match (g.authorizer.as_deref().unwrap_or("iam"), g.jwt) {
        ("iam", None) => GatewayAuth::Iam,
        ("none", None) => GatewayAuth::None,
        ("jwt", Some(j)) => {
            if let Err(v) = corestack_constructs::limits::jwt_discovery_url(&j.discovery_url) {
                problems.push(Problem::from_violation(&format!("{at}.jwt.discovery_url"), v));
            }
            if j.allowed_audience.is_empty() && j.allowed_clients.is_empty() {
                problems.push(Problem::new(
                    &format!("{at}.jwt"),
                    "a JWT authorizer that checks neither audience nor client accepts any token the issuer signs",
                    "set allowed_audience or allowed_clients",
                ));
            }
            GatewayAuth::Jwt(JwtAuthorizer {
                discovery_url: j.discovery_url,
                allowed_audience: j.allowed_audience,
                allowed_clients: j.allowed_clients,
                allowed_scopes: j.allowed_scopes,
            })
        }
        ("jwt", None) => {
            problems.push(Problem::new(
                &format!("{at}.jwt"),
                "authorizer = \"jwt\" needs a [gateways.jwt] section",
                "add discovery_url and allowed_audience or allowed_clients under [gateways.jwt]",
            ));
            GatewayAuth::Iam
        }
        (other @ ("iam" | "none"), Some(_)) => {
            problems.push(Problem::new(
                &format!("{at}.jwt"),
                format!("[gateways.jwt] is only for authorizer = \"jwt\", not `{other}`"),
                "remove [gateways.jwt] or set authorizer = \"jwt\"",
            ));
            GatewayAuth::Iam
        }
        (other, _) => {
            problems.push(Problem::new(
                &format!("{at}.authorizer"),
                format!("`{other}` is not a gateway authorizer"),
                "use iam (SigV4, the default), jwt or none",
            ));
            GatewayAuth::Iam
        }
    };
    let mut targets = Vec::new();
    for (j, t) in g.targets.into_iter().enumerate() {
        if let Some(t) = target(t, &format!("{at}.targets[{j}]"), base, providers, problems) {
            if targets.iter().any(|x: &TargetSpec| x.name == t.name) {
                problems.push(Problem::new(
                    &format!("{at}.targets[{j}].name"),
                    format!("target `{}` is listed twice", t.name),
                    "give each target its own name",
                ));
            }
            targets.push(t);
        }
    }
    GatewaySpec {
        key: g.name,
        name,
        description: g.description,
        auth,
        semantic_search: g.semantic_search.unwrap_or(false),
        targets,
    }
}

/// The largest schema or API document a target may name: it goes inline into the template,
/// and CloudFormation takes templates of at most 1 MB (quotas, "Template body size in an Amazon
/// S3 object").
pub(super) const MAX_SCHEMA_BYTES: u64 = 1_000_000;

/// How deep a tool schema may nest `[`/`{`: the template holds it 8 levels down (Resources, the
/// target, Properties, TargetConfiguration, Mcp, Lambda, ToolSchema, InlinePayload), and
/// `check` refuses templates nested past [`corestack_text::file::MAX_NESTING`].
pub(super) const MAX_SCHEMA_NESTING: usize = corestack_text::file::MAX_NESTING - 8;

fn read_json(at: &str, file: &str, base: &Path, problems: &mut Problems<'_>) -> Option<(String, serde_json::Value)> {
    use corestack_text::file::{FileError, nests_deeper_than, read_regular_file};
    let path = base.join(file);
    let text = match read_regular_file(&path, MAX_SCHEMA_BYTES) {
        Ok(t) => t,
        Err(e) => {
            let fix = match e {
                FileError::Io(_) => "give a path relative to the config file's directory",
                FileError::NotRegular => "name a JSON file (not a device, pipe or directory)",
                FileError::TooLarge { .. } => {
                    "split the tools over several targets; CloudFormation takes templates of at most 1 MB"
                }
            };
            problems.push(Problem::new(at, format!("cannot read {}: {e}", path.display()), fix));
            return None;
        }
    };
    if nests_deeper_than(&text, MAX_SCHEMA_NESTING) {
        problems.push(Problem::new(
            at,
            format!(
                "{} nests `[` or `{{` more than {MAX_SCHEMA_NESTING} deep, too deep for a template `check` takes",
                path.display()
            ),
            "flatten the schema (shared definitions instead of nesting, say)",
        ));
        return None;
    }
    match serde_json::from_str(&text) {
        Ok(v) => Some((text, v)),
        Err(e) => {
            problems.push(Problem::new(
                at,
                format!("{} is not JSON: line {}, column {}: {e}", path.display(), e.line(), e.column()),
                "write the schema as JSON (YAML is not read yet)",
            ));
            None
        }
    }
}

fn target(
    t: RawTarget,
    at: &str,
    base: &Path,
    providers: &[ProviderSpec],
    problems: &mut Problems<'_>,
) -> Option<TargetSpec> {
    if !names::hyphenated_name(&t.name, 100) {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("target name `{}` breaks ([0-9a-zA-Z][-]?){{1,100}}", t.name),
            "use letters and digits with single hyphens",
        ));
    }
    let given = [t.lambda.is_some(), t.openapi.is_some(), t.smithy.is_some(), t.mcp_server.is_some()];
    if given.iter().filter(|g| **g).count() != 1 {
        problems.push(Problem::new(
            at,
            "a target is exactly one of lambda, openapi, smithy and mcp_server",
            "keep one of them",
        ));
        return None;
    }
    if t.tool_schema.is_some() && t.lambda.is_none() {
        problems.push(Problem::new(
            &format!("{at}.tool_schema"),
            "only a Lambda target takes a tool schema",
            "remove tool_schema",
        ));
    }
    let kind = if let Some(arn) = t.lambda {
        if !names::lambda_arn(&arn) {
            problems.push(Problem::new(
                &format!("{at}.lambda"),
                format!("`{arn}` is not a Lambda function ARN"),
                "use arn:aws:lambda:<region>:<account>:function:<name>",
            ));
        }
        let Some(file) = t.tool_schema else {
            problems.push(Problem::new(&format!("{at}.tool_schema"), "a Lambda target needs its tools", "set tool_schema to a JSON file listing the tools as MCP's tools/list does ([{name, description, inputSchema}])"));
            return None;
        };
        let (_, json) = read_json(&format!("{at}.tool_schema"), &file, base, problems)?;
        match tool_definitions(&json) {
            Ok(tools) => TargetKind::Lambda { arn, tools },
            Err(e) => {
                problems.push(Problem::new(
                    &format!("{at}.tool_schema"),
                    format!("{file}: {e}"),
                    "list each tool with name, description and inputSchema (a JSON Schema with a type)",
                ));
                return None;
            }
        }
    } else if let Some(file) = t.openapi {
        let (text, json) = read_json(&format!("{at}.openapi"), &file, base, problems)?;
        if !json["openapi"].as_str().is_some_and(|v| v.starts_with('3')) {
            problems.push(Problem::new(
                &format!("{at}.openapi"),
                format!("{file} is not an OpenAPI 3 document (no \"openapi\": \"3.x\")"),
                "give an OpenAPI 3.0 or 3.1 document",
            ));
        }
        TargetKind::OpenApi(text)
    } else if let Some(file) = t.smithy {
        let (text, json) = read_json(&format!("{at}.smithy"), &file, base, problems)?;
        if json["smithy"].is_null() || !json["shapes"].is_object() {
            problems.push(Problem::new(
                &format!("{at}.smithy"),
                format!("{file} is not a Smithy JSON AST model (no \"smithy\" version and \"shapes\")"),
                "build the model's JSON AST (smithy build) and name that file",
            ));
        }
        TargetKind::Smithy(text)
    } else {
        let url = t.mcp_server.unwrap_or_default();
        if !url.starts_with("https://") || url.len() <= 8 {
            problems.push(Problem::new(
                &format!("{at}.mcp_server"),
                format!("`{url}` is not an https URL"),
                "a gateway reaches MCP servers over https",
            ));
        }
        TargetKind::McpServer(url)
    };
    let credential = match t.credential_provider {
        None => {
            if matches!(kind, TargetKind::OpenApi(_)) {
                problems.push(Problem::new(
                    &format!("{at}.credential_provider"),
                    "an OpenAPI target calls its API with an API key or an OAuth2 token",
                    "name a [[credential_providers]] entry",
                ));
            }
            None
        }
        Some(_) if matches!(kind, TargetKind::Lambda { .. } | TargetKind::Smithy(_)) => {
            problems.push(Problem::new(
                &format!("{at}.credential_provider"),
                "Lambda and Smithy targets are called with the gateway's own role",
                "remove credential_provider",
            ));
            None
        }
        Some(name) => match providers.iter().find(|p| p.key == name) {
            None => {
                problems.push(Problem::new(
                    &format!("{at}.credential_provider"),
                    format!("no credential provider `{name}`"),
                    format!(
                        "add [[credential_providers]] name = \"{name}\", or use one of: {}",
                        providers.iter().map(|p| p.key.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
                None
            }
            Some(p) if p.kind == ProviderKind::ApiKey => {
                let location = match t.credential_location.as_deref().unwrap_or("header") {
                    "header" => "HEADER",
                    "query_parameter" => "QUERY_PARAMETER",
                    other => {
                        problems.push(Problem::new(
                            &format!("{at}.credential_location"),
                            format!("`{other}` is not where an API key goes"),
                            "use header or query_parameter",
                        ));
                        "HEADER"
                    }
                };
                Some(TargetCredential {
                    provider: name,
                    api_key: Some(ApiKeyPlacement {
                        location: location.into(),
                        parameter_name: t.credential_parameter_name,
                        prefix: t.credential_prefix,
                    }),
                    scopes: Vec::new(),
                })
            }
            Some(_) => {
                if t.scopes.is_empty() {
                    problems.push(Problem::new(
                        &format!("{at}.scopes"),
                        "an OAuth2 target needs the scopes to ask for",
                        "set scopes = [\"...\"]",
                    ));
                }
                Some(TargetCredential { provider: name, api_key: None, scopes: t.scopes })
            }
        },
    };
    Some(TargetSpec { name: t.name, description: t.description, kind, credential })
}
