//! One validated, zero-copy view per protocol header, in the style of smoltcp's `wire` module.
//!
//! Every view is a `struct Xxx<T: AsRef<[u8]>>` over a byte buffer. Its `new_checked` checks
//! the buffer's length (and the few fields that decide how long the header is) once, and returns
//! a named [`Unparsed`] reason when the bytes cannot hold the header; every accessor after that is
//! infallible. None of them panics on any input, and none allocates.
//!
//! The link-layer modules ([`ethernet`], [`sll`], [`loopback`]) also say where the network layer
//! begins and whether it is IPv4 or IPv6 ([`NetworkLayer`]); [`crate::parse`] strings the views
//! together into a [`crate::PacketRecord`].

pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod loopback;
pub mod sll;
pub mod tcp;
pub mod udp;

use crate::parse::Unparsed;

/// IP protocol numbers the parser knows by name.
pub mod ip_proto {
    /// IPv6 hop-by-hop options.
    pub const HOP_BY_HOP: u8 = 0;
    /// Internet Control Message Protocol.
    pub const ICMP: u8 = 1;
    /// Transmission Control Protocol.
    pub const TCP: u8 = 6;
    /// User Datagram Protocol.
    pub const UDP: u8 = 17;
    /// IPv6 routing header.
    pub const IPV6_ROUTE: u8 = 43;
    /// IPv6 fragment header.
    pub const IPV6_FRAG: u8 = 44;
    /// Encapsulating security payload (not walked: its next header is encrypted).
    pub const ESP: u8 = 50;
    /// Authentication header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 "no next header".
    pub const IPV6_NO_NEXT: u8 = 59;
    /// IPv6 destination options.
    pub const IPV6_OPTS: u8 = 60;
    /// IPv6 mobility header.
    pub const MOBILITY: u8 = 135;
}

/// The network-layer protocol a link layer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkProtocol {
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
}

/// Where the network layer of a frame begins, and which one it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkLayer {
    /// IPv4 or IPv6.
    pub protocol: NetworkProtocol,
    /// Offset of the IP header from the start of the frame.
    pub offset: usize,
}

impl NetworkProtocol {
    /// The protocol an ethertype names; [`Unparsed::NonIp`] for every other ethertype (ARP,
    /// MPLS, PPPoE, an 802.3 length field, ...).
    #[inline]
    pub fn from_ethertype(ethertype: u16) -> Result<Self, Unparsed> {
        match ethertype {
            ethernet::ethertype::IPV4 => Ok(Self::Ipv4),
            ethernet::ethertype::IPV6 => Ok(Self::Ipv6),
            _ => Err(Unparsed::NonIp),
        }
    }

    /// The protocol of a raw IP packet, from the version nibble of its first byte.
    #[inline]
    pub fn from_version_nibble(packet: &[u8]) -> Result<Self, Unparsed> {
        match packet.first().map(|b| b >> 4) {
            None => Err(Unparsed::TruncatedIpHeader),
            Some(4) => Ok(Self::Ipv4),
            Some(6) => Ok(Self::Ipv6),
            Some(_) => Err(Unparsed::BadIpVersion),
        }
    }
}

/// Big-endian `u16` at `at`; 0 past the end. Views call it only on bytes `new_checked`
/// validated, where the compiler drops the fallback; it keeps every accessor total regardless.
#[inline(always)]
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..).and_then(<[u8]>::first_chunk::<2>) {
        Some(&w) => u16::from_be_bytes(w),
        None => 0,
    }
}

/// Big-endian `u32` at `at`; 0 past the end (as [`be16`]).
#[inline(always)]
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..).and_then(<[u8]>::first_chunk::<4>) {
        Some(&w) => u32::from_be_bytes(w),
        None => 0,
    }
}

/// The byte at `at`; 0 past the end (as [`be16`]).
#[inline(always)]
pub(crate) fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// `N` bytes from `at`; zeros past the end (as [`be16`]).
#[inline(always)]
pub(crate) fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    match b.get(at..).and_then(<[u8]>::first_chunk::<N>) {
        Some(&a) => a,
        None => [0; N],
    }
}

/// The bytes of `b` from `at` on; empty when `at` is past the end.
#[inline(always)]
pub(crate) fn tail(b: &[u8], at: usize) -> &[u8] {
    b.get(at..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_nibble_decides_raw_ip() {
        assert_eq!(NetworkProtocol::from_version_nibble(&[0x45]), Ok(NetworkProtocol::Ipv4));
        assert_eq!(NetworkProtocol::from_version_nibble(&[0x60]), Ok(NetworkProtocol::Ipv6));
        assert_eq!(NetworkProtocol::from_version_nibble(&[0x55]), Err(Unparsed::BadIpVersion));
        assert_eq!(NetworkProtocol::from_version_nibble(&[]), Err(Unparsed::TruncatedIpHeader));
    }

    #[test]
    fn only_ip_ethertypes_are_network_layers() {
        assert_eq!(NetworkProtocol::from_ethertype(0x0800), Ok(NetworkProtocol::Ipv4));
        assert_eq!(NetworkProtocol::from_ethertype(0x86dd), Ok(NetworkProtocol::Ipv6));
        for t in [0x0806, 0x8847, 0x8864, 0x0042, 0x88cc] {
            assert_eq!(NetworkProtocol::from_ethertype(t), Err(Unparsed::NonIp));
        }
    }

    #[test]
    fn tail_never_panics() {
        assert_eq!(tail(&[1, 2, 3], 1), &[2, 3]);
        assert_eq!(tail(&[1, 2, 3], 3), &[] as &[u8]);
        assert_eq!(tail(&[1, 2, 3], 9), &[] as &[u8]);
    }
}
