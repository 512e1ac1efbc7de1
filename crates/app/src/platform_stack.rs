//! The Platform stack: the config's credential providers, memories and gateways, between Storage
//! (whose key encrypts them) and the AgentCore stacks (whose runtimes use them), with the
//! memories' and gateways' vended logs and traces as `[observability] deliveries` asks. Its outputs are
//! what the runtimes' environment and grants refer to, and what `status` and `dev` read back.

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Output, Stack, pascal_case};
use corestack_constructs::deliveries::{self, Source};
use corestack_constructs::platform::gateway::BuiltGateway;
use corestack_constructs::platform::memory::BuiltMemory;
use corestack_constructs::platform::monitoring::WatchedResource;
use corestack_constructs::platform::{GatewayAuth, gateway, grants, identity, memory};
use serde::{Deserialize, Serialize};

use crate::architecture::SynthError;
use crate::config::{RuntimeSettings, Settings};

/// One memory or gateway in the manifest: where it is and the outputs that hold its identifiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformEntry {
    /// `memory` or `gateway`.
    pub kind: String,
    /// Its name in the config.
    pub key: String,
    /// Its AgentCore name.
    pub name: String,
    /// The stack that holds it.
    pub stack: String,
    /// The output with its ID.
    pub id_output: String,
    /// The output with its ARN.
    pub arn_output: String,
    /// The output with its MCP URL (gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_output: Option<String>,
    /// The environment variable that hands it to runtimes (the ID of a memory, the URL of a gateway).
    pub variable: String,
    /// Kept when its stack is deleted (memories).
    #[serde(default)]
    pub retained: bool,
}

/// The built Platform stack.
#[derive(Debug)]
pub struct PlatformStack {
    /// The stack.
    pub stack: Stack,
    /// Memories by config name.
    pub memories: BTreeMap<String, BuiltMemory>,
    /// Gateways by config name, with whether callers use IAM.
    pub gateways: BTreeMap<String, (BuiltGateway, bool)>,
    /// What the manifest records.
    pub entries: Vec<PlatformEntry>,
}

fn out(value: Expr, description: &str) -> Output {
    Output { value, description: description.to_string(), export_name: None }
}

impl PlatformStack {
    /// The Platform stack of `s`, or `None` when the config has no memory, gateway or provider.
    pub fn build(s: &Settings, stack: Stack, key_arn: &Expr) -> Result<Option<PlatformStack>, SynthError> {
        let p = &s.platform;
        if p.is_empty() {
            return Ok(None);
        }
        let mut stack = stack;
        let retention = s.observability.runtime_log_retention_days;
        let mut entries = Vec::new();
        let mut providers = BTreeMap::new();
        for spec in &p.providers {
            let id = format!("{}CredentialProvider", pascal_case(&spec.key));
            providers.insert(spec.key.clone(), identity::build(&mut stack, &id, spec)?);
        }
        let mut memories = BTreeMap::new();
        for spec in &p.memories {
            let id = format!("{}Memory", pascal_case(&spec.key));
            let built = memory::build(&mut stack, &id, spec, key_arn)?;
            stack.add_output(
                &format!("{id}Id"),
                out(built.memory.memory_id(), &format!("ID of memory {}", spec.name)),
            )?;
            stack.add_output(
                &format!("{id}Arn"),
                out(built.memory.memory_arn(), &format!("ARN of memory {}", spec.name)),
            )?;
            let source = Source {
                kind: "memory",
                name: format!("m-{}-{}", s.project.name, spec.name),
                arn: built.memory.memory_arn(),
                id: built.memory.memory_id(),
            };
            deliveries::build(&mut stack, &id, &source, &s.observability.deliveries, key_arn, retention)?;
            entries.push(PlatformEntry {
                kind: "memory".into(),
                key: spec.key.clone(),
                name: spec.name.clone(),
                stack: stack.name().to_string(),
                id_output: format!("{id}Id"),
                arn_output: format!("{id}Arn"),
                url_output: None,
                variable: corestack_constructs::platform::memory_variable(&spec.key),
                retained: true,
            });
            memories.insert(spec.key.clone(), built);
        }
        let mut gateways = BTreeMap::new();
        for spec in &p.gateways {
            let id = format!("{}Gateway", pascal_case(&spec.key));
            let built = gateway::build(&mut stack, &id, spec, key_arn, &providers, &p.providers)?;
            let g = &built.gateway;
            let source = Source {
                kind: "gateway",
                name: format!("g-{}-{}", s.project.name, spec.name),
                arn: g.gateway_arn(),
                id: g.gateway_identifier(),
            };
            deliveries::build(&mut stack, &id, &source, &s.observability.deliveries, key_arn, retention)?;
            stack
                .add_output(&format!("{id}Id"), out(g.gateway_identifier(), &format!("ID of gateway {}", spec.name)))?;
            stack.add_output(&format!("{id}Arn"), out(g.gateway_arn(), &format!("ARN of gateway {}", spec.name)))?;
            stack
                .add_output(&format!("{id}Url"), out(g.gateway_url(), &format!("MCP URL of gateway {}", spec.name)))?;
            entries.push(PlatformEntry {
                kind: "gateway".into(),
                key: spec.key.clone(),
                name: spec.name.clone(),
                stack: stack.name().to_string(),
                id_output: format!("{id}Id"),
                arn_output: format!("{id}Arn"),
                url_output: Some(format!("{id}Url")),
                variable: corestack_constructs::platform::gateway_variable(&spec.key),
                retained: false,
            });
            gateways.insert(spec.key.clone(), (built, spec.auth == GatewayAuth::Iam));
        }
        Ok(Some(PlatformStack { stack, memories, gateways, entries }))
    }

    /// The variables that hand runtime `r` the memories and gateways it names.
    pub fn environment(&self, r: &RuntimeSettings) -> BTreeMap<String, Expr> {
        let memories: Vec<(String, Expr)> =
            r.memories.iter().map(|k| (k.clone(), self.memories[k].memory.memory_id())).collect();
        let gateways: Vec<(String, Expr)> =
            r.gateways.iter().map(|k| (k.clone(), self.gateways[k].0.gateway.gateway_url())).collect();
        grants::environment(&memories, &gateways)
    }

    /// What runtime `r` is granted: its memories, and the gateways it calls with IAM.
    pub fn uses(&self, r: &RuntimeSettings, key_arn: &Expr) -> grants::Uses {
        grants::Uses {
            key: Some(key_arn.clone()),
            memories: r.memories.iter().map(|k| self.memories[k].memory.memory_arn()).collect(),
            gateways: r
                .gateways
                .iter()
                .filter(|k| self.gateways[*k].1)
                .map(|k| self.gateways[k].0.gateway.gateway_arn())
                .collect(),
        }
    }

    /// The memories and gateways, for alarms and the dashboard.
    pub fn watched(&self, s: &Settings) -> Vec<WatchedResource> {
        let memories = s.platform.memories.iter().map(|m| WatchedResource {
            kind: "memory",
            name: m.name.clone(),
            arn: self.memories[&m.key].memory.memory_arn(),
        });
        let gateways = s.platform.gateways.iter().map(|g| WatchedResource {
            kind: "gateway",
            name: g.name.clone(),
            arn: self.gateways[&g.key].0.gateway.gateway_arn(),
        });
        memories.chain(gateways).collect()
    }
}
