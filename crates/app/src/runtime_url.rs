//! The invocation URL an A2A agent advertises in its agent card. The AgentCore A2A guide's
//! samples read it from `AGENTCORE_RUNTIME_URL`, which the service does not set, and a runtime's
//! own ARN is not known inside its own resource. So each A2A runtime takes it from a stack
//! parameter: the first deploy creates the runtime with the agents' own fallback
//! ([`UNKNOWN`]), and deploy then sets the parameter to
//! `https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<encoded ARN>/invocations/`, the
//! data plane's URL the A2A guide gives for invoking the runtime. Later deploys pass the same
//! value, so the environment does not change again.

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Parameter, Stack};
use corestack_constructs::runtime::Protocol;

use crate::architecture::SynthError;
use crate::config::RuntimeSettings;

/// The variable A2A agents read their card's URL from.
pub const VARIABLE: &str = "AGENTCORE_RUNTIME_URL";

/// What the variable holds until deploy knows the runtime's ARN: the A2A samples' own fallback.
pub const UNKNOWN: &str = "http://127.0.0.1:9000/";

/// For an A2A runtime (whose config does not set the variable itself), adds the parameter and
/// the variable taken from it; returns the parameter's name.
pub(crate) fn add(
    stack: &mut Stack,
    r: &RuntimeSettings,
    environment: &mut BTreeMap<String, Expr>,
) -> Result<Option<String>, SynthError> {
    if r.spec.protocol != Protocol::A2a || r.spec.environment.contains_key(VARIABLE) {
        return Ok(None);
    }
    let name = format!("{}InvocationUrl", r.logical);
    let parameter = stack.add_parameter(
        &name,
        Parameter {
            kind: "String".into(),
            description: format!(
                "The invocation URL of runtime {}, for its agent card (AGENTCORE_RUNTIME_URL); deploy fills it",
                r.spec.name
            ),
            default: Some(UNKNOWN.into()),
            allowed_pattern: Some("^https?://[^\\s]+$".into()),
            constraint_description: Some("an http(s) URL".into()),
        },
    )?;
    environment.insert(VARIABLE.into(), parameter);
    Ok(Some(name))
}
