//! The platform sections (`[[memories]]` in `memories.rs`, `[[gateways]]` in `gateways.rs`,
//! `[[credential_providers]]` in `providers.rs`) read together, and what runtimes name checked
//! against them. Every problem names its key.

use std::path::Path;

use corestack_constructs::Problem;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{GatewaySpec, MemorySpec, PlatformSpec, ProviderSpec};

use super::Problems;
use crate::raw_platform::{RawGateway, RawMemory, RawProvider};

pub(super) fn platform(
    memories: Vec<RawMemory>,
    gateways: Vec<RawGateway>,
    providers: Vec<RawProvider>,
    names: (&str, &str),
    base: &Path,
    problems: &mut Problems<'_>,
) -> PlatformSpec {
    let (project, env) = names;
    let providers: Vec<ProviderSpec> = providers
        .into_iter()
        .enumerate()
        .filter_map(|(i, p)| super::providers::provider(p, i, project, env, problems))
        .collect();
    duplicates(providers.iter().map(|p| p.key.as_str()), "credential_providers", problems);
    let memories: Vec<MemorySpec> =
        memories.into_iter().enumerate().map(|(i, m)| super::memories::memory(m, i, env, problems)).collect();
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
