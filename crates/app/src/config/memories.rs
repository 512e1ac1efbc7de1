//! `[[memories]]`: names, event expiry and strategies, each checked against the service's rules.

use corestack_constructs::Problem;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{MemorySpec, StrategyKind, StrategyOverride, StrategySpec};

use super::{Problems, defaults};
use crate::raw_platform::{RawMemory, RawStrategy};

pub(super) fn memory(m: RawMemory, i: usize, env: &str, problems: &mut Problems<'_>) -> MemorySpec {
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
    let days = m.event_expiry_days.unwrap_or(defaults::MEMORY_EVENT_EXPIRY_DAYS);
    if !(3..=365).contains(&days) {
        problems.push(Problem::new(
            &format!("{at}.event_expiry_days"),
            format!("{days} is outside 3-365, the days CloudFormation lets a memory keep its events"),
            "use a number of days from 3 to 365",
        ));
    }
    let mut strategies: Vec<StrategySpec> = Vec::new();
    for (j, s) in m.strategies.into_iter().enumerate() {
        let at = format!("{at}.strategies[{j}]");
        if strategies.iter().any(|x| x.name == s.name) {
            problems.push(Problem::new(
                &format!("{at}.name"),
                format!("strategy `{}` is listed twice", s.name),
                "give each strategy its own name",
            ));
        }
        strategies.push(strategy(s, &at, problems));
    }
    MemorySpec { key: m.name, name, description: m.description, event_expiry_days: days, strategies }
}

/// One strategy of a memory: a built-in kind, its namespaces, and prompt additions if custom.
fn strategy(s: RawStrategy, at: &str, problems: &mut Problems<'_>) -> StrategySpec {
    let kind = StrategyKind::from(s.kind);
    if !names::memory_name(&s.name) {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("strategy name `{}` breaks [a-zA-Z][a-zA-Z0-9_]{{0,47}}", s.name),
            "use a letter, then letters, digits or underscores",
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
    let custom = custom_strategy(&s, kind, at, problems);
    StrategySpec { kind, name: s.name, description: s.description, namespaces: s.namespaces, custom }
}

/// The model and prompts that make a built-in strategy custom; none when none are given.
fn custom_strategy(
    s: &RawStrategy,
    kind: StrategyKind,
    at: &str,
    problems: &mut Problems<'_>,
) -> Option<StrategyOverride> {
    match (&s.model_id, &s.extraction_prompt, &s.consolidation_prompt) {
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
    }
}
