//! `[[memories]]`, `[[gateways]]` and `[[credential_providers]]`: each checked against the
//! service's rules, with the files a target names read and parsed here, relative to the config
//! file's directory. Every problem names its key.

use std::path::Path;

use corestack_constructs::Problem;
use corestack_constructs::platform::gateway::tool_definitions;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{
    ApiKeyPlacement, GatewayAuth, GatewaySpec, MemorySpec, PlatformSpec, ProviderKind, ProviderSpec, StrategyKind,
    StrategyOverride, StrategySpec, TargetCredential, TargetKind, TargetSpec,
};
use corestack_constructs::runtime::JwtAuthorizer;

use super::Problems;
use crate::raw_platform::{RawGateway, RawMemory, RawProvider, RawTarget};

/// `CredentialProviderVendor` values (registry schema, `AWS::BedrockAgentCore::OAuth2CredentialProvider`).
pub(super) const OAUTH2_VENDORS: [&str; 25] = [
    "GoogleOauth2",
    "GithubOauth2",
    "SlackOauth2",
    "SalesforceOauth2",
    "MicrosoftOauth2",
    "CustomOauth2",
    "AtlassianOauth2",
    "LinkedinOauth2",
    "XOauth2",
    "OktaOauth2",
    "OneLoginOauth2",
    "PingOneOauth2",
    "FacebookOauth2",
    "YandexOauth2",
    "RedditOauth2",
    "ZoomOauth2",
    "TwitchOauth2",
    "SpotifyOauth2",
    "DropboxOauth2",
    "NotionOauth2",
    "HubspotOauth2",
    "CyberArkOauth2",
    "FusionAuthOauth2",
    "Auth0Oauth2",
    "CognitoOauth2",
];

pub(super) fn platform(
    memories: Vec<RawMemory>,
    gateways: Vec<RawGateway>,
    providers: Vec<RawProvider>,
    names: (&str, &str),
    base: &Path,
    problems: &mut Problems<'_>,
) -> PlatformSpec {
    let (project, env) = names;
    let providers: Vec<ProviderSpec> =
        providers.into_iter().enumerate().filter_map(|(i, p)| provider(p, i, project, env, problems)).collect();
    duplicates(providers.iter().map(|p| p.key.as_str()), "credential_providers", problems);
    let memories: Vec<MemorySpec> =
        memories.into_iter().enumerate().map(|(i, m)| memory(m, i, env, problems)).collect();
    duplicates(memories.iter().map(|m| m.key.as_str()), "memories", problems);
    let gateways: Vec<GatewaySpec> =
        gateways.into_iter().enumerate().map(|(i, g)| gateway(g, i, env, base, &providers, problems)).collect();
    duplicates(gateways.iter().map(|g| g.key.as_str()), "gateways", problems);
    PlatformSpec { memories, gateways, providers }
}

fn duplicates<'a>(keys: impl Iterator<Item = &'a str>, section: &str, problems: &mut Problems<'_>) {
    let mut seen = Vec::new();
    for (i, k) in keys.enumerate() {
        if seen.contains(&k) {
            problems.push(Problem::new(
                &format!("{section}[{i}].name"),
                format!("`{k}` is listed twice"),
                "give each its own name",
            ));
        }
        seen.push(k);
    }
}

fn memory(m: RawMemory, i: usize, env: &str, problems: &mut Problems<'_>) -> MemorySpec {
    let at = format!("memories[{i}]");
    let name = format!("{}_{env}", m.name);
    if !names::memory_name(&name) {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!(
                "memory name `{name}` (`<name>_<environment>`) breaks the AgentCore rule [a-zA-Z][a-zA-Z0-9_]{{0,47}}"
            ),
            "use a letter, then letters, digits or underscores, short enough to leave room for the environment",
        ));
    }
    let days = m.event_expiry_days.unwrap_or(30);
    if !(3..=365).contains(&days) {
        problems.push(Problem::new(
            &format!("{at}.event_expiry_days"),
            format!("{days} is outside 3-365, the days CloudFormation lets a memory keep its events"),
            "use a number of days from 3 to 365",
        ));
    }
    let mut strategies = Vec::new();
    for (j, s) in m.strategies.into_iter().enumerate() {
        let at = format!("{at}.strategies[{j}]");
        let Some(kind) = StrategyKind::from_key(&s.kind) else {
            problems.push(Problem::new(
                &format!("{at}.type"),
                format!("`{}` is not a memory strategy", s.kind),
                "use semantic, summary, user_preference or episodic (add model_id and a prompt for a custom one)",
            ));
            continue;
        };
        if !names::memory_name(&s.name) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!("strategy name `{}` breaks [a-zA-Z][a-zA-Z0-9_]{{0,47}}", s.name),
                "use a letter, then letters, digits or underscores",
            ));
        }
        if strategies.iter().any(|x: &StrategySpec| x.name == s.name) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!("strategy `{}` is listed twice", s.name),
                "give each strategy its own name",
            ));
        }
        for (k, ns) in s.namespaces.iter().enumerate() {
            if !names::namespace(ns) {
                problems.push(Problem::new(
                    &format!("{at}.namespaces[{k}]"),
                    format!("namespace `{ns}` has characters a memory namespace cannot"),
                    "use letters, digits, -, _ and /, with {actorId}, {sessionId} or {memoryStrategyId} placeholders",
                ));
            }
        }
        let custom = match (&s.model_id, &s.extraction_prompt, &s.consolidation_prompt) {
            (None, None, None) => None,
            (None, _, _) => {
                problems.push(Problem::new(
                    &format!("{at}.model_id"),
                    "a strategy with prompt additions needs the model that runs them",
                    "set model_id (an inference profile or model ID the memory's role may invoke)",
                ));
                None
            }
            (Some(_), None, None) => {
                problems.push(Problem::new(
                    &format!("{at}.model_id"),
                    "a custom strategy changes at least one prompt",
                    "set extraction_prompt or consolidation_prompt, or remove model_id",
                ));
                None
            }
            (Some(model), extraction, consolidation) => {
                if kind == StrategyKind::Summary && extraction.is_some() {
                    problems.push(Problem::new(
                        &format!("{at}.extraction_prompt"),
                        "a summary strategy has no extraction step",
                        "use consolidation_prompt",
                    ));
                }
                Some(StrategyOverride {
                    model_id: model.clone(),
                    extraction_prompt: extraction.clone(),
                    consolidation_prompt: consolidation.clone(),
                })
            }
        };
        strategies.push(StrategySpec {
            kind,
            name: s.name,
            description: s.description,
            namespaces: s.namespaces,
            custom,
        });
    }
    MemorySpec { key: m.name, name, description: m.description, event_expiry_days: days, strategies }
}

fn provider(p: RawProvider, i: usize, project: &str, env: &str, problems: &mut Problems<'_>) -> Option<ProviderSpec> {
    let at = format!("credential_providers[{i}]");
    for (field, given) in [("api_key", &p.api_key), ("client_secret", &p.client_secret)] {
        if given.is_some() {
            problems.push(Problem::new(
                &format!("{at}.{field}"),
                "a secret never goes in corestack.toml (nor in a template)",
                "store it in AWS Secrets Manager and set secret_arn (and secret_json_key, the key in the secret's JSON)",
            ));
        }
    }
    let name = format!("{project}-{env}-{}", p.name);
    if !names::provider_name(&p.name) || !names::provider_name(&name) {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("`{}` breaks the rule [a-zA-Z0-9-_]+ (128 characters with the project and environment)", p.name),
            "use letters, digits, - and _",
        ));
    }
    let secret_arn = p.secret_arn.clone().unwrap_or_default();
    if !names::secret_arn(&secret_arn) {
        problems.push(Problem::new(
            &format!("{at}.secret_arn"),
            if secret_arn.is_empty() {
                "no secret_arn".to_string()
            } else {
                format!("`{secret_arn}` is not a Secrets Manager secret ARN")
            },
            "use the secret's full ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>",
        ));
    }
    let kind = match p.kind.as_str() {
        "api_key" => ProviderKind::ApiKey,
        "oauth2" => {
            let vendor = p.vendor.clone().unwrap_or_default();
            if !OAUTH2_VENDORS.contains(&vendor.as_str()) {
                problems.push(Problem::new(
                    &format!("{at}.vendor"),
                    format!("`{vendor}` is not an OAuth2 vendor CloudFormation takes"),
                    format!("use one of {}", OAUTH2_VENDORS.join(", ")),
                ));
            }
            let client_id = p.client_id.clone().unwrap_or_default();
            if client_id.is_empty() {
                problems.push(Problem::new(
                    &format!("{at}.client_id"),
                    "an OAuth2 provider needs its client ID",
                    "set client_id (it is not a secret; the client secret goes in secret_arn)",
                ));
            }
            match (&p.discovery_url, vendor == "CustomOauth2") {
                (None, true) => problems.push(Problem::new(
                    &format!("{at}.discovery_url"),
                    "a CustomOauth2 provider needs the issuer's discovery URL",
                    "set discovery_url = \"https://<issuer>/.well-known/openid-configuration\"",
                )),
                (Some(u), true) if !u.ends_with("/.well-known/openid-configuration") || !u.starts_with("https://") => {
                    problems.push(Problem::new(
                        &format!("{at}.discovery_url"),
                        format!("`{u}` is not an https OpenID discovery URL"),
                        "end it with /.well-known/openid-configuration",
                    ))
                }
                (Some(_), false) => problems.push(Problem::new(
                    &format!("{at}.discovery_url"),
                    format!("only a CustomOauth2 provider takes discovery_url; {vendor} has its own"),
                    "remove discovery_url, or use vendor = \"CustomOauth2\"",
                )),
                _ => {}
            }
            ProviderKind::OAuth2 { vendor, client_id, discovery_url: p.discovery_url.clone() }
        }
        other => {
            problems.push(Problem::new(
                &format!("{at}.type"),
                format!("`{other}` is not a credential provider type"),
                "use api_key or oauth2",
            ));
            return None;
        }
    };
    let default_key = if kind == ProviderKind::ApiKey { "api_key" } else { "client_secret" };
    Some(ProviderSpec {
        key: p.name,
        name,
        kind,
        secret_arn,
        secret_json_key: p.secret_json_key.unwrap_or_else(|| default_key.to_string()),
    })
}

fn gateway(
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
            if let Err(v) = corestack_constructs::rules::jwt_discovery_url(&j.discovery_url) {
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

fn read_json(at: &str, file: &str, base: &Path, problems: &mut Problems<'_>) -> Option<(String, serde_json::Value)> {
    let path = base.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Problem::new(
                at,
                format!("cannot read {}: {e}", path.display()),
                "give a path relative to the config file's directory",
            ));
            return None;
        }
    };
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

/// The data plane of gateways, which a runtime in a VPC reaches through an interface endpoint
/// (AgentCore developer guide, VPC interface endpoints). The memory data plane is the runtime's
/// own `bedrock-agentcore` endpoint, always there.
pub(super) const GATEWAY_ENDPOINT: &str = "bedrock-agentcore.gateway";

/// Checks what each runtime names (`memories`, `gateways`) against what the config has, counts
/// the variables that hand them over against the limit of 50, refuses secrets written into a
/// runtime's environment, and adds the gateway endpoint when a runtime in the VPC calls a gateway.
pub(super) fn uses(
    runtimes: &[super::RuntimeSettings],
    platform: &PlatformSpec,
    network: &mut super::NetworkSettings,
    problems: &mut Problems<'_>,
) {
    for (i, r) in runtimes.iter().enumerate() {
        let at = format!("runtimes[{i}]");
        for (field, one, wanted, known) in [
            ("memories", "memory", &r.memories, platform.memories.iter().map(|m| m.key.as_str()).collect::<Vec<_>>()),
            ("gateways", "gateway", &r.gateways, platform.gateways.iter().map(|g| g.key.as_str()).collect::<Vec<_>>()),
        ] {
            for (j, w) in wanted.iter().enumerate() {
                if !known.contains(&w.as_str()) {
                    let have = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                    problems.push(Problem::new(
                        &format!("{at}.{field}[{j}]"),
                        format!("no {one} `{w}` in the config (it has {have})"),
                        format!("add [[{field}]] name = \"{w}\", or remove it here"),
                    ));
                } else if wanted[..j].contains(w) {
                    problems.push(Problem::new(
                        &format!("{at}.{field}[{j}]"),
                        format!("`{w}` is listed twice"),
                        "list it once",
                    ));
                }
            }
        }
        let handed = r.memories.len() + usize::from(r.memories.len() == 1) + r.gateways.len();
        let total = r.spec.environment.len() + handed;
        if handed > 0 && total > corestack_constructs::rules::MAX_ENV_VARS {
            problems.push(Problem::new(
                &format!("{at}.environment"),
                format!("{total} environment variables with the {handed} that hand over memories and gateways, over the AgentCore limit of 50"),
                "move settings into one JSON-valued variable or a file in the image",
            ));
        }
        for (k, v) in &r.spec.environment {
            if let Some(what) = names::looks_like_secret(v) {
                problems.push(Problem::new(
                    &format!("{at}.environment.{k}"),
                    format!(
                        "the value looks like {what}; a secret written here ends up in the template and the console"
                    ),
                    "keep it in AWS Secrets Manager (or an Identity credential provider) and read it at run time",
                ));
            }
        }
        if !r.public
            && !r.gateways.is_empty()
            && !network.props.optional_endpoints.iter().any(|e| e == GATEWAY_ENDPOINT)
        {
            network.props.optional_endpoints.push(GATEWAY_ENDPOINT.to_string());
        }
    }
}
