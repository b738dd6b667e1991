//! ICMP (RFC 792) and ICMPv6 (RFC 4443) headers: type, code, checksum and the 4 bytes after it
//! (echo identifier and sequence, a pointer, an MTU, ...), which the two share.

use super::{be16, be32, byte};
use crate::parse::Unparsed;

/// Length of the ICMP header the parser reads: type, code, checksum and 4 more bytes.
pub const HEADER_LEN: usize = 8;

/// A validated view of an ICMP or ICMPv6 header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IcmpHeader<T> {
    /// Checks that `buffer` holds the 8-byte header.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Unparsed::TruncatedTransportHeader);
        }
        Ok(Self { buffer })
    }

    /// Message type.
    #[inline(always)]
    pub fn msg_type(&self) -> u8 {
        byte(self.buffer.as_ref(), 0)
    }

    /// Message code.
    #[inline(always)]
    pub fn code(&self) -> u8 {
        byte(self.buffer.as_ref(), 1)
    }

    /// Checksum field.
    #[inline(always)]
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }

    /// The 4 bytes after the checksum, big-endian (for echo: identifier << 16 | sequence).
    #[inline(always)]
    pub fn rest_of_header(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_request() {
        let b = [8, 0, 0xf7, 0xfd, 0x12, 0x34, 0x00, 0x01, 0xaa];
        let h = IcmpHeader::new_checked(&b[..]).unwrap();
        assert_eq!((h.msg_type(), h.code(), h.checksum()), (8, 0, 0xf7fd));
        assert_eq!(h.rest_of_header(), 0x1234_0001);
        for cut in 0..HEADER_LEN {
            assert_eq!(IcmpHeader::new_checked(&b[..cut]), Err(Unparsed::TruncatedTransportHeader));
        }
    }
}
