//! `[observability]`: the runtimes' log groups, their vended deliveries, and the account's
//! Transaction Search opt-in, with the environment's section over the file's.

use corestack_constructs::Problem;
use corestack_constructs::deliveries::LogDelivery;

use super::{Problems, defaults};
use crate::raw::RawObservability;

/// What `[observability]` resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservabilitySettings {
    /// How long the runtimes' log groups (their own and the vended ones) keep events, in days.
    pub runtime_log_retention_days: u32,
    /// The vended deliveries each runtime gets.
    pub deliveries: Vec<LogDelivery>,
    /// When the account's Transaction Search is asked for: the share of spans indexed, in percent.
    pub transaction_search: Option<u32>,
}

pub(super) fn observability(
    mut file: RawObservability,
    over: &RawObservability,
    problems: &mut Problems<'_>,
) -> ObservabilitySettings {
    file.merge(over);
    let days = file.runtime_log_retention_days.unwrap_or(defaults::RUNTIME_LOG_RETENTION_DAYS);
    problems
        .retention(("observability", "runtime_log_retention_days", over.runtime_log_retention_days.is_some()), days);
    let mut deliveries = Vec::new();
    let names = file.deliveries.unwrap_or_else(|| LogDelivery::ALL.iter().map(|d| d.key().to_string()).collect());
    for (i, name) in names.iter().enumerate() {
        let key = format!("{}[{i}]", problems.key("observability", "deliveries", over.deliveries.is_some()));
        match LogDelivery::from_key(name) {
            Some(d) if deliveries.contains(&d) => {
                problems.push(Problem::new(&key, format!("`{name}` is listed twice"), "list each delivery once"))
            }
            Some(d) => deliveries.push(d),
            None => problems.push(Problem::new(
                &key,
                format!("`{name}` is not a delivery AgentCore offers for a runtime"),
                "use application_logs, usage_logs or traces (or [] for none)",
            )),
        }
    }
    let percent = file.transaction_search_indexing_percent.unwrap_or(defaults::TRANSACTION_SEARCH_INDEXING_PERCENT);
    problems.within(
        ("observability", "transaction_search_indexing_percent", over.transaction_search_indexing_percent.is_some()),
        percent,
        0..=100,
        "a share of spans in percent; X-Ray indexes 1% at no extra charge",
    );
    ObservabilitySettings {
        runtime_log_retention_days: days,
        deliveries,
        transaction_search: file.transaction_search.unwrap_or(false).then_some(percent),
    }
}
