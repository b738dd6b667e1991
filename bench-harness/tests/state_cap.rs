//! The keyed state's memory cap and idle timeouts under a flood of new flows: the state stays
//! under the cap, evicted partial aggregates merge downstream so the totals stay exact (the
//! dump equals the reference), and every packet is accounted for.

use engine::plan::Topology;
use engine::query::reference::run_reference_config;
use engine::runtime::pin::PinPlan;
use engine::state::windowed::bytes_per_entry;
use engine::{EngineConfig, run};
use tracegen::{GenConfig, Profile, generate};

fn config(topology: Topology, workers: usize) -> EngineConfig {
    let mut cfg = EngineConfig::new(engine::query::AppKind::FlowCounter, topology, workers);
    cfg.pin = PinPlan::None;
    cfg
}

#[test]
fn a_flow_flood_stays_under_the_cap_with_exact_totals() {
    let frames = generate(&GenConfig::new(Profile::FlowFlood, 60_000, 5)).unwrap();
    const CAP: usize = 2_000;
    for (topology, workers) in
        [(Topology::Rtc, 2), (Topology::TwoStage, 2), (Topology::Farm, 2), (Topology::Shuffle, 3)]
    {
        let mut cfg = config(topology, workers);
        cfg.query = Some(engine::query::AppKind::FlowCounter.spec().state_cap(CAP));
        let o = run(&frames, &cfg).unwrap();
        assert!(o.conservation_ok(), "{topology}");
        let reference = run_reference_config(&cfg, &frames).unwrap();
        assert!(reference.rows.len() > 10 * CAP, "the flood has many more flows than the cap");
        assert_eq!(o.output.to_csv(), reference.to_csv(), "{topology}: totals changed");
        // A table holding at most CAP entries allocates at most twice its 7/8-load size.
        let bound = 2 * CAP * bytes_per_entry() + 64;
        for t in o.threads.iter().filter(|t| t.is_query) {
            assert!(t.evicted_cap > 0, "{topology} {}: the cap was never reached", t.name);
            assert!(
                t.state_peak_bytes <= bound,
                "{topology} {}: {} bytes of state over the bound {bound}",
                t.name,
                t.state_peak_bytes
            );
        }
    }
}

#[test]
fn idle_keys_leave_on_packet_time_and_totals_stay_exact() {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, 40_000, 6)).unwrap();
    for topology in [Topology::Rtc, Topology::Pipeline, Topology::TwoStage] {
        let mut cfg = config(topology, 2);
        cfg.query = Some(engine::query::AppKind::FlowCounter.spec().idle_timeout_ns(1_000_000));
        let o = run(&frames, &cfg).unwrap();
        assert!(o.conservation_ok());
        let evicted: u64 = o.threads.iter().map(|t| t.evicted_idle).sum();
        assert!(evicted > 0, "{topology}: no key idled out");
        let reference = run_reference_config(&cfg, &frames).unwrap();
        assert_eq!(o.output.to_csv(), reference.to_csv(), "{topology}");
    }
}
