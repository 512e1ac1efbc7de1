//! What a runtime gets of the memories and gateways it names: exactly their data-plane actions on
//! exactly their ARNs, as a policy on its execution role, and their IDs and URLs as environment
//! variables.

use std::collections::BTreeMap;

use corestack_cfn::policy::Statement;
use corestack_cfn::{Expr, Stack};

use crate::Error;
use crate::role::ExecutionRole;

/// The memory data-plane actions an agent uses: short-term events, sessions and actors, and
/// long-term records (AgentCore developer guide, memory; the Service Authorization Reference).
pub const MEMORY_ACTIONS: [&str; 9] = [
    "bedrock-agentcore:CreateEvent",
    "bedrock-agentcore:GetEvent",
    "bedrock-agentcore:ListEvents",
    "bedrock-agentcore:DeleteEvent",
    "bedrock-agentcore:ListSessions",
    "bedrock-agentcore:ListActors",
    "bedrock-agentcore:RetrieveMemoryRecords",
    "bedrock-agentcore:GetMemoryRecord",
    "bedrock-agentcore:ListMemoryRecords",
];

/// Calling a gateway with SigV4 (`AWS_IAM` inbound authorization).
pub const GATEWAY_ACTION: &str = "bedrock-agentcore:InvokeGateway";

/// What one runtime uses: memory ARNs, and the ARNs of the gateways it calls with IAM.
#[derive(Clone, Debug, Default)]
pub struct Uses {
    /// The memories' ARNs.
    pub memories: Vec<Expr>,
    /// The IAM-authorized gateways' ARNs.
    pub gateways: Vec<Expr>,
    /// The key the memories are encrypted with.
    pub key: Option<Expr>,
}

/// Adds policy `id` to `role` in `stack` with exactly what `uses` needs; nothing when it names
/// nothing.
pub fn grant(stack: &mut Stack, id: &str, role: &ExecutionRole, uses: &Uses) -> Result<(), Error> {
    let mut statements = Vec::new();
    if !uses.memories.is_empty() {
        statements.push(Statement::allow("UseMemories", MEMORY_ACTIONS, uses.memories.clone()));
        // Memories encrypted with a customer managed key are read and written with the caller's
        // permissions on that key, through the service only (derived from KMS's forward-access
        // model; the AgentCore memory guide does not list it).
        if let Some(key) = &uses.key {
            statements.push(
                Statement::allow("UseMemoryKey", ["kms:Decrypt", "kms:GenerateDataKey"], vec![key.clone()]).when(
                    "StringEquals",
                    "kms:ViaService",
                    Expr::sub("bedrock-agentcore.${AWS::Region}.amazonaws.com", []),
                ),
            );
        }
    }
    if !uses.gateways.is_empty() {
        statements.push(Statement::allow("CallGateways", [GATEWAY_ACTION], uses.gateways.clone()));
    }
    if !statements.is_empty() {
        role.grant(stack, id, statements)?;
    }
    Ok(())
}

/// The environment variables that hand a runtime its memories' IDs and gateways' URLs, from
/// `(config name, value)` pairs: template expressions in synth, deployed values in `corestack
/// dev`, so that both give the same variables.
pub fn environment<V: Clone>(memories: &[(String, V)], gateways: &[(String, V)]) -> BTreeMap<String, V> {
    let mut env: BTreeMap<String, V> = memories.iter().map(|(k, id)| (super::memory_variable(k), id.clone())).collect();
    if let [(_, id)] = memories {
        env.insert(super::SINGLE_MEMORY_VARIABLE.to_string(), id.clone());
    }
    env.extend(gateways.iter().map(|(k, url)| (super::gateway_variable(k), url.clone())));
    env
}
