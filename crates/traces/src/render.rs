//! Traces as text: a table of recent traces, and one trace as an indented span tree.

use std::fmt::Write;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use corestack_text::one_line;

use crate::{Listed, Span, Trace};

/// The listed traces as `traces --json` prints them: id, runtime, start, duration, status, session
/// and span count of each, newest first.
pub fn list_json(listed: &[Listed]) -> String {
    let rows: Vec<serde_json::Value> = listed
        .iter()
        .map(|l| {
            serde_json::json!({
                "id": l.trace.id, "runtime": l.runtime, "start": l.trace.start,
                "duration_ms": l.trace.duration_ms, "status": l.trace.status,
                "session": l.trace.session, "spans": l.trace.spans().len(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&rows).expect("plain data")
}

/// `2026-11-30T15:04:05.123Z`.
fn when(epoch_s: f64) -> String {
    DateTime::from_secs_f64(epoch_s).fmt(Format::DateTime).unwrap_or_else(|_| epoch_s.to_string())
}

fn ms(d: Option<f64>) -> String {
    match d {
        Some(d) if d >= 10.0 => format!("{d:.0} ms"),
        Some(d) => format!("{d:.1} ms"),
        None => "in progress".into(),
    }
}

/// One line per trace, newest first, under a header; or a sentence when there is none.
pub fn list(traces: &[Listed]) -> String {
    if traces.is_empty() {
        return "no traces in that time (X-Ray lists the share of spans Transaction Search indexes; see `[observability] transaction_search_indexing_percent`)\n".into();
    }
    let rows: Vec<[String; 7]> = traces
        .iter()
        .map(|l| {
            let t = &l.trace;
            [
                one_line(&t.id).into_owned(),
                when(t.start),
                ms(Some(t.duration_ms)),
                t.status.as_str().to_string(),
                l.runtime.clone(),
                t.session.as_deref().map_or("-".into(), |s| one_line(s).into_owned()),
                t.spans().len().to_string(),
            ]
        })
        .collect();
    let header = ["TRACE", "STARTED", "DURATION", "STATUS", "RUNTIME", "SESSION", "SPANS"].map(String::from);
    let widths: Vec<usize> = (0..7)
        .map(|i| std::iter::once(&header).chain(&rows).map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

fn span(out: &mut String, s: &Span, depth: usize) {
    // Names and attributes are what the agent (or a caller, through it) wrote: one line each,
    // with no terminal escapes.
    let attrs: Vec<String> = s.attributes.iter().map(|(k, v)| format!("{}={}", one_line(k), one_line(v))).collect();
    let _ = writeln!(
        out,
        "{}{}  {}  {}{}{}",
        "  ".repeat(depth),
        one_line(&s.name),
        ms(s.duration_ms),
        s.status.as_str(),
        if attrs.is_empty() { "" } else { "  " },
        attrs.join(" ")
    );
    for c in &s.children {
        span(out, c, depth + 1);
    }
}

/// The trace's header line, then each span indented under its parent: name, duration, status
/// and attributes.
pub fn tree(t: &Trace) -> String {
    let mut out = format!(
        "trace {}  started {}  {}  {}{}\n",
        one_line(&t.id),
        when(t.start),
        ms(Some(t.duration_ms)),
        t.status.as_str(),
        t.session.as_ref().map(|s| format!("  session {}", one_line(s))).unwrap_or_default()
    );
    for r in &t.roots {
        span(&mut out, r, 1);
    }
    if t.cut {
        out.push_str("  (X-Ray's answer went on past 100 pages or 50,000 segments; the spans read so far are shown)\n");
    }
    if t.flattened > 0 {
        out.push_str(&format!(
            "  ({} spans deeper than {} levels are shown at level {})\n",
            t.flattened,
            crate::segments::MAX_DEPTH,
            crate::segments::MAX_DEPTH
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segments::trace;
    use serde_json::json;

    #[test]
    fn a_trace_renders_as_an_indented_tree_and_a_table_row() {
        let doc = json!({"id": "a", "name": "invocation", "start_time": 1_764_514_800.0, "end_time": 1_764_514_801.25,
            "annotations": {"session.id": "s-1"},
            "subsegments": [{"id": "b", "name": "chat", "start_time": 1_764_514_800.1, "end_time": 1_764_514_800.105, "fault": true}]});
        let t = trace("1-692c5df0-000000000000000000000001", vec![doc.to_string()]);
        assert_eq!(
            tree(&t),
            "trace 1-692c5df0-000000000000000000000001  started 2025-11-30T15:00:00Z  1250 ms  fault  session s-1\n  invocation  1250 ms  ok  session.id=s-1\n    chat  5.0 ms  fault\n"
        );
        let table = list(&[Listed { runtime: "demo_agent".into(), trace: t }]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("TRACE") && lines[0].ends_with("SPANS"), "{table}");
        assert!(lines[1].contains("1250 ms   fault   demo_agent  s-1      2"), "{table}");
    }

    /// Issue 27, 8: a segment's names and annotations are written by the agent, or by a caller
    /// through it, and were printed with their terminal escapes.
    #[test]
    fn what_a_segment_says_is_printed_on_one_line_without_escapes() {
        let doc = json!({"id": "a", "name": "inv\u{1b}[2Jocation", "start_time": 1.0, "end_time": 2.0,
            "annotations": {"session.id": "s\n1\u{7}"}});
        let t = trace("1-x", vec![doc.to_string()]);
        let text = tree(&t);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
        assert!(text.contains("inv\\u{1b}[2Jocation") && text.contains("session s\\n1\\u{7}"), "{text}");
        assert_eq!(text.lines().count(), 2, "{text}");
        let table = list(&[Listed { runtime: "r".into(), trace: t }]);
        assert!(!table.contains('\u{1b}') && table.lines().count() == 2, "{table}");
    }
}
