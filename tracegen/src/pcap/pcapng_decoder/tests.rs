//! The pcapng decoder on hand-built files: byte orders, sections, interfaces and resolutions,
//! every packet block kind, skipped blocks, and each malformed case.

use wire::{FrameBuffer, LinkType};

use super::interface::{IF_FCSLEN, IF_TSOFFSET, IF_TSRESOL, TsScale, info_resolution};
use super::testfile::PcapngFile;
use crate::pcap::{
    CaptureError, CaptureFormat, CaptureMeta, InterfaceInfo, MAX_BLOCK_LEN, MAX_CAPLEN,
    PcapngWriter, ReadOptions, TsResolution, read_bytes,
};

const LAX: ReadOptions = ReadOptions { strict: false, loader: crate::pcap::Loader::Read };
const STRICT: ReadOptions = ReadOptions { strict: true, loader: crate::pcap::Loader::Read };

/// (timestamp, wire length, bytes, link) of every frame.
fn frames(f: &FrameBuffer) -> Vec<(u64, u32, Vec<u8>, LinkType)> {
    f.iter().map(|f| (f.ts_ns, f.wire_len, f.bytes.to_vec(), f.link)).collect()
}

fn read(data: &[u8]) -> crate::pcap::Capture {
    read_bytes("hand.pcapng", data, &STRICT).unwrap()
}

fn err(data: &[u8]) -> CaptureError {
    let e = read_bytes("bad.pcapng", data, &LAX).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("bad.pcapng: "), "{msg}");
    assert!(msg.contains(&format!("byte offset {}", e.offset())), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    e
}

#[test]
fn both_byte_orders() {
    for big in [false, true] {
        let mut f = PcapngFile::new();
        f.shb(big).idb(1, 65535, &[]);
        f.epb(0, 1_000_001, 60, &[1, 2, 3]).epb(0, u64::MAX, 1514, &[]).epb(0, 7, 4, &[9; 4]);
        let cap = read(&f.bytes);
        assert_eq!(cap.info.format, CaptureFormat::Pcapng);
        let first = InterfaceInfo {
            link: LinkType::Ethernet,
            snaplen: 65535,
            resolution: TsResolution::Micro,
        };
        assert_eq!(cap.info.first_interface, Some(first));
        assert_eq!(cap.info.frames, 3);
        assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
        let e = LinkType::Ethernet;
        assert_eq!(
            frames(&cap.frames),
            vec![
                (1_000_001_000, 60, vec![1, 2, 3], e),
                (u64::MAX, 1514, vec![], e),
                (7_000, 4, vec![9; 4], e),
            ]
        );
    }
}

#[test]
fn sections_change_byte_order_and_forget_interfaces() {
    let mut f = PcapngFile::new();
    f.shb(false).idb(101, 0, &[(IF_TSRESOL, &[9])]).idb(1, 0, &[]);
    f.epb(1, 5, 60, &[1]).epb(0, 6, 60, &[2]);
    f.shb(true).idb(113, 0, &[(IF_TSRESOL, &[9])]);
    f.epb(0, 7, 60, &[3]);
    f.shb(false).idb(0, 0, &[(IF_TSRESOL, &[9])]);
    f.epb(0, 8, 60, &[4]);
    let cap = read(&f.bytes);
    let got: Vec<_> = cap.frames.iter().map(|f| (f.ts_ns, f.bytes[0], f.link)).collect();
    assert_eq!(
        got,
        vec![
            (5_000, 1, LinkType::Ethernet),
            (6, 2, LinkType::RawIp),
            (7, 3, LinkType::LinuxSll),
            (8, 4, LinkType::BsdLoopback),
        ]
    );
    // The first interface of the file, not of the last section.
    assert_eq!(cap.info.first_interface.map(|i| i.link), Some(LinkType::RawIp));
    assert_eq!(cap.info.first_interface.map(|i| i.resolution), Some(TsResolution::Nano));
    // Interface 1 of the first section does not exist in the second.
    let mut g = PcapngFile::new();
    g.shb(false).idb(1, 0, &[]).idb(1, 0, &[]).epb(1, 0, 1, &[0]);
    let second = g.bytes.len();
    g.shb(true).idb(1, 0, &[]).epb(1, 0, 1, &[0]);
    let at = g.bytes.len() - 36;
    let e = err(&g.bytes);
    assert!(
        matches!(e, CaptureError::UndefinedInterface { interface: 1, defined: 1, block_type: 6, offset, .. } if offset == at as u64),
        "{e} (second section at {second})"
    );
}

#[test]
fn interfaces_of_several_link_types_and_resolutions() {
    let mut f = PcapngFile::new();
    f.shb(true);
    f.idb(1, 0, &[]); // 0: Ethernet, microseconds by default
    f.idb(229, 96, &[(IF_TSRESOL, &[9])]); // 1: raw IPv6, nanoseconds
    f.idb(276, 0, &[(IF_TSRESOL, &[0x80 | 20])]); // 2: SLL2, 2^-20 s
    let offset = f.u32b(0).iter().chain(&f.u32b(100)).copied().collect::<Vec<u8>>();
    f.idb(147, 0, &[(IF_TSOFFSET, &offset), (IF_TSRESOL, &[3])]); // 3: user 0, ms, +100 s
    f.idb(1, 0, &[(IF_TSRESOL, &[12])]); // 4: picoseconds
    let units_2_20 = (3u64 << 20) | (1 << 19); // 3.5 s
    f.epb(0, 1_500_000, 60, &[0]);
    f.epb(1, 1_500_000_007, 60, &[1]);
    f.epb(2, units_2_20, 60, &[2]);
    f.epb(2, 1, 60, &[2]); // 2^-20 s = 953.67 ns, rounded down
    f.epb(3, 250, 60, &[3]);
    f.epb(4, 1_000_000_999_999, 60, &[4]);
    let cap = read(&f.bytes);
    let got: Vec<_> = cap.frames.iter().map(|f| (f.ts_ns, f.link)).collect();
    assert_eq!(
        got,
        vec![
            (1_500_000_000, LinkType::Ethernet),
            (1_500_000_007, LinkType::RawIpv6),
            (3_500_000_000, LinkType::LinuxSll2),
            (953, LinkType::LinuxSll2),
            (100_250_000_000, LinkType::Other(147)),
            (1_000_000_999, LinkType::Ethernet),
        ]
    );
    // Unsupported link types still decode; the parser counts them unparsed by reason.
    let other = cap.frames.get(4).unwrap();
    assert_eq!(wire::parse_frame(&other, 4), Err(wire::Unparsed::UnsupportedLinkType));
    assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
}

#[test]
fn timestamp_scales_saturate_and_round_down() {
    assert_eq!(TsScale::from_tsresol(6), TsScale::Mul(1_000));
    assert_eq!(TsScale::from_tsresol(0), TsScale::Mul(1_000_000_000));
    assert_eq!(TsScale::from_tsresol(9).to_ns(u64::MAX), u64::MAX);
    assert_eq!(TsScale::from_tsresol(0).to_ns(u64::MAX), u64::MAX);
    assert_eq!(TsScale::from_tsresol(10).to_ns(19), 1);
    assert_eq!(TsScale::from_tsresol(127).to_ns(u64::MAX), 0);
    assert_eq!(TsScale::from_tsresol(0x80).to_ns(3), 3_000_000_000);
    assert_eq!(TsScale::from_tsresol(0x80).to_ns(u64::MAX), u64::MAX);
    assert_eq!(TsScale::from_tsresol(0x80 | 30).to_ns(1 << 30), 1_000_000_000);
    assert_eq!(TsScale::from_tsresol(0xff).to_ns(u64::MAX), 0);
    // if_tsoffset saturates at both ends.
    for (secs, units, want) in [(-10i64, 5_000_000u64, 0u64), (i64::MAX, 1, u64::MAX)] {
        let mut f = PcapngFile::new();
        f.shb(false);
        let off = secs.to_le_bytes();
        f.idb(1, 0, &[(IF_TSOFFSET, &off)]).epb(0, units, 1, &[0]);
        assert_eq!(read(&f.bytes).frames.get(0).unwrap().ts_ns, want);
    }
    // The resolution reported: microseconds where every unit is whole microseconds.
    for (tsresol, want) in [
        (6, TsResolution::Micro),
        (3, TsResolution::Micro),
        (0x86, TsResolution::Micro),
        (7, TsResolution::Nano),
        (9, TsResolution::Nano),
        (0x94, TsResolution::Nano),
    ] {
        assert_eq!(info_resolution(tsresol), want, "{tsresol:#x}");
    }
}

#[test]
fn simple_and_obsolete_packet_blocks() {
    let mut f = PcapngFile::new();
    f.shb(false).idb(1, 40, &[(IF_TSRESOL, &[9])]).idb(101, 0, &[]);
    f.spb(100, &[7; 40]); // before any timestamp: 0; cut at the snaplen 40
    f.pb(1, 5, 60, &[1, 2, 3]); // interface 1, microseconds
    f.spb(3, &[8, 8, 8]); // the previous packet's timestamp
    f.epb(0, 9, 20, &[6; 20]);
    // More bytes in the block than the original length: the original length wins.
    f.spb(2, &[5; 8]);
    let cap = read(&f.bytes);
    let (e, r) = (LinkType::Ethernet, LinkType::RawIp);
    assert_eq!(
        frames(&cap.frames),
        vec![
            (0, 100, vec![7; 40], e),
            (5_000, 60, vec![1, 2, 3], r),
            (5_000, 3, vec![8; 3], e),
            (9, 20, vec![6; 20], e),
            (9, 2, vec![5; 2], e),
        ]
    );
    assert_eq!(cap.info.warnings.len(), 1, "{:?}", cap.info.warnings);
    assert!(cap.info.warnings[0].contains("3 packet(s) come from simple packet blocks"));
    // Fewer bytes in the block than the original length and no snaplen: the block's bytes.
    let mut f = PcapngFile::new();
    f.shb(true).idb(1, 0, &[]).spb(1000, &[1; 6]);
    let cap = read(&f.bytes);
    // The data is padded to 8 bytes; the padding is read as data, as pcapng defines.
    assert_eq!(frames(&cap.frames), vec![(0, 1000, vec![1, 1, 1, 1, 1, 1, 0, 0], e)]);
}

#[test]
fn blocks_without_packets_are_skipped_and_counted() {
    let mut f = PcapngFile::new();
    f.shb(false).block(4, &[0; 4]).idb(1, 0, &[(IF_FCSLEN, &[4])]);
    f.epb(0, 1, 60, &[1]).block(5, &[0; 16]).block(0x1234_5678, &[]).block(5, &[0; 16]);
    f.block(0x0000_0bad, &[1, 2, 3, 4, 5]).epb(0, 2, 60, &[2]);
    let cap = read(&f.bytes);
    assert_eq!(cap.frames.len(), 2);
    assert_eq!(cap.info.warnings.len(), 2, "{:?}", cap.info.warnings);
    assert!(cap.info.warnings[0].contains("4-byte FCS"), "{}", cap.info.warnings[0]);
    assert_eq!(
        cap.info.warnings[1],
        "hand.pcapng: skipped 5 block(s) that carry no packets: 1 name resolution block \
         (type 4), 2 interface statistics block (type 5), 1 block (type 0x12345678), 1 custom \
         block (type 0x00000bad)"
    );
}

#[test]
fn an_empty_capture_and_one_with_no_interface() {
    let mut f = PcapngFile::new();
    f.shb(false);
    let cap = read(&f.bytes);
    assert_eq!((cap.info.frames, cap.info.first_interface), (0, None));
    f.idb(1, 0, &[]);
    assert_eq!(read(&f.bytes).info.first_interface.map(|i| i.snaplen), Some(0));
}

#[test]
fn block_length_mismatch_names_both_lengths() {
    let mut f = PcapngFile::new();
    f.shb(true).idb(1, 0, &[]);
    let at = f.bytes.len() as u64;
    let body = f.epb_body(0, 1, 4, &[1, 2, 3, 4]);
    f.raw_block(6, 36, &body, 40).epb(0, 2, 1, &[1]);
    let e = err(&f.bytes);
    assert!(
        matches!(e, CaptureError::BlockLengthMismatch { leading: 36, trailing: 40, block_type: 6, offset, .. } if offset == at),
        "{e}"
    );
    assert!(e.to_string().contains("leading total length 36 but trailing total length 40"));
    // In the section header block too.
    let mut f = PcapngFile::new();
    let body = f.shb_body(1, 0);
    f.raw_block(0x0a0d_0d0a, 28, &body, 32);
    assert!(matches!(err(&f.bytes), CaptureError::BlockLengthMismatch { offset: 0, .. }));
}

#[test]
fn lengths_not_a_multiple_of_4_read_as_rounded_up() {
    for trailing in [57 + 32, 60 + 32] {
        let mut f = PcapngFile::new();
        f.shb(false).idb(1, 0, &[]);
        let mut body = f.epb_body(0, 1, 57, &[3; 57]);
        body.truncate(20 + 57);
        body.resize(80, 0xee); // padding need not be zero
        f.raw_block(6, 57 + 32, &body, trailing).epb(0, 2, 1, &[1]);
        let cap = read(&f.bytes);
        assert_eq!(cap.frames.len(), 2);
        assert_eq!(cap.frames.get(0).unwrap().bytes, &[3; 57]);
        assert_eq!(cap.info.warnings.len(), 1, "{:?}", cap.info.warnings);
        assert!(cap.info.warnings[0].contains("not a multiple of 4"));
    }
}

#[test]
fn absurd_block_lengths_are_errors() {
    let mut f = PcapngFile::new();
    f.shb(false).idb(1, 0, &[]);
    let at = f.bytes.len() as u64;
    let mut short = f.clone();
    short.raw_block(6, 28, &[0; 16], 28);
    let e = err(&short.bytes);
    assert!(
        matches!(e, CaptureError::BlockTooShort { length: 28, min: 32, block_type: 6, offset, .. } if offset == at),
        "{e}"
    );
    let mut tiny = f.clone();
    tiny.raw_block(99, 8, &[], 8);
    assert!(matches!(err(&tiny.bytes), CaptureError::BlockTooShort { length: 8, min: 12, .. }));
    // Too long: refused from the header alone, however little of the block is there.
    let mut long = f.clone();
    long.raw_block(6, MAX_BLOCK_LEN + 4, &[0; 24], 0);
    let e = err(&long.bytes);
    assert!(matches!(e, CaptureError::BlockTooLong { offset, .. } if offset == at), "{e}");
    let mut shb = PcapngFile::new();
    shb.raw_block(0x0a0d_0d0a, 24, &[0x4d, 0x3c, 0x2b, 0x1a], 24);
    let e = err(&shb.bytes);
    assert!(matches!(e, CaptureError::BlockTooShort { offset: 0, min: 28, .. }), "{e}");
}

#[test]
fn caplen_checks() {
    let mut f = PcapngFile::new();
    f.shb(false).idb(1, 2, &[]).epb(0, 1, 1, &[1, 2, 3]);
    let second = f.bytes.len() as u64;
    // Over the snaplen and orig_len below caplen: kept, with warnings.
    let cap = read(&f.bytes);
    assert_eq!(cap.frames.get(0).unwrap().bytes, &[1, 2, 3]);
    assert_eq!(cap.info.warnings.len(), 2, "{:?}", cap.info.warnings);
    assert!(cap.info.warnings[0].contains("snaplen"), "{}", cap.info.warnings[0]);
    assert!(cap.info.warnings[1].contains("original length smaller"));
    // More than the block holds.
    let mut beyond = f.clone();
    let mut body = beyond.epb_body(0, 1, 8, &[0; 8]);
    body[12..16].copy_from_slice(&beyond.u32b(9));
    beyond.block(6, &body);
    let e = err(&beyond.bytes);
    assert!(
        matches!(e, CaptureError::PacketBeyondBlock { caplen: 9, room: 8, offset, .. } if offset == second),
        "{e}"
    );
    // Over 256 KiB, whatever the block holds.
    let mut huge = f.clone();
    body[12..16].copy_from_slice(&huge.u32b(MAX_CAPLEN + 1));
    huge.block(6, &body);
    let e = err(&huge.bytes);
    assert!(
        matches!(e, CaptureError::RecordTooLarge { record: 2, offset, caplen, .. } if offset == second && caplen == MAX_CAPLEN + 1),
        "{e}"
    );
    // Exactly 256 KiB is fine.
    let mut limit = PcapngFile::new();
    limit.shb(false).idb(1, 0, &[]).epb(0, 1, MAX_CAPLEN, &vec![0; MAX_CAPLEN as usize]);
    assert_eq!(read(&limit.bytes).frames.captured_bytes(), MAX_CAPLEN as usize);
}

#[test]
fn packets_need_a_described_interface() {
    let mut f = PcapngFile::new();
    f.shb(false);
    let mut spb = f.clone();
    spb.spb(4, &[1; 4]);
    let e = err(&spb.bytes);
    assert!(
        matches!(
            e,
            CaptureError::UndefinedInterface {
                interface: 0,
                defined: 0,
                block_type: 3,
                offset: 28,
                ..
            }
        ),
        "{e}"
    );
    f.idb(1, 0, &[]).pb(3, 0, 1, &[1]);
    let e = err(&f.bytes);
    assert!(
        matches!(
            e,
            CaptureError::UndefinedInterface { interface: 3, defined: 1, block_type: 2, .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("obsolete packet block (type 2)"), "{e}");
}

#[test]
fn section_header_checks() {
    let mut f = PcapngFile::new();
    let body = f.shb_body(2, 0);
    f.block(0x0a0d_0d0a, &body);
    let e = err(&f.bytes);
    assert!(
        matches!(e, CaptureError::UnsupportedPcapngVersion { major: 2, minor: 0, offset: 12, .. }),
        "{e}"
    );
    // A later section's version, in big-endian order.
    let mut f = PcapngFile::new();
    f.shb(false).idb(1, 0, &[]).epb(0, 0, 1, &[1]);
    let at = f.bytes.len() as u64;
    f.big = true;
    let body = f.shb_body(0, 1);
    f.block(0x0a0d_0d0a, &body);
    let e = err(&f.bytes);
    assert!(
        matches!(e, CaptureError::UnsupportedPcapngVersion { major: 0, minor: 1, offset, .. } if offset == at + 12),
        "{e}"
    );
    // Minor versions other than 0 and 2: a warning.
    let mut f = PcapngFile::new();
    let body = f.shb_body(1, 1);
    f.block(0x0a0d_0d0a, &body);
    assert!(read(&f.bytes).info.warnings[0].contains("pcapng version 1.1"));
    // A bad byte-order magic.
    let mut f = PcapngFile::new();
    let mut body = f.shb_body(1, 0);
    body[..4].copy_from_slice(b"ABCD");
    f.block(0x0a0d_0d0a, &body);
    let e = err(&f.bytes);
    assert!(
        matches!(e, CaptureError::BadByteOrderMagic { offset: 8, found, .. } if &found == b"ABCD"),
        "{e}"
    );
    assert!(e.to_string().contains("41424344"), "{e}");
}

#[test]
fn bad_options_are_errors() {
    let mut f = PcapngFile::new();
    f.shb(false);
    let mut two = f.clone();
    two.idb(1, 0, &[(IF_TSRESOL, &[6, 6])]);
    let e = err(&two.bytes);
    assert!(matches!(e, CaptureError::BadOption { code: 9, length: 2, offset: 44, .. }), "{e}");
    assert!(e.to_string().contains("expected 1 byte (if_tsresol)"), "{e}");
    let mut short_offset = f.clone();
    short_offset.idb(1, 0, &[(IF_TSOFFSET, &[0; 4])]);
    assert!(matches!(
        err(&short_offset.bytes),
        CaptureError::BadOption { code: 14, length: 4, .. }
    ));
    // An option longer than its block.
    let mut idb = f.u16b(1).to_vec();
    idb.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    idb.extend_from_slice(&f.u16b(2));
    idb.extend_from_slice(&f.u16b(200));
    f.block(1, &idb);
    let e = err(&f.bytes);
    assert!(matches!(e, CaptureError::BadOption { code: 2, length: 200, offset: 44, .. }), "{e}");
    // Unknown options are skipped; options after opt_endofopt are not read.
    let mut f = PcapngFile::new();
    f.shb(false);
    let mut idb = f.u16b(1).to_vec();
    idb.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    idb.extend_from_slice(&f.options(&[(2, b"eth0"), (3, b"a description")]));
    idb.extend_from_slice(&f.options(&[(IF_TSRESOL, &[9])]));
    f.block(1, &idb).epb(0, 7, 1, &[1]);
    assert_eq!(read(&f.bytes).frames.get(0).unwrap().ts_ns, 7_000);
}

#[test]
fn truncation_anywhere_after_the_first_section_header() {
    let mut f = PcapngFile::new();
    f.shb(true).idb(1, 0, &[]).epb(0, 1, 60, &[1; 5]);
    let third = f.bytes.len();
    f.block(5, &[0; 8]).epb(0, 2, 60, &[2; 3]);
    let whole = f.bytes;
    let fourth = third + 20;
    for cut in ((third + 1)..whole.len()).filter(|&c| c != fourth) {
        let data = &whole[..cut];
        let (start, complete) = if cut < fourth { (third, 1) } else { (fourth, 1) };
        let cap = read_bytes("cut.pcapng", data, &LAX).unwrap();
        assert_eq!(cap.frames.len(), complete, "cut {cut}");
        assert_eq!(cap.info.truncated_at_offset, Some(start as u64), "cut {cut}");
        assert!(cap.info.warnings.last().unwrap().contains(&format!("byte offset {start}")));
        let e = read_bytes("cut.pcapng", data, &STRICT).unwrap_err();
        let CaptureError::TruncatedBlock { offset, expected, found, frames, .. } = e else {
            panic!("cut {cut}: {e}");
        };
        assert_eq!((offset, found, frames), (start as u64, (cut - start) as u64, 1), "cut {cut}");
        let block_len = if start == third { 20 } else { 36 };
        assert_eq!(expected, if cut - start < 8 { 8 } else { block_len }, "cut {cut}");
    }
    // Inside a later section header block.
    let mut f = PcapngFile::new();
    f.shb(false).idb(1, 0, &[]);
    let at = f.bytes.len();
    f.shb(true);
    for cut in [at + 4, at + 10, at + 12, at + 27] {
        let cap = read_bytes("cut.pcapng", &f.bytes[..cut], &LAX).unwrap();
        assert_eq!(cap.info.truncated_at_offset, Some(at as u64));
        let e = read_bytes("cut.pcapng", &f.bytes[..cut], &STRICT).unwrap_err();
        let want = if cut - at < 12 { 12 } else { 28 };
        assert!(
            matches!(e, CaptureError::TruncatedBlock { expected, .. } if expected == want),
            "{e}"
        );
    }
}

#[test]
fn a_file_that_ends_inside_its_first_section_header_is_an_error() {
    let mut f = PcapngFile::new();
    f.shb(false);
    let mut long = PcapngFile::new();
    let body = long.shb_body(1, 0);
    long.block(0x0a0d_0d0a, &[body, vec![0; 16]].concat());
    for (data, cut, expected) in
        [(&f.bytes, 4, 28), (&f.bytes, 11, 28), (&f.bytes, 12, 28), (&long.bytes, 40, 44)]
    {
        for opts in [LAX, STRICT] {
            let e = read_bytes("short.pcapng", &data[..cut], &opts).unwrap_err();
            assert!(
                matches!(e, CaptureError::TruncatedSectionHeader { offset, expected: x, .. } if offset == cut as u64 && x == expected),
                "{e}"
            );
        }
    }
}

#[test]
fn round_trip_through_the_writer() {
    let mut want = FrameBuffer::new();
    for i in 0..50u32 {
        let bytes: Vec<u8> = (0..(i * 7) % 70).map(|b| b as u8 ^ i as u8).collect();
        let ts = 1_700_000_000_123_456_789 + u64::from(i) * 1_000_003;
        want.push(&bytes, ts, bytes.len() as u32 + i, LinkType::Ethernet);
    }
    for res in [TsResolution::Nano, TsResolution::Micro] {
        let meta = CaptureMeta { application: "test".into(), comment: Some("c".into()) };
        let mut w = PcapngWriter::new(Vec::new(), LinkType::Ethernet, 0, res, &meta).unwrap();
        for f in want.iter() {
            w.write_frame(f.ts_ns, f.wire_len, f.bytes).unwrap();
        }
        let cap = read(&w.into_inner());
        assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
        let first = InterfaceInfo { link: LinkType::Ethernet, snaplen: 0, resolution: res };
        assert_eq!(cap.info.first_interface, Some(first));
        let unit = u64::from(res.ns_per_unit());
        let mut expect = FrameBuffer::new();
        for f in want.iter() {
            expect.push(f.bytes, f.ts_ns / unit * unit, f.wire_len, f.link);
        }
        assert_eq!(cap.frames, expect, "{res:?}");
    }
}
