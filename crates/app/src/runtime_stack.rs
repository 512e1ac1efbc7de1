//! One runtime in its AgentCore stack: the image parameter, the placement (private subnets and
//! the runtime security group, or public) and the construct, with the environment the platform
//! and the invocation URL add.

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Parameter, Stack};
use corestack_constructs::network::PrivateNetwork;
use corestack_constructs::role::ExecutionRole;
use corestack_constructs::runtime::{AgentRuntime, Placement, RuntimeProps};
use corestack_constructs::security::RuntimeSecurityGroup;
use corestack_constructs::storage::AgentRepository;

use crate::architecture::SynthError;
use crate::config::RuntimeSettings;

/// Adds runtime `r` to `stack`.
pub(crate) fn runtime(
    stack: &mut Stack,
    r: &RuntimeSettings,
    role: &ExecutionRole,
    network: &PrivateNetwork,
    sg: &RuntimeSecurityGroup,
    repository: &AgentRepository,
    extra_environment: BTreeMap<String, Expr>,
) -> Result<AgentRuntime, SynthError> {
    let image = stack.add_parameter(
        &image_parameter(r),
        Parameter {
            kind: "String".into(),
            description: format!(
                "Image of runtime {}: `:tag` or `@sha256:digest`, appended to the repository URI",
                r.spec.name
            ),
            default: Some(r.image.suffix()),
            allowed_pattern: Some("^(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$".into()),
            constraint_description: Some("a tag as :v1, or a digest as @sha256:<64 hex digits>".into()),
        },
    )?;
    let placement = if r.public {
        Placement::Public
    } else {
        Placement::Vpc {
            subnets: network.private_subnets.iter().map(|h| h.as_ref()).collect(),
            security_groups: vec![sg.group.group_id()],
        }
    };
    let props = RuntimeProps {
        spec: r.spec.clone(),
        container_uri: Expr::join("", [repository.repository.repository_uri(), image]),
        placement,
        extra_environment,
    };
    Ok(AgentRuntime::build(stack, &runtime_logical_id(r), &props, role)?)
}

/// A runtime's logical ID in its AgentCore stack.
pub(crate) fn runtime_logical_id(r: &RuntimeSettings) -> String {
    format!("{}Runtime", r.logical)
}

/// The stack parameter that takes a runtime's image.
pub(crate) fn image_parameter(r: &RuntimeSettings) -> String {
    format!("{}ImageRef", r.logical)
}
