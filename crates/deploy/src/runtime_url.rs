//! Each A2A runtime's invocation URL, for its agent card (see `corestack_app::runtime_url`): read
//! from the runtime ARN its stack outputs, as the value of the runtime's URL parameter.

use std::collections::BTreeMap;

use corestack_app::assembly::RuntimeEntry;

use crate::DeployError;

/// The data plane's invocation URL of the runtime `arn` in `region`, as the AgentCore A2A guide
/// gives it: `https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<encoded ARN>/invocations/`.
pub fn invocation_url(region: &str, arn: &str) -> String {
    format!("https://bedrock-agentcore.{region}.amazonaws.com{}", corestack_contract::invocation_path(arn))
}

/// What deploy says of a stack it updates a second time for the URLs.
pub(crate) const SECOND_UPDATE: &str =
    "the A2A runtimes' invocation URLs go into AGENTCORE_RUNTIME_URL (once, after their creation)";

/// The plans among `after` whose URL parameters differ from `urls`, with `urls` set.
pub(crate) fn stale(after: &[crate::StackPlan], urls: BTreeMap<String, String>) -> Vec<crate::StackPlan> {
    after
        .iter()
        .filter(|p| urls.iter().any(|(k, v)| p.parameters.get(k).is_some_and(|now| now != v)))
        .map(|p| {
            let mut p = p.clone();
            p.set_parameters(&urls);
            p
        })
        .collect()
}

/// The URL parameter of every deployed A2A runtime with its value (parameter name to URL);
/// runtimes whose stack has no ARN output yet are left out.
pub(crate) async fn known(
    deployer: &crate::Deployer,
    placements: &[RuntimeEntry],
    region: &str,
) -> Result<BTreeMap<String, String>, DeployError> {
    let mut urls = BTreeMap::new();
    // Each stack's outputs read once, however many A2A runtimes it holds.
    let mut outputs: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for p in placements {
        let Some(parameter) = &p.url_parameter else { continue };
        if !outputs.contains_key(p.stack.as_str()) {
            outputs.insert(&p.stack, deployer.outputs(&p.stack).await?);
        }
        if let Some(arn) = outputs[p.stack.as_str()].get(&p.outputs.arn) {
            urls.insert(parameter.clone(), invocation_url(region, arn));
        }
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arn_is_percent_encoded_into_the_path() {
        assert_eq!(
            invocation_url("eu-west-2", "arn:aws:bedrock-agentcore:eu-west-2:123456789012:runtime/peer_dev-Ab12"),
            "https://bedrock-agentcore.eu-west-2.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aeu-west-2%3A123456789012%3Aruntime%2Fpeer_dev-Ab12/invocations/"
        );
    }
}
