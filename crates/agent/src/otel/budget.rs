//! Span export bounded by bytes, not only by count: a caller can put a megabyte in a context
//! ID, and a collector that never answers would otherwise keep 2,048 such spans (2 GB) queued.
//!
//! Each ended span is shortened first: every string value to a length limit (the OpenTelemetry
//! variables `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` or `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, in
//! characters, 2,048 by default), and what is past [`SPAN_BYTES`] dropped and counted as dropped.
//! Then the queue takes the span only while what it holds stays under [`QUEUE_BYTES`] and under
//! the count the batch processor was given; the exporter gives the bytes back as it takes each
//! batch, whatever becomes of the export.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter, SpanProcessor};

/// The most a queued span keeps of its attributes and events, in bytes.
pub const SPAN_BYTES: usize = 64 * 1024;
/// The most the export queue holds, in bytes.
pub const QUEUE_BYTES: usize = 16 * 1024 * 1024;
const DEFAULT_VALUE_CHARS: usize = 2048;

/// What the queue holds now, shared by the processor (which adds) and the exporter (which takes
/// away).
#[derive(Debug, Default)]
struct Held {
    bytes: AtomicUsize,
    spans: AtomicUsize,
}

/// The processor in front of the batch processor: shortens each span and keeps the queue in budget.
#[derive(Debug)]
pub struct Budgeted<P> {
    inner: P,
    held: Arc<Held>,
    max_spans: usize,
    value_chars: usize,
    warned: AtomicBool,
}

/// The exporter behind the batch processor: gives back what each batch held.
#[derive(Debug)]
pub struct Accounted<E> {
    inner: E,
    held: Arc<Held>,
}

/// The queue's count limit, as the batch processor reads it (`OTEL_BSP_MAX_QUEUE_SIZE`).
pub(crate) fn max_queue_spans() -> usize {
    let set = std::env::var("OTEL_BSP_MAX_QUEUE_SIZE").ok().and_then(|v| v.parse().ok());
    set.filter(|n| *n > 0).unwrap_or(2048)
}

fn value_chars() -> usize {
    let read = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok());
    read("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT")
        .or_else(|| read("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"))
        .unwrap_or(DEFAULT_VALUE_CHARS)
}

/// The exporter to give the batch processor, and the processor to put in front of it.
pub(crate) fn pair<E, P>(exporter: E, batch: impl FnOnce(Accounted<E>) -> P) -> Budgeted<P> {
    let held = Arc::new(Held::default());
    let inner = batch(Accounted { inner: exporter, held: held.clone() });
    Budgeted { inner, held, max_spans: max_queue_spans(), value_chars: value_chars(), warned: AtomicBool::new(false) }
}

impl<P: SpanProcessor> SpanProcessor for Budgeted<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        shorten(&mut span, self.value_chars);
        let size = span_bytes(&span);
        let bytes = self.held.bytes.fetch_add(size, Ordering::AcqRel) + size;
        let spans = self.held.spans.fetch_add(1, Ordering::AcqRel) + 1;
        if bytes > QUEUE_BYTES || spans > self.max_spans {
            self.held.bytes.fetch_sub(size, Ordering::AcqRel);
            self.held.spans.fetch_sub(1, Ordering::AcqRel);
            if !self.warned.swap(true, Ordering::Relaxed) {
                eprintln!("corestack-agent: span export is behind; spans are dropped while the queue is full");
            }
            return;
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: SpanExporter> SpanExporter for Accounted<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let bytes: usize = batch.iter().map(span_bytes).sum();
        self.held.bytes.fetch_sub(bytes, Ordering::AcqRel);
        self.held.spans.fetch_sub(batch.len(), Ordering::AcqRel);
        self.inner.export(batch)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// What a span costs in the queue: its own size and the text it carries.
fn span_bytes(span: &SpanData) -> usize {
    let events: usize = span.events.iter().map(|e| e.name.len() + attributes_bytes(&e.attributes) + 64).sum();
    let links: usize = span.links.iter().map(|l| attributes_bytes(&l.attributes) + 64).sum();
    std::mem::size_of::<SpanData>() + span.name.len() + attributes_bytes(&span.attributes) + events + links
}

fn attributes_bytes(attributes: &[KeyValue]) -> usize {
    attributes.iter().map(|kv| kv.key.as_str().len() + value_bytes(&kv.value) + 32).sum()
}

fn value_bytes(value: &Value) -> usize {
    match value {
        Value::String(s) => s.as_str().len(),
        Value::Array(Array::String(items)) => items.iter().map(|s| s.as_str().len() + 24).sum(),
        Value::Array(Array::Bool(items)) => items.len(),
        Value::Array(Array::I64(items)) => items.len() * 8,
        Value::Array(Array::F64(items)) => items.len() * 8,
        _ => 8,
    }
}

/// Cuts every string to `chars` characters, then drops the attributes, events and links past
/// [`SPAN_BYTES`], counting them as dropped.
fn shorten(span: &mut SpanData, chars: usize) {
    let mut left = SPAN_BYTES;
    left = keep_within(&mut span.attributes, &mut span.dropped_attributes_count, chars, left);
    for event in span.events.events.iter_mut() {
        left = keep_within(&mut event.attributes, &mut event.dropped_attributes_count, chars, left);
    }
    for link in span.links.links.iter_mut() {
        left = keep_within(&mut link.attributes, &mut link.dropped_attributes_count, chars, left);
    }
    if let opentelemetry::trace::Status::Error { description } = &mut span.status
        && let Some(cut) = char_cut(description, chars)
    {
        *description = description[..cut].to_string().into();
    }
}

/// Shortens `attributes` in place and keeps those that fit in `left` bytes; returns what is left.
fn keep_within(attributes: &mut Vec<KeyValue>, dropped: &mut u32, chars: usize, mut left: usize) -> usize {
    let before = attributes.len();
    attributes.retain_mut(|kv| {
        shorten_value(&mut kv.value, chars);
        let size = kv.key.as_str().len() + value_bytes(&kv.value);
        if size > left {
            return false;
        }
        left -= size;
        true
    });
    *dropped += (before - attributes.len()) as u32;
    left
}

fn shorten_value(value: &mut Value, chars: usize) {
    match value {
        Value::String(s) => shorten_string(s, chars),
        Value::Array(Array::String(items)) => items.iter_mut().for_each(|s| shorten_string(s, chars)),
        _ => {}
    }
}

fn shorten_string(s: &mut StringValue, chars: usize) {
    if let Some(cut) = char_cut(s.as_str(), chars) {
        *s = StringValue::from(s.as_str()[..cut].to_string());
    }
}

/// The byte index after the first `chars` characters, when the text is longer than that.
fn char_cut(text: &str, chars: usize) -> Option<usize> {
    if text.len() <= chars {
        return None;
    }
    text.char_indices().nth(chars).map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(attributes: Vec<KeyValue>) -> SpanData {
        SpanData {
            span_context: opentelemetry::trace::SpanContext::empty_context(),
            parent_span_id: opentelemetry::trace::SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: opentelemetry::trace::SpanKind::Server,
            name: "invocation".into(),
            start_time: std::time::SystemTime::UNIX_EPOCH,
            end_time: std::time::SystemTime::UNIX_EPOCH,
            attributes,
            dropped_attributes_count: 0,
            events: Default::default(),
            links: Default::default(),
            status: opentelemetry::trace::Status::Unset,
            instrumentation_scope: Default::default(),
        }
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let mut s = span(vec![KeyValue::new("a2a.context.id", "é".repeat(5000)), KeyValue::new("n", 7)]);
        shorten(&mut s, 2048);
        assert_eq!(s.attributes[0].value.as_str().chars().count(), 2048);
        assert_eq!(s.attributes[1].value, Value::I64(7));
        assert_eq!(s.dropped_attributes_count, 0);
    }

    #[test]
    fn what_is_past_the_span_budget_is_dropped_and_counted() {
        let many = (0..100).map(|i| KeyValue::new(format!("k{i}"), "x".repeat(2048))).collect();
        let mut s = span(many);
        shorten(&mut s, 2048);
        let kept = s.attributes.len();
        assert!((30..100).contains(&kept), "kept {kept}");
        assert_eq!(s.dropped_attributes_count as usize, 100 - kept);
        assert!(span_bytes(&s) < SPAN_BYTES + 8 * 1024);
    }

    #[test]
    fn short_text_is_left_alone() {
        assert_eq!(char_cut("short", 2048), None);
        assert_eq!(char_cut("ééé", 2), Some(4));
    }
}
