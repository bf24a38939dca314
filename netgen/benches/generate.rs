//! Generation time for synthetic specs of 1k and 5k initcalls: the whole
//! pipeline (parse, analyze, IR, emit with formatting). Linear growth means
//! the 5k time is about 5x the 1k time. (10k initcalls in one file are
//! larger than a spec file may be, `limits::MAX_SPEC_FILE_BYTES`.)

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    for n in [1_000usize, 5_000] {
        let text = netgen::synthetic::spec(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("initcalls", n), &text, |b, text| {
            b.iter(|| {
                let c = netgen::compile_str("spec/synthetic.ng", text);
                let ir = c.ir.expect("synthetic spec is valid");
                netgen::emit::emit(&ir).expect("synthetic spec emits")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
