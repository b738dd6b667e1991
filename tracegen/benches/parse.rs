//! Parsing preloaded header-only caida-like frames into records, on one core.
//!
//! The target is at least 100 M records/s. Two trace sizes: 2^16 frames (6 MB with the
//! offset table: cache-resident, the parser's own cost) and 2^20 frames (96 MB: streamed from
//! memory, as a long trace is). Two ways to parse: into the slots of a batch, as the engine does,
//! and one record returned by value per frame.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tracegen::{GenConfig, Profile, generate};
use wire::{FrameBuffer, PacketRecord, parse_frame, parse_frame_into};

fn into_batch_slots(frames: &FrameBuffer, batch: &mut [PacketRecord]) -> u64 {
    let mut acc = 0u64;
    for (c, chunk) in frames.metas().chunks(batch.len()).enumerate() {
        let mut n = 0;
        for (j, m) in chunk.iter().enumerate() {
            let f = frames.view(m);
            if parse_frame_into(&f, (c * batch.len() + j) as u32, &mut batch[n]).is_ok() {
                n += 1;
            }
        }
        acc = acc.wrapping_add(u64::from(batch[n.saturating_sub(1)].sport));
        black_box(&*batch);
    }
    acc
}

fn by_value(frames: &FrameBuffer) -> u64 {
    let mut acc = 0u64;
    for (i, f) in frames.iter().enumerate() {
        if let Ok(r) = parse_frame(&f, i as u32) {
            acc = acc.wrapping_add(u64::from(r.sport) ^ u64::from(r.wire_len()));
        }
    }
    acc
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for log2 in [16u32, 20] {
        let frames = generate(&GenConfig::new(Profile::CaidaLike, 1 << log2, 1)).expect("generate");
        g.throughput(Throughput::Elements(frames.len() as u64));
        let mut batch = vec![PacketRecord::default(); 64];
        g.bench_with_input(
            BenchmarkId::new("into_batch_slots", format!("2^{log2}")),
            &frames,
            |b, f| b.iter(|| black_box(into_batch_slots(f, &mut batch))),
        );
        g.bench_with_input(BenchmarkId::new("by_value", format!("2^{log2}")), &frames, |b, f| {
            b.iter(|| black_box(by_value(f)))
        });
    }
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
