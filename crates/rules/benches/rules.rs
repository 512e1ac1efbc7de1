//! Rule evaluation time over synthesized assemblies (templates already parsed, as `check` has them).

use std::hint::black_box;

use corestack_rules::{Model, check};
use criterion::{Criterion, criterion_group, criterion_main};

fn model(config: &str) -> Model {
    let settings =
        corestack_app::Settings::from_toml(config, "bench.toml".as_ref(), Some("dev")).expect("valid config");
    Model::new(corestack_app::synth(&settings).expect("synthesizes").documents(), false)
}

fn bench(c: &mut Criterion) {
    let default = model(corestack_app::DEFAULT_CONFIG);
    let hundred = model(&corestack_app::fixtures::many_runtimes(100));
    assert_eq!(check(&hundred, &[]).findings, vec![], "the 100-runtime assembly is clean");
    c.bench_function("check default assembly", |b| b.iter(|| check(black_box(&default), &[])));
    c.bench_function("check 100-runtime assembly", |b| b.iter(|| check(black_box(&hundred), &[])));
}

criterion_group!(benches, bench);
criterion_main!(benches);
