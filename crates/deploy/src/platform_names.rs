//! Memories and gateways of the same AgentCore name outside this project's stacks. Whether the
//! service refuses a second memory or gateway of a name is not documented (their CloudFormation
//! primary identifiers are the ARN and the gateway ID, not the name), so this is a note before
//! any stack changes, not a refusal: it names the other one and the config key that renames ours.
//!
//! A memory's ID is its name, a dash and ten characters (the `memoryId` pattern of the data-plane
//! API reference), and ListMemories returns IDs only; ListGateways returns names.

use aws_sdk_bedrockagentcorecontrol::Client;
use corestack_app::platform_stack::PlatformEntry;

use crate::{AwsFailure, DeployError};

/// Every memory of the account and Region as (name, ID), and every gateway likewise.
pub async fn existing(client: &Client) -> Result<Vec<(&'static str, String, String)>, DeployError> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = client.list_memories().set_next_token(token).send().await.map_err(|e| {
            DeployError::Aws(Box::new(AwsFailure::from_sdk(
                "bedrock-agentcore:ListMemories",
                Some("the memories of this account and Region"),
                &e,
            )))
        })?;
        for m in page.memories() {
            let id = m.id().unwrap_or_default().to_string();
            all.push(("memory", memory_name(&id).to_string(), id));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut token = None;
    loop {
        let page = client.list_gateways().set_next_token(token).send().await.map_err(|e| {
            DeployError::Aws(Box::new(AwsFailure::from_sdk(
                "bedrock-agentcore:ListGateways",
                Some("the gateways of this account and Region"),
                &e,
            )))
        })?;
        for g in page.items() {
            all.push(("gateway", g.name().to_string(), g.gateway_id().to_string()));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(all);
        }
    }
}

/// The name in a memory ID: all before the last dash.
pub fn memory_name(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(name, _)| name)
}

/// A note for each of `entries` whose name another memory or gateway has; `ours` are the IDs
/// this project's stacks hold.
pub fn notes(entries: &[PlatformEntry], ours: &[String], existing: &[(&str, String, String)]) -> Vec<String> {
    let mut notes = Vec::new();
    for e in entries {
        let other = existing.iter().find(|(kind, name, id)| *kind == e.kind && name == &e.name && !ours.contains(id));
        if let Some((_, _, id)) = other {
            let section = if e.kind == "memory" { "memories" } else { "gateways" };
            notes.push(format!(
                "a {} named {} already exists outside this project's stacks ({id}); if AgentCore refuses the name, the {} stack fails: rename ours with `{section}[{}].name`",
                e.kind, e.name, e.stack, e.key
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, key: &str, name: &str) -> PlatformEntry {
        PlatformEntry {
            kind: kind.into(),
            key: key.into(),
            name: name.into(),
            stack: "p-dev-Platform".into(),
            id_output: String::new(),
            arn_output: String::new(),
            url_output: None,
            variable: String::new(),
            retained: kind == "memory",
        }
    }

    #[test]
    fn a_memory_name_is_its_id_before_the_suffix() {
        assert_eq!(memory_name("notes_dev-AbCdE12345"), "notes_dev");
        assert_eq!(memory_name("my-memory_dev-AbCdE12345"), "my-memory_dev");
        assert_eq!(memory_name("odd"), "odd");
    }

    #[test]
    fn only_another_projects_namesake_gets_a_note() {
        let entries = [entry("memory", "notes", "notes_dev"), entry("gateway", "tools", "tools-dev")];
        let existing = vec![
            ("memory", "notes_dev".to_string(), "notes_dev-OURS000000".to_string()),
            ("memory", "notes_dev".to_string(), "notes_dev-THEIRS0000".to_string()),
            ("gateway", "other-dev".to_string(), "other-dev-x".to_string()),
            ("memory", "tools-dev".to_string(), "tools-dev-y".to_string()),
        ];
        let said = notes(&entries, &["notes_dev-OURS000000".to_string()], &existing);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("notes_dev-THEIRS0000") && said[0].contains("`memories[notes].name`"), "{}", said[0]);
        assert!(
            notes(&entries, &["notes_dev-OURS000000".to_string(), "notes_dev-THEIRS0000".to_string()], &existing)
                .is_empty()
        );
    }
}
