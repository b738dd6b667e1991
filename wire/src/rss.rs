//! Receive-side scaling: the symmetric flow hashes that split frames across receive rings.
//!
//! Two functions, both symmetric (both directions of a connection hash alike, so reach the same
//! ring) and both with fixed keys, so results never depend on a random seed:
//! - [`toeplitz`]: the Toeplitz hash NICs compute, with the 40-byte key of repeated `0x6d5a`
//!   (Woo and Park, "Scalable TCP session monitoring with symmetric receive-side scaling"). A key
//!   with a 16-bit period makes the hash of (src, dst, sport, dport) equal that of
//!   (dst, src, dport, sport), because each field is swapped with one a multiple of 16 bits away.
//! - [`fast`]: a software hash for when Toeplitz's bit-serial cost matters. It orders the two
//!   endpoints (address, port) so the smaller comes first, then mixes the words with a fixed
//!   64-bit multiplier and a final avalanche (the `splitmix64` finaliser).
//!
//! The input is the 5-tuple's addresses and ports as NICs hash them: for TCP and UDP packets,
//! addresses and ports (ports a capture cut off are 0 in both directions); otherwise (ICMP,
//! fragments, other protocols) the addresses alone, so all fragments of a datagram reach one
//! ring.

use serde::{Deserialize, Serialize};

use crate::record::{PacketRecord, flags};

/// Which RSS function splits frames across rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RssFunction {
    /// Symmetric Toeplitz with the repeated `0x6d5a` key.
    #[default]
    Toeplitz,
    /// The documented symmetric software hash [`fast`].
    Fast,
}

impl RssFunction {
    /// Every function, by name.
    pub const ALL: [(&'static str, RssFunction); 2] =
        [("toeplitz", RssFunction::Toeplitz), ("fast", RssFunction::Fast)];

    /// Hashes a record.
    #[inline]
    pub fn hash(self, r: &PacketRecord) -> u32 {
        match self {
            RssFunction::Toeplitz => toeplitz(r),
            RssFunction::Fast => fast(r),
        }
    }
}

/// The symmetric RSS key: `0x6d5a` repeated to 40 bytes.
pub const SYMMETRIC_KEY: [u8; 40] = {
    let mut k = [0u8; 40];
    let mut i = 0;
    while i < 40 {
        k[i] = if i % 2 == 0 { 0x6d } else { 0x5a };
        i += 1;
    }
    k
};

/// Whether the ports take part in the hash: TCP or UDP, not a fragment (NICs hash fragments by
/// addresses alone, so every fragment of a datagram reaches the same ring).
#[inline]
fn hashes_ports(r: &PacketRecord) -> bool {
    !r.has(flags::FRAGMENT) && (r.proto == 6 || r.proto == 17)
}

/// The Toeplitz hash of `input` under `key` (`key` must be at least `input.len() + 4` bytes).
pub fn toeplitz_hash(key: &[u8], input: &[u8]) -> u32 {
    debug_assert!(key.len() >= input.len() + 4);
    let mut result = 0u32;
    // The 32-bit window of the key that lines up with the current input bit.
    let mut window = u32::from_be_bytes([key[0], key[1], key[2], key[3]]);
    for (i, &byte) in input.iter().enumerate() {
        let next = key.get(i + 4).copied().unwrap_or(0);
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                result ^= window;
            }
            window = (window << 1) | u32::from((next >> (7 - bit)) & 1);
        }
    }
    result
}

/// Symmetric Toeplitz hash of a record's addresses (and ports for TCP/UDP).
pub fn toeplitz(r: &PacketRecord) -> u32 {
    let mut buf = [0u8; 36];
    let n = if r.has(flags::IPV6) {
        buf[..16].copy_from_slice(&r.src);
        buf[16..32].copy_from_slice(&r.dst);
        32
    } else {
        buf[..4].copy_from_slice(&r.src[12..]);
        buf[4..8].copy_from_slice(&r.dst[12..]);
        8
    };
    let n = if hashes_ports(r) {
        buf[n..n + 2].copy_from_slice(&r.sport.to_be_bytes());
        buf[n + 2..n + 4].copy_from_slice(&r.dport.to_be_bytes());
        n + 4
    } else {
        n
    };
    toeplitz_hash(&SYMMETRIC_KEY, &buf[..n])
}

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline]
fn splitmix_finish(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Symmetric software hash: endpoints ordered, then mixed (see the module documentation).
#[inline]
pub fn fast(r: &PacketRecord) -> u32 {
    let (sp, dp) = if hashes_ports(r) { (r.sport, r.dport) } else { (0, 0) };
    let a = (u128::from_be_bytes(r.src), sp);
    let b = (u128::from_be_bytes(r.dst), dp);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h = 0x243f_6a88_85a3_08d3u64; // fixed seed: the fractional digits of pi
    for w in [lo.0 as u64, (lo.0 >> 64) as u64, hi.0 as u64, (hi.0 >> 64) as u64] {
        h = (h ^ w).wrapping_mul(MIX).rotate_left(29);
    }
    h ^= (u64::from(lo.1) << 16 | u64::from(hi.1)) ^ (u64::from(r.proto) << 40);
    (splitmix_finish(h) >> 32) as u32
}

/// The ring (0..`rings`) a hash selects: the high part of `hash * rings`, which spreads hashes
/// evenly without a division.
#[inline]
pub fn ring_of(hash: u32, rings: usize) -> usize {
    ((u64::from(hash) * rings as u64) >> 32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::mapped_v4;

    /// The verification vectors Microsoft publishes for RSS use a non-symmetric key; check the
    /// bit-serial implementation against the first IPv4/TCP one.
    #[test]
    fn toeplitz_matches_published_vector() {
        let key: [u8; 40] = [
            0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
            0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
            0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
        ];
        // src 66.9.149.187:2794, dst 161.142.100.80:1766
        let input = [66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6];
        assert_eq!(toeplitz_hash(&key, &input), 0x51cc_c178);
        assert_eq!(toeplitz_hash(&key, &input[..8]), 0x323e_8fc2);
    }

    #[test]
    fn both_directions_hash_alike() {
        let mut r = PacketRecord::default();
        r.src = mapped_v4([10, 1, 2, 3]);
        r.dst = mapped_v4([172, 16, 0, 9]);
        (r.sport, r.dport, r.proto) = (40000, 443, 6);
        r.set_flags(flags::L4_VALID);
        let mut rev = r;
        std::mem::swap(&mut rev.src, &mut rev.dst);
        std::mem::swap(&mut rev.sport, &mut rev.dport);
        for f in [RssFunction::Toeplitz, RssFunction::Fast] {
            assert_eq!(f.hash(&r), f.hash(&rev), "{f:?}");
        }
    }

    #[test]
    fn ring_of_stays_in_range() {
        for h in [0, 1, u32::MAX / 2, u32::MAX] {
            for n in 1..9 {
                assert!(ring_of(h, n) < n);
            }
        }
    }
}
