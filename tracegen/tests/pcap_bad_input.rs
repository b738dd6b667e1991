//! The capture reader on bad input, classic pcap and pcapng: each failure is a typed error whose
//! message names the file and the byte offset; a truncated capture keeps its complete records
//! unless reading is strict; and no input makes it panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tracegen::pcap::{CaptureError, Loader, MAX_CAPLEN, ReadOptions, read_bytes, read_file};

const LAX: ReadOptions = ReadOptions { strict: false, loader: Loader::Read };
const STRICT: ReadOptions = ReadOptions { strict: true, loader: Loader::Read };

/// A little-endian microsecond pcap header (Ethernet, snaplen 65535).
fn header() -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&4u16.to_le_bytes());
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&65535u32.to_le_bytes());
    h.extend_from_slice(&1u32.to_le_bytes());
    h
}

fn record(out: &mut Vec<u8>, caplen: u32, data: &[u8]) {
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&caplen.to_le_bytes());
    out.extend_from_slice(&caplen.to_le_bytes());
    out.extend_from_slice(data);
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write test file");
    p
}

/// The message names the file and the offset.
fn assert_names(e: &CaptureError, path: &Path, offset: u64) {
    let msg = e.to_string();
    assert!(msg.contains(&*path.to_string_lossy()), "no file name in: {msg}");
    assert!(msg.contains(&format!("byte offset {offset}")), "no offset {offset} in: {msg}");
    assert_eq!(e.offset(), offset, "{msg}");
    assert!(!msg.contains('\n'), "not one line: {msg}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nope.pcap");
    let e = read_file(&p, &LAX).unwrap_err();
    assert!(
        matches!(&e, CaptureError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    assert_names(&e, &p, 0);
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.pcap", b"");
    let e = read_file(&p, &LAX).unwrap_err();
    assert!(matches!(e, CaptureError::Empty { .. }), "{e}");
    assert_names(&e, &p, 0);
}

#[test]
fn text_file_is_bad_magic() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "notes.txt", b"hello, this is not a capture\n");
    let e = read_file(&p, &LAX).unwrap_err();
    assert!(matches!(e, CaptureError::BadMagic { found, .. } if &found == b"hell"), "{e}");
    assert_names(&e, &p, 0);
    assert!(e.to_string().contains("68656c6c"), "{e}");
}

/// A little-endian pcapng section header block and one Ethernet interface (microseconds).
fn pcapng_header() -> Vec<u8> {
    let mut f = Vec::new();
    ng_block(
        &mut f,
        0x0a0d_0d0a,
        &[&0x1a2b_3c4du32.to_le_bytes()[..], &[1, 0, 0, 0], &[0xff; 8]].concat(),
    );
    ng_block(&mut f, 1, &[1, 0, 0, 0, 0, 0, 0, 0]);
    f
}

/// Appends a pcapng block with `body` (a multiple of 4 bytes) and both lengths.
fn ng_block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let total = (12 + body.len() as u32).to_le_bytes();
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total);
    out.extend_from_slice(body);
    out.extend_from_slice(&total);
}

/// Appends an enhanced packet block on interface 0 with `data` (a multiple of 4 bytes).
fn ng_packet(out: &mut Vec<u8>, data: &[u8]) {
    let len = (data.len() as u32).to_le_bytes();
    let body = [&[0; 4][..], &[0, 0, 0, 0], &[7, 0, 0, 0], &len, &len, data].concat();
    ng_block(out, 6, &body);
}

#[test]
fn pcapng_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = pcapng_header();
    ng_packet(&mut data, &[1, 2, 3, 4]);
    let p = write(dir.path(), "x.pcapng", &data);
    let cap = read_file(&p, &STRICT).unwrap();
    assert_eq!(cap.info.format, tracegen::pcap::CaptureFormat::Pcapng);
    assert_eq!(cap.frames.get(0).map(|f| (f.ts_ns, f.bytes)), Some((7_000, &[1u8, 2, 3, 4][..])));
}

#[test]
fn pcapng_block_length_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = pcapng_header();
    let second = data.len();
    ng_packet(&mut data, &[1, 2, 3, 4]);
    let trailer = data.len() - 4;
    data[trailer..].copy_from_slice(&44u32.to_le_bytes());
    ng_packet(&mut data, &[5, 6, 7, 8]);
    let p = write(dir.path(), "mismatch.pcapng", &data);
    for opts in [LAX, STRICT] {
        let e = read_file(&p, &opts).unwrap_err();
        assert!(
            matches!(e, CaptureError::BlockLengthMismatch { leading: 36, trailing: 44, .. }),
            "{e}"
        );
        assert_names(&e, &p, second as u64);
    }
}

#[test]
fn pcapng_truncated_block_keeps_complete_frames_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = pcapng_header();
    ng_packet(&mut data, &[1, 2, 3, 4]);
    let second = data.len();
    ng_packet(&mut data, &[5, 6, 7, 8]);
    // Ends inside the second block's data, then inside its header.
    for cut in [data.len() - 1, second + 5] {
        let p = write(dir.path(), "cut.pcapng", &data[..cut]);
        let cap = read_file(&p, &LAX).unwrap();
        assert_eq!(cap.frames.len(), 1);
        assert_eq!(cap.info.truncated_at_offset, Some(second as u64));
        assert_eq!(cap.info.warnings.len(), 1, "{:?}", cap.info.warnings);
        assert!(cap.info.warnings[0].contains(&format!("byte offset {second}")));
        let e = read_file(&p, &STRICT).unwrap_err();
        assert!(matches!(e, CaptureError::TruncatedBlock { frames: 1, .. }), "{e}");
        assert_names(&e, &p, second as u64);
    }
    // Inside the section header block that starts the file: an error either way.
    for cut in [4, 11, 27] {
        let p = write(dir.path(), "shb.pcapng", &data[..cut]);
        for opts in [LAX, STRICT] {
            let e = read_file(&p, &opts).unwrap_err();
            assert!(matches!(e, CaptureError::TruncatedSectionHeader { expected: 28, .. }), "{e}");
            assert_names(&e, &p, cut as u64);
        }
    }
}

#[test]
fn pcapng_caplen_over_256_kib_and_over_snaplen() {
    let mut data = pcapng_header();
    ng_packet(&mut data, &vec![0; MAX_CAPLEN as usize]);
    // Over the snaplen of 0 (no limit): fine; exactly the limit: fine.
    let cap = read_bytes("limit.pcapng", &data, &STRICT).unwrap();
    assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
    let at = data.len();
    ng_packet(&mut data, &vec![0; MAX_CAPLEN as usize + 4]);
    let e = read_bytes("huge.pcapng", &data, &LAX).unwrap_err();
    assert!(matches!(e, CaptureError::RecordTooLarge { record: 2, .. }), "{e}");
    assert_names(&e, Path::new("huge.pcapng"), at as u64);
    // A snaplen of 2: kept as captured, with a warning.
    let mut data = pcapng_header();
    let idb_snaplen = 28 + 12;
    data[idb_snaplen..idb_snaplen + 4].copy_from_slice(&2u32.to_le_bytes());
    ng_packet(&mut data, &[1, 2, 3, 4]);
    let cap = read_bytes("snap.pcapng", &data, &STRICT).unwrap();
    assert_eq!(cap.frames.captured_bytes(), 4);
    assert!(cap.info.warnings[0].contains("snaplen"), "{:?}", cap.info.warnings);
}

#[test]
fn pcapng_absurd_block_length_is_an_error_from_its_header() {
    let mut data = pcapng_header();
    let at = data.len();
    data.extend_from_slice(&6u32.to_le_bytes());
    data.extend_from_slice(&u32::MAX.to_le_bytes());
    data.extend_from_slice(&[0; 64]);
    let e = read_bytes("long.pcapng", &data, &LAX).unwrap_err();
    assert!(matches!(e, CaptureError::BlockTooLong { length: u32::MAX, .. }), "{e}");
    assert_names(&e, Path::new("long.pcapng"), at as u64);
}

#[test]
fn truncated_file_header() {
    let dir = tempfile::tempdir().unwrap();
    for len in [1, 3, 4, 23] {
        let p = write(dir.path(), "short.pcap", &header()[..len]);
        let e = read_file(&p, &LAX).unwrap_err();
        assert!(matches!(e, CaptureError::TruncatedHeader { .. }), "{e}");
        assert_names(&e, &p, len as u64);
    }
}

#[test]
fn truncated_record_keeps_complete_records_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = header();
    record(&mut data, 4, &[1, 2, 3, 4]);
    record(&mut data, 2, &[5, 6]);
    let second = 24 + 20;
    let whole = data.len();
    // Ends inside the second record's data, then inside its header.
    for cut in [whole - 1, second + 5] {
        let p = write(dir.path(), "cut.pcap", &data[..cut]);
        let cap = read_file(&p, &LAX).unwrap();
        assert_eq!(cap.frames.len(), 1);
        assert_eq!(cap.frames.get(0).unwrap().bytes, &[1, 2, 3, 4]);
        assert_eq!(cap.info.truncated_at_offset, Some(second as u64));
        assert_eq!(cap.info.warnings.len(), 1);
        assert!(
            cap.info.warnings[0].contains(&format!("byte offset {second}")),
            "{:?}",
            cap.info.warnings
        );
        let e = read_file(&p, &STRICT).unwrap_err();
        assert!(matches!(e, CaptureError::Truncated { record: 2, .. }), "{e}");
        assert_names(&e, &p, second as u64);
    }
    let p = write(dir.path(), "whole.pcap", &data);
    let cap = read_file(&p, &STRICT).unwrap();
    assert_eq!((cap.frames.len(), cap.info.truncated_at_offset), (2, None));
}

#[test]
fn caplen_over_256_kib_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = header();
    record(&mut data, 3, &[1, 2, 3]);
    record(&mut data, MAX_CAPLEN + 1, &[0; 64]);
    let p = write(dir.path(), "huge.pcap", &data);
    for opts in [LAX, STRICT] {
        let e = read_file(&p, &opts).unwrap_err();
        assert!(
            matches!(e, CaptureError::RecordTooLarge { caplen, record: 2, .. } if caplen == MAX_CAPLEN + 1),
            "{e}"
        );
        assert_names(&e, &p, 24 + 19);
    }
    // Exactly the limit is fine (over the snaplen: a warning).
    let mut data = header();
    record(&mut data, MAX_CAPLEN, &vec![0; MAX_CAPLEN as usize]);
    let cap = read_bytes("limit.pcap", &data, &STRICT).unwrap();
    assert_eq!(cap.frames.len(), 1);
    assert_eq!(cap.info.warnings.len(), 1, "{:?}", cap.info.warnings);
}

#[test]
fn unsupported_version() {
    let mut data = header();
    data[4] = 1;
    let e = read_bytes("v1.pcap", &data, &LAX).unwrap_err();
    assert!(matches!(e, CaptureError::UnsupportedVersion { major: 1, minor: 4, .. }), "{e}");
    assert_names(&e, Path::new("v1.pcap"), 4);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
        big in any::<bool>(),
        strict in any::<bool>(),
    ) {
        let mut data = header();
        if big {
            // The same header in big-endian order.
            data = vec![0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 1];
        }
        data.extend_from_slice(&tail);
        let opts = ReadOptions { strict, ..Default::default() };
        match read_bytes("fuzz.pcap", &data, &opts) {
            Ok(cap) => {
                prop_assert!(cap.frames.captured_bytes() <= tail.len());
                prop_assert_eq!(cap.info.file_bytes, data.len() as u64);
                if let Some(off) = cap.info.truncated_at_offset {
                    prop_assert!(off >= 24 && off < data.len() as u64);
                }
            }
            Err(e) => prop_assert!(matches!(
                e,
                CaptureError::RecordTooLarge { .. } | CaptureError::Truncated { .. }
            ), "{}", e),
        }
    }

    #[test]
    fn a_capture_cut_anywhere_keeps_exactly_its_complete_records(
        lens in proptest::collection::vec(0u32..200, 0..20),
        cut_frac in 0.0f64..=1.0,
    ) {
        let mut data = header();
        let mut starts = Vec::new();
        for (i, &len) in lens.iter().enumerate() {
            starts.push(data.len());
            record(&mut data, len, &vec![i as u8; len as usize]);
        }
        let cut = 24 + ((data.len() - 24) as f64 * cut_frac) as usize;
        let data = &data[..cut];
        let complete = starts.iter().zip(&lens).filter(|&(s, l)| s + 16 + *l as usize <= cut).count();
        let cap = read_bytes("cut.pcap", data, &LAX).unwrap();
        prop_assert_eq!(cap.frames.len(), complete);
        let expect_trunc = starts.get(complete).filter(|&&s| s < cut).map(|&s| s as u64);
        prop_assert_eq!(cap.info.truncated_at_offset, expect_trunc);
        prop_assert_eq!(read_bytes("cut.pcap", data, &STRICT).is_err(), expect_trunc.is_some());
        for (i, f) in cap.frames.iter().enumerate() {
            let want = vec![i as u8; lens[i] as usize];
            prop_assert_eq!(f.bytes, want.as_slice());
        }
    }

    #[test]
    fn arbitrary_whole_files_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = read_bytes("any.pcap", &data, &LAX);
    }

    #[test]
    fn arbitrary_bytes_after_a_pcapng_header_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
        strict in any::<bool>(),
    ) {
        let mut data = pcapng_header();
        data.extend_from_slice(&tail);
        let opts = ReadOptions { strict, ..Default::default() };
        match read_bytes("fuzz.pcapng", &data, &opts) {
            Ok(cap) => {
                prop_assert!(cap.frames.captured_bytes() <= tail.len());
                if let Some(off) = cap.info.truncated_at_offset {
                    prop_assert!(off >= 48 && off < data.len() as u64);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains(&format!("byte offset {}", e.offset())), "{}", msg);
                prop_assert!(e.offset() >= 48 && e.offset() < data.len() as u64, "{}", msg);
            }
        }
    }

    #[test]
    fn arbitrary_pcapng_blocks_never_panic(
        blocks in proptest::collection::vec(
            (0u32..8, proptest::collection::vec(any::<u8>(), 0..64)),
            0..12,
        ),
        strict in any::<bool>(),
    ) {
        // Well-framed blocks of any type with any body: only their contents are wrong.
        let mut data = pcapng_header();
        for (block_type, mut body) in blocks {
            body.resize(body.len().div_ceil(4) * 4, 0);
            ng_block(&mut data, block_type, &body);
        }
        let opts = ReadOptions { strict, ..Default::default() };
        if let Err(e) = read_bytes("blocks.pcapng", &data, &opts) {
            prop_assert!(!matches!(e, CaptureError::Truncated { .. } | CaptureError::TruncatedBlock { .. }), "{}", e);
        }
    }
}
