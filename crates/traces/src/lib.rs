//! The deployed runtimes' traces, from X-Ray: the recent ones (`GetTraceSummaries`, then
//! `BatchGetTraces` for their segments), kept when a segment names one of the runtimes (its ID
//! or ARN, which AgentCore puts in the spans' resource: `cloud.resource_id`,
//! `aws.log.group.names`) and, when asked, carries the session's ID; and one trace as a span tree.
//!
//! With CloudWatch Transaction Search on, X-Ray keeps every span in CloudWatch Logs and indexes a
//! share of them (`[observability] transaction_search_indexing_percent`) as the trace summaries
//! listed here; `get` finds any trace by its ID.

pub mod render;
pub mod segments;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_xray::Client;
use aws_smithy_types::DateTime;
use corestack_aws::AwsFailure;
use serde::Serialize;

pub use segments::{Span, SpanStatus, Trace};

/// `GetTraceSummaries` takes at most this much time per call (X-Ray API reference).
const WINDOW: Duration = Duration::from_secs(6 * 3600);
/// `BatchGetTraces` takes at most five IDs.
const BATCH: usize = 5;
/// How many summaries a listing reads at most before it stops looking.
const SCAN: usize = 1_000;
/// Pages read of one listing, at most (X-Ray's pages hold dozens; real traces need a few).
const MAX_PAGES: usize = 100;
/// Segments read of one trace batch, at most.
const MAX_SEGMENTS: usize = 50_000;

/// A deployed runtime, as traces are matched to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeRef {
    /// Its name in the config.
    pub key: String,
    /// Its runtime ID.
    pub id: String,
}

/// What to list.
#[derive(Clone, Debug)]
pub struct Query {
    /// How far back.
    pub since: Duration,
    /// The runtimes whose traces are wanted.
    pub runtimes: Vec<RuntimeRef>,
    /// Only this session's traces.
    pub session: Option<String>,
    /// At most this many traces, newest first.
    pub limit: usize,
}

/// A listed trace and the runtime it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listed {
    /// The runtime's name in the config.
    pub runtime: String,
    /// The trace.
    #[serde(flatten)]
    pub trace: Trace,
}

/// Why a trace could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The ID is neither form of a trace ID.
    #[error(
        "`{0}` is not a trace ID\n    fix: use X-Ray's form, 1-<8 hex digits>-<24 hex digits>, or the 32 hex digits of a W3C trace ID"
    )]
    NotAnId(String),
    /// X-Ray has no such trace.
    #[error(
        "X-Ray has no trace {id} in {region}\n    fix: check the ID and the environment's region; X-Ray keeps traces 30 days"
    )]
    NotFound {
        /// The ID asked for.
        id: String,
        /// The region asked in.
        region: String,
    },
    /// X-Ray failed.
    #[error(transparent)]
    Aws(Box<AwsFailure>),
}

impl From<AwsFailure> for TraceError {
    fn from(f: AwsFailure) -> Self {
        TraceError::Aws(Box::new(f))
    }
}

/// An ID that is not one, or a trace that is not there, is the user's to fix.
impl corestack_fault::Blamed for TraceError {
    fn blame(&self) -> corestack_fault::Blame {
        match self {
            TraceError::Aws(_) => corestack_fault::Blame::Aws,
            _ => corestack_fault::Blame::Input,
        }
    }
}

/// `id` in X-Ray's form (see [`xray_trace_id`]), or the error that says how to write one.
pub fn parse_trace_id(id: &str) -> Result<String, TraceError> {
    xray_trace_id(id).ok_or_else(|| TraceError::NotAnId(id.to_string()))
}

/// Reads traces through the X-Ray API.
#[derive(Clone, Debug)]
pub struct TraceReader {
    client: Client,
}

/// The X-Ray form of a trace ID: `1-<8 hex>-<24 hex>` as given, or made from the 32 hex digits
/// of a W3C trace ID (what OpenTelemetry tools show). `None` for anything else.
pub fn xray_trace_id(id: &str) -> Option<String> {
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = id.split('-').collect();
    match parts.as_slice() {
        ["1", a, b] if a.len() == 8 && b.len() == 24 && hex(a) && hex(b) => Some(id.to_ascii_lowercase()),
        [w3c] if w3c.len() == 32 && hex(w3c) => Some(format!("1-{}-{}", &w3c[..8], &w3c[8..]).to_ascii_lowercase()),
        _ => None,
    }
}

impl TraceReader {
    /// A reader on this AWS configuration.
    pub fn new(config: &aws_config::SdkConfig) -> TraceReader {
        TraceReader { client: Client::new(config) }
    }

    /// The traces with these IDs (those X-Ray has), from their segments.
    async fn traces(&self, ids: &[String]) -> Result<Vec<Trace>, AwsFailure> {
        let mut docs: Vec<(String, Vec<String>)> = Vec::new();
        let mut token = None;
        let (mut pages, mut segments_read) = (0, 0);
        let cut = loop {
            // A service (or a stand-in) that answers a next token for ever, or segments without
            // end, must not page or grow for ever: stop at a cap, and say so on the trace.
            if pages == MAX_PAGES || segments_read >= MAX_SEGMENTS {
                break true;
            }
            pages += 1;
            let out = self
                .client
                .batch_get_traces()
                .set_trace_ids(Some(ids.to_vec()))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsFailure::from_sdk("xray:BatchGetTraces", Some(&ids.join(", ")), &e))?;
            for t in out.traces() {
                let id = t.id().unwrap_or_default().to_string();
                segments_read += t.segments().len();
                let segments = t.segments().iter().filter_map(|s| s.document().map(str::to_string));
                match docs.iter_mut().find(|(i, _)| *i == id) {
                    Some((_, d)) => d.extend(segments),
                    None => docs.push((id, segments.collect())),
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break false;
            }
        };
        Ok(docs
            .into_iter()
            .map(|(id, d)| {
                let mut t = segments::trace(&id, d);
                t.cut = cut;
                t
            })
            .collect())
    }

    /// Trace `id` (X-Ray or W3C form), or `None` when X-Ray has no such trace.
    pub async fn get(&self, id: &str) -> Result<Option<Trace>, AwsFailure> {
        let Some(id) = xray_trace_id(id) else { return Ok(None) };
        Ok(self.traces(&[id]).await?.into_iter().next())
    }

    /// Trace `id` (X-Ray or W3C form) of `region`, or the error that says it is not one or not there.
    pub async fn find(&self, id: &str, region: &str) -> Result<Trace, TraceError> {
        parse_trace_id(id)?;
        let found = self.get(id).await?;
        found.ok_or_else(|| TraceError::NotFound { id: id.to_string(), region: region.to_string() })
    }

    /// The IDs of the traces X-Ray summarizes between `since` ago and now, newest window first.
    async fn summaries(&self, since: Duration) -> Result<Vec<String>, AwsFailure> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let oldest = now.saturating_sub(since);
        let mut ids: Vec<(f64, String)> = Vec::new();
        let mut end = now;
        while end > oldest && ids.len() < SCAN {
            let start = end.saturating_sub(WINDOW).max(oldest);
            let mut token = None;
            for _ in 0..MAX_PAGES {
                let out = self
                    .client
                    .get_trace_summaries()
                    .start_time(DateTime::from_secs_f64(start.as_secs_f64()))
                    .end_time(DateTime::from_secs_f64(end.as_secs_f64()))
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsFailure::from_sdk("xray:GetTraceSummaries", None, &e))?;
                for s in out.trace_summaries() {
                    let (Some(id), at) = (s.id(), s.start_time().map(DateTime::as_secs_f64).unwrap_or(0.0)) else {
                        continue;
                    };
                    if !ids.iter().any(|(_, i)| i == id) {
                        ids.push((at, id.to_string()));
                    }
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() || ids.len() >= SCAN {
                    break;
                }
            }
            end = start;
        }
        ids.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// The newest traces of `query.runtimes` (and of `query.session`), newest first.
    pub async fn list(&self, query: &Query) -> Result<Vec<Listed>, AwsFailure> {
        let ids = self.summaries(query.since).await?;
        let mut found = Vec::new();
        for chunk in ids.chunks(BATCH) {
            for trace in self.traces(chunk).await? {
                let Some(runtime) = query.runtimes.iter().find(|r| trace.mentions(&r.id)) else { continue };
                if query.session.as_ref().is_some_and(|s| trace.session.as_ref() != Some(s)) {
                    continue;
                }
                found.push(Listed { runtime: runtime.key.clone(), trace });
            }
            if found.len() >= query.limit {
                break;
            }
        }
        found.sort_by(|a, b| b.trace.start.total_cmp(&a.trace.start));
        found.truncate(query.limit);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::xray_trace_id;

    #[test]
    fn trace_ids_in_either_form() {
        assert_eq!(
            xray_trace_id("1-5759E988-bd862e3fe1be46a994272793").as_deref(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(
            xray_trace_id("4bf92f3577b34da6a3ce929d0e0e4736").as_deref(),
            Some("1-4bf92f35-77b34da6a3ce929d0e0e4736")
        );
        for bad in ["", "1-xyz-abc", "2-5759e988-bd862e3fe1be46a994272793", "4bf92f3577b34da6a3ce929d0e0e47"] {
            assert_eq!(xray_trace_id(bad), None, "{bad}");
        }
    }
}
