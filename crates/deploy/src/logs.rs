//! A runtime's application logs: the log group the service creates on the first invocation,
//! `/aws/bedrock-agentcore/runtimes/<runtime ID>-<endpoint>` (facts §10).

use aws_sdk_cloudwatchlogs::Client;

use crate::{AwsFailure, DeployError};

/// The log group of a runtime's endpoint.
pub fn log_group(runtime_id: &str, endpoint: &str) -> String {
    format!("/aws/bedrock-agentcore/runtimes/{runtime_id}-{endpoint}")
}

/// One log event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The log stream.
    pub stream: String,
    /// The message.
    pub message: String,
    /// The event ID, to skip repeats when following.
    pub id: String,
}

/// Parses a duration such as `90s`, `15m`, `2h` or `1d` into seconds.
pub fn parse_since(text: &str) -> Option<u64> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = number.parse().ok()?;
    Some(
        n * match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return None,
        },
    )
}

/// A `--since` value that is not a duration.
#[derive(Debug, thiserror::Error)]
#[error("--since `{0}` is not a duration\n    fix: use a number and s, m, h or d, e.g. 15m")]
pub struct NotADuration(pub String);

/// The flag is the user's to fix.
impl corestack_aws::Blamed for NotADuration {
    fn blame(&self) -> corestack_aws::Blame {
        corestack_aws::Blame::Input
    }
}

/// A `--since` value (90s, 15m, 2h, 1d) in seconds, or the error that says how to write one.
pub fn since_flag(text: &str) -> Result<u64, NotADuration> {
    parse_since(text).ok_or_else(|| NotADuration(text.to_string()))
}

/// What `logs` reads: how far back, whether it keeps reading, and which events.
#[derive(Clone, Debug)]
pub struct Tail {
    /// How far back to start, in seconds.
    pub since_s: u64,
    /// `--since` as the user wrote it, for what is said.
    pub since: String,
    /// Keep reading every `poll` until the sink fails.
    pub follow: bool,
    /// How often to read again when following.
    pub poll: std::time::Duration,
    /// Only events matching this CloudWatch Logs filter pattern (FilterLogEvents'
    /// `filterPattern`: a term, a quoted phrase, or a JSON pattern such as `{ $.level = "error" }`).
    pub filter: Option<String>,
}

impl Tail {
    /// A tail from `since` (a `--since` value, checked), polling every 2 s when following.
    pub fn new(since: &str, follow: bool, filter: Option<String>) -> Result<Tail, NotADuration> {
        let poll = std::time::Duration::from_secs(2);
        Ok(Tail { since_s: since_flag(since)?, since: since.to_string(), follow, poll, filter })
    }

    /// What is said before following `what` (a runtime's endpoint).
    pub fn following_line(&self, what: &str) -> String {
        format!("following the logs of {what}{} since {} ago; Ctrl-C stops", self.matching(), self.since)
    }

    /// What is said when `what` had no events to show.
    pub fn nothing_line(&self, what: &str) -> String {
        format!("no log events of {what}{} in the last {} (--since widens it)", self.matching(), self.since)
    }

    fn matching(&self) -> String {
        self.filter.as_ref().map(|f| format!(" matching `{f}`")).unwrap_or_default()
    }
}

/// Reads log events.
#[derive(Clone, Debug)]
pub struct LogReader {
    client: Client,
}

impl LogReader {
    /// A reader on this configuration.
    pub fn new(config: &aws_config::SdkConfig) -> LogReader {
        LogReader { client: Client::new(config) }
    }

    /// Whether a log group of exactly this name exists.
    pub async fn exists(&self, group: &str) -> Result<bool, DeployError> {
        let out = self.client.describe_log_groups().log_group_name_prefix(group).send().await.map_err(|e| {
            let subject = format!("log group {group}");
            DeployError::Aws(Box::new(AwsFailure::from_sdk("logs:DescribeLogGroups", Some(&subject), &e)))
        })?;
        Ok(out.log_groups().iter().any(|g| g.log_group_name() == Some(group)))
    }

    /// Events of a group from `start_ms` on (those matching `filter`, a filter pattern), oldest
    /// first, every page. `Ok(None)` when the group does not exist (yet).
    pub async fn events(
        &self,
        group: &str,
        start_ms: i64,
        filter: Option<&str>,
    ) -> Result<Option<Vec<Event>>, DeployError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .filter_log_events()
                .log_group_name(group)
                .start_time(start_ms)
                .set_filter_pattern(filter.map(str::to_string))
                .set_next_token(token)
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => return Ok(None),
                Err(e) => {
                    let subject = format!("log group {group}");
                    return Err(DeployError::Aws(Box::new(AwsFailure::from_sdk(
                        "logs:FilterLogEvents",
                        Some(&subject),
                        &e,
                    ))));
                }
            };
            for e in page.events() {
                out.push(Event {
                    timestamp: e.timestamp().unwrap_or(0),
                    stream: e.log_stream_name().unwrap_or_default().to_string(),
                    message: e.message().unwrap_or_default().trim_end().to_string(),
                    id: e.event_id().unwrap_or_default().to_string(),
                });
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        out.sort_by_key(|e| e.timestamp);
        Ok(Some(out))
    }

    /// Reads `group` from `tail.since_s` seconds ago, passing each event (that matches
    /// `tail.filter`) once to `sink`, oldest first; when following, keeps reading every
    /// `tail.poll` (and waits for a group that does not exist yet) until `sink` fails. Without
    /// following, a missing group is [`DeployError::NoLogGroup`]. Returns how many it passed on.
    pub async fn tail(
        &self,
        group: &str,
        tail: &Tail,
        sink: &mut dyn FnMut(&Event) -> std::io::Result<()>,
    ) -> Result<usize, DeployError> {
        let (since_s, follow, poll) = (tail.since_s, tail.follow, tail.poll);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mut start = now_ms - (since_s as i64) * 1000;
        let mut seen = std::collections::HashSet::new();
        let mut printed = 0;
        loop {
            match self.events(group, start, tail.filter.as_deref()).await? {
                None if !follow => return Err(DeployError::NoLogGroup { group: group.to_string() }),
                None => {}
                Some(events) => {
                    for e in events {
                        if seen.insert(e.id.clone()) {
                            if sink(&e).is_err() {
                                return Ok(printed);
                            }
                            printed += 1;
                            start = start.max(e.timestamp);
                        }
                    }
                    if !follow {
                        return Ok(printed);
                    }
                }
            }
            tokio::time::sleep(poll).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_group_names() {
        assert_eq!(parse_since("90s"), Some(90));
        assert_eq!(parse_since("15m"), Some(900));
        assert_eq!(parse_since("2h"), Some(7200));
        assert_eq!(parse_since("1d"), Some(86_400));
        assert_eq!(parse_since("1w"), None);
        assert_eq!(parse_since("h"), None);
        assert_eq!(log_group("a-AbCdE12345", "DEFAULT"), "/aws/bedrock-agentcore/runtimes/a-AbCdE12345-DEFAULT");
    }
}
