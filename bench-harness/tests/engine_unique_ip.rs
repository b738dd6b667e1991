//! `--unique-ip` in the engine: every loop after the first brings new flows, each packet stays on
//! the ring (and worker) RSS gave it in the first loop, and the dump equals the single-threaded
//! reference with the same rewrite.

use std::sync::Arc;

use engine::plan::Topology;
use engine::query::AppKind;
use engine::query::reference::run_reference_config;
use engine::runtime::nic::Release;
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, RunOutcome, run};
use tracegen::replay::{Pacing, schedule_buffer};
use tracegen::{GenConfig, Profile, generate};
use wire::FrameBuffer;

fn config(topology: Topology, workers: usize, loops: u64, unique_ip: bool) -> EngineConfig {
    let mut c = EngineConfig::new(AppKind::FlowCounter, topology, workers);
    c.loops = loops;
    c.unique_ip = unique_ip;
    c.pin = PinPlan::None;
    c
}

fn worker_packets(o: &RunOutcome) -> Vec<u64> {
    o.threads.iter().filter(|t| t.is_query).map(|t| t.processed).collect()
}

fn check_against_reference(frames: &FrameBuffer, cfg: &EngineConfig) -> RunOutcome {
    let o = run(frames, cfg).unwrap();
    assert!(o.conservation_ok(), "{cfg:?}");
    let reference = run_reference_config(cfg, frames).unwrap();
    assert_eq!(o.output.to_csv(), reference.to_csv(), "{cfg:?}");
    o
}

#[test]
fn two_unique_ip_loops_double_the_flows_and_keep_each_workers_packets() {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, 20_000, 21)).unwrap();
    let once = check_against_reference(&frames, &config(Topology::Rtc, 2, 1, false));
    let twice = check_against_reference(&frames, &config(Topology::Rtc, 2, 2, true));
    assert!(once.output.rows.len() > 1000);
    assert_eq!(twice.output.rows.len(), 2 * once.output.rows.len());
    assert_eq!(twice.output.column_sum(0), 2 * once.output.column_sum(0));
    let (w1, w2) = (worker_packets(&once), worker_packets(&twice));
    assert_eq!(w2, w1.iter().map(|p| 2 * p).collect::<Vec<_>>());
    // Every flow of either loop has the packets and bytes it had in one loop.
    let mut counts: Vec<_> = once.output.iter().map(|(_, v)| v.to_vec()).collect();
    let mut doubled: Vec<_> = twice.output.iter().map(|(_, v)| v.to_vec()).collect();
    counts.extend(counts.clone());
    counts.sort_unstable();
    doubled.sort_unstable();
    assert_eq!(counts, doubled);
    // Without the flag, the second loop counts into the first loop's flows.
    let plain = check_against_reference(&frames, &config(Topology::Rtc, 2, 2, false));
    assert_eq!(plain.output.rows.len(), once.output.rows.len());
}

#[test]
fn unique_ip_holds_on_pipeline_and_under_a_paced_release() {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, 5_000, 22)).unwrap();
    check_against_reference(&frames, &config(Topology::Pipeline, 3, 3, true));
    // Paced fast enough that nothing waits long, with rings large enough that nothing drops.
    let sched = schedule_buffer(&frames, Pacing::Pps(20e6)).unwrap();
    let mut cfg = config(Topology::Rtc, 2, 3, true);
    cfg.ring_size = 1 << 16;
    cfg.release = Release::Scheduled { times: Arc::from(sched.times), span_ns: sched.span_ns };
    let o = check_against_reference(&frames, &cfg);
    assert!(o.dropped_by_reason().is_empty());
}
