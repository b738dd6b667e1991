//! `GenConfig::flow_skew`: Zipf popularity of flows, measured on generated traces parsed back
//! with `wire::parse_frame` (connections: both directions of a 5-tuple together). The skew
//! moves packets between flows and changes nothing else: sizes, protocol mix and TCP sequence
//! numbers stay plausible, the same seed gives the same bytes, and without it the output is
//! the bytes it always was.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use tracegen::generator::GenError;
use tracegen::model::skew::population_size;
use tracegen::model::zipf::harmonic;
use tracegen::pcap::{PcapWriter, TsResolution};
use tracegen::{GenConfig, Profile, generate};
use wire::record::tcp_flags;
use wire::{FlowKey, FrameBuffer, LinkType, PacketRecord, parse_frame};

fn trace(profile: Profile, packets: u64, seed: u64, skew: Option<f64>) -> FrameBuffer {
    let mut cfg = GenConfig::new(profile, packets, seed);
    cfg.flow_skew = skew;
    let frames = generate(&cfg).expect("generate");
    assert_eq!(frames.len() as u64, packets);
    frames
}

fn records(frames: &FrameBuffer) -> Vec<PacketRecord> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| parse_frame(&f, i as u32).expect("generated frames parse"))
        .collect()
}

/// Packets per connection, most first.
fn ranked_connections(recs: &[PacketRecord]) -> Vec<u64> {
    let mut conns: HashMap<FlowKey, u64> = HashMap::new();
    for r in recs {
        *conns.entry(r.flow_key().canonical()).or_default() += 1;
    }
    let mut ranked: Vec<u64> = conns.into_values().collect();
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    ranked
}

/// Least-squares slope of log(packets) on log(rank) over the first `top` ranks.
fn rank_slope(ranked: &[u64], top: usize) -> f64 {
    let pts: Vec<(f64, f64)> = ranked[..top]
        .iter()
        .enumerate()
        .map(|(r, &c)| (((r + 1) as f64).ln(), (c as f64).ln()))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

#[test]
fn skew_makes_the_top_flow_large_and_ranks_follow_the_exponent() {
    let packets = 50_000;
    let plain = ranked_connections(&records(&trace(Profile::CaidaLike, packets, 3, None)));
    let plain_top = plain[0] as f64 / packets as f64;
    assert!(plain_top < 0.01, "without skew the largest connection has {plain_top}");
    let n = population_size(packets) as u64;
    for s in [0.8, 1.2, 1.4] {
        let ranked = ranked_connections(&records(&trace(Profile::CaidaLike, packets, 3, Some(s))));
        let top = ranked[0] as f64 / packets as f64;
        let want = 1.0 / harmonic(n, s);
        let ratio = ranked[0] as f64 / ranked[9] as f64;
        let slope = rank_slope(&ranked, 50);
        eprintln!(
            "s={s}: top share {top:.4} (Zipf {want:.4}), share(1)/share(10) {ratio:.2} \
             (10^s {:.2}), slope over 50 ranks {slope:.3}, {} connections",
            10f64.powf(s),
            ranked.len()
        );
        assert!(top > 10.0 * plain_top, "s={s}: {top} vs {plain_top} without skew");
        assert!((top / want - 1.0).abs() < 0.15, "s={s}: top share {top}, Zipf says {want}");
        let expected = 10f64.powf(s);
        // The tenth count is an order statistic of close ranks: noisier than the slope (over 60
        // seeds and exponents the ratio stayed within 25% of 10^s, the slope within 0.04).
        assert!((ratio / expected - 1.0).abs() < 0.4, "s={s}: share(1)/share(10) {ratio}");
        assert!((slope + s).abs() < 0.1, "s={s}: rank-size slope {slope}");
        assert!(ranked.len() as u64 <= n, "s={s}: {} connections", ranked.len());
    }
}

#[test]
fn stress_profiles_skew_too() {
    let packets = 20_000;
    let n = population_size(packets) as u64;
    let ranked = ranked_connections(&records(&trace(Profile::Imix, packets, 1, Some(1.0))));
    let top = ranked[0] as f64 / packets as f64;
    let want = 1.0 / harmonic(n, 1.0);
    assert!((top / want - 1.0).abs() < 0.15, "imix: top share {top}, Zipf says {want}");
}

#[test]
fn same_seed_same_bytes() {
    let a = trace(Profile::CaidaLike, 20_000, 5, Some(1.0));
    let b = trace(Profile::CaidaLike, 20_000, 5, Some(1.0));
    assert_eq!(a, b);
    let other_seed = trace(Profile::CaidaLike, 20_000, 6, Some(1.0));
    assert_ne!(a.data(), other_seed.data());
    let other_skew = trace(Profile::CaidaLike, 20_000, 5, Some(1.2));
    assert_ne!(a.data(), other_skew.data());
}

/// SHA-256 of the classic pcap `pktstream gen` writes for a configuration (nanosecond
/// timestamps, the default snap length).
fn pcap_sha256(cfg: &GenConfig) -> String {
    let frames = generate(cfg).expect("generate");
    let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet, cfg.snaplen, TsResolution::Nano)
        .expect("header");
    for f in frames.iter() {
        w.write_frame(f.ts_ns, f.wire_len, f.bytes).expect("write");
    }
    Sha256::digest(w.into_inner()).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn without_skew_the_bytes_are_unchanged() {
    // Hashes of `pktstream gen --profile P --packets 20000 --seed 1` before the option existed.
    let known = [(Profile::CaidaLike, CAIDA_LIKE_SHA256), (Profile::Imix, IMIX_SHA256)];
    for (profile, want) in known {
        let cfg = GenConfig::new(profile, 20_000, 1);
        assert_eq!(pcap_sha256(&cfg), want, "{profile}");
    }
}

const CAIDA_LIKE_SHA256: &str = "3be9f4d92e9513365050b8e353a222e85a003984ada120b9b4b2a4d5ea6f834a";
const IMIX_SHA256: &str = "fb294f16237cc1093eeae2a190ed059ff3cba076b3e3893e76dc23eb84bb0124";

#[test]
fn sizes_protocol_mix_and_tcp_sequences_stay_plausible() {
    let packets = 50_000;
    let mix = |recs: &[PacketRecord]| {
        let share = |f: &dyn Fn(&PacketRecord) -> bool| {
            recs.iter().filter(|r| f(r)).count() as f64 / recs.len() as f64
        };
        let mean = recs.iter().map(|r| f64::from(r.wire_len())).sum::<f64>() / recs.len() as f64;
        [share(&|r| r.proto == 6), share(&|r| r.proto == 17), share(&|r| r.ip_version() == 6), mean]
    };
    let plain = mix(&records(&trace(Profile::CaidaLike, packets, 8, None)));
    let recs = records(&trace(Profile::CaidaLike, packets, 8, Some(1.2)));
    let skewed = mix(&recs);
    for (i, tolerance) in [0.03, 0.03, 0.03, 40.0].into_iter().enumerate() {
        assert!((plain[i] - skewed[i]).abs() < tolerance, "{i}: {plain:?} vs {skewed:?}");
    }
    // Every TCP segment of a flow starts where the flow's previous one ended, acknowledges
    // what the other side sent, and is part of an established connection.
    let mut next: HashMap<FlowKey, u32> = HashMap::new();
    let mut checked = 0;
    for r in recs.iter().filter(|r| r.proto == 6) {
        assert_eq!(r.tcp_flags & (tcp_flags::SYN | tcp_flags::FIN | tcp_flags::RST), 0);
        assert_ne!(r.tcp_flags & tcp_flags::ACK, 0);
        let key = r.flow_key();
        if let Some(&want) = next.get(&key) {
            assert_eq!(r.seq, want, "{key:?}");
            checked += 1;
        }
        if let Some(&other) = next.get(&key.reversed()) {
            assert_eq!(r.ack, other, "{key:?}");
        }
        let ip_header = if r.ip_version() == 6 { 40 } else { 20 };
        let payload = u32::from(r.ip_len) - ip_header - 20;
        next.insert(key, r.seq.wrapping_add(payload));
    }
    assert!(checked > packets / 2, "{checked} segments followed another of their flow");
}

#[test]
fn invalid_exponents_are_rejected() {
    for s in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut cfg = GenConfig::new(Profile::CaidaLike, 100, 1);
        cfg.flow_skew = Some(s);
        match generate(&cfg) {
            Err(e @ GenError::FlowSkew(_)) => {
                assert!(e.to_string().contains("flow skew"), "{e}");
            }
            other => panic!("{s}: {other:?}"),
        }
    }
}

#[test]
fn the_skew_is_part_of_the_configuration_and_old_files_parse() {
    let mut cfg = GenConfig::new(Profile::CaidaLike, 100, 1);
    let plain = toml::to_string(&cfg).expect("serialise");
    assert!(!plain.contains("flow_skew"), "{plain}");
    assert_eq!(toml::from_str::<GenConfig>(&plain).expect("parse"), cfg);
    cfg.flow_skew = Some(1.2);
    let text = toml::to_string(&cfg).expect("serialise");
    assert!(text.contains("flow_skew = 1.2"), "{text}");
    assert_eq!(toml::from_str::<GenConfig>(&text).expect("parse"), cfg);
}
