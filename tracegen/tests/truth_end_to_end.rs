//! Ground truth of generated traces against an independent pass over their packets: every
//! scenario injected into benign `caida-like` traffic, the truth's alarms equal the alarm
//! oracle's on the whole trace (so benign traffic adds none and the attacks trigger exactly
//! what the truth says), and each attack row's packets and times equal those counted in the
//! file by address block.

#[path = "support/alarm_oracle.rs"]
mod alarm_oracle;

use std::collections::BTreeSet;
use std::net::IpAddr;

use tracegen::generator::FULL_PAYLOAD_SNAPLEN;
use tracegen::scenario::ScenarioKind;
use tracegen::{GenConfig, Pacing, Profile, generate_with_truth};
use wire::parse_frame;

fn block_of(a: IpAddr) -> Option<u8> {
    match a {
        IpAddr::V4(a) if a.octets()[0] == 10 => Some(a.octets()[1]),
        _ => None,
    }
}

fn check(profile: Profile, pacing: Pacing, seconds: f64) {
    let mut cfg = GenConfig::new(profile, u64::MAX, 3);
    cfg.pacing = pacing;
    cfg.duration_ns = Some((seconds * 1e9) as u64);
    cfg.snaplen = FULL_PAYLOAD_SNAPLEN;
    cfg.scenarios = ScenarioKind::ALL.iter().map(|(n, _)| n.parse().expect("kind")).collect();
    let g = generate_with_truth(&cfg).expect("generate");
    let truth: BTreeSet<_> =
        g.truth.alarms.iter().map(|r| (r.window_start_ns, r.alarm, r.key.clone())).collect();
    let oracle = alarm_oracle::alarms(&g.frames);
    let missing: Vec<_> = truth.difference(&oracle).take(10).collect();
    let extra: Vec<_> = oracle.difference(&truth).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{profile}: truth but not in the file: {missing:?}; in the file but not in the truth: {extra:?}"
    );
    // Every kind's main rule fires in at least two whole windows.
    for (kind, alarm) in [
        ("syn-flood", "sonata-syn-flood"),
        ("port-scan", "sonata-port-scan"),
        ("superspreader", "sonata-superspreader"),
        ("ddos", "sonata-ddos"),
        ("ssh-brute", "sonata-ssh-brute"),
        ("slowloris", "sonata-slowloris"),
        ("dns-reflection", "sonata-dns-reflection"),
        ("dns-tunnel", "sonata-dns-tunnel"),
        ("zorro", "sonata-zorro"),
        ("heavy-hitter", "heavy-hitter"),
    ] {
        let i = ScenarioKind::ALL.iter().position(|(n, _)| *n == kind).expect("kind") as u8;
        let windows: BTreeSet<u64> = truth
            .iter()
            .filter(|(_, a, key)| a.name() == alarm && key.contains(&format!("10.{i}.")))
            .map(|(w, _, _)| *w)
            .collect();
        assert!(windows.len() >= 2, "{kind}: {alarm} in {} windows", windows.len());
    }
    // Attack rows against packets counted by address block.
    let mut counted = vec![(0u64, u64::MAX, 0u64); cfg.scenarios.len()];
    for (i, f) in g.frames.iter().enumerate() {
        let r = parse_frame(&f, i as u32).expect("parses");
        if let Some(b) = block_of(r.src_ip()).or_else(|| block_of(r.dst_ip())) {
            let c = &mut counted[b as usize];
            c.0 += 1;
            c.1 = c.1.min(f.ts_ns);
            c.2 = c.2.max(f.ts_ns);
        }
    }
    for (a, c) in g.truth.attacks.iter().zip(&counted) {
        assert_eq!(
            (a.packets, a.start_ns, a.end_ns),
            *c,
            "{}: attack row against the file",
            a.kind
        );
    }
    println!(
        "{profile}: {} packets, {} attack packets, {} expected alarms, all found and no other",
        g.frames.len(),
        counted.iter().map(|c| c.0).sum::<u64>(),
        truth.len()
    );
}

#[test]
fn every_scenario_in_caida_like_traffic_matches_its_truth() {
    check(Profile::CaidaLike, Pacing::Pps(100_000.0), 4.0);
}

#[test]
fn every_scenario_in_datacenter_traffic_matches_its_truth() {
    check(Profile::Datacenter, Pacing::Pps(50_000.0), 4.0);
}
