//! The flow table against general-purpose hash maps, counting packets and bytes per 5-tuple.
//!
//! `cargo bench -p engine --bench flow_table`: a stream of 1 M header records over 200 K or 1 M
//! distinct IPv4 flows, each packet's flow drawn uniformly (the worst case for caches: no flow
//! is hot), counted by
//! - `flat`: [`engine::state::FlowTable::update_batch`] in batches of 64 (hash, prefetch, update);
//! - `hashbrown-foldhash`: `hashbrown::HashMap` with foldhash's fast hasher, `entry` per packet,
//!   keyed by `FlowKey` (the enum of both versions), and `hashbrown-foldhash-v4key` keyed by the
//!   IPv4 key alone;
//! - `std-ahash` and `std-foldhash`: `std::collections::HashMap` with those hashers.
//!
//! Every map is sized for all flows before the clock starts, as the engine sizes its table.
//! Throughput is records per second; compare the variants within one run.

use std::collections::HashMap as StdMap;
use std::hash::BuildHasher;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use engine::state::{Counters, FlowTable};
use wire::{FlowKey, FlowKeyV4, PacketRecord};

/// Records per measured stream.
const RECORDS: usize = 1 << 20;
/// Records per `update_batch` call (the engine's default batch).
const BATCH: usize = 64;

/// A stream of `RECORDS` IPv4 records over `flows` distinct 5-tuples, each record's flow drawn
/// uniformly with a fixed xorshift seed.
fn stream(flows: usize) -> Vec<PacketRecord> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..RECORDS)
        .map(|_| {
            let flow = (next() % flows as u64) as u32;
            let mut r = PacketRecord::default();
            r.src = wire::record::mapped_v4((0x0a00_0000 | (flow >> 4)).to_be_bytes());
            r.dst = wire::record::mapped_v4([192, 168, (flow & 0xf) as u8, 1]);
            r.sport = 1024 + (flow % 50_000) as u16;
            r.dport = 443;
            r.proto = 6;
            r.set_wire_len(64 + flow % 1400);
            r
        })
        .collect()
}

/// Counts `records` into a `std`-API map with hasher `S`.
fn count_std<S: BuildHasher>(map: &mut StdMap<FlowKey, Counters, S>, records: &[PacketRecord]) {
    for r in records {
        let c = map.entry(FlowKey::from_record(r)).or_default();
        c.packets += 1;
        c.bytes += u64::from(r.wire_len());
    }
}

fn flow_tables(c: &mut Criterion) {
    for flows in [200_000, 1_000_000] {
        let records = stream(flows);
        let mut group = c.benchmark_group(format!("flow_table/{}k_flows", flows / 1000));
        group.throughput(Throughput::Elements(RECORDS as u64));
        group.sample_size(10);
        group.bench_function(BenchmarkId::from_parameter("flat"), |b| {
            let mut table = FlowTable::with_capacity(flows);
            b.iter(|| {
                for batch in records.chunks(BATCH) {
                    table.update_batch(batch);
                }
            });
            assert!(table.len() <= flows);
        });
        group.bench_function(BenchmarkId::from_parameter("hashbrown-foldhash"), |b| {
            let mut map: hashbrown::HashMap<FlowKey, Counters, foldhash::fast::FixedState> =
                hashbrown::HashMap::with_capacity_and_hasher(flows, Default::default());
            b.iter(|| {
                for r in &records {
                    let c = map.entry(FlowKey::from_record(r)).or_default();
                    c.packets += 1;
                    c.bytes += u64::from(r.wire_len());
                }
            });
            assert!(map.len() <= flows);
        });
        // Keyed by the IPv4 key alone, as the flat table's IPv4 array is: no enum to hash.
        group.bench_function(BenchmarkId::from_parameter("hashbrown-foldhash-v4key"), |b| {
            let mut map: hashbrown::HashMap<FlowKeyV4, Counters, foldhash::fast::FixedState> =
                hashbrown::HashMap::with_capacity_and_hasher(flows, Default::default());
            b.iter(|| {
                for r in &records {
                    let FlowKey::V4(key) = FlowKey::from_record(r) else { continue };
                    let c = map.entry(key).or_default();
                    c.packets += 1;
                    c.bytes += u64::from(r.wire_len());
                }
            });
            assert!(map.len() <= flows);
        });
        group.bench_function(BenchmarkId::from_parameter("std-ahash"), |b| {
            let mut map: StdMap<FlowKey, Counters, ahash::RandomState> =
                StdMap::with_capacity_and_hasher(flows, ahash::RandomState::with_seed(1));
            b.iter(|| count_std(&mut map, &records));
        });
        group.bench_function(BenchmarkId::from_parameter("std-foldhash"), |b| {
            let mut map: StdMap<FlowKey, Counters, foldhash::fast::FixedState> =
                StdMap::with_capacity_and_hasher(flows, Default::default());
            b.iter(|| count_std(&mut map, &records));
        });
        group.finish();
    }
}

criterion_group!(benches, flow_tables);
criterion_main!(benches);
