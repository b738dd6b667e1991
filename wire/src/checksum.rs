//! The Internet checksum (RFC 1071) and the pseudo-headers TCP, UDP and ICMPv6 sum over.

/// Adds `data`, as big-endian words, to an unfolded one's-complement accumulator. Big-endian
/// 32-bit words sum to the same one's-complement result as their 16-bit halves once folded
/// (2^16 = 1 modulo 2^16 - 1), with half the additions; a u64 accumulator cannot overflow for
/// any slice that fits in memory. Fold the result with [`fold`].
#[inline]
pub fn accumulate(mut acc: u64, data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        acc += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    let rest = words.remainder();
    if rest.len() >= 2 {
        acc += u64::from(u16::from_be_bytes([rest[0], rest[1]]));
    }
    if rest.len() % 2 == 1 {
        acc += u64::from(rest[rest.len() - 1]) << 8;
    }
    acc
}

/// Folds an accumulator to 16 bits (end-around carry).
#[inline]
pub fn fold(mut acc: u64) -> u32 {
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc as u32
}

/// One's-complement sum of `data` as big-endian 16-bit words, folded to 16 bits, added to
/// `initial` (an unfolded partial sum).
#[inline]
pub fn sum(initial: u32, data: &[u8]) -> u32 {
    fold(accumulate(u64::from(initial), data))
}

/// The checksum field value for data whose partial sum is `partial`.
#[inline]
pub fn finish(partial: u32) -> u16 {
    !(fold(u64::from(partial)) as u16)
}

/// The Internet checksum of `data`.
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    finish(sum(0, data))
}

/// The partial sum of the IPv4 pseudo-header.
#[inline]
pub fn pseudo_v4(src: [u8; 4], dst: [u8; 4], proto: u8, len: u16) -> u32 {
    let acc = u64::from(u32::from_be_bytes(src))
        + u64::from(u32::from_be_bytes(dst))
        + u64::from(proto)
        + u64::from(len);
    fold(acc)
}

/// The partial sum of the IPv6 pseudo-header.
#[inline]
pub fn pseudo_v6(src: [u8; 16], dst: [u8; 16], proto: u8, len: u32) -> u32 {
    let acc = accumulate(accumulate(0, &src), &dst) + u64::from(len) + u64::from(proto);
    fold(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_sums_equal_pair_sums() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1001).map(|b| b.wrapping_mul(37)).collect();
        for len in 0..data.len() {
            let mut acc = 0u64;
            for c in data[..len].chunks(2) {
                acc += u64::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
            }
            while acc >> 16 != 0 {
                acc = (acc & 0xffff) + (acc >> 16);
            }
            assert_eq!(sum(0, &data[..len]), acc as u32, "{len}");
        }
    }

    #[test]
    fn pseudo_headers_equal_their_byte_sums() {
        let (s4, d4) = ([192, 0, 2, 1], [198, 51, 100, 7]);
        let mut b = Vec::new();
        b.extend_from_slice(&s4);
        b.extend_from_slice(&d4);
        b.extend_from_slice(&[0, 6, 0x05, 0xdc]);
        assert_eq!(pseudo_v4(s4, d4, 6, 1500), sum(0, &b));
        let (s6, d6) = ([0xfe; 16], [0x20; 16]);
        let mut b = Vec::new();
        b.extend_from_slice(&s6);
        b.extend_from_slice(&d6);
        b.extend_from_slice(&70_000u32.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 17]);
        assert_eq!(pseudo_v6(s6, d6, 17, 70_000), sum(0, &b));
    }

    #[test]
    fn rfc1071_example() {
        // The example of RFC 1071 section 3: sum 0xddf2, checksum !0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(0, &data), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn a_header_with_its_checksum_sums_to_zero() {
        let mut h = [
            0x45, 0, 0, 0x3c, 0x1c, 0x46, 0x40, 0, 0x40, 0x06, 0, 0, 0xac, 0x10, 0x0a, 0x63, 0xac,
            0x10, 0x0a, 0x0c,
        ];
        let c = checksum(&h);
        h[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&h), 0);
        assert_eq!(c, 0xb1e6);
    }
}
