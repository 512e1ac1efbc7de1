//! `[[memories]]`, `[[gateways]]` (in `gateways.rs`) and `[[credential_providers]]`: each checked
//! against the service's rules, and what runtimes name checked against them. Every problem names
//! its key.

use std::path::Path;

use corestack_constructs::Problem;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{
    GatewaySpec, MemorySpec, PlatformSpec, ProviderKind, ProviderSpec, StrategyKind, StrategyOverride, StrategySpec,
};

use super::Problems;
use crate::raw_platform::{RawGateway, RawMemory, RawProvider};

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
    let gateways: Vec<GatewaySpec> = gateways
        .into_iter()
        .enumerate()
        .map(|(i, g)| super::gateways::gateway(g, i, env, base, &providers, problems))
        .collect();
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
        if handed > 0 && total > corestack_constructs::limits::MAX_ENV_VARS {
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
