//! Packet-level stress models: `imix`, `min64` and `flow-flood`.
//!
//! These profiles are about sizes and flow counts, not about realistic flows: UDP packets whose
//! 5-tuples come from a fixed set of flows (`imix`, `min64`) or are new with every packet
//! (`flow-flood`). Every flow has its own source and destination host, so no host has more than
//! one peer per flow and no alarm rule of [`wire::sonata`] fires.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use wire::build::{PacketSpec, Transport};

use super::TrafficModel;
use super::sizes::{SizeMixture, SizeMode};

/// IMIX as TRex defines it (ANCHORS.md): 60, 590 and 1514 B frames at 28:20:4.
pub const IMIX: [SizeMode; 3] = [
    SizeMode { weight: 28.0, min: 60, max: 60 },
    SizeMode { weight: 20.0, min: 590, max: 590 },
    SizeMode { weight: 4.0, min: 1514, max: 1514 },
];

/// Minimum-size frames: 64 B on the wire with the FCS, stored with `orig_len` 60.
pub const MIN64: [SizeMode; 1] = [SizeMode { weight: 1.0, min: 60, max: 60 }];

/// Flows of the fixed-population stress profiles.
pub const STRESS_FLOWS: u32 = 4096;

/// A bijection of 32-bit numbers (odd multipliers and xor-shifts), so that counters map to
/// distinct, scattered values.
fn scatter(mut x: u32) -> u32 {
    x = x.wrapping_mul(0x9e37_79b1);
    x ^= x >> 15;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^ (x >> 13)
}

/// A bijection of 24-bit numbers.
fn scatter24(mut x: u32) -> u32 {
    const M: u32 = 0x00ff_ffff;
    x = x.wrapping_mul(0x9e_3779) & M;
    x ^= x >> 11;
    x = x.wrapping_mul(0x85_ebcb) & M;
    x ^ (x >> 7)
}

/// First octets of public-looking IPv4 unicast: 1 to 223 but 10, 100, 127, 169, 172, 192.
const PUBLIC_FIRST_OCTETS: [u8; 217] = {
    let mut out = [0u8; 217];
    let (mut o, mut i) = (1u8, 0usize);
    while o <= 223 {
        if !matches!(o, 10 | 100 | 127 | 169 | 172 | 192) {
            out[i] = o;
            i += 1;
        }
        o += 1;
    }
    out
};

fn public_first_octet(i: u32) -> u8 {
    PUBLIC_FIRST_OCTETS[(i as usize) % PUBLIC_FIRST_OCTETS.len()]
}

/// The `n`-th address of a scattered sequence with no repeats (IPv4: public-looking, distinct
/// for the first 3.6 billion; IPv6: in 2001:db8::/32).
fn host(n: u64, v6: bool) -> IpAddr {
    if v6 {
        let low = u128::from(scatter(n as u32)) | (u128::from((n >> 32) as u32) << 32);
        return IpAddr::V6(Ipv6Addr::from((0x2001_0db8u128 << 96) | low));
    }
    let first = public_first_octet((n >> 24) as u32);
    IpAddr::V4(Ipv4Addr::from((u32::from(first) << 24) | scatter24(n as u32 & 0x00ff_ffff)))
}

/// UDP traffic with sizes from a mixture over a fixed set of flows, or a new flow per packet.
pub struct StressModel {
    sizes: SizeMixture,
    /// `None`: every packet is a new flow.
    flows: Option<u32>,
    ipv6_share: f64,
    rng: ChaCha8Rng,
    count: u64,
}

impl StressModel {
    /// Packets with sizes from `modes` over `flows` flows (`None`: a new flow per packet).
    pub fn new(modes: &[SizeMode], flows: Option<u32>, ipv6_share: f64, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(5);
        Self { sizes: SizeMixture::new(modes), flows, ipv6_share, rng, count: 0 }
    }
}

impl TrafficModel for StressModel {
    fn next_packet(&mut self, spec: &mut PacketSpec, _now_ns: u64) {
        let rng = &mut self.rng;
        let n = match self.flows {
            Some(f) => u64::from(rng.random_range(0..f)),
            None => self.count,
        };
        self.count += 1;
        let v6 = match self.flows {
            // A fixed flow keeps its version; a flood draws it per packet.
            Some(_) => (scatter(n as u32 ^ 0x5555) as f64 / 4_294_967_296.0) < self.ipv6_share,
            None => rng.random_bool(self.ipv6_share),
        };
        // Sources take the even positions of the sequence and destinations the odd ones, so no
        // address serves two flows.
        spec.src = host(2 * n, v6);
        spec.dst = host(2 * n + 1, v6);
        let sport = 1024 + (scatter(n as u32 ^ 0xabcd) % 64_000) as u16;
        spec.transport = Transport::Udp { sport, dport: 9 };
        spec.vlans.clear();
        spec.payload.clear();
        spec.ttl = 64;
        spec.ip_id = self.count as u16;
        let wire = self.sizes.sample(rng) as usize;
        let headers = 14 + if v6 { 40 } else { 20 } + 8;
        spec.payload_len = wire.saturating_sub(headers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatters_are_bijections() {
        let mut seen = std::collections::HashSet::new();
        for x in 0..200_000u32 {
            assert!(seen.insert(scatter(x)));
        }
        let mut seen = vec![false; 1 << 24];
        for x in 0..(1u32 << 24) {
            let y = scatter24(x) as usize;
            assert!(!seen[y], "{x}");
            seen[y] = true;
        }
    }

    #[test]
    fn flood_addresses_never_repeat() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..100_000u64 {
            assert!(seen.insert(host(n, false)), "{n}");
        }
    }
}
