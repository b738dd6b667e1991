//! Linux cooked captures ("any" device): SLL v1 (16-byte header) and SLL2 (20-byte header).
//!
//! Both end in a protocol field that holds an ethertype for the link types that carry IP; the
//! network layer follows (possibly after VLAN tags the kernel did not strip).

use super::ethernet::network_layer_after;
use super::{NetworkLayer, be16, be32, byte};
use crate::parse::Unparsed;

/// Length of the Linux cooked v1 header.
pub const SLL_HEADER_LEN: usize = 16;
/// Length of the Linux cooked v2 header.
pub const SLL2_HEADER_LEN: usize = 20;

/// A validated view of a Linux cooked v1 header:
/// packet type, ARPHRD type, address length, 8 address bytes, protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SllHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SllHeader<T> {
    /// Checks that `buffer` holds a whole v1 header.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < SLL_HEADER_LEN {
            return Err(Unparsed::TruncatedLinkHeader);
        }
        Ok(Self { buffer })
    }

    /// Packet type (0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us).
    #[inline(always)]
    pub fn packet_type(&self) -> u16 {
        be16(self.buffer.as_ref(), 0)
    }

    /// The device's `ARPHRD_*` type.
    #[inline(always)]
    pub fn arphrd_type(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }

    /// The protocol field: an ethertype for the device types that carry IP.
    #[inline(always)]
    pub fn protocol(&self) -> u16 {
        be16(self.buffer.as_ref(), 14)
    }
}

/// A validated view of a Linux cooked v2 header: protocol, reserved, interface index, ARPHRD
/// type, packet type, address length, 8 address bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sll2Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Sll2Header<T> {
    /// Checks that `buffer` holds a whole v2 header.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < SLL2_HEADER_LEN {
            return Err(Unparsed::TruncatedLinkHeader);
        }
        Ok(Self { buffer })
    }

    /// The protocol field: an ethertype for the device types that carry IP.
    #[inline(always)]
    pub fn protocol(&self) -> u16 {
        be16(self.buffer.as_ref(), 0)
    }

    /// The capturing interface's index.
    #[inline(always)]
    pub fn interface_index(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }

    /// The device's `ARPHRD_*` type.
    #[inline(always)]
    pub fn arphrd_type(&self) -> u16 {
        be16(self.buffer.as_ref(), 8)
    }

    /// Packet type (as in v1).
    #[inline(always)]
    pub fn packet_type(&self) -> u8 {
        byte(self.buffer.as_ref(), 10)
    }
}

/// Where the IP header of a Linux cooked v1 frame begins.
#[inline]
pub fn network_layer_v1(frame: &[u8]) -> Result<NetworkLayer, Unparsed> {
    let h = SllHeader::new_checked(frame)?;
    network_layer_after(frame, SLL_HEADER_LEN, h.protocol())
}

/// Where the IP header of a Linux cooked v2 frame begins.
#[inline]
pub fn network_layer_v2(frame: &[u8]) -> Result<NetworkLayer, Unparsed> {
    let h = Sll2Header::new_checked(frame)?;
    network_layer_after(frame, SLL2_HEADER_LEN, h.protocol())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::NetworkProtocol;

    // v1: outgoing (4), ARPHRD_ETHER (1), 6-byte address, padded to 8, protocol IPv4.
    const SLL_V4: [u8; 17] = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, 0x45];
    // v2: protocol IPv6, reserved, ifindex 3, ARPHRD_ETHER, incoming (0), 6-byte address.
    const SLL2_V6: [u8; 21] =
        [0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x60];

    #[test]
    fn v1_fields_and_network_layer() {
        let h = SllHeader::new_checked(&SLL_V4[..]).unwrap();
        assert_eq!((h.packet_type(), h.arphrd_type(), h.protocol()), (4, 1, 0x0800));
        assert_eq!(
            network_layer_v1(&SLL_V4),
            Ok(NetworkLayer { protocol: NetworkProtocol::Ipv4, offset: 16 })
        );
    }

    #[test]
    fn v2_fields_and_network_layer() {
        let h = Sll2Header::new_checked(&SLL2_V6[..]).unwrap();
        assert_eq!(h.protocol(), 0x86dd);
        assert_eq!(h.interface_index(), 3);
        assert_eq!(h.arphrd_type(), 1);
        assert_eq!(h.packet_type(), 0);
        assert_eq!(
            network_layer_v2(&SLL2_V6),
            Ok(NetworkLayer { protocol: NetworkProtocol::Ipv6, offset: 20 })
        );
    }

    #[test]
    fn vlan_tag_after_cooked_header() {
        let mut f = SLL_V4[..16].to_vec();
        f[14..16].copy_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&[0, 7, 0x08, 0x00, 0x45]);
        assert_eq!(network_layer_v1(&f).map(|n| n.offset), Ok(20));
    }

    #[test]
    fn non_ip_and_truncated() {
        let mut f = SLL_V4;
        f[14..16].copy_from_slice(&[0x00, 0x04]); // 802.2 LLC
        assert_eq!(network_layer_v1(&f), Err(Unparsed::NonIp));
        for cut in 0..SLL_HEADER_LEN {
            assert_eq!(network_layer_v1(&SLL_V4[..cut]), Err(Unparsed::TruncatedLinkHeader));
        }
        for cut in 0..SLL2_HEADER_LEN {
            assert_eq!(network_layer_v2(&SLL2_V6[..cut]), Err(Unparsed::TruncatedLinkHeader));
        }
    }
}
