//! `[[gateways]]`: names, inbound authorization and the list of targets (read in `targets`).

use std::path::Path;

use corestack_constructs::Problem;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{GatewayAuth, GatewaySpec, ProviderSpec, TargetSpec};

use super::Problems;
use crate::raw_platform::RawGateway;
use crate::raw_platform::RawGatewayAuthorizer;

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
    let auth = gateway_auth(g.authorizer, g.jwt, &at, problems);
    let mut targets = Vec::new();
    for (j, t) in g.targets.into_iter().enumerate() {
        if let Some(t) = super::targets::target(t, &format!("{at}.targets[{j}]"), base, providers, problems) {
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

/// How callers authenticate to the gateway: SigV4 (the default), a JWT authorizer or none.
fn gateway_auth(
    authorizer: RawGatewayAuthorizer,
    jwt: Option<crate::raw::RawAuthorizer>,
    at: &str,
    problems: &mut Problems<'_>,
) -> GatewayAuth {
    match (authorizer, jwt) {
        (RawGatewayAuthorizer::Iam, None) => GatewayAuth::Iam,
        (RawGatewayAuthorizer::None, None) => GatewayAuth::None,
        (RawGatewayAuthorizer::Jwt, Some(j)) => {
            let jwt = super::jwt::jwt(j, &format!("{at}.jwt"), problems);
            for problem in jwt.problems(&format!("{at}.jwt")) {
                problems.push(problem);
            }
            GatewayAuth::Jwt(jwt)
        }
        (RawGatewayAuthorizer::Jwt, None) => {
            problems.push(Problem::new(
                &format!("{at}.jwt"),
                "authorizer = \"jwt\" needs a [gateways.jwt] section",
                "add discovery_url and allowed_audience or allowed_clients under [gateways.jwt]",
            ));
            GatewayAuth::Iam
        }
        (other, Some(_)) => {
            let other = if other == RawGatewayAuthorizer::None { "none" } else { "iam" };
            problems.push(Problem::new(
                &format!("{at}.jwt"),
                format!("[gateways.jwt] is only for authorizer = \"jwt\", not `{other}`"),
                "remove [gateways.jwt] or set authorizer = \"jwt\"",
            ));
            GatewayAuth::Iam
        }
    }
}
