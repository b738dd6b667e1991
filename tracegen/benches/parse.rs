//! Parsing preloaded header-only caida-like frames into records, on one core.
//!
//! The target is at least 100 M records/s. The trace is generated once (2^20 frames,
//! 64 captured bytes each) and parsed in order, as a worker parses its receive ring.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tracegen::{GenConfig, Profile, generate};
use wire::parse_frame;

fn parse(c: &mut Criterion) {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, 1 << 20, 1)).expect("generate");
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("caida_like_header_only", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for (i, f) in frames.iter().enumerate() {
                if let Ok(r) = parse_frame(&f, i as u32) {
                    acc = acc.wrapping_add(u64::from(r.sport) ^ u64::from(r.wire_len()));
                }
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
