//! IPv6 headers (RFC 8200) and the walk over their extension headers.
//!
//! The fixed 40-byte header is validated by [`Ipv6Packet::new_checked`];
//! [`skip_extension_headers`] then follows the next-header chain through hop-by-hop, routing,
//! fragment, destination options, authentication and mobility headers to the upper layer,
//! noting fragments on the way. A chain cut by the capture stops where the cut header begins.

use super::ip_proto::{AH, HOP_BY_HOP, IPV6_FRAG, IPV6_OPTS, IPV6_ROUTE, MOBILITY};
use super::{array, be16, be32, byte, tail};
use crate::parse::Unparsed;

/// Length of the fixed IPv6 header.
pub const HEADER_LEN: usize = 40;
/// Length of the fragment extension header.
pub const FRAGMENT_HEADER_LEN: usize = 8;

/// A validated view of an IPv6 header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Checks that the version is 6 and that `buffer` holds the fixed header (a wrong version
    /// is reported before a short buffer).
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        let b = buffer.as_ref();
        match b.first() {
            None => return Err(Unparsed::TruncatedIpHeader),
            Some(v) if v >> 4 != 6 => return Err(Unparsed::BadIpVersion),
            Some(_) if b.len() < HEADER_LEN => return Err(Unparsed::TruncatedIpHeader),
            Some(_) => {}
        }
        Ok(Self { buffer })
    }

    /// IP version (always 6 in a checked view).
    #[inline(always)]
    pub fn version(&self) -> u8 {
        byte(self.buffer.as_ref(), 0) >> 4
    }

    /// Traffic class.
    #[inline(always)]
    pub fn traffic_class(&self) -> u8 {
        (be16(self.buffer.as_ref(), 0) >> 4) as u8
    }

    /// Flow label (20 bits).
    #[inline(always)]
    pub fn flow_label(&self) -> u32 {
        be32(self.buffer.as_ref(), 0) & 0x000f_ffff
    }

    /// Payload length: everything after the fixed header (0 for a jumbogram).
    #[inline(always)]
    pub fn payload_len(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }

    /// The first next-header value.
    #[inline(always)]
    pub fn next_header(&self) -> u8 {
        byte(self.buffer.as_ref(), 6)
    }

    /// Hop limit.
    #[inline(always)]
    pub fn hop_limit(&self) -> u8 {
        byte(self.buffer.as_ref(), 7)
    }

    /// Source address.
    #[inline(always)]
    pub fn src_addr(&self) -> [u8; 16] {
        array(self.buffer.as_ref(), 8)
    }

    /// Destination address.
    #[inline(always)]
    pub fn dst_addr(&self) -> [u8; 16] {
        array(self.buffer.as_ref(), 24)
    }

    /// The captured payload (extension headers and upper layer), bounded by the payload length
    /// unless that is 0.
    #[inline(always)]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = match self.payload_len() {
            0 => b.len(),
            n => b.len().min(HEADER_LEN + usize::from(n)),
        };
        b.get(HEADER_LEN..end).unwrap_or_default()
    }
}

/// A validated view of an extension header in one of the length formats the walk skips: the
/// common one (hop-by-hop, routing, destination options, mobility: length in 8-byte units, not
/// counting the first 8) or the authentication header's (4-byte units, not counting the first 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtensionHeader<T: AsRef<[u8]>> {
    buffer: T,
    len: usize,
}

impl<T: AsRef<[u8]>> ExtensionHeader<T> {
    /// Checks that `buffer` holds the whole header of type `kind` (a next-header value).
    #[inline(always)]
    pub fn new_checked(buffer: T, kind: u8) -> Result<Self, Unparsed> {
        let b = buffer.as_ref();
        let Some(&units) = b.get(1) else {
            return Err(Unparsed::TruncatedIpHeader);
        };
        let len =
            if kind == AH { (usize::from(units) + 2) * 4 } else { (usize::from(units) + 1) * 8 };
        if b.len() < len {
            return Err(Unparsed::TruncatedIpHeader);
        }
        Ok(Self { buffer, len })
    }

    /// The next-header value: what follows this header.
    #[inline(always)]
    pub fn next_header(&self) -> u8 {
        byte(self.buffer.as_ref(), 0)
    }

    /// The header's length in bytes.
    #[inline(always)]
    pub fn header_len(&self) -> usize {
        self.len
    }
}

/// A validated view of the fragment extension header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragmentHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> FragmentHeader<T> {
    /// Checks that `buffer` holds the 8-byte fragment header.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < FRAGMENT_HEADER_LEN {
            return Err(Unparsed::TruncatedIpHeader);
        }
        Ok(Self { buffer })
    }

    /// The next-header value of the fragmented packet.
    #[inline(always)]
    pub fn next_header(&self) -> u8 {
        byte(self.buffer.as_ref(), 0)
    }

    /// Fragment offset in bytes.
    #[inline(always)]
    pub fn frag_offset(&self) -> u16 {
        be16(self.buffer.as_ref(), 2) & !0x7
    }

    /// The more-fragments flag.
    #[inline(always)]
    pub fn more_fragments(&self) -> bool {
        be16(self.buffer.as_ref(), 2) & 1 != 0
    }

    /// Identification.
    #[inline(always)]
    pub fn ident(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }
}

/// Where the upper layer of an IPv6 packet begins, as [`skip_extension_headers`] found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpperLayer {
    /// The final next-header value (TCP, UDP, ICMPv6, ESP, no-next-header, ...); when
    /// `complete` is false, the type of the extension header the capture cut.
    pub protocol: u8,
    /// Offset of the upper-layer header from the start of the IPv6 payload.
    pub offset: usize,
    /// A fragment header with a nonzero offset or the more-fragments flag was seen.
    pub is_fragment: bool,
    /// A fragment header with a nonzero offset was seen: no upper-layer header follows.
    pub is_later_fragment: bool,
    /// False when an extension header is not wholly in the captured payload.
    pub complete: bool,
}

/// Follows the next-header chain from `first` through the extension headers at the start of
/// `payload` (an IPv6 payload) to the upper layer. Each step moves at least 8 bytes on, so the
/// walk ends within `payload.len() / 8 + 1` steps.
#[inline]
pub fn skip_extension_headers(first: u8, payload: &[u8]) -> UpperLayer {
    let mut up = UpperLayer {
        protocol: first,
        offset: 0,
        is_fragment: false,
        is_later_fragment: false,
        complete: true,
    };
    loop {
        let rest = tail(payload, up.offset);
        match up.protocol {
            HOP_BY_HOP | IPV6_ROUTE | IPV6_OPTS | AH | MOBILITY => {
                let Ok(h) = ExtensionHeader::new_checked(rest, up.protocol) else {
                    up.complete = false;
                    return up;
                };
                up.protocol = h.next_header();
                up.offset += h.header_len();
            }
            IPV6_FRAG => {
                let Ok(h) = FragmentHeader::new_checked(rest) else {
                    up.complete = false;
                    return up;
                };
                up.protocol = h.next_header();
                up.offset += FRAGMENT_HEADER_LEN;
                up.is_fragment |= h.more_fragments() || h.frag_offset() != 0;
                if h.frag_offset() != 0 {
                    up.is_later_fragment = true;
                    return up;
                }
            }
            _ => return up,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ip_proto::{ESP, ICMPV6, IPV6_NO_NEXT, TCP, UDP};

    fn header(next: u8, payload_len: u16) -> Vec<u8> {
        let mut h = vec![0x60, 0x12, 0x34, 0x56];
        h.extend_from_slice(&payload_len.to_be_bytes());
        h.extend_from_slice(&[next, 64]);
        h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        h
    }

    #[test]
    fn fixed_fields() {
        let mut b = header(UDP, 8);
        b.extend_from_slice(&[1; 12]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0x01);
        assert_eq!(p.flow_label(), 0x23456);
        assert_eq!((p.payload_len(), p.next_header(), p.hop_limit()), (8, UDP, 64));
        assert_eq!(p.src_addr()[15], 1);
        assert_eq!(p.dst_addr()[15], 2);
        assert_eq!(p.payload().len(), 8, "bounded by the payload length");
    }

    #[test]
    fn hop_by_hop_then_fragment_then_udp() {
        let mut b = header(HOP_BY_HOP, 8 + 8 + 8);
        b.extend_from_slice(&[IPV6_FRAG, 0, 5, 2, 0, 0, 1, 0]); // hop-by-hop, 8 bytes
        b.extend_from_slice(&[UDP, 0, 0x00, 0x01, 0, 0, 0, 7]); // first fragment, M set
        b.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 16, 0, 0]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        let up = skip_extension_headers(p.next_header(), p.payload());
        assert_eq!(
            up,
            UpperLayer {
                protocol: UDP,
                offset: 16,
                is_fragment: true,
                is_later_fragment: false,
                complete: true
            }
        );
        let f = FragmentHeader::new_checked(&b[48..]).unwrap();
        assert_eq!((f.frag_offset(), f.more_fragments(), f.ident()), (0, true, 7));
    }

    #[test]
    fn later_fragment_stops_the_walk() {
        let mut b = header(IPV6_FRAG, 16);
        b.extend_from_slice(&[TCP, 0, 0x05, 0xa8, 0, 0, 0, 9]); // offset 1448, last
        b.extend_from_slice(&[0xff; 8]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        let up = skip_extension_headers(p.next_header(), p.payload());
        assert_eq!((up.protocol, up.offset), (TCP, 8));
        assert!(up.is_fragment && up.is_later_fragment && up.complete);
    }

    #[test]
    fn routing_dest_opts_ah_and_mobility_are_skipped() {
        let mut pl = vec![IPV6_ROUTE, 0, 0, 0, 0, 0, 0, 0]; // destination options
        pl.extend_from_slice(&[AH, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // routing, 16
        pl.extend_from_slice(&[MOBILITY, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // AH, (1+2)*4 = 12
        pl.extend_from_slice(&[IPV6_NO_NEXT, 0, 0, 0, 0, 0, 0, 0]); // mobility
        let up = skip_extension_headers(IPV6_OPTS, &pl);
        assert_eq!((up.protocol, up.offset, up.complete), (IPV6_NO_NEXT, 44, true));
        assert_eq!(skip_extension_headers(ESP, &pl).protocol, ESP);
        assert_eq!(skip_extension_headers(ICMPV6, &pl).offset, 0);
    }

    #[test]
    fn cut_chain_stops_at_the_cut_header() {
        let pl = [IPV6_FRAG, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UDP, 0, 0, 1];
        let up = skip_extension_headers(HOP_BY_HOP, &pl);
        assert_eq!((up.protocol, up.offset, up.complete), (IPV6_FRAG, 16, false));
        for cut in 0..16 {
            let up = skip_extension_headers(HOP_BY_HOP, &pl[..cut]);
            assert_eq!((up.protocol, up.offset, up.complete), (HOP_BY_HOP, 0, false));
        }
    }

    #[test]
    fn bad_and_truncated_fixed_headers() {
        let mut b = header(TCP, 0);
        b[0] = 0x45;
        assert_eq!(Ipv6Packet::new_checked(&b[..]), Err(Unparsed::BadIpVersion));
        assert_eq!(Ipv6Packet::new_checked(&b[..1]), Err(Unparsed::BadIpVersion));
        let b = header(TCP, 0);
        for cut in 0..HEADER_LEN {
            assert_eq!(Ipv6Packet::new_checked(&b[..cut]), Err(Unparsed::TruncatedIpHeader));
        }
        assert!(Ipv6Packet::new_checked(&b[..]).unwrap().payload().is_empty());
    }
}
