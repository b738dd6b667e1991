//! Tests of the per-loop address rewrite: the map, record and frame agreement, checksums, and
//! odd frames.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;
use crate::build::{PacketSpec, Transport};
use crate::parse::parse_frame;
use crate::proto::NetworkProtocol;
use crate::proto::ip_proto::ICMP;

fn frame(link: LinkType, bytes: &[u8]) -> Frame<'_> {
    Frame { bytes, ts_ns: 7, wire_len: bytes.len() as u32, link }
}

/// Every checksum of a wholly captured frame verifies: the IPv4 header's, and the transport's
/// with its pseudo-header (TCP, UDP, ICMPv6; an IPv4 UDP checksum of 0 counts as valid).
fn checksums_valid(link: LinkType, bytes: &[u8]) -> bool {
    let Ok(net) = network_layer(link, bytes) else { return false };
    let ip = &bytes[net.offset..];
    match net.protocol {
        NetworkProtocol::Ipv4 => {
            let Ok(v) = Ipv4Packet::new_checked(ip) else { return false };
            if checksum::checksum(&ip[..v.header_len()]) != 0 {
                return false;
            }
            let l4 = v.payload();
            let proto = v.protocol();
            if proto == UDP && l4.get(6..8) == Some(&[0, 0]) {
                return true;
            }
            if proto == ICMP {
                return checksum::checksum(l4) == 0;
            }
            let pseudo = checksum::pseudo_v4(v.src_addr(), v.dst_addr(), proto, l4.len() as u16);
            checksum::finish(checksum::sum(pseudo, l4)) == 0
        }
        NetworkProtocol::Ipv6 => {
            let Ok(v) = Ipv6Packet::new_checked(ip) else { return false };
            let l4 = v.payload();
            let pseudo =
                checksum::pseudo_v6(v.src_addr(), v.dst_addr(), v.next_header(), l4.len() as u32);
            checksum::finish(checksum::sum(pseudo, l4)) == 0
        }
    }
}

fn spec_strategy() -> impl Strategy<Value = PacketSpec> {
    let transport = prop_oneof![
        (any::<u16>(), any::<u16>(), any::<u32>(), any::<u32>(), any::<u8>(), any::<u16>())
            .prop_map(|(sport, dport, seq, ack, flags, window)| Transport::Tcp {
                sport,
                dport,
                seq,
                ack,
                flags,
                window
            }),
        (any::<u16>(), any::<u16>()).prop_map(|(sport, dport)| Transport::Udp { sport, dport }),
        (any::<u8>(), any::<u8>(), any::<u32>()).prop_map(|(ty, code, rest)| Transport::Icmp {
            ty,
            code,
            rest
        }),
    ];
    let addrs = prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(s, d)| (IpAddr::V4(Ipv4Addr::from(s)), IpAddr::V4(Ipv4Addr::from(d)))),
        (any::<u128>(), any::<u128>())
            .prop_map(|(s, d)| (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(d)))),
    ];
    (
        addrs,
        transport,
        prop::sample::select(vec![LinkType::Ethernet, LinkType::RawIp]),
        prop::collection::vec(0u16..4096, 0..=2),
        0usize..600,
        prop::collection::vec(any::<u8>(), 0..64),
        any::<u16>(),
    )
        .prop_map(|((src, dst), transport, link, vlans, payload_len, payload, ip_id)| {
            PacketSpec { link, vlans, src, dst, ttl: 64, ip_id, transport, payload_len, payload }
        })
}

fn built(spec: &PacketSpec, snaplen: usize) -> Vec<u8> {
    let mut out = Vec::new();
    spec.write(&mut out, snaplen);
    out
}

#[test]
fn loop_zero_is_the_identity_and_loops_add_multiples_of_g() {
    assert_eq!(loop_offset(0), 0);
    assert_eq!(loop_offset(1), UNIQUE_IP_STEP);
    assert_eq!(loop_offset(2), UNIQUE_IP_STEP.wrapping_mul(2));
    assert_eq!(loop_offset(1 << 32), 0, "loops repeat with period 2^32");
    assert_eq!(rewrite_v4([10, 0, 0, 1], 0), [10, 0, 0, 1]);
    assert_eq!(rewrite_v4([0, 0, 0, 0], 1), UNIQUE_IP_STEP.to_be_bytes());
    assert_eq!(rewrite_v4([255, 255, 255, 255], 1), (UNIQUE_IP_STEP - 1).to_be_bytes());
    let v6: [u8; 16] = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets();
    let moved = rewrite_v6(v6, 3);
    assert_eq!(moved[..12], v6[..12], "the upper 96 bits stay");
    assert_eq!(u32::from_be_bytes(moved[12..].try_into().unwrap()), 1 + loop_offset(3));
    let mut bytes = [0u8; 60];
    assert_eq!(rewrite_frame(LinkType::Ethernet, &mut bytes, 0), FrameRewrite::default());
}

#[test]
fn record_rewrite_moves_both_addresses_and_nothing_else() {
    let spec = PacketSpec {
        src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)),
        transport: Transport::Udp { sport: 5353, dport: 53 },
        payload_len: 20,
        ..PacketSpec::default()
    };
    let bytes = built(&spec, 64);
    let rec = parse_frame(&frame(LinkType::Ethernet, &bytes), 3).unwrap();
    let mut moved = rec;
    rewrite_record(&mut moved, 2);
    assert_eq!(moved.src_ip(), IpAddr::V4(Ipv4Addr::from(rewrite_v4([192, 0, 2, 1], 2))));
    assert_eq!(moved.dst_ip(), IpAddr::V4(Ipv4Addr::from(rewrite_v4([198, 51, 100, 7], 2))));
    assert_eq!(moved.ip_version(), 4, "still IPv4-mapped");
    let (mut a, mut b) = (rec, moved);
    a.src = [0; 16];
    a.dst = [0; 16];
    b.src = [0; 16];
    b.dst = [0; 16];
    assert_eq!(a, b);
}

#[test]
fn ipv4_udp_without_checksum_keeps_none() {
    let spec = PacketSpec {
        src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        transport: Transport::Udp { sport: 1, dport: 2 },
        payload_len: 4,
        ..PacketSpec::default()
    };
    let mut bytes = built(&spec, 1500);
    // Ethernet 14 + IPv4 20 + UDP checksum at 6.
    bytes[14 + 20 + 6..14 + 20 + 8].copy_from_slice(&[0, 0]);
    let done = rewrite_frame(LinkType::Ethernet, &mut bytes, 5);
    assert!(done.addresses && done.ip_checksum && !done.transport_checksum);
    assert_eq!(&bytes[40..42], &[0, 0]);
    assert!(checksums_valid(LinkType::Ethernet, &bytes));
}

#[test]
fn non_ip_and_short_frames_are_left_alone() {
    let arp = {
        let mut f = vec![0xff; 12];
        f.extend_from_slice(&[0x08, 0x06]);
        f.extend_from_slice(&[0; 28]);
        f
    };
    let mut copy = arp.clone();
    assert_eq!(rewrite_frame(LinkType::Ethernet, &mut copy, 1), FrameRewrite::default());
    assert_eq!(copy, arp);
    for link in [LinkType::Ethernet, LinkType::RawIp, LinkType::Other(147)] {
        let mut empty: [u8; 0] = [];
        assert_eq!(rewrite_frame(link, &mut empty, 9), FrameRewrite::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Within a loop the map is a bijection: distinct addresses stay distinct, and subtracting
    /// the loop's offset gives the original back.
    #[test]
    fn rewrite_is_a_bijection_per_loop(a in any::<u32>(), b in any::<u32>(), k in any::<u64>()) {
        let (ra, rb) = (rewrite_v4(a.to_be_bytes(), k), rewrite_v4(b.to_be_bytes(), k));
        prop_assert_eq!(ra == rb, a == b);
        prop_assert_eq!(u32::from_be_bytes(ra).wrapping_sub(loop_offset(k)), a);
        let (x, y) = (u128::from(a) << 64 | u128::from(b), u128::from(b) << 64 | u128::from(a));
        let (rx, ry) = (rewrite_v6(x.to_be_bytes(), k), rewrite_v6(y.to_be_bytes(), k));
        prop_assert_eq!(rx == ry, x == y);
    }

    /// Rewriting a frame then parsing it gives the parsed record rewritten, and a full capture's
    /// checksums stay valid, for built frames of every kind, whole or cut short.
    #[test]
    fn frame_and_record_rewrites_agree_and_checksums_stay_valid(
        spec in spec_strategy(),
        loop_idx in 0u64..1_000_000,
        cut in prop::option::of(0usize..120),
    ) {
        let whole = built(&spec, usize::MAX);
        prop_assert!(checksums_valid(spec.link, &whole));
        let mut bytes = whole.clone();
        if let Some(cut) = cut {
            bytes.truncate(cut);
        }
        let before = parse_frame(&frame(spec.link, &bytes), 1);
        let mut out = Vec::new();
        let done = rewrite_frame_into(&frame(spec.link, &bytes), loop_idx, &mut out);
        let after = parse_frame(&frame(spec.link, &out), 1);
        match before {
            Ok(mut rec) => {
                rewrite_record(&mut rec, loop_idx);
                prop_assert_eq!(after, Ok(rec));
                prop_assert_eq!(done.addresses, loop_offset(loop_idx) != 0);
            }
            Err(e) => {
                prop_assert_eq!(after, Err(e));
                prop_assert_eq!(&out, &bytes);
            }
        }
        if cut.is_none() {
            prop_assert!(checksums_valid(spec.link, &out), "{:?}", done);
            prop_assert_eq!(done.transport_checksum, loop_offset(loop_idx) != 0
                && !matches!((spec.transport, spec.is_v6()), (Transport::Icmp { .. }, false)));
        }
    }

    /// Whatever the bytes, the rewrite never panics and agrees with the record rewrite.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..120),
        link in prop::sample::select(vec![
            LinkType::Ethernet, LinkType::RawIp, LinkType::RawIpv4, LinkType::RawIpv6,
            LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::BsdLoopback,
        ]),
        lead in prop::sample::select(vec![0x45u8, 0x46, 0x4f, 0x60, 0x00]),
        loop_idx in 1u64..100,
    ) {
        let mut bytes = bytes;
        if let Some(b) = bytes.first_mut() {
            *b = lead;
        }
        let before = parse_frame(&frame(link, &bytes), 0);
        let mut out = bytes.clone();
        rewrite_frame(link, &mut out, loop_idx);
        let after = parse_frame(&frame(link, &out), 0);
        match before {
            Ok(mut rec) => {
                rewrite_record(&mut rec, loop_idx);
                prop_assert_eq!(after, Ok(rec));
            }
            Err(e) => prop_assert_eq!(after, Err(e)),
        }
    }
}
