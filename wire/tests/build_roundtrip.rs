//! Builder then parser: every field a packet is built with comes back from the parser.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use wire::build::{PacketSpec, Transport};
use wire::record::flags;
use wire::{Frame, LinkType, parse_frame};

fn transport() -> impl Strategy<Value = Transport> {
    prop_oneof![
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
    ]
}

fn spec() -> impl Strategy<Value = PacketSpec> {
    (
        any::<bool>(),
        any::<[u8; 16]>(),
        any::<[u8; 16]>(),
        prop::collection::vec(0u16..4096, 0..=2),
        transport(),
        0usize..3000,
        any::<u8>(),
        any::<u16>(),
        prop::sample::select(vec![LinkType::Ethernet, LinkType::RawIp]),
    )
        .prop_map(|(v6, s, d, vlans, transport, payload_len, ttl, ip_id, link)| {
            let (src, dst) = if v6 {
                (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(d)))
            } else {
                (
                    IpAddr::V4(Ipv4Addr::new(s[0], s[1], s[2], s[3])),
                    IpAddr::V4(Ipv4Addr::new(d[0], d[1], d[2], d[3])),
                )
            };
            PacketSpec {
                link,
                vlans,
                src,
                dst,
                ttl,
                ip_id,
                transport,
                payload_len,
                payload: vec![],
            }
        })
}

proptest! {
    #[test]
    fn built_packets_parse_back(spec in spec(), snaplen in prop::sample::select(vec![64usize, 96, usize::MAX])) {
        let mut bytes = Vec::new();
        let wire_len = spec.write(&mut bytes, snaplen);
        prop_assert_eq!(bytes.len(), (wire_len as usize).min(snaplen));
        let frame = Frame { bytes: &bytes, ts_ns: 42, wire_len, link: spec.link };
        let r = parse_frame(&frame, 9).expect("a built packet parses");
        prop_assert_eq!((r.ts_ns, r.seq_no, r.wire_len()), (42, 9, wire_len));
        prop_assert_eq!(r.src_ip(), spec.src);
        prop_assert_eq!(r.dst_ip(), spec.dst);
        prop_assert_eq!(r.ip_version(), if spec.is_v6() { 6 } else { 4 });
        prop_assert_eq!(usize::from(r.ip_len), spec.ip_len().min(usize::from(u16::MAX)));
        prop_assert_eq!(r.proto, spec.transport.proto(spec.is_v6()));
        let l4_off = spec.link_header_len() + if spec.is_v6() { 40 } else { 20 };
        let whole_header = bytes.len() >= l4_off + spec.transport.header_len();
        prop_assert_eq!(r.has(flags::L4_VALID), whole_header);
        prop_assert!(!r.has(flags::FRAGMENT));
        if whole_header {
            prop_assert_eq!(usize::from(r.payload_off()), (l4_off + spec.transport.header_len()).min(bytes.len()));
            match spec.transport {
                Transport::Tcp { sport, dport, seq, ack, flags, .. } => {
                    prop_assert_eq!((r.sport, r.dport, r.seq, r.ack, r.tcp_flags), (sport, dport, seq, ack, flags));
                }
                Transport::Udp { sport, dport } => prop_assert_eq!((r.sport, r.dport), (sport, dport)),
                Transport::Icmp { ty, code, rest } => {
                    prop_assert_eq!((r.icmp_type(), r.icmp_code(), r.ack), (ty, code, rest));
                    prop_assert_eq!((r.sport, r.dport), (0, 0));
                }
            }
        } else if bytes.len() >= l4_off + 4 {
            // A header cut short keeps the ports it captured.
            match spec.transport {
                Transport::Tcp { sport, dport, .. } | Transport::Udp { sport, dport } => {
                    prop_assert_eq!((r.sport, r.dport), (sport, dport));
                }
                Transport::Icmp { .. } => prop_assert_eq!((r.sport, r.dport), (0, 0)),
            }
        }
    }
}

proptest! {
    /// Both directions of a connection reach the same ring, with either RSS function, for any
    /// addresses, ports and protocol (TCP, UDP, ICMP; IPv4 and IPv6).
    #[test]
    fn rss_is_symmetric(spec in spec()) {
        let mut fwd = Vec::new();
        let wire_len = spec.write(&mut fwd, 128);
        let mut back_spec = spec.clone();
        std::mem::swap(&mut back_spec.src, &mut back_spec.dst);
        back_spec.transport = match spec.transport {
            Transport::Tcp { sport, dport, seq, ack, flags, window } => {
                Transport::Tcp { sport: dport, dport: sport, seq: ack, ack: seq, flags, window }
            }
            Transport::Udp { sport, dport } => Transport::Udp { sport: dport, dport: sport },
            icmp => icmp,
        };
        let mut back = Vec::new();
        back_spec.write(&mut back, 128);
        let parse = |b: &[u8]| parse_frame(&Frame { bytes: b, ts_ns: 0, wire_len, link: spec.link }, 0).expect("parses");
        let (a, b) = (parse(&fwd), parse(&back));
        for f in [wire::RssFunction::Toeplitz, wire::RssFunction::Fast] {
            prop_assert_eq!(f.hash(&a), f.hash(&b), "{:?}", f);
            for rings in 1..9 {
                prop_assert_eq!(wire::rss::ring_of(f.hash(&a), rings), wire::rss::ring_of(f.hash(&b), rings));
            }
        }
    }
}
