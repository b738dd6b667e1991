//! Every app of `--app` on random configurations (topology, queue, batch, capacity, workers 1
//! to 4, fusion, loops) over a trace with every attack scenario of the generator in it (full
//! payload, so the DNS and payload queries have something to read): the dump equals the
//! single-threaded reference's byte for byte, and packets are conserved; and the reference's
//! dump of every app equals its hand-written plain reference's (`engine::plain`).

use std::sync::OnceLock;

use engine::plain::{PlainParams, run_plain};
use engine::plan::Topology;
use engine::query::AppKind;
use engine::query::reference::run_reference;
use engine::{EngineConfig, run};
use proptest::prelude::*;
use tracegen::generator::{FULL_PAYLOAD_SNAPLEN, Pacing};
use tracegen::{GenConfig, Profile, generate};
use wire::FrameBuffer;

mod support;

/// Every scenario kind, each in its own address block.
const SCENARIOS: [&str; 10] = [
    "syn-flood",
    "port-scan",
    "superspreader",
    "ddos",
    "ssh-brute",
    "slowloris",
    "dns-reflection",
    "dns-tunnel",
    "zorro",
    "heavy-hitter",
];

/// Light benign traffic (10 000 packets/s for 4.5 s) under every attack, full payload.
fn trace() -> &'static FrameBuffer {
    static TRACE: OnceLock<FrameBuffer> = OnceLock::new();
    TRACE.get_or_init(|| {
        let mut cfg = GenConfig::new(Profile::CaidaLike, 10_000_000, 11);
        cfg.duration_ns = Some(4_500_000_000);
        cfg.pacing = Pacing::Pps(10_000.0);
        cfg.snaplen = FULL_PAYLOAD_SNAPLEN;
        cfg.scenarios = SCENARIOS.iter().map(|s| s.parse().unwrap()).collect();
        generate(&cfg).unwrap()
    })
}

#[test]
fn every_alarm_app_raises_alarms_on_the_attack_trace() {
    // Otherwise the differential test below would compare empty dumps.
    let frames = trace();
    for (name, app) in AppKind::ALL {
        if app == AppKind::TcpSeq {
            continue; // generated TCP never reorders; its own tests hold reordered flows
        }
        let q = app.spec().compile().unwrap();
        let out = run_reference(&q, frames, 1, false);
        assert!(!out.rows.is_empty(), "{name} gave no row on the attack trace");
    }
}

#[test]
fn every_app_equals_its_plain_reference_on_the_attack_trace() {
    let frames = trace();
    for (name, app) in AppKind::ALL {
        let q = app.spec().compile().unwrap();
        let plain = run_plain(name, &PlainParams::default(), frames).expect("a plain reference");
        assert_eq!(run_reference(&q, frames, 1, false).to_csv(), plain, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_app_gives_the_reference_dump_on_every_configuration(
        app in prop::sample::select(AppKind::ALL.iter().map(|(_, a)| *a).collect::<Vec<_>>()),
        k in support::knobs(),
    ) {
        let _turn = support::turn();
        let frames = trace();
        let q = app.spec().compile().unwrap();
        // rtc runs only flow-keyed queries, farm no order-dependent ones (both refuse).
        let topology = match k.topology {
            Topology::Rtc if !q.keyed_by_flow() => Topology::TwoStage,
            Topology::Farm if q.order_dependent() => Topology::Shuffle,
            t => t,
        };
        let mut cfg = EngineConfig::new(app, topology, k.workers);
        k.apply(&mut cfg);
        let loops = k.loops;
        let o = run(frames, &cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(o.conservation_ok(), "conservation: {:?}", cfg);
        prop_assert_eq!(o.processed(), frames.len() as u64 * loops);
        let expected = run_reference(&q, frames, loops, false);
        prop_assert_eq!(o.output.to_csv(), expected.to_csv(), "{} on {:?}", app, cfg);
    }
}
