//! The flow counter's output is the same on every path: every topology, 1 to 4 workers,
//! several batch sizes and queue capacities, pinned and unpinned, and equal to the plain
//! single-threaded reference, on generated traces and on the real captures of `../shared/pcaps`,
//! whichever queue design carries the pipeline's batches and whichever way idle threads wait.
//! Every run also conserves packets.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use engine::plan::Topology;
use engine::query::AppKind;
use engine::query::reference::run_reference_config;
use engine::queue::QueueKind;
use engine::queue::wait::WaitStrategy;
use engine::runtime::nic::Release;
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, run};
use proptest::prelude::*;
use tracegen::pcap::{ReadOptions, read_file};
use tracegen::{GenConfig, Profile, generate};
use wire::FrameBuffer;

/// Tests that spin or pin take turns: two of them at once on two cores would only measure the
/// scheduler.
static SERIAL: Mutex<()> = Mutex::new(());

fn config(
    topology: Topology,
    workers: usize,
    batch: usize,
    capacity: usize,
    loops: u64,
) -> EngineConfig {
    let mut c = EngineConfig::new(AppKind::FlowCounter, topology, workers);
    c.batch = batch;
    c.queue_capacity = capacity;
    c.loops = loops;
    c.pin = PinPlan::None;
    c
}

fn check(frames: &FrameBuffer, cfg: &EngineConfig) -> Result<(), String> {
    let o = run(frames, cfg).map_err(|e| e.to_string())?;
    if !o.conservation_ok() {
        return Err(format!("conservation violated: {cfg:?}"));
    }
    let expected = run_reference_config(cfg, frames).map_err(|e| e.to_string())?;
    if o.output.to_csv() != expected.to_csv() {
        return Err(format!(
            "dump differs from the reference ({} vs {} flows) for {:?} x{} batch {}",
            o.output.rows.len(),
            expected.rows.len(),
            cfg.topology,
            cfg.workers,
            cfg.batch
        ));
    }
    Ok(())
}

fn trace(packets: u64, seed: u64) -> FrameBuffer {
    generate(&GenConfig::new(Profile::CaidaLike, packets, seed)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn generated_traces_match_the_reference(
        seed in 0u64..1000,
        packets in 1u64..4000,
        topology in prop::sample::select(Topology::ALL.iter().map(|(_, t)| *t).collect::<Vec<_>>()),
        workers in 1usize..=4,
        batch in prop::sample::select(vec![1usize, 3, 16, 64, 256]),
        capacity in 1usize..8,
        loops in 1u64..3,
    ) {
        let frames = trace(packets, seed);
        prop_assert_eq!(check(&frames, &config(topology, workers, batch, capacity, loops)), Ok(()));
    }
}

/// Every pair of topology and worker count on one trace, including spinning and pinned runs.
#[test]
fn every_configuration_gives_the_same_dump() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let frames = trace(20_000, 11);
    let mut dumps = Vec::new();
    for (_, topology) in Topology::ALL {
        for workers in 1..=4 {
            for (batch, wait, pin) in [
                (64, WaitStrategy::SpinPark, PinPlan::None),
                (1, WaitStrategy::SpinPark, PinPlan::None),
                (32, WaitStrategy::Spin, PinPlan::Auto),
            ] {
                let mut cfg = config(topology, workers, batch, 4, 1);
                cfg.wait = wait;
                cfg.pin = pin;
                let o = run(&frames, &cfg).unwrap();
                assert!(o.conservation_ok(), "{cfg:?}");
                assert_eq!(o.processed(), 20_000);
                dumps.push(o.output.to_csv());
            }
        }
    }
    let reference =
        run_reference_config(&config(Topology::Rtc, 1, 64, 64, 1), &frames).unwrap().to_csv();
    assert!(reference.lines().count() > 1000, "the trace has many flows");
    for d in &dumps {
        assert_eq!(d, &reference);
    }
}

/// Every wait strategy gives the reference dump on the pipeline, where threads wait on queues:
/// `block` sleeps until rung, and a tiny flush timeout makes idle waits wake for it. Small
/// queues and batches of 1 and 7, so the threads both block on full queues and idle. `spin`
/// needs a core per thread, so it runs no more threads than there are cores.
#[test]
fn every_wait_strategy_gives_the_reference_dump() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let frames = trace(20_000, 13);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for wait in WaitStrategy::ALL {
        for (workers, batch, capacity, flush_timeout_ns) in [(1, 1, 1, 100_000), (3, 7, 2, 5_000)] {
            // The pipeline runs a source thread besides the workers.
            let workers =
                if wait == WaitStrategy::Spin { workers.min(cores - 1).max(1) } else { workers };
            let mut cfg = config(Topology::Pipeline, workers, batch, capacity, 2);
            cfg.wait = wait;
            cfg.flush_timeout_ns = flush_timeout_ns;
            assert_eq!(check(&frames, &cfg), Ok(()), "wait {wait}, {workers} workers");
        }
    }
}

/// Every queue design the engine can build carries the pipeline's batches without changing the
/// dump: 2 workers, small queues (so they fill and wrap), batches of 1 and of 64.
#[test]
fn every_available_queue_gives_the_reference_dump() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let frames = trace(20_000, 12);
    for &queue in QueueKind::available() {
        for (batch, capacity) in [(1, 2), (64, 4)] {
            let mut cfg = config(Topology::Pipeline, 2, batch, capacity, 2);
            cfg.queue = queue;
            assert_eq!(check(&frames, &cfg), Ok(()), "queue {queue}");
        }
    }
}

fn shared_pcaps() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/pcaps not found");
        None
    }
}

#[test]
fn real_captures_match_the_reference() {
    let Some(dir) = shared_pcaps() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tcpdump"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let (mut checked, mut unreadable, mut frames_total) = (0, 0, 0);
    let configs = [
        config(Topology::Rtc, 3, 5, 2, 1),
        config(Topology::Pipeline, 2, 7, 2, 2),
        config(Topology::Rtc, 1, 64, 4, 1),
    ];
    for f in &files {
        let Ok(cap) = read_file(f, &ReadOptions::default()) else {
            unreadable += 1;
            continue;
        };
        frames_total += cap.frames.len();
        for cfg in &configs {
            if let Err(e) = check(&cap.frames, cfg) {
                panic!("{}: {e}", f.display());
            }
        }
        checked += 1;
    }
    eprintln!(
        "real captures: {checked} files ({frames_total} frames) match the reference on {} \
         configurations; {unreadable} files are unreadable (neither pcap nor pcapng, or damaged)",
        configs.len()
    );
    assert!(checked > 700, "only {checked} captures were checked");
}

/// A burst far above what a worker takes overflows tiny rings: frames are dropped, counted
/// `rx_ring_full`, and conservation still holds.
#[test]
fn tiny_rings_drop_and_count() {
    let frames = trace(5000, 5);
    for topology in [Topology::Rtc, Topology::Pipeline] {
        let mut cfg = config(topology, 2, 16, 4, 2);
        cfg.ring_size = 8;
        cfg.release = Release::Scheduled { times: Arc::from(vec![0u64; 5000]), span_ns: 1 };
        let o = run(&frames, &cfg).unwrap();
        let dropped = o.dropped_by_reason().get("rx_ring_full").copied().unwrap_or(0);
        assert!(dropped > 0, "{topology}: no drops");
        assert!(o.conservation_ok(), "{topology}");
        assert_eq!(o.processed() + dropped, 10_000);
        assert_eq!(o.output.column_sum(0), o.processed());
    }
}

/// At top speed nothing is dropped, whatever the ring size.
#[test]
fn top_speed_never_drops() {
    let frames = trace(3000, 6);
    let mut cfg = config(Topology::Pipeline, 2, 8, 1, 1);
    cfg.ring_size = 1;
    let o = run(&frames, &cfg).unwrap();
    assert!(o.dropped_by_reason().is_empty());
    assert_eq!(o.processed(), 3000);
}
