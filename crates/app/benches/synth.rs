//! Synthesis time, in process: config text to rendered templates (no file writes).
//! The whole-process number (start to exit, files written) comes from `scripts/bench-synth.sh`.

use std::hint::black_box;
use std::path::Path;

use corestack_app::{DEFAULT_CONFIG, Settings, fixtures};
use criterion::{Criterion, criterion_group, criterion_main};

fn synth(text: &str) -> usize {
    let settings = Settings::from_toml(text, Path::new("bench.toml"), Some("dev")).expect("valid config");
    corestack_app::synth(&settings).expect("synthesizes").templates.iter().map(|(_, body)| body.len()).sum()
}

fn bench(c: &mut Criterion) {
    let hundred = fixtures::many_runtimes(100);
    c.bench_function("synth default config", |b| b.iter(|| synth(black_box(DEFAULT_CONFIG))));
    c.bench_function("synth 100 runtimes", |b| b.iter(|| synth(black_box(&hundred))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
