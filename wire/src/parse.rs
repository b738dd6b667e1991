//! The never-panicking parser: one captured frame in, one [`PacketRecord`] out.
//!
//! [`parse_frame`] reads the link layer the frame's [`LinkType`] names, the IPv4 or IPv6 header
//! under it and the TCP, UDP or ICMP header under that, each through its validated view in
//! [`crate::proto`]. A frame without a readable IP header is refused with a named [`Unparsed`]
//! reason, which the engine counts. Anything past the IP header that the capture cut or mangled
//! (a snap length of 64 bytes, a later fragment, a protocol the parser does not read) still gives
//! a record without [`flags::L4_VALID`]; of a TCP or UDP header cut short, the fields that were
//! captured are kept (ports need its first 4 bytes), the rest are 0.
//!
//! The common path (Ethernet, IPv4 without options, TCP or UDP) is straight-line code with no
//! allocation; the record is built in place.

use crate::frames::Frame;
use crate::linktype::LinkType;
use crate::proto::ip_proto::{ICMP, ICMPV6, TCP, UDP};
use crate::proto::ipv4::Ipv4Packet;
use crate::proto::ipv6::{self, Ipv6Packet};
use crate::proto::{
    NetworkLayer, NetworkProtocol, ethernet, icmp, loopback, sll, tail, tcp::TcpHeader, udp,
};
use crate::record::{PacketRecord, flags, mapped_v4};

/// Why a frame gives no record, or why a protocol view refused its bytes.
///
/// [`parse_frame`] returns the link- and IP-level reasons. The two transport reasons,
/// [`Unparsed::TruncatedTransportHeader`] and [`Unparsed::BadTcpHeaderLength`], are what the
/// transport views of [`crate::proto`] say; `parse_frame` never refuses a frame for them, it keeps
/// the record without [`flags::L4_VALID`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Unparsed {
    /// The frame's link type is not one the parser reads.
    #[error("unsupported link type")]
    UnsupportedLinkType,
    /// The capture ends inside the link-layer header (or a VLAN tag).
    #[error("truncated link-layer header")]
    TruncatedLinkHeader,
    /// The link layer carries something other than IPv4 or IPv6 (ARP, MPLS, PPPoE, LLC, ...).
    #[error("not an IP packet")]
    NonIp,
    /// The capture ends inside the fixed IP header (20 bytes for IPv4, 40 for IPv6).
    #[error("truncated IP header")]
    TruncatedIpHeader,
    /// The IP version nibble is not the one the link layer announced (or neither 4 nor 6).
    #[error("bad IP version")]
    BadIpVersion,
    /// The IPv4 header length field is below 5 words.
    #[error("bad IPv4 header length")]
    BadIpHeaderLength,
    /// The IPv4 total length is nonzero and shorter than the header.
    #[error("bad IPv4 total length")]
    BadIpTotalLength,
    /// The capture (or the IP length) ends inside the transport header. Transport views only.
    #[error("truncated transport header")]
    TruncatedTransportHeader,
    /// The TCP data offset is below 5 words. Transport views only.
    #[error("bad TCP header length")]
    BadTcpHeaderLength,
}

impl Unparsed {
    /// Every reason, in declaration order.
    pub const ALL: [Unparsed; 9] = [
        Unparsed::UnsupportedLinkType,
        Unparsed::TruncatedLinkHeader,
        Unparsed::NonIp,
        Unparsed::TruncatedIpHeader,
        Unparsed::BadIpVersion,
        Unparsed::BadIpHeaderLength,
        Unparsed::BadIpTotalLength,
        Unparsed::TruncatedTransportHeader,
        Unparsed::BadTcpHeaderLength,
    ];

    /// A stable snake_case name, as reports print it.
    pub fn name(&self) -> &'static str {
        match self {
            Unparsed::UnsupportedLinkType => "unsupported_link_type",
            Unparsed::TruncatedLinkHeader => "truncated_link_header",
            Unparsed::NonIp => "non_ip",
            Unparsed::TruncatedIpHeader => "truncated_ip_header",
            Unparsed::BadIpVersion => "bad_ip_version",
            Unparsed::BadIpHeaderLength => "bad_ip_header_length",
            Unparsed::BadIpTotalLength => "bad_ip_total_length",
            Unparsed::TruncatedTransportHeader => "truncated_transport_header",
            Unparsed::BadTcpHeaderLength => "bad_tcp_header_length",
        }
    }
}

/// Parses one frame into a record: `ts_ns`, wire length and `seq_no` from the frame and the
/// caller, the rest from the headers. Never panics, whatever the bytes.
///
/// Hot loops that fill a batch should prefer [`parse_frame_into`], which writes the record in
/// place instead of returning it.
#[inline]
pub fn parse_frame(frame: &Frame<'_>, seq_no: u32) -> Result<PacketRecord, Unparsed> {
    let mut rec = PacketRecord::default();
    parse_frame_into(frame, seq_no, &mut rec)?;
    Ok(rec)
}

/// Parses one frame into `rec`, overwriting every field, as [`parse_frame`] does. When it
/// returns an error, `rec` holds no meaningful record (it may be partly written).
#[inline(always)]
pub fn parse_frame_into(
    frame: &Frame<'_>,
    seq_no: u32,
    rec: &mut PacketRecord,
) -> Result<(), Unparsed> {
    let bytes = frame.bytes;
    let net = match frame.link {
        LinkType::Ethernet => ethernet::network_layer(bytes)?,
        other => network_layer(other, bytes)?,
    };
    *rec = PacketRecord::default();
    rec.ts_ns = frame.ts_ns;
    rec.seq_no = seq_no;
    rec.set_wire_len(frame.wire_len);
    let ip = tail(bytes, net.offset);
    match net.protocol {
        NetworkProtocol::Ipv4 => fill_ipv4(rec, ip, net.offset, bytes.len()),
        NetworkProtocol::Ipv6 => fill_ipv6(rec, ip, net.offset, bytes.len()),
    }
}

/// Where the network layer begins for the link types other than Ethernet (kept out of line so
/// the Ethernet path stays short).
#[inline(never)]
pub(crate) fn network_layer(link: LinkType, bytes: &[u8]) -> Result<NetworkLayer, Unparsed> {
    let raw = |protocol| NetworkLayer { protocol, offset: 0 };
    match link {
        LinkType::Ethernet => ethernet::network_layer(bytes),
        LinkType::RawIp => NetworkProtocol::from_version_nibble(bytes).map(raw),
        LinkType::RawIpv4 => Ok(raw(NetworkProtocol::Ipv4)),
        LinkType::RawIpv6 => Ok(raw(NetworkProtocol::Ipv6)),
        LinkType::LinuxSll => sll::network_layer_v1(bytes),
        LinkType::LinuxSll2 => sll::network_layer_v2(bytes),
        LinkType::BsdLoopback => loopback::network_layer_bsd(bytes),
        LinkType::OpenBsdLoopback => loopback::network_layer_openbsd(bytes),
        LinkType::Other(_) => Err(Unparsed::UnsupportedLinkType),
    }
}

/// Fills the IPv4 and transport fields from `ip`, which starts `ip_off` bytes into a frame of
/// `cap_len` captured bytes.
#[inline(always)]
fn fill_ipv4(
    rec: &mut PacketRecord,
    ip: &[u8],
    ip_off: usize,
    cap_len: usize,
) -> Result<(), Unparsed> {
    let p = Ipv4Packet::new_checked(ip)?;
    rec.src = mapped_v4(p.src_addr());
    rec.dst = mapped_v4(p.dst_addr());
    rec.ip_len = p.total_len();
    rec.proto = p.protocol();
    let l4_off = ip_off + p.header_len();
    let mut f = 0;
    if p.is_fragment() {
        f |= flags::FRAGMENT;
        if p.is_later_fragment() {
            rec.set_flags(f | flags::LATER_FRAGMENT);
            rec.set_payload_off(l4_off.min(cap_len));
            return Ok(());
        }
    }
    f |= fill_transport(rec, p.protocol(), p.payload(), l4_off, cap_len);
    rec.set_flags(f);
    Ok(())
}

/// Fills the IPv6 and transport fields, walking the extension headers; arguments as for
/// [`fill_ipv4`]. Out of line: the walk is a loop, and the IPv4 path stays short without it.
#[inline(never)]
fn fill_ipv6(
    rec: &mut PacketRecord,
    ip: &[u8],
    ip_off: usize,
    cap_len: usize,
) -> Result<(), Unparsed> {
    let p = Ipv6Packet::new_checked(ip)?;
    rec.src = p.src_addr();
    rec.dst = p.dst_addr();
    rec.ip_len = p.payload_len().saturating_add(ipv6::HEADER_LEN as u16);
    let payload = p.payload();
    let up = ipv6::skip_extension_headers(p.next_header(), payload);
    rec.proto = up.protocol;
    let l4_off = ip_off + ipv6::HEADER_LEN + up.offset;
    let mut f = flags::IPV6;
    if up.is_fragment {
        f |= flags::FRAGMENT;
    }
    if up.is_later_fragment || !up.complete {
        if up.is_later_fragment {
            f |= flags::LATER_FRAGMENT;
        }
        rec.set_flags(f);
        rec.set_payload_off(l4_off.min(cap_len));
        return Ok(());
    }
    f |= fill_transport(rec, up.protocol, tail(payload, up.offset), l4_off, cap_len);
    rec.set_flags(f);
    Ok(())
}

/// Fills ports, TCP fields or ICMP type and code from the transport header `l4` (captured bytes,
/// bounded by the IP length) at `l4_off` in the frame, and the payload offset. Returns
/// [`flags::L4_VALID`] when the header was read, else 0 (ports stay 0).
#[inline(always)]
fn fill_transport(
    rec: &mut PacketRecord,
    proto: u8,
    l4: &[u8],
    l4_off: usize,
    cap_len: usize,
) -> u8 {
    match proto {
        TCP => {
            if let Ok(t) = TcpHeader::new_checked(l4) {
                rec.sport = t.src_port();
                rec.dport = t.dst_port();
                rec.seq = t.seq_number();
                rec.ack = t.ack_number();
                rec.tcp_flags = t.flags();
                rec.set_payload_off((l4_off + t.header_len()).min(cap_len));
                return flags::L4_VALID;
            }
        }
        UDP => {
            if let Ok(u) = udp::UdpHeader::new_checked(l4) {
                rec.sport = u.src_port();
                rec.dport = u.dst_port();
                rec.set_payload_off((l4_off + udp::HEADER_LEN).min(cap_len));
                return flags::L4_VALID;
            }
        }
        ICMP | ICMPV6 => {
            if let Ok(h) = icmp::IcmpHeader::new_checked(l4) {
                rec.seq = u32::from(h.msg_type()) << 8 | u32::from(h.code());
                rec.ack = h.rest_of_header();
                rec.set_payload_off((l4_off + icmp::HEADER_LEN).min(cap_len));
                return flags::L4_VALID;
            }
        }
        _ => {
            rec.set_payload_off(l4_off.min(cap_len));
            return 0;
        }
    }
    // The transport header is not all there: no payload byte is known to be captured. What was
    // captured of it still counts, as tshark shows it: the ports of TCP and UDP (a 64-byte
    // capture of Ethernet, IPv6 and TCP ends inside the TCP header), and TCP's sequence and
    // acknowledgement numbers and flags where they made it.
    rec.set_payload_off(cap_len);
    if proto == TCP || proto == UDP {
        fill_partial_ports(rec, proto, l4);
    }
    0
}

/// Reads the fields of a cut-short TCP or UDP header that were captured.
#[cold]
fn fill_partial_ports(rec: &mut PacketRecord, proto: u8, l4: &[u8]) {
    let be16 = |i: usize| l4.get(i..i + 2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    let be32 =
        |i: usize| l4.get(i..i + 4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    if l4.len() < 4 {
        return;
    }
    rec.sport = be16(0);
    rec.dport = be16(2);
    if proto == TCP {
        rec.seq = be32(4);
        rec.ack = be32(8);
        rec.tcp_flags = l4.get(13).copied().unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ip_proto::{HOP_BY_HOP, IPV6_FRAG};
    use crate::record::tcp_flags::{ACK, PSH};

    const V4_SRC: [u8; 4] = [192, 168, 1, 10];
    const V4_DST: [u8; 4] = [10, 0, 0, 53];
    const V6_SRC: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const V6_DST: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    fn eth(tags: &[u16], ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
        for &tpid in tags {
            f.extend_from_slice(&tpid.to_be_bytes());
            f.extend_from_slice(&[0, 100]);
        }
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn ipv4(proto: u8, frag: u16, options: &[u8], l4: &[u8]) -> Vec<u8> {
        let hl = 20 + options.len();
        let total = (hl + l4.len()) as u16;
        let mut p = vec![0x40 | (hl / 4) as u8, 0];
        p.extend_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&[0xbe, 0xef]);
        p.extend_from_slice(&frag.to_be_bytes());
        p.extend_from_slice(&[64, proto, 0, 0]);
        p.extend_from_slice(&V4_SRC);
        p.extend_from_slice(&V4_DST);
        p.extend_from_slice(options);
        p.extend_from_slice(l4);
        p
    }

    fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0];
        p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        p.extend_from_slice(&[next, 64]);
        p.extend_from_slice(&V6_SRC);
        p.extend_from_slice(&V6_DST);
        p.extend_from_slice(payload);
        p
    }

    fn tcp(data: &[u8]) -> Vec<u8> {
        let mut t = vec![0xc3, 0x50, 0x01, 0xbb, 0, 0, 0, 7, 0, 0, 0, 9, 0x50, ACK | PSH, 1, 0];
        t.extend_from_slice(&[0, 0, 0, 0]);
        t.extend_from_slice(data);
        t
    }

    fn udp(data: &[u8]) -> Vec<u8> {
        let mut u = vec![0x30, 0x39, 0x00, 0x35];
        u.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
        u.extend_from_slice(&[0, 0]);
        u.extend_from_slice(data);
        u
    }

    fn parse(link: LinkType, bytes: &[u8]) -> Result<PacketRecord, Unparsed> {
        let frame = Frame { bytes, ts_ns: 1_000, wire_len: bytes.len() as u32 + 4, link };
        parse_frame(&frame, 42)
    }

    fn ok(link: LinkType, bytes: &[u8]) -> PacketRecord {
        parse(link, bytes).expect("parses")
    }

    /// Every prefix of `bytes` parses to a record or a named reason, and never panics.
    fn every_prefix(link: LinkType, bytes: &[u8]) {
        for cut in 0..=bytes.len() {
            match parse(link, &bytes[..cut]) {
                Ok(r) => assert!(usize::from(r.payload_off()) <= cut),
                Err(e) => assert!(Unparsed::ALL.contains(&e) && !e.name().is_empty()),
            }
        }
    }

    #[test]
    fn ethernet_ipv4_tcp() {
        let f = eth(&[], 0x0800, &ipv4(TCP, 0x4000, &[], &tcp(b"hello")));
        let r = ok(LinkType::Ethernet, &f);
        assert_eq!((r.ts_ns, r.seq_no, r.wire_len()), (1_000, 42, f.len() as u32 + 4));
        assert_eq!((r.src, r.dst), (mapped_v4(V4_SRC), mapped_v4(V4_DST)));
        assert_eq!((r.sport, r.dport, r.proto), (50000, 443, TCP));
        assert_eq!((r.seq, r.ack, r.tcp_flags), (7, 9, ACK | PSH));
        assert_eq!(r.ip_len, 45);
        assert_eq!(r.flags(), flags::L4_VALID);
        assert_eq!(r.payload_off(), 54);
        assert_eq!(&f[54..], b"hello");
        every_prefix(LinkType::Ethernet, &f);
    }

    #[test]
    fn vlan_and_qinq_ipv4_udp() {
        for tags in [&[0x8100][..], &[0x88a8, 0x8100], &[0x9100, 0x8100]] {
            let f = eth(tags, 0x0800, &ipv4(UDP, 0, &[], &udp(b"q")));
            let r = ok(LinkType::Ethernet, &f);
            assert_eq!((r.sport, r.dport, r.proto), (12345, 53, UDP));
            assert_eq!(usize::from(r.payload_off()), 14 + 4 * tags.len() + 28);
            every_prefix(LinkType::Ethernet, &f);
        }
    }

    #[test]
    fn ipv4_options_move_the_transport() {
        let opts = [0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00];
        let f = eth(&[], 0x0800, &ipv4(UDP, 0, &opts, &udp(b"x")));
        let r = ok(LinkType::Ethernet, &f);
        assert_eq!((r.sport, r.dport), (12345, 53));
        assert_eq!(r.payload_off(), 14 + 28 + 8);
        every_prefix(LinkType::Ethernet, &f);
    }

    #[test]
    fn ipv4_fragments_first_and_later() {
        let first = eth(&[], 0x0800, &ipv4(UDP, 0x2000, &[], &udp(&[0; 16])));
        let r = ok(LinkType::Ethernet, &first);
        assert_eq!(r.flags(), flags::FRAGMENT | flags::L4_VALID);
        assert_eq!((r.sport, r.dport), (12345, 53));
        let later = eth(&[], 0x0800, &ipv4(UDP, 0x0003, &[], &[0xab; 24]));
        let r = ok(LinkType::Ethernet, &later);
        assert_eq!(r.flags(), flags::FRAGMENT | flags::LATER_FRAGMENT);
        assert_eq!((r.sport, r.dport, r.proto), (0, 0, UDP));
        assert_eq!(r.payload_off(), 34);
        every_prefix(LinkType::Ethernet, &later);
    }

    #[test]
    fn header_only_capture_keeps_l4_when_the_header_fits() {
        let mut f = eth(&[], 0x0800, &ipv4(TCP, 0, &[], &tcp(&[0; 1400])));
        f.truncate(54);
        let r = ok(LinkType::Ethernet, &f);
        assert!(r.has(flags::L4_VALID));
        assert_eq!((r.ip_len, r.payload_off()), (1440, 54));
        f.truncate(50);
        let r = ok(LinkType::Ethernet, &f);
        assert!(!r.has(flags::L4_VALID));
        let full = ok(LinkType::Ethernet, &eth(&[], 0x0800, &ipv4(TCP, 0, &[], &tcp(&[0; 1400]))));
        assert_eq!((r.sport, r.dport, r.payload_off()), (full.sport, full.dport, 50));
        assert_eq!((r.seq, r.ack, r.tcp_flags), (full.seq, full.ack, full.tcp_flags));
        f.truncate(37);
        let r = ok(LinkType::Ethernet, &f);
        assert_eq!((r.sport, r.dport, r.payload_off()), (0, 0, 37), "ports not captured");
    }

    #[test]
    fn ethernet_padding_is_not_transport() {
        // A 20-byte IPv4 packet with 4 bytes of UDP in 26 bytes of padding: the total length
        // bounds the transport, so the UDP header counts as not captured.
        let mut ip = ipv4(UDP, 0, &[], &[0x30, 0x39, 0, 0x35]);
        ip.extend_from_slice(&[0; 22]);
        let r = ok(LinkType::Ethernet, &eth(&[], 0x0800, &ip));
        assert!(!r.has(flags::L4_VALID));
        assert_eq!(r.ip_len, 24);
    }

    #[test]
    fn icmp_type_code_and_rest() {
        let echo = [8, 0, 0, 0, 0x12, 0x34, 0, 1];
        let r = ok(LinkType::RawIp, &ipv4(ICMP, 0, &[], &echo));
        assert_eq!((r.icmp_type(), r.icmp_code(), r.ack), (8, 0, 0x1234_0001));
        assert_eq!((r.sport, r.dport, r.flags()), (0, 0, flags::L4_VALID));
        let r = ok(LinkType::RawIpv6, &ipv6(ICMPV6, &[135, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(
            (r.icmp_type(), r.proto, r.flags()),
            (135, ICMPV6, flags::IPV6 | flags::L4_VALID)
        );
    }

    #[test]
    fn other_protocols_have_no_ports() {
        let f = ipv4(47, 0, &[], &[0, 0, 0x08, 0x00, 0x45]); // GRE
        let r = ok(LinkType::RawIpv4, &f);
        assert_eq!((r.proto, r.sport, r.flags(), r.payload_off()), (47, 0, 0, 20));
    }

    #[test]
    fn ipv6_hop_by_hop_and_fragment() {
        let mut pl = vec![IPV6_FRAG, 0, 5, 2, 0, 0, 1, 0];
        pl.extend_from_slice(&[TCP, 0, 0, 1, 0, 0, 0, 1]); // first fragment
        pl.extend_from_slice(&tcp(b"data"));
        let f = eth(&[], 0x86dd, &ipv6(HOP_BY_HOP, &pl));
        let r = ok(LinkType::Ethernet, &f);
        assert_eq!((r.src, r.dst, r.proto), (V6_SRC, V6_DST, TCP));
        assert_eq!(r.flags(), flags::IPV6 | flags::FRAGMENT | flags::L4_VALID);
        assert_eq!((r.sport, r.dport, r.ip_len), (50000, 443, 40 + 40));
        assert_eq!(r.payload_off(), 14 + 40 + 16 + 20);
        assert_eq!(r.ip_version(), 6);
        every_prefix(LinkType::Ethernet, &f);

        let mut later = vec![UDP, 0, 0x05, 0xa8, 0, 0, 0, 1];
        later.extend_from_slice(&[0xab; 32]);
        let r = ok(LinkType::RawIp, &ipv6(IPV6_FRAG, &later));
        assert_eq!(r.flags(), flags::IPV6 | flags::FRAGMENT | flags::LATER_FRAGMENT);
        assert_eq!((r.proto, r.sport, r.payload_off()), (UDP, 0, 48));
    }

    #[test]
    fn ipv6_cut_inside_extension_headers() {
        let pl = [TCP, 2, 0, 0, 0, 0, 0, 0]; // says 24 bytes, 8 captured
        let r = ok(LinkType::RawIpv6, &ipv6(HOP_BY_HOP, &pl));
        assert_eq!((r.proto, r.flags(), r.payload_off()), (HOP_BY_HOP, flags::IPV6, 40));
    }

    #[test]
    fn linux_cooked_v1_and_v2() {
        let mut v1 = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
        v1.extend_from_slice(&ipv4(UDP, 0, &[], &udp(b"")));
        let r = ok(LinkType::LinuxSll, &v1);
        assert_eq!((r.sport, r.payload_off()), (12345, 44));
        every_prefix(LinkType::LinuxSll, &v1);

        let mut v2 = vec![0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0];
        v2.extend_from_slice(&ipv6(TCP, &tcp(b"")));
        let r = ok(LinkType::LinuxSll2, &v2);
        assert_eq!((r.dport, r.payload_off(), r.ip_version()), (443, 80, 6));
        every_prefix(LinkType::LinuxSll2, &v2);
    }

    #[test]
    fn loopback_both_byte_orders() {
        let ip = ipv4(UDP, 0, &[], &udp(b"z"));
        for af in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            let f = [&af[..], &ip].concat();
            assert_eq!(ok(LinkType::BsdLoopback, &f).dport, 53);
            every_prefix(LinkType::BsdLoopback, &f);
        }
        for af in [24u32, 28, 30] {
            let v6 = ipv6(UDP, &udp(b""));
            let le = [&af.to_le_bytes()[..], &v6].concat();
            let be = [&af.to_be_bytes()[..], &v6].concat();
            assert_eq!(ok(LinkType::BsdLoopback, &le).ip_version(), 6);
            assert_eq!(ok(LinkType::BsdLoopback, &be).ip_version(), 6);
        }
        let f = [&[0, 0, 0, 2][..], &ip].concat();
        assert_eq!(ok(LinkType::OpenBsdLoopback, &f).sport, 12345);
    }

    #[test]
    fn refusals_are_named() {
        let v4 = ipv4(UDP, 0, &[], &udp(b""));
        assert_eq!(parse(LinkType::Other(147), &v4), Err(Unparsed::UnsupportedLinkType));
        assert_eq!(parse(LinkType::Ethernet, &eth(&[], 0x0806, &[0; 28])), Err(Unparsed::NonIp));
        assert_eq!(parse(LinkType::RawIpv6, &v4), Err(Unparsed::BadIpVersion));
        assert_eq!(parse(LinkType::RawIp, &[0x50; 40]), Err(Unparsed::BadIpVersion));
        assert_eq!(parse(LinkType::RawIp, &[]), Err(Unparsed::TruncatedIpHeader));
        assert_eq!(parse(LinkType::Ethernet, &[0; 13]), Err(Unparsed::TruncatedLinkHeader));
        let mut bad = v4.clone();
        bad[0] = 0x44;
        assert_eq!(parse(LinkType::RawIp, &bad), Err(Unparsed::BadIpHeaderLength));
        bad[0] = 0x45;
        bad[3] = 10;
        assert_eq!(parse(LinkType::RawIp, &bad), Err(Unparsed::BadIpTotalLength));
    }

    #[test]
    fn bad_tcp_data_offset_keeps_the_record() {
        let mut t = tcp(b"");
        t[12] = 0x30;
        let r = ok(LinkType::RawIp, &ipv4(TCP, 0, &[], &t));
        // The header is refused, but its ports were captured: kept, as tshark shows them.
        assert_eq!((r.proto, r.sport, r.flags()), (TCP, 50000, 0));
    }

    #[test]
    fn names_are_distinct_snake_case() {
        let names: std::collections::HashSet<_> = Unparsed::ALL.iter().map(|u| u.name()).collect();
        assert_eq!(names.len(), Unparsed::ALL.len());
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        assert_eq!(Unparsed::NonIp.name(), "non_ip");
        assert_eq!(Unparsed::NonIp.to_string(), "not an IP packet");
    }
}
