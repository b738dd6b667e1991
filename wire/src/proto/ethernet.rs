//! Ethernet II frames, with stacked 802.1Q and 802.1ad (QinQ) VLAN tags.

use super::{NetworkLayer, NetworkProtocol, array, be16, byte, tail};
use crate::parse::Unparsed;

/// Ethertypes the parser reads.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// IPv6.
    pub const IPV6: u16 = 0x86dd;
    /// 802.1Q VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// 802.1ad service tag (QinQ outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// The pre-standard QinQ outer tag some switches still send.
    pub const QINQ_LEGACY: u16 = 0x9100;

    /// Whether `t` announces a VLAN tag (802.1Q, 802.1ad or the legacy QinQ value).
    #[inline(always)]
    pub fn is_vlan(t: u16) -> bool {
        matches!(t, VLAN | QINQ | QINQ_LEGACY)
    }
}

/// Length of the Ethernet II header: destination, source, ethertype.
pub const HEADER_LEN: usize = 14;
/// Length of one VLAN tag: tag control information and the inner ethertype.
pub const VLAN_TAG_LEN: usize = 4;

/// A validated view of an Ethernet II header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Checks that `buffer` holds a whole Ethernet header.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Unparsed::TruncatedLinkHeader);
        }
        Ok(Self { buffer })
    }

    /// Destination MAC address.
    #[inline(always)]
    pub fn dst_addr(&self) -> [u8; 6] {
        array(self.buffer.as_ref(), 0)
    }

    /// Source MAC address.
    #[inline(always)]
    pub fn src_addr(&self) -> [u8; 6] {
        array(self.buffer.as_ref(), 6)
    }

    /// The ethertype (or, below 0x0600, an 802.3 length field).
    #[inline(always)]
    pub fn ethertype(&self) -> u16 {
        be16(self.buffer.as_ref(), 12)
    }

    /// The bytes after the header (the first VLAN tag or the network layer).
    #[inline(always)]
    pub fn payload(&self) -> &[u8] {
        tail(self.buffer.as_ref(), HEADER_LEN)
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

/// A validated view of one 802.1Q / 802.1ad tag (the 4 bytes after a VLAN ethertype).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VlanTag<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanTag<T> {
    /// Checks that `buffer` holds a whole tag.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < VLAN_TAG_LEN {
            return Err(Unparsed::TruncatedLinkHeader);
        }
        Ok(Self { buffer })
    }

    /// Priority code point (3 bits).
    #[inline(always)]
    pub fn priority(&self) -> u8 {
        byte(self.buffer.as_ref(), 0) >> 5
    }

    /// VLAN identifier (12 bits).
    #[inline(always)]
    pub fn vlan_id(&self) -> u16 {
        be16(self.buffer.as_ref(), 0) & 0x0fff
    }

    /// The ethertype of what follows the tag.
    #[inline(always)]
    pub fn inner_ethertype(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }
}

/// Where the IP header of an Ethernet frame begins, after any stacked VLAN tags.
#[inline]
pub fn network_layer(frame: &[u8]) -> Result<NetworkLayer, Unparsed> {
    let eth = EthernetFrame::new_checked(frame)?;
    network_layer_after(frame, HEADER_LEN, eth.ethertype())
}

/// Follows `ethertype`, announced for the bytes at `offset` of `frame`, through any stacked VLAN
/// tags to the network layer. Link types whose header ends in an ethertype (Ethernet, Linux
/// cooked captures) share it.
#[inline]
pub fn network_layer_after(
    frame: &[u8],
    mut offset: usize,
    mut ethertype: u16,
) -> Result<NetworkLayer, Unparsed> {
    if ethertype == ethertype::IPV4 {
        // The common case first: untagged IPv4.
        return Ok(NetworkLayer { protocol: NetworkProtocol::Ipv4, offset });
    }
    while ethertype::is_vlan(ethertype) {
        let tag = VlanTag::new_checked(tail(frame, offset))?;
        ethertype = tag.inner_ethertype();
        offset += VLAN_TAG_LEN;
    }
    Ok(NetworkLayer { protocol: NetworkProtocol::from_ethertype(ethertype)?, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACS: [u8; 12] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];

    fn frame(tags: &[(u16, u16)], ethertype: u16) -> Vec<u8> {
        let mut f = MACS.to_vec();
        for &(tpid, tci) in tags {
            f.extend_from_slice(&tpid.to_be_bytes());
            f.extend_from_slice(&tci.to_be_bytes());
        }
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(&[0x45, 0, 0, 20]);
        f
    }

    #[test]
    fn untagged_ipv4() {
        let f = frame(&[], ethertype::IPV4);
        let eth = EthernetFrame::new_checked(&f[..]).unwrap();
        assert_eq!(eth.dst_addr(), [2, 0, 0, 0, 0, 1]);
        assert_eq!(eth.src_addr(), [2, 0, 0, 0, 0, 2]);
        assert_eq!(eth.ethertype(), 0x0800);
        assert_eq!(eth.payload(), &[0x45, 0, 0, 20]);
        assert_eq!(
            network_layer(&f),
            Ok(NetworkLayer { protocol: NetworkProtocol::Ipv4, offset: 14 })
        );
    }

    #[test]
    fn one_vlan_tag() {
        let f = frame(&[(ethertype::VLAN, 0x2064)], ethertype::IPV6);
        let tag = VlanTag::new_checked(&f[14..]).unwrap();
        assert_eq!(tag.vlan_id(), 0x064);
        assert_eq!(tag.priority(), 1);
        assert_eq!(
            network_layer(&f),
            Ok(NetworkLayer { protocol: NetworkProtocol::Ipv6, offset: 18 })
        );
    }

    #[test]
    fn qinq_stacks() {
        for outer in [ethertype::QINQ, ethertype::QINQ_LEGACY, ethertype::VLAN] {
            let f = frame(&[(outer, 10), (ethertype::VLAN, 20)], ethertype::IPV4);
            assert_eq!(
                network_layer(&f),
                Ok(NetworkLayer { protocol: NetworkProtocol::Ipv4, offset: 22 })
            );
        }
        let f = frame(&[(ethertype::QINQ, 1), (ethertype::QINQ, 2), (ethertype::VLAN, 3)], 0x0800);
        assert_eq!(network_layer(&f).map(|n| n.offset), Ok(26));
    }

    #[test]
    fn non_ip_and_8023_lengths() {
        assert_eq!(network_layer(&frame(&[], 0x0806)), Err(Unparsed::NonIp));
        assert_eq!(network_layer(&frame(&[], 0x0026)), Err(Unparsed::NonIp));
        assert_eq!(network_layer(&frame(&[(0x8100, 5)], 0x8847)), Err(Unparsed::NonIp));
    }

    #[test]
    fn truncated_headers_and_tags() {
        let f = frame(&[(ethertype::QINQ, 10), (ethertype::VLAN, 20)], ethertype::IPV4);
        for cut in 0..f.len() {
            let r = network_layer(&f[..cut]);
            if cut < 22 {
                assert_eq!(r, Err(Unparsed::TruncatedLinkHeader), "cut at {cut}");
            } else {
                assert!(r.is_ok());
            }
        }
    }
}
