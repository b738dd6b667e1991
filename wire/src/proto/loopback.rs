//! BSD loopback (`LINKTYPE_NULL`) and OpenBSD loopback (`LINKTYPE_LOOP`) headers: a 4-byte
//! address family, then the IP packet.
//!
//! `LINKTYPE_NULL` stores the family in the byte order of the machine that wrote the capture,
//! which the reader cannot always know, so both orders are accepted; `LINKTYPE_LOOP` stores it in
//! network byte order. `AF_INET` is 2 everywhere; `AF_INET6` is 24 (NetBSD, OpenBSD, BSD/OS), 28
//! (FreeBSD, DragonFly) or 30 (macOS, iOS).

use super::{NetworkLayer, NetworkProtocol, be32};
use crate::parse::Unparsed;

/// Length of the loopback header.
pub const HEADER_LEN: usize = 4;

/// `AF_INET` on every BSD.
pub const AF_INET: u32 = 2;
/// The `AF_INET6` values of the BSDs and macOS.
pub const AF_INET6: [u32; 3] = [24, 28, 30];

/// A validated view of a loopback header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopbackHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> LoopbackHeader<T> {
    /// Checks that `buffer` holds the 4-byte address family.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Unparsed::TruncatedLinkHeader);
        }
        Ok(Self { buffer })
    }

    /// The address family read in network byte order.
    #[inline(always)]
    pub fn family_be(&self) -> u32 {
        be32(self.buffer.as_ref(), 0)
    }

    /// The address family read in little-endian byte order.
    #[inline(always)]
    pub fn family_le(&self) -> u32 {
        self.family_be().swap_bytes()
    }
}

/// The network protocol of an address family value, if it names IPv4 or IPv6.
#[inline]
fn protocol_of(family: u32) -> Option<NetworkProtocol> {
    match family {
        AF_INET => Some(NetworkProtocol::Ipv4),
        f if AF_INET6.contains(&f) => Some(NetworkProtocol::Ipv6),
        _ => None,
    }
}

/// Where the IP header of a `LINKTYPE_NULL` frame begins (family in either byte order).
#[inline]
pub fn network_layer_bsd(frame: &[u8]) -> Result<NetworkLayer, Unparsed> {
    let h = LoopbackHeader::new_checked(frame)?;
    let protocol = protocol_of(h.family_le()).or_else(|| protocol_of(h.family_be()));
    protocol.map(|protocol| NetworkLayer { protocol, offset: HEADER_LEN }).ok_or(Unparsed::NonIp)
}

/// Where the IP header of a `LINKTYPE_LOOP` frame begins (family in network byte order).
#[inline]
pub fn network_layer_openbsd(frame: &[u8]) -> Result<NetworkLayer, Unparsed> {
    let h = LoopbackHeader::new_checked(frame)?;
    protocol_of(h.family_be())
        .map(|protocol| NetworkLayer { protocol, offset: HEADER_LEN })
        .ok_or(Unparsed::NonIp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(protocol: NetworkProtocol) -> Result<NetworkLayer, Unparsed> {
        Ok(NetworkLayer { protocol, offset: 4 })
    }

    #[test]
    fn bsd_accepts_both_byte_orders() {
        assert_eq!(network_layer_bsd(&[2, 0, 0, 0, 0x45]), v(NetworkProtocol::Ipv4));
        assert_eq!(network_layer_bsd(&[0, 0, 0, 2, 0x45]), v(NetworkProtocol::Ipv4));
        for af in AF_INET6 {
            let le = af.to_le_bytes();
            let be = af.to_be_bytes();
            assert_eq!(network_layer_bsd(&le), v(NetworkProtocol::Ipv6));
            assert_eq!(network_layer_bsd(&be), v(NetworkProtocol::Ipv6));
        }
    }

    #[test]
    fn openbsd_is_network_order_only() {
        assert_eq!(network_layer_openbsd(&[0, 0, 0, 2]), v(NetworkProtocol::Ipv4));
        assert_eq!(network_layer_openbsd(&[0, 0, 0, 24]), v(NetworkProtocol::Ipv6));
        assert_eq!(network_layer_openbsd(&[2, 0, 0, 0]), Err(Unparsed::NonIp));
    }

    #[test]
    fn other_families_and_truncation() {
        assert_eq!(network_layer_bsd(&[7, 0, 0, 0]), Err(Unparsed::NonIp));
        assert_eq!(network_layer_bsd(&[0, 0, 0, 10]), Err(Unparsed::NonIp));
        for cut in 0..4 {
            assert_eq!(network_layer_bsd(&[2, 0, 0, 0][..cut]), Err(Unparsed::TruncatedLinkHeader));
            assert_eq!(
                network_layer_openbsd(&[0, 0, 0, 2][..cut]),
                Err(Unparsed::TruncatedLinkHeader)
            );
        }
    }
}
