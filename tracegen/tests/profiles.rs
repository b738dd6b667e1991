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
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
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

#[test]
fn caida_like_matches_backbone_targets() {
    let s = stats(Profile::CaidaLike, MILLION);
    report("caida-like", &s);
}

#[test]
fn fais_like_matches_its_mean_size() {
    let s = stats(Profile::FaisLike, MILLION);
    report("fais-like", &s);
}

#[test]
fn datacenter_matches_its_targets() {
    let s = stats(Profile::Datacenter, MILLION);
    report("datacenter", &s);
}

#[test]
fn stress_profiles_match_their_definitions() {
    for p in [Profile::Imix, Profile::Min64, Profile::FlowFlood] {
        let s = stats(p, MILLION);
        report(p.name(), &s);
    }
}
