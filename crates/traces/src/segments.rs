//! X-Ray segment documents (the JSON `BatchGetTraces` returns for each segment) as a span tree.
//!
//! A segment has `id`, `name`, `start_time` and `end_time` (epoch seconds), maybe `parent_id`,
//! `fault`/`error`/`throttle` flags, `annotations` (flat), `metadata` (by namespace), `aws` and
//! `http` objects, and nested `subsegments` of the same shape (X-Ray developer guide, "Segment
//! documents"). Spans that arrive over OTLP are stored this way too, their attributes in
//! `annotations` and `metadata`. Segments of one trace link to each other by `parent_id`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

/// How a span (or a trace: its worst span) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanStatus {
    /// No flag set.
    Ok,
    /// Throttled (HTTP 429).
    Throttle,
    /// A client error (4xx).
    Error,
    /// A server error (5xx or an exception).
    Fault,
}

impl SpanStatus {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanStatus::Ok => "ok",
            SpanStatus::Throttle => "throttle",
            SpanStatus::Error => "error",
            SpanStatus::Fault => "fault",
        }
    }

    fn of(doc: &Value) -> SpanStatus {
        let set = |k: &str| doc[k].as_bool() == Some(true);
        if set("fault") {
            SpanStatus::Fault
        } else if set("error") {
            SpanStatus::Error
        } else if set("throttle") {
            SpanStatus::Throttle
        } else {
            SpanStatus::Ok
        }
    }
}

/// One span of a trace, with the spans under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Span {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it started, epoch seconds.
    pub start: f64,
    /// How long it took, in milliseconds (`None` while in progress).
    pub duration_ms: Option<f64>,
    /// How it ended.
    pub status: SpanStatus,
    /// Its annotations and metadata (namespace-free keys; a key in both keeps the annotation),
    /// values as text.
    pub attributes: BTreeMap<String, String>,
    /// The spans under it, by start time.
    pub children: Vec<Span>,
}

/// A whole trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    /// The trace ID (`1-<8 hex>-<24 hex>`).
    pub id: String,
    /// When its first span started, epoch seconds.
    pub start: f64,
    /// From its first span's start to its last span's end, in milliseconds.
    pub duration_ms: f64,
    /// Its worst span's status.
    pub status: SpanStatus,
    /// The session it belongs to (`session.id`), when a span says.
    pub session: Option<String>,
    /// The root spans (normally one), by start time.
    pub roots: Vec<Span>,
    /// Spans deeper than [`MAX_DEPTH`] levels, shown at that level instead (a hostile or broken
    /// chain of parent IDs must not overflow the stack of every walk over the tree).
    pub flattened: usize,
    /// Whether X-Ray's answer was cut at corestack's page or segment cap (a trace with more
    /// pages than a real one has): the spans shown are those read.
    pub cut: bool,
    /// The segment documents, unparsed: to match a trace to a runtime by its ID or ARN.
    #[serde(skip)]
    pub documents: Vec<String>,
}

impl Trace {
    /// Every span, depth first.
    pub fn spans(&self) -> Vec<&Span> {
        fn walk<'a>(s: &'a Span, out: &mut Vec<&'a Span>) {
            out.push(s);
            s.children.iter().for_each(|c| walk(c, out));
        }
        let mut out = Vec::new();
        self.roots.iter().for_each(|r| walk(r, &mut out));
        out
    }

    /// Whether any of its segments names `text` (a runtime's ID or ARN) anywhere.
    pub fn mentions(&self, text: &str) -> bool {
        self.documents.iter().any(|d| d.contains(text))
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn attributes(doc: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(meta) = doc["metadata"].as_object() {
        for values in meta.values().filter_map(Value::as_object) {
            out.extend(values.iter().filter_map(|(k, v)| Some((k.clone(), text(v)?))));
        }
    }
    if let Some(notes) = doc["annotations"].as_object() {
        out.extend(notes.iter().filter_map(|(k, v)| Some((k.clone(), text(v)?))));
    }
    out
}

/// Each span of `doc` and its subsegments, without children, with its parent's ID.
fn span(doc: &Value, flat: &mut Vec<(Option<String>, Span)>, parent: Option<String>) {
    let id = doc["id"].as_str().unwrap_or_default().to_string();
    let start = doc["start_time"].as_f64().unwrap_or(0.0);
    let duration_ms = doc["end_time"].as_f64().map(|end| ((end - start) * 1000.0).max(0.0));
    let node = Span {
        id: id.clone(),
        name: doc["name"].as_str().unwrap_or("?").to_string(),
        start,
        duration_ms,
        status: SpanStatus::of(doc),
        attributes: attributes(doc),
        children: Vec::new(),
    };
    let parent = parent.or_else(|| doc["parent_id"].as_str().map(str::to_string));
    flat.push((parent, node));
    for sub in doc["subsegments"].as_array().into_iter().flatten() {
        span(sub, flat, Some(id.clone()));
    }
}

/// How many levels a span tree shows; deeper spans hang at this level.
pub const MAX_DEPTH: usize = 64;

/// Each span's parent, with spans deeper than [`MAX_DEPTH`] moved up to the ancestor at level
/// `MAX_DEPTH - 1`; and how many were moved. Iterative: chains of any length, and cycles (whose
/// members become roots), cost no stack.
fn cap_depth(mut parent_of: Vec<Option<usize>>) -> (Vec<Option<usize>>, usize) {
    let n = parent_of.len();
    let mut depth: Vec<Option<usize>> = vec![None; n];
    let mut on_chain = vec![false; n];
    for start in 0..n {
        let mut chain = Vec::new();
        let mut at = Some(start);
        // Climb until a span of known depth, a root, or a span already on this climb (a cycle:
        // it is cut there, and becomes a root).
        while let Some(i) = at {
            if depth[i].is_some() {
                break;
            }
            if on_chain[i] {
                parent_of[i] = None;
                break;
            }
            on_chain[i] = true;
            chain.push(i);
            at = parent_of[i];
        }
        for &i in chain.iter().rev() {
            depth[i] = Some(parent_of[i].and_then(|p| depth[p]).map_or(0, |d| d + 1));
            on_chain[i] = false;
        }
    }
    let depth: Vec<usize> = depth.into_iter().map(|d| d.unwrap_or(0)).collect();
    let mut moved = 0;
    for i in 0..n {
        if depth[i] >= MAX_DEPTH {
            let mut up = parent_of[i];
            while let Some(p) = up.filter(|&p| depth[p] >= MAX_DEPTH - 1) {
                up = parent_of[p];
            }
            parent_of[i] = up;
            moved += 1;
        }
    }
    (parent_of, moved)
}

/// Builds the trace `id` from its segment documents (JSON text each). Documents that do not
/// parse are kept for [`Trace::mentions`] and otherwise left out.
pub fn trace(id: &str, documents: Vec<String>) -> Trace {
    let mut flat = Vec::new();
    for d in &documents {
        if let Ok(doc) = serde_json::from_str::<Value>(d) {
            span(&doc, &mut flat, None);
        }
    }
    let (parents, spans): (Vec<Option<String>>, Vec<Span>) = flat.into_iter().unzip();
    let index: HashMap<String, usize> = spans.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
    let parent_of: Vec<Option<usize>> = parents
        .iter()
        .enumerate()
        .map(|(i, p)| p.as_ref().and_then(|p| index.get(p)).copied().filter(|&j| j != i))
        .collect();
    let (parent_of, flattened) = cap_depth(parent_of);
    let mut children = vec![Vec::new(); spans.len()];
    let mut tops = Vec::new();
    for (i, parent) in parent_of.iter().enumerate() {
        match parent {
            Some(j) => children[*j].push(i),
            None => tops.push(i),
        }
    }
    // Each span is taken once, so a cycle of parent IDs cannot loop.
    fn build(i: usize, spans: &mut [Option<Span>], children: &[Vec<usize>]) -> Option<Span> {
        let mut s = spans[i].take()?;
        s.children = children[i].iter().filter_map(|&c| build(c, spans, children)).collect();
        Some(s)
    }
    let mut spans: Vec<Option<Span>> = spans.into_iter().map(Some).collect();
    let mut roots: Vec<Span> = tops.into_iter().filter_map(|i| build(i, &mut spans, &children)).collect();
    fn sort(spans: &mut [Span]) {
        spans.sort_by(|a, b| a.start.total_cmp(&b.start));
        spans.iter_mut().for_each(|s| sort(&mut s.children));
    }
    sort(&mut roots);
    let mut t = Trace {
        id: id.to_string(),
        start: 0.0,
        duration_ms: 0.0,
        status: SpanStatus::Ok,
        session: None,
        roots,
        flattened,
        cut: false,
        documents,
    };
    let spans = t.spans();
    let start = spans.iter().map(|s| s.start).fold(f64::INFINITY, f64::min);
    let end = spans.iter().map(|s| s.start + s.duration_ms.unwrap_or(0.0) / 1000.0).fold(f64::NEG_INFINITY, f64::max);
    let status = spans.iter().map(|s| s.status).max().unwrap_or(SpanStatus::Ok);
    let session = spans.iter().find_map(|s| {
        ["session.id", "session_id"].iter().find_map(|k| s.attributes.get(*k).filter(|v| !v.is_empty()).cloned())
    });
    if start.is_finite() {
        t.start = start;
        t.duration_ms = ((end - start) * 1000.0).max(0.0);
    }
    t.status = status;
    t.session = session;
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn segments_and_subsegments_become_one_tree_by_parent_id() {
        let root = json!({"id": "a1", "name": "agent", "trace_id": "1-x-y", "start_time": 100.0, "end_time": 101.5,
            "annotations": {"session.id": "s-1"}, "metadata": {"default": {"agentcore.protocol": "HTTP"}},
            "subsegments": [{"id": "b1", "name": "chat model", "start_time": 100.2, "end_time": 101.0, "error": true,
                             "metadata": {"default": {"gen_ai.usage.input_tokens": 12}}}]});
        // A segment of another service, called from the model span.
        let downstream = json!({"id": "c1", "name": "bedrock", "parent_id": "b1", "start_time": 100.3, "end_time": 100.9, "fault": true});
        let t = trace("1-x-y", vec![downstream.to_string(), root.to_string(), "not json".into()]);
        assert_eq!(t.roots.len(), 1);
        let r = &t.roots[0];
        assert_eq!((r.name.as_str(), r.duration_ms), ("agent", Some(1500.0)));
        assert_eq!(r.attributes["agentcore.protocol"], "HTTP");
        let model = &r.children[0];
        assert_eq!((model.name.as_str(), model.status), ("chat model", SpanStatus::Error));
        assert_eq!(model.attributes["gen_ai.usage.input_tokens"], "12");
        assert_eq!(model.children[0].name, "bedrock");
        assert_eq!(t.status, SpanStatus::Fault);
        assert_eq!(t.session.as_deref(), Some("s-1"));
        assert_eq!(t.duration_ms, 1500.0);
        assert_eq!(t.spans().len(), 3);
        assert!(t.mentions("not json") && !t.mentions("runtime/other"));
        assert_eq!(t.flattened, 0);
    }

    /// Issue 27, 12: 19,201 segments chained by parent_id overflowed the stack (abort).
    #[test]
    fn a_chain_of_twenty_thousand_segments_is_shown_to_a_bounded_depth() {
        let docs: Vec<String> = (0..20_000)
            .map(|i| {
                let mut d =
                    json!({"id": format!("s{i}"), "name": "n", "start_time": i as f64, "end_time": i as f64 + 0.5});
                if i > 0 {
                    d["parent_id"] = json!(format!("s{}", i - 1));
                }
                d.to_string()
            })
            .collect();
        let t = trace("1-x-y", docs);
        assert_eq!(t.spans().len(), 20_000);
        assert_eq!(t.flattened, 20_000 - MAX_DEPTH);
        let mut depth = 0;
        let mut at = &t.roots[0];
        while let Some(c) = at.children.iter().max_by_key(|c| c.children.len()) {
            depth += 1;
            at = c;
        }
        assert!(depth < MAX_DEPTH, "{depth}");
        // Linear in the spans: each line is at most the deepest indent and a name.
        assert!(crate::render::tree(&t).len() < 20_000 * (2 * MAX_DEPTH + 64));
        assert!(serde_json::to_string(&t).is_ok());
    }

    #[test]
    fn a_cycle_of_parent_ids_becomes_roots_not_a_loop() {
        let a = json!({"id": "a", "name": "a", "parent_id": "b", "start_time": 1.0});
        let b = json!({"id": "b", "name": "b", "parent_id": "a", "start_time": 2.0});
        let t = trace("1-x-y", vec![a.to_string(), b.to_string()]);
        assert_eq!(t.spans().len(), 2);
    }
}
