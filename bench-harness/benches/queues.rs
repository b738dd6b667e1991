//! Queue designs side by side: items per second between two pinned threads (cores 0 and 1)
//! for 8-byte items (the engine's `Box<Batch>` handles) and 64-byte items (a packet record),
//! one at a time and in batches of 32, and the round trip through two queues of each design
//! beside that of one atomic word (the hardware floor).
//!
//! Each group holds every design `QueueKind::available()` lists, so designs that land later
//! join the plots without a change here. Each sample runs the `pktstream queue-bench` kernels
//! (`bench_harness::queue_bench`) for `iters` items or round trips on a fresh queue and
//! returns the time the consumer (or the sender) measured. Separate runs of this bench on a
//! shared machine differ; compare designs within one run (ANCHORS.md, "Queue designs").

use std::time::Duration;

use bench_harness::queue_bench::{
    PingPongConfig, ThroughputConfig, atomic_pingpong, pingpong, throughput,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use engine::queue::QueueKind;

/// Item sizes measured, in bytes.
const ITEM_BYTES: [usize; 2] = [8, 64];

/// Items per push/pop call measured.
const BATCHES: [usize; 2] = [1, 32];

fn queue_throughput(c: &mut Criterion) {
    for bytes in ITEM_BYTES {
        for batch in BATCHES {
            let mut group = c.benchmark_group(format!("queue_throughput/{bytes}B_batch{batch}"));
            group.throughput(Throughput::Elements(1));
            for &queue in QueueKind::available() {
                group.bench_function(BenchmarkId::from_parameter(queue), |b| {
                    b.iter_custom(|iters| {
                        let cfg = ThroughputConfig {
                            batch,
                            warmup_items: (iters / 10).min(1_000_000),
                            ..ThroughputConfig::new(queue, iters.max(1))
                        };
                        throughput(&cfg, bytes)
                            .unwrap_or_else(|e| panic!("{queue}, {bytes} B, batch {batch}: {e}"))
                            .elapsed
                    });
                });
            }
            group.finish();
        }
    }
}

fn queue_pingpong(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_pingpong_rtt/8B");
    for &queue in QueueKind::available() {
        group.bench_function(BenchmarkId::from_parameter(queue), |b| {
            b.iter_custom(|rounds| {
                let cfg = PingPongConfig::new(queue, rounds.max(1));
                pingpong(&cfg, 8).unwrap_or_else(|e| panic!("{queue}: {e}")).elapsed
            });
        });
    }
    group.bench_function(BenchmarkId::from_parameter("atomic-floor"), |b| {
        b.iter_custom(|rounds| {
            atomic_pingpong(rounds.max(1), rounds / 10, Some([0, 1]))
                .unwrap_or_else(|e| panic!("atomic ping-pong: {e}"))
                .elapsed
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Short: 4 throughput groups and one ping-pong group of 7 to 10 designs each stay within
    // a few minutes.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = queue_throughput, queue_pingpong
}
criterion_main!(benches);
