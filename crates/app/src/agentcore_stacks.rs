//! The AgentCore stacks and their Monitoring twins: runtimes packed into as many stacks as the
//! CloudFormation limits need, each runtime with its outputs, logs, deliveries and alarms.

use std::collections::BTreeMap;

use corestack_cfn::{Expr, Output, Stack, limits};
use corestack_constructs::deliveries::LogDelivery;
use corestack_constructs::monitoring::{self, WatchedRuntime};
use corestack_constructs::network::PrivateNetwork;
use corestack_constructs::platform::grants;
use corestack_constructs::platform::monitoring as platform_monitoring;
use corestack_constructs::role::ExecutionRole;
use corestack_constructs::runtime::AgentRuntime;
use corestack_constructs::security::{EncryptionKey, RuntimeSecurityGroup};
use corestack_constructs::storage::AgentRepository;

use crate::architecture::{new_stack, out};
use crate::assembly::{RuntimeEntry, RuntimeOutputs};
use crate::config::{RuntimeSettings, Settings};
use crate::platform_stack::PlatformStack;
use crate::runtime_stack::{image_parameter, runtime, runtime_logical_id};
use crate::synth_error::SynthError;

/// What the AgentCore stacks build on: the settings and the stacks before them.
pub(crate) struct Base<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) roles: &'a BTreeMap<String, ExecutionRole>,
    pub(crate) network: &'a PrivateNetwork,
    pub(crate) security_group: &'a RuntimeSecurityGroup,
    pub(crate) repository: &'a AgentRepository,
    pub(crate) key: &'a EncryptionKey,
    pub(crate) platform: Option<&'a PlatformStack>,
}

/// The AgentCore and Monitoring stacks, and what the manifest needs of each runtime.
pub(crate) struct AgentCoreStacks {
    pub(crate) agentcore: Vec<Stack>,
    pub(crate) monitoring: Vec<Stack>,
    pub(crate) runtimes: BTreeMap<String, AgentRuntime>,
    pub(crate) placements: Vec<RuntimeEntry>,
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

/// Builds one AgentCore stack and one Monitoring stack per group of runtimes that fits.
pub(crate) fn build(base: &Base<'_>) -> Result<AgentCoreStacks, SynthError> {
    let s = base.settings;
    let mut built = AgentCoreStacks {
        agentcore: Vec::new(),
        monitoring: Vec::new(),
        runtimes: BTreeMap::new(),
        placements: Vec::new(),
    };
    // Alarm actions: the topics the config names, and the topic corestack makes for the
    // config's email addresses (in the first Monitoring stack; the others import it).
    let mut alarm_actions: Vec<Expr> = s.alarm_actions.iter().map(Expr::from).collect();
    for (i, group) in
        pack(&s.runtimes, s.runtimes_per_stack as usize, &s.observability.deliveries).into_iter().enumerate()
    {
        let mut stack = new_stack(s, &numbered("AgentCore", i), "AgentCore runtimes and their endpoints");
        let mut watched = Vec::new();
        for r in group {
            let primary = s.runtimes.first().is_some_and(|p| p.key == r.key);
            let (runtime, entry) = add_runtime(base, &mut stack, r, primary)?;
            watched.push(WatchedRuntime {
                name: r.spec.name.clone(),
                arn: runtime.runtime.agent_runtime_arn(),
                endpoints: std::iter::once("DEFAULT".to_string())
                    .chain(r.spec.endpoints.iter().map(|e| e.name.clone()))
                    .collect(),
            });
            built.placements.push(entry);
            built.runtimes.insert(r.key.clone(), runtime);
        }
        built.monitoring.push(monitoring_stack(base, i, &watched, &mut alarm_actions)?);
        built.agentcore.push(stack);
    }
    Ok(built)
}

/// One runtime in its AgentCore stack: the runtime with its URL parameter, its grants to the
/// platform, its outputs, log groups and deliveries; and its manifest entry.
fn add_runtime(
    base: &Base<'_>,
    stack: &mut Stack,
    r: &RuntimeSettings,
    primary: bool,
) -> Result<(AgentRuntime, RuntimeEntry), SynthError> {
    let (s, key) = (base.settings, base.key.key.arn());
    let role = &base.roles[&r.key];
    let mut extra = base.platform.map(|p| p.environment(r)).unwrap_or_default();
    let url_parameter = crate::runtime_url::add(stack, r, &mut extra)?;
    let runtime = runtime(stack, r, role, base.network, base.security_group, base.repository, extra)?;
    if let Some(p) = base.platform {
        grants::grant(stack, &format!("{}PlatformAccess", r.logical), role, &p.uses(r, &key))?;
    }
    let names = outputs(stack, s, r, &runtime, primary)?;
    let retention = s.observability.runtime_log_retention_days;
    let log_groups =
        corestack_constructs::runtime_logs::build(stack, &runtime_logical_id(r), &runtime, &key, retention)?;
    let source = corestack_constructs::deliveries::Source {
        kind: "runtime",
        name: r.spec.name.clone(),
        arn: runtime.runtime.agent_runtime_arn(),
        id: runtime.runtime.agent_runtime_id(),
    };
    let deliveries = &s.observability.deliveries;
    corestack_constructs::deliveries::build(stack, &runtime_logical_id(r), &source, deliveries, &key, retention)?;
    let entry = RuntimeEntry {
        key: r.key.clone(),
        name: r.spec.name.clone(),
        stack: stack.name().to_string(),
        logical_id: runtime_logical_id(r),
        image_parameter: image_parameter(r),
        url_parameter,
        outputs: names,
        endpoints: r.spec.endpoints.iter().map(|e| e.name.clone()).collect(),
        log_groups,
    };
    Ok((runtime, entry))
}

/// The Monitoring stack of the `i`th AgentCore stack: alarms and a dashboard on its runtimes;
/// the first also holds the email topic and the platform's alarms and dashboard.
fn monitoring_stack(
    base: &Base<'_>,
    i: usize,
    watched: &[WatchedRuntime],
    alarm_actions: &mut Vec<Expr>,
) -> Result<Stack, SynthError> {
    let s = base.settings;
    let env = &s.environment.name;
    let mut mon = new_stack(s, &numbered("Monitoring", i), "Alarms and dashboard on AgentCore runtime metrics");
    if i == 0 && !s.alarm_emails.is_empty() {
        let topic = monitoring::alarm_topic(&mut mon, &s.alarm_emails, base.key.key.arn())?;
        mon.add_output("AlarmTopicArn", out(topic.as_ref(), "SNS topic the alarms notify"))?;
        alarm_actions.push(topic.as_ref());
    }
    monitoring::alarms(&mut mon, watched, &s.thresholds, alarm_actions)?;
    if let (0, Some(p)) = (i, base.platform) {
        let watched = p.watched(s);
        platform_monitoring::alarms(&mut mon, &watched, &s.thresholds, alarm_actions)?;
        platform_monitoring::dashboard(&mut mon, &format!("{}-{env}-platform", s.project.name), &watched)?;
    }
    let suffix = if i == 0 { String::new() } else { format!("-{}", i + 1) };
    monitoring::dashboard(&mut mon, &format!("{}-{env}-agentcore{suffix}", s.project.name), watched)?;
    Ok(mon)
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
