//! Each profile's statistics on a million packets match its stated targets.
//!
//! Measured on the generated frames, parsed back with `wire::parse_frame`: wire sizes (mean
//! and quantiles), the largest directional flow's share of packets, the rank-size (Zipf) slope
//! of connections, the protocol and IPv6 mix, and how many flows there are. Intended flow
//! lengths are tested on the generator's flow plan in `model::lengths`; the observed ones are
//! only reported here, since flows are cut by the trace's ends.

use std::collections::HashMap;

use tracegen::{GenConfig, Pacing, Profile, generate};
use wire::{FlowKey, parse_frame};

struct Stats {
    packets: u64,
    mean: f64,
    quantiles: [u32; 3],
    largest_flow_share: f64,
    flows: usize,
    connections: usize,
    zipf_slope: f64,
    tcp: f64,
    udp: f64,
    icmp: f64,
    ipv6: f64,
    single_packet_connections: f64,
}

fn stats(profile: Profile, packets: u64) -> Stats {
    let mut cfg = GenConfig::new(profile, packets, 42);
    cfg.pacing = Pacing::Mbps(10_000.0);
    let frames = generate(&cfg).expect("generate");
    assert_eq!(frames.len() as u64, packets);
    let mut sizes: Vec<u32> = frames.metas().iter().map(|m| m.wire_len).collect();
    let mean = sizes.iter().map(|&s| f64::from(s)).sum::<f64>() / packets as f64;
    sizes.sort_unstable();
    let q = |p: f64| sizes[((sizes.len() - 1) as f64 * p) as usize];
    let mut flows: HashMap<FlowKey, u64> = HashMap::new();
    let mut conns: HashMap<FlowKey, u64> = HashMap::new();
    let (mut tcp, mut udp, mut icmp, mut v6) = (0u64, 0u64, 0u64, 0u64);
    for (i, f) in frames.iter().enumerate() {
        let r = parse_frame(&f, i as u32).expect("generated frames parse");
        *flows.entry(r.flow_key()).or_default() += 1;
        *conns.entry(r.flow_key().canonical()).or_default() += 1;
        match r.proto {
            6 => tcp += 1,
            17 => udp += 1,
            1 | 58 => icmp += 1,
            p => panic!("unexpected protocol {p}"),
        }
        if r.ip_version() == 6 {
            v6 += 1;
        }
    }
    let mut ranked: Vec<u64> = conns.values().copied().collect();
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    // Least-squares slope of log(packets) on log(rank) over the top 1000 connections.
    let top = &ranked[..ranked.len().min(1000)];
    let pts: Vec<(f64, f64)> =
        top.iter().enumerate().map(|(r, &c)| (((r + 1) as f64).ln(), (c as f64).ln())).collect();
    let n = pts.len() as f64;
    let (mx, my) =
        (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let p = packets as f64;
    Stats {
        packets,
        mean,
        quantiles: [q(0.1), q(0.5), q(0.9)],
        largest_flow_share: *flows.values().max().unwrap() as f64 / p,
        flows: flows.len(),
        connections: conns.len(),
        zipf_slope: sxy / sxx,
        tcp: tcp as f64 / p,
        udp: udp as f64 / p,
        icmp: icmp as f64 / p,
        ipv6: v6 as f64 / p,
        single_packet_connections: ranked.iter().filter(|&&c| c == 1).count() as f64
            / ranked.len() as f64,
    }
}

fn report(name: &str, s: &Stats) {
    println!(
        "{name}: {} packets, mean {:.1} B, p10/p50/p90 {:?}, largest flow {:.3}%, {} flows, {} \
         connections ({:.1}% single-packet), zipf slope {:.2}, tcp {:.3} udp {:.3} icmp {:.4} \
         ipv6 {:.3}",
        s.packets,
        s.mean,
        s.quantiles,
        s.largest_flow_share * 100.0,
        s.flows,
        s.connections,
        s.single_packet_connections * 100.0,
        s.zipf_slope,
        s.tcp,
        s.udp,
        s.icmp,
        s.ipv6
    );
}

const MILLION: u64 = 1_000_000;

/// Checks shared by the flow-level profiles; tolerances are far above the sampling error of a
/// million packets and below what a wrong model would give.
fn flow_level_common(name: &str, s: &Stats) {
    assert_eq!(s.quantiles[0], 60, "{name}: p10 is the minimum frame (acknowledgements)");
    assert_eq!(s.quantiles[2], 1514, "{name}: p90 is the full frame");
    assert!(s.largest_flow_share <= 0.01, "{name}: largest flow {}", s.largest_flow_share);
    // The plan's tail (Pareto shape 0.75) has a rank-size slope of -1/0.75 = -1.33 over whole
    // flows; a trace of well under a second cuts the longest flows, which flattens its top.
    assert!((-1.2..=-0.4).contains(&s.zipf_slope), "{name}: zipf slope {}", s.zipf_slope);
    assert!(s.flows >= 10_000, "{name}: {} flows", s.flows);
}

#[test]
fn caida_like_matches_backbone_targets() {
    let s = stats(Profile::CaidaLike, MILLION);
    report("caida-like", &s);
    flow_level_common("caida-like", &s);
    assert!((700.0..=900.0).contains(&s.mean), "mean {}", s.mean);
    assert!((300..=1100).contains(&s.quantiles[1]), "median {}", s.quantiles[1]);
    assert!((0.80..=0.95).contains(&s.tcp), "tcp {}", s.tcp);
    assert!((0.05..=0.15).contains(&s.udp), "udp {}", s.udp);
    assert!((0.005..=0.04).contains(&s.icmp), "icmp {}", s.icmp);
    assert!((0.07..=0.13).contains(&s.ipv6), "ipv6 {}", s.ipv6);
}

#[test]
fn fais_like_matches_its_mean_size() {
    let s = stats(Profile::FaisLike, MILLION);
    report("fais-like", &s);
    flow_level_common("fais-like", &s);
    assert!((480.0 - s.mean).abs() <= 0.05 * 480.0, "mean {} (target 480 +- 5%)", s.mean);
    assert!((0.80..=0.95).contains(&s.tcp), "tcp {}", s.tcp);
}

#[test]
fn datacenter_matches_its_targets() {
    let s = stats(Profile::Datacenter, MILLION);
    report("datacenter", &s);
    flow_level_common("datacenter", &s);
    assert!((850.0..=1050.0).contains(&s.mean), "mean {}", s.mean);
    assert!(s.tcp >= 0.95, "tcp {}", s.tcp);
    assert_eq!(s.ipv6, 0.0);
    // Private addresses only: 172.16.0.0/12.
    let mut cfg = GenConfig::new(Profile::Datacenter, 10_000, 1);
    cfg.pacing = Pacing::Mbps(10_000.0);
    let f = generate(&cfg).expect("generate");
    for (i, fr) in f.iter().enumerate() {
        let r = parse_frame(&fr, i as u32).expect("parses");
        for a in [r.src_ip(), r.dst_ip()] {
            match a {
                std::net::IpAddr::V4(a) => {
                    assert!(a.octets()[0] == 172 && a.octets()[1] & 0xf0 == 16, "{a}")
                }
                a => panic!("{a}"),
            }
        }
    }
}

#[test]
fn stress_profiles_match_their_definitions() {
    let imix = stats(Profile::Imix, MILLION);
    report("imix", &imix);
    let want = (28.0 * 60.0 + 20.0 * 590.0 + 4.0 * 1514.0) / 52.0;
    assert!((imix.mean - want).abs() < 0.02 * want, "imix mean {} vs {want}", imix.mean);
    assert_eq!(imix.quantiles, [60, 60, 590]);
    assert_eq!(imix.flows, 4096);
    let min64 = stats(Profile::Min64, MILLION);
    report("min64", &min64);
    assert_eq!((min64.mean, min64.quantiles), (60.0, [60, 60, 60]));
    let flood = stats(Profile::FlowFlood, MILLION);
    report("flow-flood", &flood);
    assert_eq!(flood.flows as u64, MILLION, "every packet a new flow");
    assert_eq!(flood.mean, 60.0);
}

#[test]
fn imix_weights_are_trex_weights() {
    let mut cfg = GenConfig::new(Profile::Imix, 520_000, 3);
    cfg.pacing = Pacing::Pps(1e6);
    let f = generate(&cfg).expect("generate");
    let count = |w: u32| f.metas().iter().filter(|m| m.wire_len == w).count() as f64 / 520_000.0;
    for (w, share) in [(60, 28.0 / 52.0), (590, 20.0 / 52.0), (1514, 4.0 / 52.0)] {
        assert!((count(w) - share).abs() < 0.005, "{w}: {} vs {share}", count(w));
    }
}
