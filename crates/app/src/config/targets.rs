//! A gateway's targets: which kind each is (Lambda with its tool schema, OpenAPI, Smithy, an MCP
//! server), the files it names, read relative to the config file, and the credential it calls with.

use std::path::Path;

use corestack_constructs::Problem;
use corestack_constructs::platform::gateway::tool_definitions;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{
    ApiKeyPlacement, ProviderKind, ProviderSpec, TargetCredential, TargetKind, TargetSpec,
};

use super::Problems;
use crate::raw_platform::RawTarget;

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

pub(super) fn target(
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
    let kind = target_kind(&t, at, base, problems)?;
    let credential = credential(&t, &kind, at, providers, problems);
    Some(TargetSpec { name: t.name, description: t.description, kind, credential })
}

/// What the target is: exactly one of lambda, openapi, smithy and mcp_server.
fn target_kind(t: &RawTarget, at: &str, base: &Path, problems: &mut Problems<'_>) -> Option<TargetKind> {
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
    if let Some(arn) = &t.lambda {
        lambda_target(arn, t.tool_schema.as_deref(), at, base, problems)
    } else if let Some(file) = &t.openapi {
        openapi_target(file, at, base, problems)
    } else if let Some(file) = &t.smithy {
        smithy_target(file, at, base, problems)
    } else {
        Some(mcp_server_target(t.mcp_server.clone().unwrap_or_default(), at, problems))
    }
}

fn lambda_target(
    arn: &str,
    tool_schema: Option<&str>,
    at: &str,
    base: &Path,
    problems: &mut Problems<'_>,
) -> Option<TargetKind> {
    if !names::lambda_arn(arn) {
        problems.push(Problem::new(
            &format!("{at}.lambda"),
            format!("`{arn}` is not a Lambda function ARN"),
            "use arn:aws:lambda:<region>:<account>:function:<name>",
        ));
    }
    let Some(file) = tool_schema else {
        problems.push(Problem::new(
            &format!("{at}.tool_schema"),
            "a Lambda target needs its tools",
            "set tool_schema to a JSON file listing the tools as MCP's tools/list does ([{name, description, inputSchema}])",
        ));
        return None;
    };
    let (_, json) = read_json(&format!("{at}.tool_schema"), file, base, problems)?;
    match tool_definitions(&json) {
        Ok(tools) => Some(TargetKind::Lambda { arn: arn.to_owned(), tools }),
        Err(e) => {
            problems.push(Problem::new(
                &format!("{at}.tool_schema"),
                format!("{file}: {e}"),
                "list each tool with name, description and inputSchema (a JSON Schema with a type)",
            ));
            None
        }
    }
}

fn openapi_target(file: &str, at: &str, base: &Path, problems: &mut Problems<'_>) -> Option<TargetKind> {
    let (text, json) = read_json(&format!("{at}.openapi"), file, base, problems)?;
    if !json["openapi"].as_str().is_some_and(|v| v.starts_with('3')) {
        problems.push(Problem::new(
            &format!("{at}.openapi"),
            format!("{file} is not an OpenAPI 3 document (no \"openapi\": \"3.x\")"),
            "give an OpenAPI 3.0 or 3.1 document",
        ));
    }
    Some(TargetKind::OpenApi(text))
}

fn smithy_target(file: &str, at: &str, base: &Path, problems: &mut Problems<'_>) -> Option<TargetKind> {
    let (text, json) = read_json(&format!("{at}.smithy"), file, base, problems)?;
    if json["smithy"].is_null() || !json["shapes"].is_object() {
        problems.push(Problem::new(
            &format!("{at}.smithy"),
            format!("{file} is not a Smithy JSON AST model (no \"smithy\" version and \"shapes\")"),
            "build the model's JSON AST (smithy build) and name that file",
        ));
    }
    Some(TargetKind::Smithy(text))
}

fn mcp_server_target(url: String, at: &str, problems: &mut Problems<'_>) -> TargetKind {
    if !url.starts_with("https://") || url.len() <= 8 {
        problems.push(Problem::new(
            &format!("{at}.mcp_server"),
            format!("`{url}` is not an https URL"),
            "a gateway reaches MCP servers over https",
        ));
    }
    TargetKind::McpServer(url)
}

/// The credential a target calls with: none for Lambda and Smithy (the gateway's role), a
/// provider's API key or OAuth2 token for OpenAPI and MCP servers.
fn credential(
    t: &RawTarget,
    kind: &TargetKind,
    at: &str,
    providers: &[ProviderSpec],
    problems: &mut Problems<'_>,
) -> Option<TargetCredential> {
    let Some(name) = t.credential_provider.clone() else {
        if matches!(kind, TargetKind::OpenApi(_)) {
            problems.push(Problem::new(
                &format!("{at}.credential_provider"),
                "an OpenAPI target calls its API with an API key or an OAuth2 token",
                "name a [[credential_providers]] entry",
            ));
        }
        return None;
    };
    if matches!(kind, TargetKind::Lambda { .. } | TargetKind::Smithy(_)) {
        problems.push(Problem::new(
            &format!("{at}.credential_provider"),
            "Lambda and Smithy targets are called with the gateway's own role",
            "remove credential_provider",
        ));
        return None;
    }
    let Some(provider) = providers.iter().find(|p| p.key == name) else {
        problems.push(Problem::new(
            &format!("{at}.credential_provider"),
            format!("no credential provider `{name}`"),
            format!(
                "add [[credential_providers]] name = \"{name}\", or use one of: {}",
                providers.iter().map(|p| p.key.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
        return None;
    };
    if provider.kind == ProviderKind::ApiKey {
        let api_key = Some(api_key_placement(t));
        return Some(TargetCredential { provider: name, api_key, scopes: Vec::new() });
    }
    if t.scopes.is_empty() {
        problems.push(Problem::new(
            &format!("{at}.scopes"),
            "an OAuth2 target needs the scopes to ask for",
            "set scopes = [\"...\"]",
        ));
    }
    Some(TargetCredential { provider: name, api_key: None, scopes: t.scopes.clone() })
}

fn api_key_placement(t: &RawTarget) -> ApiKeyPlacement {
    ApiKeyPlacement {
        location: t.credential_location.cfn().into(),
        parameter_name: t.credential_parameter_name.clone(),
        prefix: t.credential_prefix.clone(),
    }
}
