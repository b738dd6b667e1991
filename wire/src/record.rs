//! The fixed-size packet record every stage of the engine passes around.
//!
//! A [`PacketRecord`] is `Copy`, exactly 64 bytes (one cache line) and holds what the analytics
//! read of a packet: time, addresses, ports, protocol, TCP flags, sequence and acknowledgement
//! numbers, lengths, the offset of the captured payload and the frame's sequence number.
//!
//! Layout (byte offsets):
//! ```text
//!  0..8   ts_ns        u64  capture time, ns since the Unix epoch
//!  8..24  src          [u8;16]  IPv4 as the IPv4-mapped IPv6 form ::ffff:a.b.c.d
//! 24..40  dst          [u8;16]
//! 40..44  seq          u32  TCP sequence number; ICMP: type << 8 | code
//! 44..48  ack          u32  TCP acknowledgement number; ICMP: the 4 bytes after the checksum
//!                           (UDP: 0 from the parser; a query that reads DNS fields has the
//!                           parsing thread store them in both, see the engine's probe)
//! 48..52  seq_no       u32  the frame's index in its FrameBuffer (payload look-up, sampling)
//! 52..56  len_word     u32  bits 0..20 wire length, 20..24 flags, 24..32 payload offset
//!                           (or, once a query's payload tests ran, their match bits)
//! 56..58  ip_len       u16  IPv4 total length; IPv6 40 + payload length
//! 58..60  sport        u16  0 where the packet has no ports
//! 60..62  dport        u16
//! 62      proto        u8   IP protocol (IPv6: the transport after extension headers)
//! 63      tcp_flags    u8   CWR ECE URG ACK PSH RST SYN FIN, as on the wire
//! ```
//! IPv4 addresses are stored IPv4-mapped: RFC 4291 forbids mapped addresses on the wire, so
//! the form never collides with a real IPv6 address, and [`PacketRecord::ip_version`] comes
//! from the flags. The wire length saturates at [`MAX_WIRE_LEN`] (1 MiB - 1, four times the
//! largest snap length any capture tool writes); the payload offset saturates at 255
//! ([`PAYLOAD_OFF_UNKNOWN`]) for header stacks longer than 254 bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::flow::FlowKey;

/// The largest wire length a record holds exactly.
pub const MAX_WIRE_LEN: u32 = (1 << 20) - 1;
/// `payload_off` value meaning "beyond what the record can say" (header stack over 254 bytes).
pub const PAYLOAD_OFF_UNKNOWN: u8 = 255;

/// Record flag bits (4 bits, kept in `len_word`).
pub mod flags {
    /// The outer IP header is IPv6.
    pub const IPV6: u8 = 1 << 0;
    /// The packet is a fragment (first or later).
    pub const FRAGMENT: u8 = 1 << 1;
    /// The packet is a later fragment (offset > 0): it carries no transport header.
    pub const LATER_FRAGMENT: u8 = 1 << 2;
    /// The transport header was captured and parsed (ports, TCP fields or ICMP type are valid).
    pub const L4_VALID: u8 = 1 << 3;
}

/// TCP flag bits as they appear in `tcp_flags`.
pub mod tcp_flags {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronise sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push function.
    pub const PSH: u8 = 0x08;
    /// Acknowledgement field significant.
    pub const ACK: u8 = 0x10;
    /// Urgent pointer field significant.
    pub const URG: u8 = 0x20;
    /// ECN echo.
    pub const ECE: u8 = 0x40;
    /// Congestion window reduced.
    pub const CWR: u8 = 0x80;
}

/// One parsed packet: fixed size, `Copy`, 64 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(C, align(64))]
pub struct PacketRecord {
    /// Capture time in nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Source address (IPv4 in IPv4-mapped IPv6 form).
    pub src: [u8; 16],
    /// Destination address (IPv4 in IPv4-mapped IPv6 form).
    pub dst: [u8; 16],
    /// TCP sequence number; for ICMP, `type << 8 | code`.
    pub seq: u32,
    /// TCP acknowledgement number; for ICMP, the four bytes after the checksum.
    pub ack: u32,
    /// The frame's index in its `FrameBuffer`: payload look-up and latency sampling.
    pub seq_no: u32,
    len_word: u32,
    /// IP length: IPv4 total length, IPv6 40 + payload length (saturating).
    pub ip_len: u16,
    /// Source port (0 where the packet has none).
    pub sport: u16,
    /// Destination port (0 where the packet has none).
    pub dport: u16,
    /// IP protocol number (for IPv6, the transport after the extension headers).
    pub proto: u8,
    /// TCP flags (0 for other protocols).
    pub tcp_flags: u8,
}

const _: () = assert!(std::mem::size_of::<PacketRecord>() == 64);

/// The IPv4-mapped IPv6 form of an IPv4 address, as records store it.
#[inline]
pub const fn mapped_v4(a: [u8; 4]) -> [u8; 16] {
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a[0], a[1], a[2], a[3]]
}

impl PacketRecord {
    /// Sets the wire length (saturating at [`MAX_WIRE_LEN`]).
    #[inline]
    pub fn set_wire_len(&mut self, len: u32) {
        self.len_word = (self.len_word & !MAX_WIRE_LEN) | len.min(MAX_WIRE_LEN);
    }

    /// The frame's length on the wire (pcap `orig_len`).
    #[inline]
    pub fn wire_len(&self) -> u32 {
        self.len_word & MAX_WIRE_LEN
    }

    /// Sets the flag bits (see [`flags`]).
    #[inline]
    pub fn set_flags(&mut self, f: u8) {
        self.len_word = (self.len_word & !(0xf << 20)) | (u32::from(f & 0xf) << 20);
    }

    /// The flag bits (see [`flags`]).
    #[inline]
    pub fn flags(&self) -> u8 {
        ((self.len_word >> 20) & 0xf) as u8
    }

    /// Whether flag `f` is set.
    #[inline]
    pub fn has(&self, f: u8) -> bool {
        self.flags() & f != 0
    }

    /// Sets the offset of the captured payload from the start of the frame (saturating at
    /// [`PAYLOAD_OFF_UNKNOWN`]).
    #[inline]
    pub fn set_payload_off(&mut self, off: usize) {
        let off = off.min(PAYLOAD_OFF_UNKNOWN as usize) as u32;
        self.len_word = (self.len_word & 0x00ff_ffff) | (off << 24);
    }

    /// Offset of the transport payload from the start of the frame; [`PAYLOAD_OFF_UNKNOWN`] when
    /// the header stack is longer than 254 bytes. Equal to the captured length when the capture
    /// holds no payload byte.
    #[inline]
    pub fn payload_off(&self) -> u8 {
        (self.len_word >> 24) as u8
    }

    /// A query's payload match bits (bit `i`: the query's payload test `i` held), kept in the
    /// byte that holds the payload offset. The parsing thread, which alone can read the frame's
    /// bytes, runs the query's payload tests right after parsing and stores their results here
    /// in place of the offset, so the results travel with the record to any thread; records
    /// of queries without payload tests keep the offset.
    #[inline]
    pub fn payload_tags(&self) -> u8 {
        self.payload_off()
    }

    /// Stores payload match bits over the payload offset (see [`PacketRecord::payload_tags`]).
    #[inline]
    pub fn set_payload_tags(&mut self, tags: u8) {
        self.len_word = (self.len_word & 0x00ff_ffff) | (u32::from(tags) << 24);
    }

    /// 4 or 6.
    #[inline]
    pub fn ip_version(&self) -> u8 {
        if self.has(flags::IPV6) { 6 } else { 4 }
    }

    /// Source address.
    pub fn src_ip(&self) -> IpAddr {
        to_ip(self.src, self.has(flags::IPV6))
    }

    /// Destination address.
    pub fn dst_ip(&self) -> IpAddr {
        to_ip(self.dst, self.has(flags::IPV6))
    }

    /// ICMP type (meaningful for ICMP and ICMPv6 records with [`flags::L4_VALID`]).
    pub fn icmp_type(&self) -> u8 {
        (self.seq >> 8) as u8
    }

    /// ICMP code.
    pub fn icmp_code(&self) -> u8 {
        self.seq as u8
    }

    /// The record's 5-tuple flow key in the direction the packet travelled.
    #[inline]
    pub fn flow_key(&self) -> FlowKey {
        FlowKey::from_record(self)
    }
}

fn to_ip(a: [u8; 16], v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(a))
    } else {
        IpAddr::V4(Ipv4Addr::new(a[12], a[13], a[14], a[15]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_fields_do_not_overlap() {
        let mut r = PacketRecord::default();
        r.set_wire_len(262_144);
        r.set_flags(flags::IPV6 | flags::L4_VALID);
        r.set_payload_off(54);
        assert_eq!(r.wire_len(), 262_144);
        assert_eq!(r.flags(), flags::IPV6 | flags::L4_VALID);
        assert_eq!(r.payload_off(), 54);
        r.set_wire_len(u32::MAX);
        assert_eq!(r.wire_len(), MAX_WIRE_LEN);
        assert_eq!(r.payload_off(), 54);
        r.set_payload_off(1000);
        assert_eq!(r.payload_off(), PAYLOAD_OFF_UNKNOWN);
        assert_eq!(r.flags(), flags::IPV6 | flags::L4_VALID);
        assert_eq!(r.ip_version(), 6);
    }

    #[test]
    // `len_word` is private, so struct-update syntax cannot build a record outside this type.
    #[allow(clippy::field_reassign_with_default)]
    fn v4_addresses_print_as_v4() {
        let mut r = PacketRecord::default();
        r.src = mapped_v4([10, 0, 0, 1]);
        assert_eq!(r.src_ip().to_string(), "10.0.0.1");
    }
}
