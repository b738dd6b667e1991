//! UDP headers (RFC 768).

use super::be16;
use crate::parse::Unparsed;

/// Length of the UDP header.
pub const HEADER_LEN: usize = 8;

/// A validated view of a UDP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpHeader<T> {
    /// Checks that `buffer` holds the 8-byte header.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Unparsed::TruncatedTransportHeader);
        }
        Ok(Self { buffer })
    }

    /// Source port.
    #[inline(always)]
    pub fn src_port(&self) -> u16 {
        be16(self.buffer.as_ref(), 0)
    }

    /// Destination port.
    #[inline(always)]
    pub fn dst_port(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }

    /// Length field: header and payload in bytes.
    #[inline(always)]
    pub fn datagram_len(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }

    /// Checksum field (0: not computed, over IPv4).
    #[inline(always)]
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DNS_QUERY: [u8; 10] = [0x30, 0x39, 0x00, 0x35, 0x00, 0x25, 0x98, 0xb3, 0x12, 0x34];

    #[test]
    fn fields() {
        let u = UdpHeader::new_checked(&DNS_QUERY[..]).unwrap();
        assert_eq!((u.src_port(), u.dst_port()), (12345, 53));
        assert_eq!((u.datagram_len(), u.checksum()), (37, 0x98b3));
    }

    #[test]
    fn truncated() {
        for cut in 0..HEADER_LEN {
            assert_eq!(
                UdpHeader::new_checked(&DNS_QUERY[..cut]),
                Err(Unparsed::TruncatedTransportHeader)
            );
        }
        assert!(UdpHeader::new_checked(&DNS_QUERY[..8]).is_ok());
    }
}
