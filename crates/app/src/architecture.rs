//! The standard architecture: Network -> Security -> Storage -> AgentCore -> Monitoring, built from
//! [`Settings`]. It is a library value: teams add their own stacks and grants before synthesis.

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Output, Stack};
use corestack_constructs::network::PrivateNetwork;
use corestack_constructs::role::ExecutionRole;
use corestack_constructs::runtime::AgentRuntime;
use corestack_constructs::security::{EncryptionKey, RuntimeSecurityGroup};
use corestack_constructs::storage::AgentRepository;
use corestack_constructs::transaction_search;

use crate::assembly::{Assembly, RuntimeEntry};
use crate::config::Settings;

pub use crate::synth_error::SynthError;

/// The standard stacks and the handles to what is in them.
#[derive(Debug)]
pub struct StandardArchitecture {
    /// The settings it was built from.
    pub settings: Settings,
    /// VPC, subnets, endpoints.
    pub network: Stack,
    /// Key, runtime security group, flow logs, execution roles.
    pub security: Stack,
    /// Image repository.
    pub storage: Stack,
    /// Runtimes and endpoints, split over as many stacks as needed.
    pub agentcore: Vec<Stack>,
    /// Alarms and dashboards, one stack per AgentCore stack.
    pub monitoring: Vec<Stack>,
    /// Stacks added by the user.
    pub extra: Vec<Stack>,
    /// The account's Transaction Search, when `[observability] transaction_search` asks for it.
    pub transaction_search: Option<Stack>,
    /// Memories, gateways and credential providers, when the config has any.
    pub platform: Option<crate::platform_stack::PlatformStack>,
    /// The network's handles.
    pub private_network: PrivateNetwork,
    /// The encryption key.
    pub key: EncryptionKey,
    /// The runtimes' security group.
    pub runtime_security_group: RuntimeSecurityGroup,
    /// The image repository.
    pub repository: AgentRepository,
    /// Execution roles by runtime key (the name in the config file).
    pub roles: BTreeMap<String, ExecutionRole>,
    /// Runtimes by key.
    pub runtimes: BTreeMap<String, AgentRuntime>,
    /// Where each runtime is and its names, in config order, for the manifest.
    pub placements: Vec<RuntimeEntry>,
}

impl StandardArchitecture {
    /// The CloudFormation stack name for a part: `<project>-<environment>-<part>`.
    pub fn stack_name(settings: &Settings, part: &str) -> String {
        format!("{}-{}-{part}", settings.project.name, settings.environment.name)
    }

    /// A new empty stack named for this project and environment, with its tags.
    pub fn new_stack(&self, part: &str, description: &str) -> Stack {
        new_stack(&self.settings, part, description)
    }

    /// Adds a user stack to the app.
    pub fn add_stack(&mut self, stack: Stack) {
        self.extra.push(stack);
    }

    /// Builds every standard stack.
    pub fn build(settings: &Settings) -> Result<StandardArchitecture, SynthError> {
        let s = settings;
        let (network, private_network) = crate::base_stacks::network(s)?;
        let (mut security, key, runtime_security_group) = crate::base_stacks::security(s, &private_network)?;
        let (storage, repository) = crate::base_stacks::storage(s, &key)?;
        let platform = crate::platform_stack::PlatformStack::build(
            s,
            new_stack(s, "Platform", "AgentCore memories, gateways and credential providers"),
            &key.key.arn(),
        )?;

        let roles = crate::base_stacks::roles(s, &mut security)?;
        let base = crate::agentcore_stacks::Base {
            settings: s,
            roles: &roles,
            network: &private_network,
            security_group: &runtime_security_group,
            repository: &repository,
            key: &key,
            platform: platform.as_ref(),
        };
        let built = crate::agentcore_stacks::build(&base)?;
        Ok(StandardArchitecture {
            settings: s.clone(),
            network,
            security,
            storage,
            agentcore: built.agentcore,
            monitoring: built.monitoring,
            extra: Vec::new(),
            transaction_search: transaction_search(s)?,
            platform,
            private_network,
            key,
            runtime_security_group,
            repository,
            roles,
            runtimes: built.runtimes,
            placements: built.placements,
        })
    }

    /// Links the stacks (cross-stack references become exports and imports) and renders the
    /// assembly, in deployment order.
    pub fn synth(self) -> Result<Assembly, SynthError> {
        let (platform_stack, platform) = match self.platform {
            Some(p) => (Some(p.stack), p.entries),
            None => (None, Vec::new()),
        };
        let mut stacks: Vec<Stack> = self
            .transaction_search
            .into_iter()
            .chain([self.network, self.security, self.storage])
            .chain(platform_stack)
            .chain(self.agentcore)
            .chain(self.monitoring)
            .chain(self.extra)
            .collect();
        let order = corestack_cfn::link(&mut stacks)?;
        stacks.sort_by_key(|s| order.iter().position(|n| n == s.name()));
        let mut placements = self.placements;
        placements.sort_by_key(|p| self.settings.runtimes.iter().position(|r| r.key == p.key));
        Ok(Assembly::from_stacks(&self.settings.environment, &stacks, placements)?.with_platform(platform))
    }
}

pub(crate) fn new_stack(settings: &Settings, part: &str, description: &str) -> Stack {
    let mut stack = Stack::new(
        &StandardArchitecture::stack_name(settings, part),
        &format!("corestack {}: {description}", settings.environment.name),
    );
    stack.set_tags(settings.tags.clone());
    stack
}

/// The account's Transaction Search stack, named for the account and Region rather than the
/// project, since the setting is one per account and Region.
fn transaction_search(settings: &Settings) -> Result<Option<Stack>, SynthError> {
    let Some(percent) = settings.observability.transaction_search else { return Ok(None) };
    let mut stack = Stack::new(
        transaction_search::STACK_NAME,
        "corestack: CloudWatch Transaction Search for the account and Region (shared by every project here)",
    );
    stack.set_tags(settings.tags.clone());
    transaction_search::build(&mut stack, percent)?;
    Ok(Some(stack))
}

pub(crate) fn out(value: Expr, description: &str) -> Output {
    Output { value, description: description.to_string(), export_name: None }
}
