//! The stacks every project has before its runtimes, one function each: Network (the VPC,
//! private subnets by AZ ID, the endpoints), Security (the key, the runtime security group, flow
//! logs and the runtimes' execution roles) and Storage (the image repository).

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Stack};
use corestack_constructs::network::PrivateNetwork;
use corestack_constructs::role::{ExecutionRole, ExecutionRoleProps};
use corestack_constructs::security::{EncryptionKey, FlowLogs, RuntimeSecurityGroup};
use corestack_constructs::storage::AgentRepository;

use crate::architecture::{SynthError, new_stack, out};
use crate::config::Settings;

/// The Network stack and the network it holds.
pub(crate) fn network(s: &Settings) -> Result<(Stack, PrivateNetwork), SynthError> {
    let mut network =
        new_stack(s, "Network", "Private network for AgentCore runtimes: VPC, private subnets by AZ ID, VPC endpoints");
    let private_network = PrivateNetwork::build(&mut network, &s.network.props)?;
    network.add_output("VpcId", out(private_network.vpc.as_ref(), "The VPC"))?;
    network.add_output(
        "PrivateSubnetIds",
        out(
            Expr::join(",", private_network.private_subnets.iter().map(|h| h.as_ref())),
            "Private subnets, comma-separated",
        ),
    )?;
    network.add_output(
        "EndpointSecurityGroupId",
        out(private_network.endpoint_security_group.group_id(), "Security group of the interface endpoints"),
    )?;
    Ok((network, private_network))
}

/// The Security stack: the project key, the runtime security group and flow logs (the roles
/// are added by [`roles`]).
pub(crate) fn security(
    s: &Settings,
    private_network: &PrivateNetwork,
) -> Result<(Stack, EncryptionKey, RuntimeSecurityGroup), SynthError> {
    let env = &s.environment.name;
    // Flow logs sit here, beside the key that encrypts them: the Network stack comes first and
    // cannot import the key without a cycle.
    let mut security =
        new_stack(s, "Security", "Encryption key, runtime security group, VPC flow logs and runtime execution roles");
    let key = EncryptionKey::build(
        &mut security,
        &format!("{}-{env}", s.project.name),
        s.retain_key,
        !s.alarm_emails.is_empty(),
    )?;
    let s3_prefix_list = RuntimeSecurityGroup::s3_prefix_list(
        &mut security,
        s.network.s3_prefix_list_id.as_deref(),
        &s.environment.region,
    )?;
    let runtime_security_group =
        RuntimeSecurityGroup::build(&mut security, private_network, s3_prefix_list, &s.network.props.name)?;
    FlowLogs::build(&mut security, private_network.vpc.as_ref(), key.key.arn(), s.network.flow_log_retention_days)?;
    security.add_output("EncryptionKeyArn", out(key.key.arn(), "KMS key for images and logs"))?;
    security.add_output(
        "RuntimeSecurityGroupId",
        out(runtime_security_group.group.group_id(), "Security group of the runtimes"),
    )?;
    Ok((security, key, runtime_security_group))
}

/// The Storage stack and its image repository, encrypted with `key`.
pub(crate) fn storage(s: &Settings, key: &EncryptionKey) -> Result<(Stack, AgentRepository), SynthError> {
    let mut storage = new_stack(s, "Storage", "Encrypted, immutable, scanned ECR repository for agent images");
    let repository = AgentRepository::build(&mut storage, &s.repository_name, key.key.arn(), s.keep_images)?;
    storage.add_output("RepositoryUri", out(repository.repository.repository_uri(), "Push agent images here"))?;
    storage.add_output("RepositoryArn", out(repository.repository.arn(), "The image repository"))?;
    Ok((storage, repository))
}

/// Each runtime's execution role, in the Security stack, by config key.
pub(crate) fn roles(s: &Settings, security: &mut Stack) -> Result<BTreeMap<String, ExecutionRole>, SynthError> {
    let mut roles = BTreeMap::new();
    for r in &s.runtimes {
        let role = ExecutionRole::build(
            security,
            &format!("{}ExecutionRole", r.logical),
            &ExecutionRoleProps {
                runtime_name: r.spec.name.clone(),
                // Named, not imported: Storage uses Security's key, so Security cannot import from Storage.
                repository_arn: Expr::sub(
                    &format!(
                        "arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{AWS::AccountId}}:repository/{}",
                        s.repository_name
                    ),
                    [],
                ),
                model_ids: r.models.clone(),
                user_id_tokens: s.workload_user_id_tokens,
            },
        )?;
        roles.insert(r.key.clone(), role);
    }
    // The seed's contract output; the role lives here, and an output in the AgentCore stack
    // would only re-export an import. Every role's ARN is also exported for the runtimes.
    if let Some(r) = s.runtimes.first() {
        security.add_output(
            "ExecutionRoleArn",
            out(roles[&r.key].role.arn(), &format!("Execution role of runtime {}", r.spec.name)),
        )?;
    }
    Ok(roles)
}
