//! The trace generator: a profile's packets, timed by the pacing, as one frame buffer.

use serde::{Deserialize, Serialize};
use wire::build::{PacketSpec, Transport};
use wire::{FrameBuffer, LinkType};

use crate::profile::Profile;

/// Version of the generator's output. Bump it whenever the same configuration would give other
/// bytes: results carry it, and the trace cache is keyed by it.
pub const GENERATOR_VERSION: u32 = 1;

/// Captured bytes per generated frame unless asked otherwise: header-only, as CAIDA traces.
pub const DEFAULT_SNAPLEN: u32 = 64;

/// The default start time of generated traces: 2026-01-01T00:00:00Z, in ns.
pub const DEFAULT_START_NS: u64 = 1_767_225_600_000_000_000;

/// How generated packets are spaced in time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pacing {
    /// A constant bit rate of wire bytes (`orig_len`, as tcpreplay counts): each packet starts
    /// when the previous one's bits have gone out at this rate.
    Mbps(f64),
    /// A constant packet rate.
    Pps(f64),
}

impl Default for Pacing {
    /// 10 Gb/s, the link rate of Fais et al.'s first experiment.
    fn default() -> Self {
        Pacing::Mbps(10_000.0)
    }
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenConfig {
    /// Traffic profile.
    pub profile: Profile,
    /// Number of packets.
    pub packets: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Timing of packets.
    pub pacing: Pacing,
    /// Captured bytes per frame.
    pub snaplen: u32,
    /// Timestamp of the first packet (ns since the Unix epoch).
    pub start_ns: u64,
}

impl GenConfig {
    /// A configuration with the defaults: 10 Gb/s, header-only, starting 2026-01-01.
    pub fn new(profile: Profile, packets: u64, seed: u64) -> Self {
        Self {
            profile,
            packets,
            seed,
            pacing: Pacing::default(),
            snaplen: DEFAULT_SNAPLEN,
            start_ns: DEFAULT_START_NS,
        }
    }
}

/// Invalid generator settings.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GenError {
    /// A rate that is not a positive finite number.
    #[error("invalid rate {0}: expected a positive number")]
    BadRate(f64),
    /// A snap length below what holds the headers.
    #[error("snap length {0} is too small: expected at least 14")]
    BadSnaplen(u32),
}

/// Generates the trace: Ethernet frames, header-only by default, with timestamps from the pacing.
pub fn generate(cfg: &GenConfig) -> Result<FrameBuffer, GenError> {
    let per_ns = match cfg.pacing {
        Pacing::Mbps(r) | Pacing::Pps(r) if !(r.is_finite() && r > 0.0) => {
            return Err(GenError::BadRate(r));
        }
        Pacing::Mbps(mbps) => 8.0 * 1e3 / mbps, // ns per wire byte
        Pacing::Pps(pps) => 1e9 / pps,          // ns per packet
    };
    if cfg.snaplen < 14 {
        return Err(GenError::BadSnaplen(cfg.snaplen));
    }
    let mut model = cfg.profile.model(cfg.packets, cfg.seed);
    let snap = cfg.snaplen as usize;
    let n = usize::try_from(cfg.packets).unwrap_or(usize::MAX);
    let mut frames = FrameBuffer::with_capacity(n, n.saturating_mul(snap.min(1514)));
    let mut spec = PacketSpec {
        link: LinkType::Ethernet,
        vlans: Vec::new(),
        src: std::net::Ipv4Addr::UNSPECIFIED.into(),
        dst: std::net::Ipv4Addr::UNSPECIFIED.into(),
        ttl: 64,
        ip_id: 0,
        transport: Transport::Udp { sport: 0, dport: 0 },
        payload_len: 0,
        payload: Vec::new(),
    };
    let mut scratch = Vec::with_capacity(snap.min(65_536));
    // Time in units of the pacing (wire bytes or packets) since the start; f64 keeps the
    // rate exact over long traces without a running rounding error.
    let mut units = 0.0f64;
    for _ in 0..cfg.packets {
        model.next_packet(&mut spec);
        scratch.clear();
        let wire_len = spec.write(&mut scratch, snap);
        let ts = cfg.start_ns + (units * per_ns).round() as u64;
        frames.push(&scratch, ts, wire_len, LinkType::Ethernet);
        units += match cfg.pacing {
            Pacing::Mbps(_) => f64::from(wire_len),
            Pacing::Pps(_) => 1.0,
        };
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_frames_other_seed_differs() {
        let a = generate(&GenConfig::new(Profile::CaidaLike, 2000, 7)).unwrap();
        let b = generate(&GenConfig::new(Profile::CaidaLike, 2000, 7)).unwrap();
        let c = generate(&GenConfig::new(Profile::CaidaLike, 2000, 8)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.data(), c.data());
        assert_eq!(a.len(), 2000);
    }

    #[test]
    fn pacing_sets_the_rate() {
        let mut cfg = GenConfig::new(Profile::CaidaLike, 10_000, 1);
        cfg.pacing = Pacing::Mbps(1000.0);
        let f = generate(&cfg).unwrap();
        let bytes: u64 = f.metas().iter().map(|m| u64::from(m.wire_len)).sum();
        let last = f.metas().last().unwrap();
        let span = (last.ts_ns - cfg.start_ns) as f64 + f64::from(last.wire_len) * 8.0;
        let mbps = bytes as f64 * 8.0 / span * 1e3;
        assert!((mbps - 1000.0).abs() < 1.0, "{mbps}");
        cfg.pacing = Pacing::Pps(1e6);
        let f = generate(&cfg).unwrap();
        assert_eq!(f.metas()[1000].ts_ns - cfg.start_ns, 1_000_000);
        cfg.pacing = Pacing::Pps(0.0);
        assert_eq!(generate(&cfg), Err(GenError::BadRate(0.0)));
    }

    #[test]
    fn frames_are_header_only_with_true_length() {
        let f = generate(&GenConfig::new(Profile::CaidaLike, 5000, 3)).unwrap();
        let mean = f.metas().iter().map(|m| f64::from(m.wire_len)).sum::<f64>() / 5000.0;
        assert!((700.0..900.0).contains(&mean), "{mean}");
        assert!(f.metas().iter().all(|m| m.cap_len <= 64 && m.cap_len <= m.wire_len));
    }
}
