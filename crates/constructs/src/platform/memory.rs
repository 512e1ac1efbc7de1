//! An AgentCore Memory: encrypted with the project key, kept when its stack is deleted (it holds
//! users' conversations), with its strategies, and an execution role only when a custom
//! strategy runs a model of its own.

use corestack_cfn::policy::PolicyDocument;
use corestack_cfn::resources::agentcore_platform::Memory;
use corestack_cfn::resources::iam::{Policy, Role};
use corestack_cfn::{Expr, Handle, Stack};

use super::{MemorySpec, StrategyKind, StrategySpec};
use crate::Error;

/// A built memory.
#[derive(Clone, Debug)]
pub struct BuiltMemory {
    /// The memory.
    pub memory: Handle<Memory>,
    /// Its execution role, when a custom strategy needs one.
    pub role: Option<Handle<Role>>,
}

fn strategy(s: &StrategySpec) -> Expr {
    let mut fields = vec![("Name", Expr::from(s.name.as_str()))];
    if let Some(d) = &s.description {
        fields.push(("Description", d.as_str().into()));
    }
    if !s.namespaces.is_empty() {
        fields.push(("Namespaces", Expr::list(s.namespaces.iter().map(String::as_str))));
    }
    let Some(custom) = &s.custom else {
        let kind = match s.kind {
            StrategyKind::Semantic => "SemanticMemoryStrategy",
            StrategyKind::Summary => "SummaryMemoryStrategy",
            StrategyKind::UserPreference => "UserPreferenceMemoryStrategy",
            StrategyKind::Episodic => "EpisodicMemoryStrategy",
        };
        return Expr::map([(kind, Expr::map(fields))]);
    };
    let step = |prompt: &str| {
        Expr::map([("AppendToPrompt", Expr::from(prompt)), ("ModelId", Expr::from(custom.model_id.as_str()))])
    };
    let mut steps = Vec::new();
    if let Some(p) = &custom.extraction_prompt {
        steps.push(("Extraction", step(p)));
    }
    if let Some(p) = &custom.consolidation_prompt {
        steps.push(("Consolidation", step(p)));
    }
    let base = match s.kind {
        StrategyKind::Semantic => "SemanticOverride",
        StrategyKind::Summary => "SummaryOverride",
        StrategyKind::UserPreference => "UserPreferenceOverride",
        StrategyKind::Episodic => "EpisodicOverride",
    };
    fields.push(("Configuration", Expr::map([(base, Expr::map(steps))])));
    Expr::map([("CustomMemoryStrategy", Expr::map(fields))])
}

/// Adds memory `spec` (logical ID `id`), encrypted with `key_arn`.
pub fn build(stack: &mut Stack, id: &str, spec: &MemorySpec, key_arn: &Expr) -> Result<BuiltMemory, Error> {
    let models = spec.models();
    let role = if models.is_empty() {
        None
    } else {
        let role = crate::role::service_role(
            stack,
            &format!("{id}Role"),
            &format!("memory/{}", spec.name),
            &format!("Runs the custom strategies' models of AgentCore memory {}", spec.name),
        )?;
        stack.add(
            &format!("{id}RolePolicy"),
            Policy {
                policy_name: "agentcore-memory".into(),
                policy_document: Some(PolicyDocument::new(crate::models::statements(&models))),
                roles: vec![role.as_ref()],
            },
        )?;
        Some(role)
    };
    let memory = stack.add(
        id,
        Memory {
            name: spec.name.as_str().into(),
            description: spec.description.as_deref().map(Expr::from),
            event_expiry_duration: Expr::Int(i64::from(spec.event_expiry_days)),
            encryption_key_arn: Some(key_arn.clone()),
            memory_execution_role_arn: role.as_ref().map(Handle::<Role>::arn),
            memory_strategies: spec.strategies.iter().map(strategy).collect(),
            ..Default::default()
        },
    )?;
    // Memories hold users' conversations and what was learned from them: kept when the stack goes.
    stack.retain(&memory);
    Ok(BuiltMemory { memory, role })
}
