//! `[storage]`, `[agentcore]` and `[monitoring]`, with the environment's sections over the file's.

use corestack_constructs::Problem;
use corestack_constructs::limits;
use corestack_constructs::monitoring::Thresholds;

use super::{Problems, defaults};
use crate::raw::{RawAgentCore, RawMonitoring, RawStorage};

/// The repository name and how many images its lifecycle policy keeps.
pub(super) fn storage(
    mut file: RawStorage,
    over: &RawStorage,
    project_name: &str,
    env_name: &str,
    problems: &mut Problems<'_>,
) -> (String, u32) {
    file.merge(over);
    let repository_name = file.repository_name.clone().unwrap_or_else(|| format!("{}-{env_name}", project_name));
    if !project_name.is_empty()
        && let Err(v) = limits::repository_name(&repository_name)
    {
        problems.push(Problem::from_violation(
            &problems.key("storage", "repository_name", over.repository_name.is_some()),
            v,
        ));
    }
    let keep_images = file.keep_images.unwrap_or(defaults::KEEP_IMAGES);
    problems.within(
        ("storage", "keep_images", over.keep_images.is_some()),
        keep_images,
        1..=1000,
        "keep e.g. 30 images",
    );
    (repository_name, keep_images)
}

/// Most runtimes in one AgentCore stack, and the platform of runtimes that name none.
pub(super) fn agentcore(
    mut file: RawAgentCore,
    over: &RawAgentCore,
    problems: &mut Problems<'_>,
) -> (u32, Option<corestack_constructs::runtime::PlatformVersion>) {
    file.merge(over);
    let runtimes_per_stack = file.runtimes_per_stack.unwrap_or(defaults::RUNTIMES_PER_STACK);
    problems.within(
        ("agentcore", "runtimes_per_stack", over.runtimes_per_stack.is_some()),
        runtimes_per_stack,
        1..=50,
        "use e.g. 20; stacks also split by themselves before CloudFormation's limits",
    );
    (runtimes_per_stack, file.platform_version)
}

/// The alarm thresholds, the SNS topics alarms notify, and the emails corestack subscribes.
pub(super) fn monitoring(
    mut file: RawMonitoring,
    over: &RawMonitoring,
    problems: &mut Problems<'_>,
) -> (Thresholds, Vec<String>, Vec<String>) {
    file.merge(over);
    let m = file;
    let d = Thresholds::default();
    let thresholds = Thresholds {
        latency_ms: m.latency_ms.unwrap_or(d.latency_ms),
        latency_statistic: m.latency_statistic.clone().unwrap_or(d.latency_statistic),
        system_errors: m.system_errors.unwrap_or(d.system_errors),
        user_errors: m.user_errors.unwrap_or(d.user_errors),
        throttles: m.throttles.unwrap_or(d.throttles),
        period_seconds: m.period_seconds.unwrap_or(d.period_seconds),
        evaluation_periods: m.evaluation_periods.unwrap_or(d.evaluation_periods),
    };
    if ![10, 30].contains(&thresholds.period_seconds)
        && (thresholds.period_seconds == 0 || !thresholds.period_seconds.is_multiple_of(60))
    {
        problems.push(Problem::new(
            &problems.key("monitoring", "period_seconds", over.period_seconds.is_some()),
            format!("{} is not a CloudWatch alarm period", thresholds.period_seconds),
            "use 10, 30 or a multiple of 60",
        ));
    }
    problems.within(
        ("monitoring", "evaluation_periods", over.evaluation_periods.is_some()),
        thresholds.evaluation_periods,
        1..=100,
        "use e.g. 1",
    );
    let statistic = &thresholds.latency_statistic;
    if !(corestack_constructs::monitoring::is_percentile(statistic)
        || ["Average", "Maximum"].contains(&statistic.as_str()))
    {
        problems.push(Problem::new(
            &problems.key("monitoring", "latency_statistic", over.latency_statistic.is_some()),
            format!("`{statistic}` is not a latency statistic corestack alarms on"),
            "use a percentile such as \"p95\" or \"p99\", or \"Average\" or \"Maximum\"",
        ));
    }
    let alarm_emails = m.alarm_emails.unwrap_or_default();
    for (i, a) in alarm_emails.iter().enumerate() {
        let ok = a.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        }) && !a.contains(char::is_whitespace);
        if !ok {
            problems.push(Problem::new(
                &format!("{}[{i}]", problems.key("monitoring", "alarm_emails", over.alarm_emails.is_some())),
                format!("`{a}` is not an email address"),
                "write it as name@example.com; each address confirms its subscription once, from AWS's email",
            ));
        }
    }
    let alarm_actions = m.alarm_actions.unwrap_or_default();
    for (i, a) in alarm_actions.iter().enumerate() {
        if !(a.starts_with("arn:") && a.contains(":sns:")) {
            problems.push(Problem::new(
                &format!("{}[{i}]", problems.key("monitoring", "alarm_actions", over.alarm_actions.is_some())),
                format!("`{a}` is not an SNS topic ARN"),
                "use arn:aws:sns:<region>:<account>:<topic>",
            ));
        }
    }
    (thresholds, alarm_actions, alarm_emails)
}
