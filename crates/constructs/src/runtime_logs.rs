//! A runtime's log groups, one per endpoint, made before the first invocation with the
//! environment's retention and the project's KMS key: the service otherwise creates
//! `/aws/bedrock-agentcore/runtimes/<runtime ID>-<endpoint>` itself at the first invocation,
//! with no retention and no key (AgentCore developer guide, observability; the AWS CDK pre-creates
//! it the same way, kept on deletion).
//!
//! Once the service has made a group (a runtime invoked before corestack managed its logs, or an
//! endpoint added to one), CloudFormation cannot create it again. So each group is conditional on
//! a stack parameter, `create` by default; deploy passes `existing` for a group that is there and
//! not the stack's, leaves it as it is, and says so.

use corestack_cfn::resources::logs::LogGroup;
use corestack_cfn::{Error, Expr, Parameter, Stack};

use crate::runtime::AgentRuntime;

/// The log group of one endpoint of a runtime, as the manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuntimeLogGroup {
    /// The endpoint (`DEFAULT` or a named one).
    pub endpoint: String,
    /// The stack parameter that says whether the stack creates it (`create`) or leaves the one
    /// the service made (`existing`).
    pub parameter: String,
    /// The log group's logical ID.
    pub logical_id: String,
}

/// The parameter value for a group the stack creates (and then owns).
pub const CREATE: &str = "create";
/// The parameter value for a group the service already made.
pub const EXISTING: &str = "existing";

/// The name the service gives an endpoint's log group.
pub fn log_group_name(runtime_id: &str, endpoint: &str) -> String {
    format!("/aws/bedrock-agentcore/runtimes/{runtime_id}-{endpoint}")
}

/// Adds the log group of `DEFAULT` and of each named endpoint of `runtime` (logical ID `id`).
pub fn build(
    stack: &mut Stack,
    id: &str,
    runtime: &AgentRuntime,
    key_arn: &Expr,
    retention_days: u32,
) -> Result<Vec<RuntimeLogGroup>, Error> {
    let endpoints = std::iter::once("DEFAULT".to_string()).chain(runtime.endpoints.iter().map(|(n, _)| n.clone()));
    let mut groups = Vec::new();
    for endpoint in endpoints {
        let suffix = endpoint.replace('_', "");
        let (logical_id, parameter, condition) =
            (format!("{id}Logs{suffix}"), format!("{id}Logs{suffix}State"), format!("{id}Logs{suffix}Created"));
        let state = stack.add_parameter(
            &parameter,
            Parameter {
                kind: "String".into(),
                description: format!(
                    "create: this stack makes the log group of endpoint {endpoint}; existing: the service made it at a first invocation, and it is left as it is"
                ),
                default: Some(CREATE.into()),
                allowed_pattern: Some(format!("^({CREATE}|{EXISTING})$")),
                constraint_description: Some(format!("{CREATE} or {EXISTING}")),
            },
        )?;
        stack.add_condition(&condition, Expr::Equals(Box::new(state), Box::new(CREATE.into())))?;
        let group = stack.add(
            &logical_id,
            LogGroup {
                log_group_name: Some(Expr::sub(
                    &format!("/aws/bedrock-agentcore/runtimes/${{RuntimeId}}-{endpoint}"),
                    [("RuntimeId", runtime.runtime.agent_runtime_id())],
                )),
                retention_in_days: Some(Expr::Int(i64::from(retention_days))),
                kms_key_id: Some(key_arn.clone()),
                ..Default::default()
            },
        )?;
        // Logs are kept when the runtime goes: they may be needed after it.
        stack.retain(&group);
        stack.set_condition(&group, &condition);
        groups.push(RuntimeLogGroup { endpoint, parameter, logical_id });
    }
    Ok(groups)
}
