//! IPv4 headers (RFC 791): the fixed 20 bytes validated, options skipped.
//!
//! Captures are often cut short (a snap length of 64 or 96 bytes keeps only the headers), so the
//! view needs only the fixed header to be captured: [`Ipv4Packet::payload`] is what was captured
//! of the payload, bounded by the total length (Ethernet pads short packets), and may be empty.

use super::{array, be16, byte, tail};
use crate::parse::Unparsed;

/// Length of the fixed IPv4 header (IHL 5).
pub const MIN_HEADER_LEN: usize = 20;

/// A validated view of an IPv4 header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Checks that the version is 4, that `buffer` holds the fixed header (a wrong version is
    /// reported before a short buffer), that the IHL is at least 5 and that a nonzero total
    /// length covers the header. A total length of 0 (what captures of TCP segmentation offload
    /// show) is accepted: the payload is then everything captured.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        let b = buffer.as_ref();
        match b.first() {
            None => return Err(Unparsed::TruncatedIpHeader),
            Some(v) if v >> 4 != 4 => return Err(Unparsed::BadIpVersion),
            Some(_) if b.len() < MIN_HEADER_LEN => return Err(Unparsed::TruncatedIpHeader),
            Some(_) => {}
        }
        let header_len = usize::from(byte(b, 0) & 0x0f) * 4;
        if header_len < MIN_HEADER_LEN {
            return Err(Unparsed::BadIpHeaderLength);
        }
        let total_len = usize::from(be16(b, 2));
        if total_len != 0 && total_len < header_len {
            return Err(Unparsed::BadIpTotalLength);
        }
        Ok(Self { buffer })
    }

    /// IP version (always 4 in a checked view).
    #[inline(always)]
    pub fn version(&self) -> u8 {
        byte(self.buffer.as_ref(), 0) >> 4
    }

    /// Header length in bytes, options included (20..=60).
    #[inline(always)]
    pub fn header_len(&self) -> usize {
        usize::from(byte(self.buffer.as_ref(), 0) & 0x0f) * 4
    }

    /// DSCP and ECN byte.
    #[inline(always)]
    pub fn tos(&self) -> u8 {
        byte(self.buffer.as_ref(), 1)
    }

    /// Total length field: header and payload in bytes (0 under segmentation offload).
    #[inline(always)]
    pub fn total_len(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }

    /// Identification field.
    #[inline(always)]
    pub fn ident(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }

    /// The don't-fragment flag.
    #[inline(always)]
    pub fn dont_fragment(&self) -> bool {
        byte(self.buffer.as_ref(), 6) & 0x40 != 0
    }

    /// The more-fragments flag.
    #[inline(always)]
    pub fn more_fragments(&self) -> bool {
        byte(self.buffer.as_ref(), 6) & 0x20 != 0
    }

    /// Fragment offset in bytes.
    #[inline(always)]
    pub fn frag_offset(&self) -> u16 {
        (be16(self.buffer.as_ref(), 6) & 0x1fff) << 3
    }

    /// Whether the packet is a fragment (more fragments follow, or the offset is nonzero).
    #[inline(always)]
    pub fn is_fragment(&self) -> bool {
        be16(self.buffer.as_ref(), 6) & 0x3fff != 0
    }

    /// Whether the packet is a later fragment (nonzero offset): it holds no transport header.
    #[inline(always)]
    pub fn is_later_fragment(&self) -> bool {
        be16(self.buffer.as_ref(), 6) & 0x1fff != 0
    }

    /// Time to live.
    #[inline(always)]
    pub fn ttl(&self) -> u8 {
        byte(self.buffer.as_ref(), 8)
    }

    /// The protocol of the payload.
    #[inline(always)]
    pub fn protocol(&self) -> u8 {
        byte(self.buffer.as_ref(), 9)
    }

    /// Header checksum field.
    #[inline(always)]
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 10)
    }

    /// Source address.
    #[inline(always)]
    pub fn src_addr(&self) -> [u8; 4] {
        array(self.buffer.as_ref(), 12)
    }

    /// Destination address.
    #[inline(always)]
    pub fn dst_addr(&self) -> [u8; 4] {
        array(self.buffer.as_ref(), 16)
    }

    /// The captured option bytes (fewer than `header_len() - 20` when the capture cuts them).
    #[inline(always)]
    pub fn options(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        b.get(MIN_HEADER_LEN..self.header_len()).unwrap_or_else(|| tail(b, MIN_HEADER_LEN))
    }

    /// The captured payload, bounded by the total length; empty when the capture ends inside the
    /// header.
    #[inline(always)]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = match self.total_len() {
            0 => b.len(),
            n => b.len().min(usize::from(n)),
        };
        b.get(self.header_len()..end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10.0.0.1 -> 10.0.0.2, TCP, total length 40, DF.
    const HEADER: [u8; 20] =
        [0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];

    #[test]
    fn fixed_fields() {
        let mut b = HEADER.to_vec();
        b.extend_from_slice(&[0xaa; 24]); // 20 payload bytes, then 4 bytes of Ethernet padding
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.total_len(), 40);
        assert_eq!(p.ident(), 0x1234);
        assert!(p.dont_fragment() && !p.more_fragments() && !p.is_fragment());
        assert_eq!((p.ttl(), p.protocol()), (64, 6));
        assert_eq!(p.src_addr(), [10, 0, 0, 1]);
        assert_eq!(p.dst_addr(), [10, 0, 0, 2]);
        assert_eq!(p.payload().len(), 20, "padding excluded");
        assert!(p.options().is_empty());
    }

    #[test]
    fn options_are_skipped() {
        let mut b = HEADER.to_vec();
        b[0] = 0x46;
        b[3] = 44;
        b.extend_from_slice(&[0x94, 0x04, 0, 0]); // router alert
        b.extend_from_slice(&[7; 20]);
        let p = Ipv4Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.options(), &[0x94, 0x04, 0, 0]);
        assert_eq!(p.payload(), &[7; 20]);
        // Options cut by the capture: the view still reads, the payload is empty.
        let p = Ipv4Packet::new_checked(&b[..22]).unwrap();
        assert_eq!(p.options(), &[0x94, 0x04]);
        assert!(p.payload().is_empty());
    }

    #[test]
    fn fragments() {
        let mut first = HEADER;
        first[6] = 0x20; // MF, offset 0
        let p = Ipv4Packet::new_checked(&first[..]).unwrap();
        assert!(p.is_fragment() && !p.is_later_fragment() && p.more_fragments());
        let mut later = HEADER;
        later[6..8].copy_from_slice(&[0x00, 0xb9]); // offset 185 * 8, last fragment
        let p = Ipv4Packet::new_checked(&later[..]).unwrap();
        assert!(p.is_fragment() && p.is_later_fragment());
        assert_eq!(p.frag_offset(), 1480);
    }

    #[test]
    fn bad_headers_are_named() {
        let mut b = HEADER;
        b[0] = 0x65;
        assert_eq!(Ipv4Packet::new_checked(&b[..]), Err(Unparsed::BadIpVersion));
        b[0] = 0x44;
        assert_eq!(Ipv4Packet::new_checked(&b[..]), Err(Unparsed::BadIpHeaderLength));
        b[0] = 0x45;
        b[3] = 19;
        assert_eq!(Ipv4Packet::new_checked(&b[..]), Err(Unparsed::BadIpTotalLength));
        b[3] = 0; // segmentation offload: accepted, payload is what was captured
        assert!(Ipv4Packet::new_checked(&b[..]).is_ok());
        for cut in 0..20 {
            assert_eq!(Ipv4Packet::new_checked(&HEADER[..cut]), Err(Unparsed::TruncatedIpHeader));
        }
    }
}
