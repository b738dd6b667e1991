//! Property tests: the parser never panics, whatever the bytes and whatever the link type, and
//! what it returns is a record or a named reason.

use proptest::prelude::*;
use wire::{Frame, LinkType, PacketRecord, Unparsed, parse_frame, parse_frame_into};

/// Every link type the parser reads, then one it does not.
fn links() -> Vec<LinkType> {
    LinkType::SUPPORTED.into_iter().chain([LinkType::Other(147)]).collect()
}

/// The link-layer header for `link` announcing IPv4 (`v6` false) or IPv6.
fn link_header(link: LinkType, v6: bool) -> Vec<u8> {
    let ethertype: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
    match link {
        LinkType::Ethernet => [&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2][..], &ethertype].concat(),
        LinkType::LinuxSll => {
            [&[0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0][..], &ethertype].concat()
        }
        LinkType::LinuxSll2 => {
            [&ethertype[..], &[0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]].concat()
        }
        LinkType::BsdLoopback => (if v6 { 30u32 } else { 2 }).to_le_bytes().to_vec(),
        LinkType::OpenBsdLoopback => (if v6 { 24u32 } else { 2 }).to_be_bytes().to_vec(),
        _ => Vec::new(),
    }
}

/// A valid frame: link header, IPv4 or IPv6 (with an extension header), TCP, UDP or ICMP. The
/// raw single-version link types follow `v6`, so the link type comes back with the bytes.
fn valid_frame(link: LinkType, v6: bool, proto: u8, payload: &[u8]) -> (LinkType, Vec<u8>) {
    let l4: Vec<u8> = match proto {
        6 => [
            &[0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x18, 1, 0, 0, 0, 0, 0][..],
            payload,
        ]
        .concat(),
        17 => {
            let len = (8 + payload.len()) as u16;
            [&[0x04, 0xd2, 0x00, 0x35][..], &len.to_be_bytes(), &[0, 0], payload].concat()
        }
        _ => [&[8, 0, 0, 0, 0, 1, 0, 1][..], payload].concat(),
    };
    let ip = if v6 {
        let proto = if proto == 1 { 58 } else { proto };
        let mut ext = vec![proto, 0, 1, 4, 0, 0, 0, 0]; // hop-by-hop with a PadN option
        ext.extend_from_slice(&l4);
        let mut h = vec![0x60, 0, 0, 0];
        h.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        h.extend_from_slice(&[0, 64]);
        h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        h.extend_from_slice(&ext);
        h
    } else {
        let total = (20 + l4.len()) as u16;
        let mut h = vec![0x45, 0];
        h.extend_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        h.extend_from_slice(&l4);
        h
    };
    let link = match link {
        LinkType::RawIpv4 | LinkType::RawIpv6 if v6 => LinkType::RawIpv6,
        LinkType::RawIpv4 | LinkType::RawIpv6 => LinkType::RawIpv4,
        other => other,
    };
    (link, [link_header(link, v6), ip].concat())
}

/// Parses and checks what a result may be: a record whose payload offset lies within the
/// capture, or a reason from [`Unparsed::ALL`]. Both entry points must agree.
fn check(link: LinkType, bytes: &[u8]) -> Result<PacketRecord, Unparsed> {
    let frame = Frame { bytes, ts_ns: 7, wire_len: bytes.len() as u32, link };
    let by_value = parse_frame(&frame, 3);
    let mut rec = PacketRecord::default();
    let in_place = parse_frame_into(&frame, 3, &mut rec).map(|()| rec);
    assert_eq!(by_value, in_place);
    match by_value {
        Ok(r) => {
            assert!(usize::from(r.payload_off()) <= bytes.len());
            assert_eq!((r.ts_ns, r.seq_no), (7, 3));
            // Ports exist only where a transport header was (at least partly) captured: TCP or
            // UDP, never a later fragment.
            let tcp_or_udp = r.proto == 6 || r.proto == 17;
            if !tcp_or_udp || r.has(wire::record::flags::LATER_FRAGMENT) {
                assert_eq!((r.sport, r.dport), (0, 0));
            }
        }
        Err(e) => assert!(Unparsed::ALL.contains(&e)),
    }
    by_value
}

fn any_link() -> impl Strategy<Value = LinkType> {
    prop::sample::select(links())
}

fn supported_link() -> impl Strategy<Value = LinkType> {
    prop::sample::select(LinkType::SUPPORTED.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(link in any_link(), bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = check(link, &bytes);
    }

    #[test]
    fn valid_frames_parse_and_their_prefixes_never_panic(
        link in supported_link(),
        v6 in any::<bool>(),
        proto in prop::sample::select(vec![1u8, 6, 17]),
        payload in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let (link, f) = valid_frame(link, v6, proto, &payload);
        let r = check(link, &f).expect("a valid frame parses");
        prop_assert!(r.has(wire::record::flags::L4_VALID));
        prop_assert_eq!(r.ip_version(), if v6 { 6 } else { 4 });
        prop_assert_eq!(usize::from(r.payload_off()), f.len() - payload.len());
        for cut in 0..f.len() {
            let _ = check(link, &f[..cut]);
        }
    }

    #[test]
    fn mutated_valid_frames_never_panic(
        link in supported_link(),
        v6 in any::<bool>(),
        proto in prop::sample::select(vec![1u8, 6, 17]),
        payload in prop::collection::vec(any::<u8>(), 0..40),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let (link, mut f) = valid_frame(link, v6, proto, &payload);
        for (at, value) in edits {
            let i = at.index(f.len());
            f[i] = value;
        }
        let _ = check(link, &f);
        let _ = check(link, &f[..cut.index(f.len() + 1)]);
    }
}

#[test]
fn every_byte_value_at_every_offset_of_a_small_frame() {
    for link in links() {
        let (link, f) = valid_frame(link, false, 6, &[]);
        for i in 0..f.len() {
            for v in 0..=255u8 {
                let mut g = f.clone();
                g[i] = v;
                let _ = check(link, &g);
            }
        }
    }
}
