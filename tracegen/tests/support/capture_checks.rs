//! The invariants of the capture reader and the frame parser on any input, shared by the stable
//! test `reader_never_panics.rs` and the cargo-fuzz targets under `fuzz/` (which include this file
//! with `#[path]`). Every function panics, naming the broken invariant, where one does not hold;
//! a panic inside the reader or the parser fails the same way.
//!
//! Only the fields every capture format fills are read through [`Capture`] here, in
//! [`check_capture`] and [`check_classic`], so a change of the reader's types touches those two.

// Each includer uses a part: the frame parser target never reads a capture.
#![allow(dead_code)]

use tracegen::pcap::{
    Capture, CaptureError, FILE_HEADER_LEN, MAGIC_MICRO, MAGIC_NANO, MAX_CAPLEN, RECORD_HEADER_LEN,
    ReadOptions, TsResolution, read_bytes,
};
use wire::dns::{DnsName, DnsView, HEADER_LEN as DNS_HEADER_LEN, MAX_NAME_LEN, PORT as DNS_PORT};
use wire::proto::ip_proto::{ICMP, ICMPV6, TCP, UDP};
use wire::record::{MAX_WIRE_LEN, flags, mapped_v4};
use wire::{Frame, PacketRecord, RssFunction, Unparsed, parse_frame, parse_frame_into};

/// The file name the checks give the reader; every message must name it.
pub const NAME: &str = "fuzz-input.pcap";

/// Reads `data` as a capture, lax and strict, and checks what the reader promises: both reads
/// return `Ok` or a typed one-line error naming the file at an offset within the input; strict
/// and lax agree (the same frames, or strict refuses exactly the truncation lax reports); a
/// classic pcap read tiles the input exactly with the records it returns
/// ([`check_classic`]). Then every frame read goes through [`check_frame`]. Returns the number of
/// frames read (lax).
pub fn check_capture(data: &[u8]) -> usize {
    let lax = read_bytes(NAME, data, &ReadOptions { strict: false, ..Default::default() });
    let strict = read_bytes(NAME, data, &ReadOptions { strict: true, ..Default::default() });
    let cap = match (lax, strict) {
        (Ok(lax), Ok(strict)) => {
            assert_eq!(
                lax.info.truncated_at_offset, None,
                "strict read accepted a truncated capture"
            );
            assert_eq!(strict.info.truncated_at_offset, None);
            assert_eq!(lax.frames, strict.frames, "strict and lax reads differ");
            assert_eq!(lax.info.warnings, strict.info.warnings, "strict and lax warnings differ");
            lax
        }
        (Ok(lax), Err(e)) => {
            check_error(&e, data);
            let t = lax.info.truncated_at_offset.unwrap_or_else(|| {
                panic!("strict read failed ({e}) where lax read found no truncation")
            });
            // Classic pcap names the incomplete record, pcapng the incomplete block.
            let (offset, frames_before, found) = match e {
                CaptureError::Truncated { offset, record, found, .. } => {
                    (offset, record - 1, found)
                }
                CaptureError::TruncatedBlock { offset, frames, found, .. } => {
                    (offset, frames, found)
                }
                _ => panic!("strict read failed with {e} where lax read succeeded"),
            };
            assert_eq!(offset, t, "strict and lax truncation offsets differ");
            assert_eq!(frames_before, lax.frames.len() as u64, "frames before the truncation");
            assert_eq!(found, data.len() as u64 - t, "bytes found after the truncation");
            lax
        }
        (Err(lax), Err(strict)) => {
            check_error(&lax, data);
            check_error(&strict, data);
            assert_eq!(lax.to_string(), strict.to_string(), "strict and lax errors differ");
            return 0;
        }
        (Err(lax), Ok(_)) => panic!("strict read succeeded where lax read failed: {lax}"),
    };

    assert_eq!(cap.info.file_bytes, data.len() as u64, "file_bytes");
    if let Some(t) = cap.info.truncated_at_offset {
        assert!(t < data.len() as u64, "truncated at {t}, past the input's {} bytes", data.len());
    }
    for w in &cap.info.warnings {
        assert!(w.contains(NAME) && !w.contains('\n'), "warning not one line naming the file: {w}");
    }
    // Every captured byte is a byte of the input, copied once.
    assert!(cap.frames.captured_bytes() <= data.len(), "more captured bytes than input bytes");
    assert!(cap.frames.iter().all(|f| f.bytes.len() <= MAX_CAPLEN as usize));
    if let Some(order) = classic_order(data) {
        check_classic(&cap, data, order);
    }
    for (i, frame) in cap.frames.iter().enumerate() {
        let _ = check_frame(&frame, i as u32);
    }
    cap.frames.len()
}

/// A typed error's message is one line naming the file, at an offset within the input.
fn check_error(e: &CaptureError, data: &[u8]) {
    let msg = e.to_string();
    assert!(msg.contains(NAME) && !msg.contains('\n'), "error not one line naming the file: {msg}");
    assert!(e.offset() <= data.len() as u64, "error offset past the input: {msg}");
}

/// Byte order and timestamp unit of a classic pcap file: `(big_endian, ns_per_unit)`, or `None`
/// where `data` does not start with a classic pcap magic number.
fn classic_order(data: &[u8]) -> Option<(bool, u64)> {
    let magic: [u8; 4] = data.get(..4)?.try_into().ok()?;
    [(MAGIC_MICRO, 1_000), (MAGIC_NANO, 1)].into_iter().find_map(|(m, unit)| {
        if u32::from_le_bytes(magic) == m {
            Some((false, unit))
        } else if u32::from_be_bytes(magic) == m {
            Some((true, unit))
        } else {
            None
        }
    })
}

/// A classic pcap read, against the bytes: the header's fields are the capture's; the frames,
/// each with its 16-byte record header, follow one another from the end of the file header to
/// the truncation offset (or the end of the input), each frame's bytes, wire length and
/// timestamp as its record says; what is left after a truncation is less than one record.
fn check_classic(cap: &Capture, data: &[u8], (big, ns_per_unit): (bool, u64)) {
    let u32_at = |at: usize| {
        let b: [u8; 4] = data
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_else(|| panic!("a frame's record header at {at} is past the input"));
        if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
    };
    let resolution = if ns_per_unit == 1 { TsResolution::Nano } else { TsResolution::Micro };
    let iface = cap.info.first_interface.expect("a classic pcap file has its header's interface");
    assert_eq!(iface.resolution, resolution, "resolution");
    assert_eq!(iface.snaplen, u32_at(16), "snaplen");
    assert_eq!(iface.link, wire::LinkType::from_linktype(u32_at(20) & 0xffff), "link type");

    let mut at = FILE_HEADER_LEN;
    for (i, f) in cap.frames.iter().enumerate() {
        let caplen = u32_at(at + 8) as usize;
        let start = at + RECORD_HEADER_LEN;
        assert_eq!(f.bytes.len(), caplen, "frame {i}: captured length");
        assert_eq!(Some(f.bytes), data.get(start..start + caplen), "frame {i}: bytes");
        assert_eq!(f.wire_len, u32_at(at + 12), "frame {i}: wire length");
        let ts = u64::from(u32_at(at))
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(u32_at(at + 4)).saturating_mul(ns_per_unit));
        assert_eq!(f.ts_ns, ts, "frame {i}: timestamp");
        assert_eq!(f.link, iface.link, "frame {i}: link type");
        at = start + caplen;
    }
    let end = cap.info.truncated_at_offset.map_or(data.len() as u64, |t| t);
    assert_eq!(at as u64, end, "the records do not reach the truncation offset or the end");
    let rest = data.len() - at;
    if cap.info.truncated_at_offset.is_some() && rest >= RECORD_HEADER_LEN {
        let caplen = u32_at(at + 8) as usize;
        assert!(caplen <= MAX_CAPLEN as usize, "truncated record claims {caplen} bytes");
        assert!(RECORD_HEADER_LEN + caplen > rest, "a whole record left after the truncation");
    }
}

/// Parses `frame` with [`parse_frame`], and again with [`parse_frame_into`] over a record full
/// of stale values, and checks what the parser promises: both agree; refusals are the link- and
/// IP-level reasons only; a record keeps the frame's time, wire length (saturated) and sequence
/// number; its payload offset lies within the captured bytes; flags, protocol, ports and
/// addresses are consistent; RSS hashes are symmetric. A UDP record to or from port 53 has its
/// payload read by [`check_dns`]. Returns the parse.
pub fn check_frame(frame: &Frame<'_>, seq_no: u32) -> Result<PacketRecord, Unparsed> {
    let got = parse_frame(frame, seq_no);
    // `len_word` is private: no struct-update syntax out of the record's module.
    let mut stale = PacketRecord::default();
    stale.ts_ns = u64::MAX;
    stale.src = [0xa5; 16];
    stale.dst = [0x5a; 16];
    (stale.seq, stale.ack, stale.seq_no) = (u32::MAX, u32::MAX, !seq_no);
    (stale.ip_len, stale.sport, stale.dport) = (u16::MAX, u16::MAX, u16::MAX);
    (stale.proto, stale.tcp_flags) = (u8::MAX, u8::MAX);
    stale.set_wire_len(u32::MAX);
    stale.set_flags(0xf);
    stale.set_payload_off(usize::MAX);
    match (&got, parse_frame_into(frame, seq_no, &mut stale)) {
        (Ok(r), Ok(())) => assert_eq!(*r, stale, "parse_frame_into left a stale field"),
        (Err(a), Err(b)) => assert_eq!(*a, b, "parse_frame and parse_frame_into disagree"),
        (a, b) => panic!("parse_frame gave {a:?}, parse_frame_into {b:?}"),
    }
    match &got {
        Ok(r) => check_record(frame, seq_no, r),
        Err(e) => {
            assert!(
                !matches!(e, Unparsed::TruncatedTransportHeader | Unparsed::BadTcpHeaderLength),
                "parse_frame refused a frame for a transport reason: {e:?}"
            );
            assert_eq!(
                *e == Unparsed::UnsupportedLinkType,
                !frame.link.is_supported(),
                "unsupported_link_type for link {:?}",
                frame.link
            );
        }
    }
    got
}

/// The invariants of one record parsed from `frame` (see [`check_frame`]).
fn check_record(frame: &Frame<'_>, seq_no: u32, r: &PacketRecord) {
    assert!(frame.link.is_supported(), "a record from link type {:?}", frame.link);
    assert_eq!(r.ts_ns, frame.ts_ns, "ts_ns");
    assert_eq!(r.seq_no, seq_no, "seq_no");
    assert_eq!(r.wire_len(), frame.wire_len.min(MAX_WIRE_LEN), "wire length");
    let cap_len = frame.bytes.len();
    let off = usize::from(r.payload_off());
    assert!(off <= cap_len, "payload offset {off} past the {cap_len} captured bytes");

    let f = r.flags();
    let v6 = r.has(flags::IPV6);
    if r.has(flags::LATER_FRAGMENT) {
        assert!(r.has(flags::FRAGMENT), "later fragment without FRAGMENT: {f:#x}");
        assert!(!r.has(flags::L4_VALID), "later fragment with a transport header: {f:#x}");
    }
    assert_eq!(r.ip_version(), if v6 { 6 } else { 4 });
    assert_eq!(r.src_ip().is_ipv6(), v6);
    if v6 {
        assert!(r.ip_len >= 40, "IPv6 ip_len {} below the fixed header", r.ip_len);
    } else {
        let mapped = |a: &[u8; 16]| a[..12] == mapped_v4([0; 4])[..12];
        assert!(mapped(&r.src) && mapped(&r.dst), "IPv4 addresses not IPv4-mapped: {r:?}");
        assert!(r.ip_len == 0 || r.ip_len >= 20, "IPv4 ip_len {} below the header", r.ip_len);
    }
    if r.has(flags::L4_VALID) {
        let l4_min = match r.proto {
            TCP => 20,
            UDP | ICMP | ICMPV6 => 8,
            p => panic!("L4_VALID on protocol {p}"),
        };
        let min = if v6 { 40 } else { 20 } + l4_min;
        assert!(off >= min, "payload offset {off} inside the headers (at least {min} bytes)");
    }
    if r.proto != TCP && r.proto != UDP {
        assert_eq!((r.sport, r.dport), (0, 0), "ports on protocol {}", r.proto);
    }
    if r.proto != TCP {
        assert_eq!(r.tcp_flags, 0, "TCP flags on protocol {}", r.proto);
        if r.proto != ICMP && r.proto != ICMPV6 {
            assert_eq!((r.seq, r.ack), (0, 0), "seq/ack on protocol {}", r.proto);
        }
    }

    // Both directions of a flow hash alike and reverse into each other.
    let mut rev = *r;
    (rev.src, rev.dst, rev.sport, rev.dport) = (r.dst, r.src, r.dport, r.sport);
    for (name, rss) in RssFunction::ALL {
        assert_eq!(rss.hash(r), rss.hash(&rev), "{name} RSS hash not symmetric");
    }
    assert_eq!(r.flow_key().reversed(), rev.flow_key(), "flow key reversal");
    assert_eq!(r.flow_key().canonical(), rev.flow_key().canonical(), "canonical flow key");

    let dns_port = r.sport == DNS_PORT || r.dport == DNS_PORT;
    if r.proto == UDP && r.has(flags::L4_VALID) && dns_port {
        // An offset of 255 says "beyond 254 bytes": the payload's start is unknown.
        if let Some(payload) = frame.bytes.get(off..).filter(|_| off < 255) {
            check_dns(payload);
        }
    }
}

/// Reads `bytes` as a DNS message through [`DnsView`] and checks what the view promises: it
/// refuses exactly the inputs shorter than the header; the first question's name is well-formed
/// text; the answer walk ends, after at most `ancount` types, and agrees with
/// [`DnsView::has_answer_type`].
pub fn check_dns(bytes: &[u8]) {
    let Ok(view) = DnsView::new_checked(bytes) else {
        assert!(bytes.len() < DNS_HEADER_LEN, "DNS view refused a whole header");
        return;
    };
    assert!(bytes.len() >= DNS_HEADER_LEN, "DNS view accepted {} bytes", bytes.len());
    let _ = (view.id(), view.is_response(), view.opcode(), view.is_truncated(), view.rcode());
    let _ = (view.nscount(), view.arcount());
    if let Some(q) = view.question() {
        assert!(view.qdcount() > 0, "a question where qdcount is 0");
        check_name(&q.name);
    }
    let types: Vec<u16> = view.answer_types().collect();
    assert!(types.len() <= usize::from(view.ancount()), "more answer types than ancount");
    for t in [1, 28, 16, types.first().copied().unwrap_or(5)] {
        assert_eq!(view.has_answer_type(t), types.contains(&t), "has_answer_type({t})");
    }
}

/// A name's text: printable ASCII, lowercase, at most [`MAX_NAME_LEN`] bytes, no empty label
/// and no leading or trailing dot (a cut name included).
fn check_name(name: &DnsName) {
    let s = name.as_str();
    assert_eq!(name.to_string(), s);
    assert!(s.len() <= MAX_NAME_LEN, "name of {} bytes", s.len());
    assert!(s.bytes().all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase()), "name {s:?}");
    assert!(!s.starts_with('.') && !s.ends_with('.') && !s.contains(".."), "name {s:?}");
}
