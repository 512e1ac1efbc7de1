//! The standard architecture: Network -> Security -> Storage -> AgentCore -> Monitoring, built from
//! [`Settings`]. It is a library value: teams add their own stacks and grants before synthesis.

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Output, Stack, limits};
use corestack_constructs::deliveries::LogDelivery;
use corestack_constructs::monitoring::{self, Watched};
use corestack_constructs::network::PrivateNetwork;
use corestack_constructs::platform::grants;
use corestack_constructs::platform::monitoring as platform_monitoring;
use corestack_constructs::role::ExecutionRole;
use corestack_constructs::runtime::AgentRuntime;
use corestack_constructs::security::{EncryptionKey, RuntimeSecurityGroup};
use corestack_constructs::storage::AgentRepository;
use corestack_constructs::transaction_search;

use crate::assembly::{Assembly, RuntimeEntry, RuntimeOutputs};
use crate::config::{RuntimeSettings, Settings};
use crate::runtime_stack::{image_parameter, runtime, runtime_logical_id};

/// What can go wrong while building or synthesizing the architecture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// A construct refused its input.
    #[error(transparent)]
    Construct(#[from] corestack_constructs::Error),
    /// The template layer refused something.
    #[error(transparent)]
    Cfn(#[from] corestack_cfn::Error),
}

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

/// How much of each CloudFormation limit one runtime uses in its AgentCore and Monitoring stacks.
struct Cost {
    resources: usize,
    outputs: usize,
    alarms: usize,
}

fn cost(r: &RuntimeSettings, primary: bool, deliveries: &[LogDelivery]) -> Cost {
    let endpoints = r.spec.endpoints.len();
    // A delivery is a source, a destination and the delivery, plus a log group unless it is traces.
    let delivered: usize = deliveries.iter().map(|d| if *d == LogDelivery::Traces { 3 } else { 4 }).sum();
    Cost {
        // The runtime and its endpoints, each with its log group, and the deliveries.
        resources: 2 * (1 + endpoints) + delivered,
        // Four per runtime, one per endpoint, one export for monitoring, four more for the primary.
        outputs: 5 + endpoints + if primary { 4 } else { 0 },
        alarms: 4 * (1 + endpoints) + 1,
    }
}

/// Splits runtimes into groups that fit one AgentCore stack and one Monitoring stack each.
fn pack<'a>(
    runtimes: &'a [RuntimeSettings],
    per_stack: usize,
    deliveries: &[LogDelivery],
) -> Vec<Vec<&'a RuntimeSettings>> {
    let mut groups: Vec<Vec<&RuntimeSettings>> = Vec::new();
    let (mut res, mut out, mut alarms) = (0, 0, 1);
    for (i, r) in runtimes.iter().enumerate() {
        let c = cost(r, i == 0, deliveries);
        let fits = groups.last().is_some_and(|g| {
            g.len() < per_stack
                && res + c.resources <= limits::RESOURCES
                && out + c.outputs <= limits::OUTPUTS
                && alarms + c.alarms <= limits::RESOURCES
        });
        if !fits {
            groups.push(Vec::new());
            (res, out, alarms) = (0, 0, 1);
        }
        groups.last_mut().expect("a group was just pushed").push(r);
        res += c.resources;
        out += c.outputs;
        alarms += c.alarms;
    }
    groups
}

fn numbered(base: &str, i: usize) -> String {
    if i == 0 { base.to_string() } else { format!("{base}{}", i + 1) }
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
        let env = &s.environment.name;
        let (network, private_network) = crate::base_stacks::network(s)?;
        let (mut security, key, runtime_security_group) = crate::base_stacks::security(s, &private_network)?;
        let (storage, repository) = crate::base_stacks::storage(s, &key)?;
        let platform = crate::platform_stack::PlatformStack::build(
            s,
            new_stack(s, "Platform", "AgentCore memories, gateways and credential providers"),
            &key.key.arn(),
        )?;

        let roles = crate::base_stacks::roles(s, &mut security)?;

        let mut agentcore = Vec::new();
        let mut monitoring = Vec::new();
        let mut runtimes = BTreeMap::new();
        let mut placements = Vec::new();
        let primary = s.runtimes.first().map(|r| r.key.clone());
        // Alarm actions: the topics the config names, and the topic corestack makes for the
        // config's email addresses (in the first Monitoring stack; the others import it).
        let mut alarm_actions: Vec<Expr> = s.alarm_actions.iter().map(Expr::from).collect();
        for (i, group) in
            pack(&s.runtimes, s.runtimes_per_stack as usize, &s.observability.deliveries).into_iter().enumerate()
        {
            let mut stack = new_stack(s, &numbered("AgentCore", i), "AgentCore runtimes and their endpoints");
            let mut watched = Vec::new();
            for r in group {
                let role = &roles[&r.key];
                let mut extra = platform.as_ref().map(|p| p.environment(r)).unwrap_or_default();
                let url_parameter = crate::runtime_url::add(&mut stack, r, &mut extra)?;
                let runtime =
                    runtime(&mut stack, r, role, &private_network, &runtime_security_group, &repository, extra)?;
                if let Some(p) = &platform {
                    grants::grant(
                        &mut stack,
                        &format!("{}PlatformAccess", r.logical),
                        role,
                        &p.uses(r, &key.key.arn()),
                    )?;
                }
                let names = outputs(&mut stack, s, r, &runtime, primary.as_deref() == Some(r.key.as_str()))?;
                let log_groups = corestack_constructs::runtime_logs::build(
                    &mut stack,
                    &runtime_logical_id(r),
                    &runtime,
                    &key.key.arn(),
                    s.observability.runtime_log_retention_days,
                )?;
                let source = corestack_constructs::deliveries::Source {
                    kind: "runtime",
                    name: r.spec.name.clone(),
                    arn: runtime.runtime.agent_runtime_arn(),
                    id: runtime.runtime.agent_runtime_id(),
                };
                corestack_constructs::deliveries::build(
                    &mut stack,
                    &runtime_logical_id(r),
                    &source,
                    &s.observability.deliveries,
                    &key.key.arn(),
                    s.observability.runtime_log_retention_days,
                )?;
                placements.push(RuntimeEntry {
                    key: r.key.clone(),
                    name: r.spec.name.clone(),
                    stack: stack.name().to_string(),
                    logical_id: runtime_logical_id(r),
                    image_parameter: image_parameter(r),
                    url_parameter,
                    outputs: names,
                    endpoints: r.spec.endpoints.iter().map(|e| e.name.clone()).collect(),
                    log_groups,
                });
                watched.push(Watched {
                    name: r.spec.name.clone(),
                    arn: runtime.runtime.agent_runtime_arn(),
                    endpoints: std::iter::once("DEFAULT".to_string())
                        .chain(r.spec.endpoints.iter().map(|e| e.name.clone()))
                        .collect(),
                });
                runtimes.insert(r.key.clone(), runtime);
            }
            let mut mon = new_stack(s, &numbered("Monitoring", i), "Alarms and dashboard on AgentCore runtime metrics");
            if i == 0 && !s.alarm_emails.is_empty() {
                let topic = monitoring::alarm_topic(&mut mon, &s.alarm_emails, key.key.arn())?;
                mon.add_output("AlarmTopicArn", out(topic.as_ref(), "SNS topic the alarms notify"))?;
                alarm_actions.push(topic.as_ref());
            }
            monitoring::alarms(&mut mon, &watched, &s.thresholds, &alarm_actions)?;
            if let (0, Some(p)) = (i, &platform) {
                let watched = p.watched(s);
                platform_monitoring::alarms(&mut mon, &watched, &s.thresholds, &alarm_actions)?;
                platform_monitoring::dashboard(&mut mon, &format!("{}-{env}-platform", s.project.name), &watched)?;
            }
            monitoring::dashboard(
                &mut mon,
                &format!(
                    "{}-{env}-agentcore{}",
                    s.project.name,
                    if i == 0 { String::new() } else { format!("-{}", i + 1) }
                ),
                &watched,
            )?;
            agentcore.push(stack);
            monitoring.push(mon);
        }
        Ok(StandardArchitecture {
            settings: s.clone(),
            network,
            security,
            storage,
            agentcore,
            monitoring,
            extra: Vec::new(),
            transaction_search: transaction_search(s)?,
            platform,
            private_network,
            key,
            runtime_security_group,
            repository,
            roles,
            runtimes,
            placements,
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

/// The seed's outputs contract: per runtime with a PascalCase prefix, and for the primary runtime
/// also the unprefixed names, `AgentRuntimeArn` exported as `<Environment>-AgentRuntimeArn`.
/// Returns the runtime's own (prefixed) output keys, for the manifest.
fn outputs(
    stack: &mut Stack,
    s: &Settings,
    r: &RuntimeSettings,
    rt: &AgentRuntime,
    primary: bool,
) -> Result<RuntimeOutputs, SynthError> {
    // The seed's contract names exports by environment alone; `prefix_exports` puts the project
    // first, so that two projects with the same environment name can share an account and region.
    let env = if s.project.prefix_exports {
        format!("{}-{}", s.project.name, s.environment.name)
    } else {
        s.environment.name.clone()
    };
    let prefixes: &[&str] = if primary { &["", &r.logical] } else { &[&r.logical] };
    for prefix in prefixes {
        let export = if prefix.is_empty() {
            format!("{env}-AgentRuntimeArn")
        } else {
            format!("{env}-{prefix}-AgentRuntimeArn")
        };
        stack.add_output(
            &format!("{prefix}AgentRuntimeArn"),
            Output {
                value: rt.runtime.agent_runtime_arn(),
                description: format!("ARN of runtime {}", r.spec.name),
                export_name: Some(export),
            },
        )?;
        stack.add_output(
            &format!("{prefix}AgentRuntimeId"),
            out(rt.runtime.agent_runtime_id(), &format!("ID of runtime {}", r.spec.name)),
        )?;
        stack.add_output(
            &format!("{prefix}AgentRuntimeVersion"),
            out(rt.runtime.agent_runtime_version(), &format!("Current version of runtime {}", r.spec.name)),
        )?;
        stack.add_output(
            &format!("{prefix}AgentRuntimeEndpointUrl"),
            out(
                rt.invocation_url("DEFAULT"),
                &format!("HTTPS invocation URL of runtime {} (DEFAULT endpoint)", r.spec.name),
            ),
        )?;
    }
    for (name, ep) in &rt.endpoints {
        stack.add_output(
            &format!("{}{}EndpointArn", r.logical, name.replace('_', "")),
            out(ep.agent_runtime_endpoint_arn(), &format!("ARN of endpoint {name} of runtime {}", r.spec.name)),
        )?;
    }
    let prefix = &r.logical;
    Ok(RuntimeOutputs {
        arn: format!("{prefix}AgentRuntimeArn"),
        id: format!("{prefix}AgentRuntimeId"),
        version: format!("{prefix}AgentRuntimeVersion"),
        endpoint_url: format!("{prefix}AgentRuntimeEndpointUrl"),
    })
}
