//! Packet builders: a packet described by its headers, written as a frame with valid checksums.
//!
//! The trace generator and the tests describe a packet with a [`PacketSpec`] and write it with
//! [`PacketSpec::write`]. Payload bytes beyond those given are zeros, so header-only captures
//! (the default of generated traces) still carry correct length fields and TCP/UDP checksums
//! computed over the full, uncaptured payload.

use std::net::IpAddr;

use crate::checksum;
use crate::linktype::LinkType;

/// The transport header of a packet to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TCP with a 20-byte header.
    Tcp {
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// Sequence number.
        seq: u32,
        /// Acknowledgement number.
        ack: u32,
        /// Flags byte (see [`crate::record::tcp_flags`]).
        flags: u8,
        /// Receive window.
        window: u16,
    },
    /// UDP.
    Udp {
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
    },
    /// ICMP (IPv4) or ICMPv6 (IPv6), with an 8-byte header.
    Icmp {
        /// Message type.
        ty: u8,
        /// Message code.
        code: u8,
        /// The four bytes after the checksum (identifier and sequence for echo).
        rest: u32,
    },
}

impl Transport {
    /// IP protocol number of the transport (ICMP is 1 over IPv4 and 58 over IPv6).
    pub fn proto(&self, v6: bool) -> u8 {
        match self {
            Transport::Tcp { .. } => 6,
            Transport::Udp { .. } => 17,
            Transport::Icmp { .. } if v6 => 58,
            Transport::Icmp { .. } => 1,
        }
    }

    /// Length of the transport header.
    pub fn header_len(&self) -> usize {
        match self {
            Transport::Tcp { .. } => 20,
            Transport::Udp { .. } | Transport::Icmp { .. } => 8,
        }
    }
}

/// A packet to build: link, tags, IP header, transport, payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketSpec {
    /// Link type of the frame: `Ethernet` or `RawIp` (others fall back to `Ethernet`).
    pub link: LinkType,
    /// 802.1Q tags, outermost first (VLAN ids, 12 bits used; at most two are written); two tags make QinQ with an
    /// 802.1ad outer tag.
    pub vlans: Vec<u16>,
    /// Source address; both addresses must be of the same version.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification (IPv6: flow label, low 20 bits).
    pub ip_id: u16,
    /// Transport header.
    pub transport: Transport,
    /// Transport payload length on the wire.
    pub payload_len: usize,
    /// Leading payload bytes (at most `payload_len` are used); the rest of the payload is zeros.
    pub payload: Vec<u8>,
}

impl Default for PacketSpec {
    /// An empty IPv4 UDP packet over Ethernet (unspecified addresses, ports 0, TTL 64): a
    /// value for models and scenarios to overwrite.
    fn default() -> Self {
        Self {
            link: LinkType::Ethernet,
            vlans: Vec::new(),
            src: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            dst: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            ttl: 64,
            ip_id: 0,
            transport: Transport::Udp { sport: 0, dport: 0 },
            payload_len: 0,
            payload: Vec::new(),
        }
    }
}

/// Source and destination MAC addresses of built Ethernet frames (locally administered).
pub const SRC_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
/// Destination MAC address of built Ethernet frames.
pub const DST_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

/// Smallest Ethernet frame without FCS: shorter frames are padded to it.
pub const MIN_ETHERNET_FRAME: usize = 60;

impl PacketSpec {
    /// Whether the packet is IPv6.
    pub fn is_v6(&self) -> bool {
        self.src.is_ipv6()
    }

    /// Length of the link-layer header (Ethernet with tags; none for raw IP).
    pub fn link_header_len(&self) -> usize {
        match self.link {
            LinkType::RawIp | LinkType::RawIpv4 | LinkType::RawIpv6 => 0,
            _ => 14 + 4 * self.vlans.len().min(2),
        }
    }

    /// IP length: header, transport header and payload.
    pub fn ip_len(&self) -> usize {
        let ip_header = if self.is_v6() { 40 } else { 20 };
        ip_header + self.transport.header_len() + self.payload_len
    }

    /// The frame's length on the wire (pcap `orig_len`): Ethernet frames are padded to 60 bytes.
    pub fn wire_len(&self) -> usize {
        let len = self.link_header_len() + self.ip_len();
        if self.link_header_len() > 0 { len.max(MIN_ETHERNET_FRAME) } else { len }
    }

    /// Appends the first `snaplen` bytes of the frame to `out` and returns its wire length.
    ///
    /// Headers are assembled in a buffer on the stack and appended at once; the transport
    /// checksum covers the header and the given payload bytes (the zeros beyond add nothing).
    pub fn write(&self, out: &mut Vec<u8>, snaplen: usize) -> u32 {
        let wire_len = self.wire_len();
        let cap = wire_len.min(snaplen);
        let v6 = self.is_v6();
        // Ethernet with up to two tags (22) + IPv6 (40) + TCP (20) = 82 bytes of headers at
        // most; header-only captures (up to 128 bytes) are completed here too.
        let mut h = [0u8; 128];
        let mut n = 0;
        if self.link_header_len() > 0 {
            h[0..6].copy_from_slice(&DST_MAC);
            h[6..12].copy_from_slice(&SRC_MAC);
            n = 12;
            for (i, vlan) in self.vlans.iter().take(2).enumerate() {
                let tpid: u16 = if i == 0 && self.vlans.len() > 1 { 0x88a8 } else { 0x8100 };
                h[n..n + 2].copy_from_slice(&tpid.to_be_bytes());
                h[n + 2..n + 4].copy_from_slice(&(vlan & 0x0fff).to_be_bytes());
                n += 4;
            }
            h[n..n + 2].copy_from_slice(&(if v6 { 0x86ddu16 } else { 0x0800 }).to_be_bytes());
            n += 2;
        }
        let proto = self.transport.proto(v6);
        let l4_len = self.transport.header_len() + self.payload_len;
        let pseudo = match (self.src, self.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let ip_len = self.ip_len().min(usize::from(u16::MAX)) as u16;
                let ip = &mut h[n..n + 20];
                ip[0] = 0x45;
                ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
                ip[4..6].copy_from_slice(&self.ip_id.to_be_bytes());
                ip[6] = 0x40; // don't fragment
                ip[8] = self.ttl;
                ip[9] = proto;
                ip[12..16].copy_from_slice(&s.octets());
                ip[16..20].copy_from_slice(&d.octets());
                // Summed from the field values, not read back from the bytes just stored (a
                // wider load of narrow stores stalls store forwarding).
                let (so, dw) = (u32::from_be_bytes(s.octets()), u32::from_be_bytes(d.octets()));
                let acc = 0x4500u64
                    + u64::from(ip_len)
                    + u64::from(self.ip_id)
                    + 0x4000
                    + (u64::from(self.ttl) << 8 | u64::from(proto))
                    + u64::from(so)
                    + u64::from(dw);
                let c = !(checksum::fold(acc) as u16);
                ip[10..12].copy_from_slice(&c.to_be_bytes());
                n += 20;
                checksum::pseudo_v4(s.octets(), d.octets(), proto, l4_len as u16)
            }
            (s, d) => {
                let (s, d) = (v6_octets(s), v6_octets(d));
                let label = u32::from(self.ip_id) & 0xf_ffff;
                let ip = &mut h[n..n + 40];
                ip[0..4].copy_from_slice(&(0x6000_0000u32 | label).to_be_bytes());
                ip[4..6].copy_from_slice(&(l4_len.min(usize::from(u16::MAX)) as u16).to_be_bytes());
                ip[6] = proto;
                ip[7] = self.ttl;
                ip[8..24].copy_from_slice(&s);
                ip[24..40].copy_from_slice(&d);
                n += 40;
                checksum::pseudo_v6(s, d, proto, l4_len as u32)
            }
        };
        let l4 = n;
        // The transport header's sum, from its field values (see the IPv4 header above).
        let header_sum: u64 = match self.transport {
            Transport::Tcp { sport, dport, seq, ack, flags, window } => {
                u64::from(sport)
                    + u64::from(dport)
                    + u64::from(seq)
                    + u64::from(ack)
                    + (5u64 << 12 | u64::from(flags))
                    + u64::from(window)
            }
            Transport::Udp { sport, dport } => {
                u64::from(sport) + u64::from(dport) + (l4_len.min(usize::from(u16::MAX)) as u64)
            }
            Transport::Icmp { ty, code, rest } => {
                (u64::from(ty) << 8 | u64::from(code)) + u64::from(rest)
            }
        };
        let csum_at = match self.transport {
            Transport::Tcp { sport, dport, seq, ack, flags, window } => {
                let t = &mut h[n..n + 20];
                t[0..2].copy_from_slice(&sport.to_be_bytes());
                t[2..4].copy_from_slice(&dport.to_be_bytes());
                t[4..8].copy_from_slice(&seq.to_be_bytes());
                t[8..12].copy_from_slice(&ack.to_be_bytes());
                t[12] = 5 << 4;
                t[13] = flags;
                t[14..16].copy_from_slice(&window.to_be_bytes());
                n += 20;
                l4 + 16
            }
            Transport::Udp { sport, dport } => {
                let t = &mut h[n..n + 8];
                t[0..2].copy_from_slice(&sport.to_be_bytes());
                t[2..4].copy_from_slice(&dport.to_be_bytes());
                t[4..6].copy_from_slice(&(l4_len.min(usize::from(u16::MAX)) as u16).to_be_bytes());
                n += 8;
                l4 + 6
            }
            Transport::Icmp { ty, code, rest } => {
                let t = &mut h[n..n + 8];
                t[0] = ty;
                t[1] = code;
                t[4..8].copy_from_slice(&rest.to_be_bytes());
                n += 8;
                l4 + 2
            }
        };
        let payload = &self.payload[..self.payload.len().min(self.payload_len)];
        // Checksum over header and payload. A header of even length keeps the payload's words
        // aligned, so the two sums add; 32-bit fields add whole (their halves fold alike).
        // ICMPv4 has no pseudo-header.
        let initial = if proto == 1 { 0 } else { pseudo };
        let acc = checksum::accumulate(u64::from(initial) + header_sum, payload);
        let mut c = !(checksum::fold(acc) as u16);
        if proto == 17 && c == 0 {
            c = 0xffff; // RFC 768: a computed zero is sent as all ones
        }
        h[csum_at..csum_at + 2].copy_from_slice(&c.to_be_bytes());
        // Headers, payload, then zeros (payload not given, Ethernet padding) up to the capture.
        let take_h = n.min(cap);
        let take_p = payload.len().min(cap - take_h);
        if cap <= h.len() {
            // A header-only capture: complete it in the (zeroed) stack buffer, append once.
            h[take_h..take_h + take_p].copy_from_slice(&payload[..take_p]);
            out.extend_from_slice(&h[..cap]);
        } else {
            out.extend_from_slice(&h[..take_h]);
            out.extend_from_slice(&payload[..take_p]);
            out.resize(out.len() + (cap - take_h - take_p), 0);
        }
        wire_len as u32
    }
}

fn v6_octets(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V6(a) => a.octets(),
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn tcp_spec() -> PacketSpec {
        PacketSpec {
            link: LinkType::Ethernet,
            vlans: vec![],
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            ttl: 64,
            ip_id: 7,
            transport: Transport::Tcp {
                sport: 1,
                dport: 2,
                seq: 3,
                ack: 4,
                flags: 0x12,
                window: 100,
            },
            payload_len: 1000,
            payload: vec![],
        }
    }

    #[test]
    fn header_only_capture_keeps_true_length() {
        let mut out = Vec::new();
        let wire = tcp_spec().write(&mut out, 64);
        assert_eq!(wire, 14 + 20 + 20 + 1000);
        assert_eq!(out.len(), 64);
        assert_eq!(checksum::checksum(&out[14..34]), 0, "IPv4 header checksum");
    }

    #[test]
    fn full_capture_has_valid_transport_checksum() {
        for v6 in [false, true] {
            let mut s = tcp_spec();
            if v6 {
                s.src = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
                s.dst = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2));
            }
            s.payload = b"hello".to_vec();
            let mut out = Vec::new();
            s.write(&mut out, usize::MAX);
            let ip = if v6 { 40 } else { 20 };
            let l4 = &out[14 + ip..];
            let pseudo = if v6 {
                checksum::pseudo_v6(v6_octets(s.src), v6_octets(s.dst), 6, l4.len() as u32)
            } else {
                checksum::pseudo_v4([10, 0, 0, 1], [10, 0, 0, 2], 6, l4.len() as u16)
            };
            assert_eq!(checksum::finish(checksum::sum(pseudo, l4)), 0, "v6={v6}");
            assert_eq!(&l4[20..25], b"hello");
        }
    }

    #[test]
    fn small_frames_are_padded_and_tags_written() {
        let mut s = tcp_spec();
        s.payload_len = 0;
        s.vlans = vec![100, 200];
        let mut out = Vec::new();
        assert_eq!(s.write(&mut out, 64), 14 + 8 + 40);
        assert_eq!(&out[12..14], &[0x88, 0xa8]);
        assert_eq!(&out[16..18], &[0x81, 0x00]);
        s.vlans.clear();
        out.clear();
        assert_eq!(s.write(&mut out, 64), 60);
        assert_eq!(out.len(), 60);
    }
}
