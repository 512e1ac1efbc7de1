//! What a key left out of corestack.toml means: every default in one table (docs/configuration.md
//! gives the same values, and the alarms' thresholds are `constructs::monitoring::Thresholds`'s
//! `Default`). `false` defaults of switches are not listed: a switch left out is off.

/// `[network] vpc_cidr`.
pub(crate) const VPC_CIDR: &str = "10.0.0.0/16";
/// `[network] flow_log_retention_days`.
pub(crate) const FLOW_LOG_RETENTION_DAYS: u32 = 90;
/// `[security] retain_key`: the KMS key outlives the stack.
pub(crate) const RETAIN_KEY: bool = true;
/// `[storage] keep_images`: the repository's lifecycle rule keeps this many images.
pub(crate) const KEEP_IMAGES: u32 = 30;
/// `[agentcore] runtimes_per_stack`.
pub(crate) const RUNTIMES_PER_STACK: u32 = 20;
/// `[observability] runtime_log_retention_days`.
pub(crate) const RUNTIME_LOG_RETENTION_DAYS: u32 = 30;
/// `[observability] transaction_search_indexing_percent` (the share of spans indexed as traces).
pub(crate) const TRANSACTION_SEARCH_INDEXING_PERCENT: u32 = 1;
/// `[[runtimes]] idle_timeout_seconds` (the service's default, facts §1.5).
pub(crate) const IDLE_TIMEOUT_SECONDS: u32 = 900;
/// `[[runtimes]] max_lifetime_seconds` (the service's default, eight hours).
pub(crate) const MAX_LIFETIME_SECONDS: u32 = 28_800;
/// `[runtimes.build] context`.
pub(crate) const BUILD_CONTEXT: &str = ".";
/// `[[memories]] event_expiry_days`.
pub(crate) const MEMORY_EVENT_EXPIRY_DAYS: u32 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each default is the one docs/configuration.md gives for its key.
    #[test]
    fn the_configuration_page_gives_each_default() {
        let page = include_str!("../../../../docs/configuration.md");
        let rows = [
            ("network.vpc_cidr", VPC_CIDR.to_string()),
            ("network.flow_log_retention_days", FLOW_LOG_RETENTION_DAYS.to_string()),
            ("security.retain_key", RETAIN_KEY.to_string()),
            ("storage.keep_images", KEEP_IMAGES.to_string()),
            ("agentcore.runtimes_per_stack", RUNTIMES_PER_STACK.to_string()),
            ("observability.runtime_log_retention_days", RUNTIME_LOG_RETENTION_DAYS.to_string()),
            ("observability.transaction_search_indexing_percent", TRANSACTION_SEARCH_INDEXING_PERCENT.to_string()),
            ("runtimes[].idle_timeout_seconds", IDLE_TIMEOUT_SECONDS.to_string()),
            ("runtimes[].max_lifetime_seconds", MAX_LIFETIME_SECONDS.to_string()),
            ("runtimes[].build.context", format!("\"{BUILD_CONTEXT}\"")),
            ("memories[].event_expiry_days", MEMORY_EVENT_EXPIRY_DAYS.to_string()),
        ];
        for (key, value) in rows {
            let row = format!("| `{key}` | `{value}` |");
            assert!(page.contains(&row), "docs/configuration.md has no row starting {row}");
        }
    }
}
