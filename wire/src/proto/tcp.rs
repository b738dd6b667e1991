//! TCP headers (RFC 9293): ports, sequence and acknowledgement numbers, flags, data offset.

use super::{be16, be32, byte};
use crate::parse::Unparsed;

/// Length of a TCP header without options.
pub const MIN_HEADER_LEN: usize = 20;

/// A validated view of a TCP header: the fixed 20 bytes are captured and the data offset is
/// at least 5. The options need not be captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpHeader<T> {
    /// Checks that `buffer` holds the fixed header and a data offset of at least 5 words.
    #[inline(always)]
    pub fn new_checked(buffer: T) -> Result<Self, Unparsed> {
        let b = buffer.as_ref();
        if b.len() < MIN_HEADER_LEN {
            return Err(Unparsed::TruncatedTransportHeader);
        }
        if usize::from(byte(b, 12) >> 4) * 4 < MIN_HEADER_LEN {
            return Err(Unparsed::BadTcpHeaderLength);
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

    /// Sequence number.
    #[inline(always)]
    pub fn seq_number(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }

    /// Acknowledgement number.
    #[inline(always)]
    pub fn ack_number(&self) -> u32 {
        be32(self.buffer.as_ref(), 8)
    }

    /// Header length in bytes, options included (the data offset times 4: 20..=60).
    #[inline(always)]
    pub fn header_len(&self) -> usize {
        usize::from(byte(self.buffer.as_ref(), 12) >> 4) * 4
    }

    /// The flags byte: CWR ECE URG ACK PSH RST SYN FIN (see [`crate::record::tcp_flags`]).
    #[inline(always)]
    pub fn flags(&self) -> u8 {
        byte(self.buffer.as_ref(), 13)
    }

    /// Receive window.
    #[inline(always)]
    pub fn window(&self) -> u16 {
        be16(self.buffer.as_ref(), 14)
    }

    /// Checksum field.
    #[inline(always)]
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 16)
    }

    /// Urgent pointer.
    #[inline(always)]
    pub fn urgent_pointer(&self) -> u16 {
        be16(self.buffer.as_ref(), 18)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::tcp_flags::{ACK, SYN};

    const SYN_ACK: [u8; 24] = [
        0x00, 0x50, 0xc0, 0x01, 0, 0, 0x10, 0, 0, 0, 0x20, 1, 0x60, 0x12, 0xff, 0xff, 0xab, 0xcd,
        0, 0, 2, 4, 5, 0xb4,
    ];

    #[test]
    fn fields() {
        let t = TcpHeader::new_checked(&SYN_ACK[..]).unwrap();
        assert_eq!((t.src_port(), t.dst_port()), (80, 49153));
        assert_eq!((t.seq_number(), t.ack_number()), (0x1000, 0x2001));
        assert_eq!(t.header_len(), 24);
        assert_eq!(t.flags(), SYN | ACK);
        assert_eq!((t.window(), t.checksum(), t.urgent_pointer()), (0xffff, 0xabcd, 0));
    }

    #[test]
    fn options_need_not_be_captured() {
        assert_eq!(TcpHeader::new_checked(&SYN_ACK[..20]).map(|t| t.header_len()), Ok(24));
        for cut in 0..20 {
            assert_eq!(
                TcpHeader::new_checked(&SYN_ACK[..cut]),
                Err(Unparsed::TruncatedTransportHeader)
            );
        }
    }

    #[test]
    fn data_offset_below_five_is_named() {
        let mut b = SYN_ACK;
        b[12] = 0x40;
        assert_eq!(TcpHeader::new_checked(&b[..]), Err(Unparsed::BadTcpHeaderLength));
    }
}
