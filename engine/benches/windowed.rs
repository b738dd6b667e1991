//! The first aggregation stage's two windowed states, one window of records in and its
//! partial rows out, for two of the apps:
//! - `flat`: the batched flat tables ([`engine::state::flat_windows`]) every query without a
//!   cap or idle timeout runs on: groups of records hashed and prefetched a pass ahead, exact
//!   distinct as one table of (key, value) pairs per window;
//! - `hash-map`: the hash-map state ([`engine::state::windowed`]) capped queries run on, reached
//!   here with a cap no window fills, so both states see the same records and emit the same
//!   rows.
//!
//! `cargo bench -p engine --bench windowed`: 1 M IPv4 records in one 1 s window from 50 K
//! sources (each record's source drawn uniformly), each source talking to one of 4 destinations
//! of its own, so `sonata-superspreader` (distinct destinations per source) holds 50 K keys and
//! about 200 K pairs, and `src-count` (packets and bytes per source) 50 K keys. Compare the
//! variants within one run.

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use engine::query::AppKind;
use engine::query::partial::PartialAgg;
use engine::state::FlowEstimate;
use wire::PacketRecord;

const RECORDS: usize = 1 << 20;
const SOURCES: u64 = 50_000;
/// Records per `on_batch` call (the engine's default batch).
const BATCH: usize = 64;

fn stream() -> Vec<PacketRecord> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..RECORDS)
        .map(|i| {
            let x = next();
            let src = (x % SOURCES) as u32;
            let mut r = PacketRecord::default();
            r.src = wire::record::mapped_v4((0x0a00_0000 | src).to_be_bytes());
            r.dst = wire::record::mapped_v4([192, 168, (src % 200) as u8, ((x >> 40) % 4) as u8]);
            (r.sport, r.dport, r.proto) = (1024 + (src % 50_000) as u16, 443, 6);
            r.set_wire_len(64 + src % 1400);
            // Spread over the first 0.9 s of packet time: all in one 1 s window.
            r.ts_ns = i as u64 * 900_000_000 / RECORDS as u64;
            r
        })
        .collect()
}

fn windowed(c: &mut Criterion) {
    let records = stream();
    for app in [AppKind::SonataSuperspreader, AppKind::SrcCount] {
        let mut group = c.benchmark_group(format!("windowed/{}", app.name()));
        group.throughput(Throughput::Elements(RECORDS as u64));
        group.sample_size(10);
        for (name, spec) in [("flat", app.spec()), ("hash-map", app.spec().state_cap(1 << 40))] {
            let q = Arc::new(spec.compile().expect("the app compiles"));
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    let mut agg = PartialAgg::new(q.clone(), FlowEstimate::default());
                    let mut rows = Vec::new();
                    for batch in records.chunks(BATCH) {
                        agg.on_batch(batch, &mut rows);
                    }
                    agg.finish(&mut rows, |_| {});
                    assert_eq!(rows.len(), SOURCES as usize);
                    rows
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, windowed);
criterion_main!(benches);
