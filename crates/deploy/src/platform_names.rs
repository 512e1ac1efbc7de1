//! Memories and gateways of the same AgentCore name outside this project's stacks. Whether the
//! service refuses a second memory or gateway of a name is not documented (their CloudFormation
//! primary identifiers are the ARN and the gateway ID, not the name), so this is a note before
//! any stack changes, not a refusal: it names the other one and the config key that renames ours.
//!
//! A memory's ID is its name, a dash and ten characters (the `memoryId` pattern of the data-plane
//! API reference), and ListMemories returns IDs only; ListGateways returns names.

use aws_sdk_bedrockagentcorecontrol::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use corestack_app::platform_stack::PlatformEntry;

use crate::{AwsFailure, DeployError};

/// A memory or gateway of the account and Region, by its AgentCore name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// `memory` or `gateway`, as [`PlatformEntry::kind`].
    pub kind: &'static str,
    /// Its AgentCore name.
    pub name: String,
    /// Its ID.
    pub id: String,
}

/// Every memory and gateway of the account and Region, every page.
pub async fn existing(client: &Client) -> Result<Vec<Named>, DeployError> {
    let mut all = Vec::new();
    let mut memories = client.list_memories().into_paginator().items().send();
    while let Some(m) = memories.next().await {
        let id = m.map_err(fail("bedrock-agentcore:ListMemories", "memories"))?.id().unwrap_or_default().to_string();
        all.push(Named { kind: "memory", name: memory_name(&id).to_string(), id });
    }
    let mut gateways = client.list_gateways().into_paginator().items().send();
    while let Some(g) = gateways.next().await {
        let g = g.map_err(fail("bedrock-agentcore:ListGateways", "gateways"))?;
        all.push(Named { kind: "gateway", name: g.name().to_string(), id: g.gateway_id().to_string() });
    }
    Ok(all)
}

/// How a failed list call reads: the operation, and what it lists.
fn fail<E>(op: &'static str, what: &'static str) -> impl FnOnce(SdkError<E, HttpResponse>) -> DeployError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| {
        let subject = format!("the {what} of this account and Region");
        DeployError::Aws(Box::new(AwsFailure::from_sdk(op, Some(&subject), &e)))
    }
}

/// The name in a memory ID: all before the last dash.
pub fn memory_name(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(name, _)| name)
}

/// A note for each of `entries` whose name another memory or gateway has; `ours` are the IDs
/// this project's stacks hold.
pub fn notes(entries: &[PlatformEntry], ours: &[String], existing: &[Named]) -> Vec<String> {
    let mut notes = Vec::new();
    for e in entries {
        let other = existing.iter().find(|n| n.kind == e.kind && n.name == e.name && !ours.contains(&n.id));
        if let Some(Named { id, .. }) = other {
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
        let named = |kind, name: &str, id: &str| Named { kind, name: name.into(), id: id.into() };
        let existing = vec![
            named("memory", "notes_dev", "notes_dev-OURS000000"),
            named("memory", "notes_dev", "notes_dev-THEIRS0000"),
            named("gateway", "other-dev", "other-dev-x"),
            named("memory", "tools-dev", "tools-dev-y"),
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
