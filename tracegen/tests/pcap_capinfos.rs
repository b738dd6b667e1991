//! The capture reader against real captures: the tcpdump test suite's files, with Wireshark's
//! `capinfos` counts as the oracle (`../shared/pcaps/capinfos.tsv`).
//!
//! Every `ok` row in a format the reader reads (pcap, nsecpcap, pcapng) must read, strictly, to
//! exactly `capinfos`'s packet count; every other file (those `capinfos` refused) must read to
//! `Ok` or a typed error, never a panic. Skips, with a message, where `../shared/pcaps` is
//! absent (a fresh clone has none).

use std::collections::{BTreeMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use tracegen::pcap::{CaptureError, CaptureFormat, ReadOptions, read_file};

/// The `capinfos` format names of the formats the reader reads, and what it calls them.
const READ_FORMATS: [(&str, CaptureFormat); 3] = [
    ("pcap", CaptureFormat::Pcap),
    ("nsecpcap", CaptureFormat::Pcap),
    ("pcapng", CaptureFormat::Pcapng),
];

/// The format the reader should find in a file `capinfos` calls `name`, if it reads it.
fn read_format(name: &str) -> Option<CaptureFormat> {
    READ_FORMATS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

fn pcaps_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps");
    if dir.join("capinfos.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/pcaps not found (looked in {})", dir.display());
        None
    }
}

struct Row {
    file: String,
    format: String,
    packets: String,
    status: String,
}

fn rows(dir: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("capinfos.tsv")).expect("capinfos.tsv readable");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 5, "capinfos.tsv row with {} columns: {l}", cols.len());
            Row {
                file: cols[0].to_owned(),
                format: cols[1].to_owned(),
                packets: cols[3].to_owned(),
                status: cols[4].to_owned(),
            }
        })
        .collect()
}

fn variant(e: &CaptureError) -> &'static str {
    match e {
        CaptureError::Io { .. } => "io",
        CaptureError::Empty { .. } => "empty",
        CaptureError::BadMagic { .. } => "bad_magic",
        CaptureError::TruncatedHeader { .. } => "truncated_header",
        CaptureError::UnsupportedVersion { .. } => "unsupported_version",
        CaptureError::RecordTooLarge { .. } => "record_too_large",
        CaptureError::Truncated { .. } => "truncated",
        CaptureError::TruncatedSectionHeader { .. } => "truncated_section_header",
        CaptureError::UnsupportedPcapngVersion { .. } => "unsupported_pcapng_version",
        CaptureError::BadByteOrderMagic { .. } => "bad_byte_order_magic",
        CaptureError::BlockTooShort { .. } => "block_too_short",
        CaptureError::BlockTooLong { .. } => "block_too_long",
        CaptureError::BlockLengthMismatch { .. } => "block_length_mismatch",
        CaptureError::PacketBeyondBlock { .. } => "packet_beyond_block",
        CaptureError::UndefinedInterface { .. } => "undefined_interface",
        CaptureError::BadOption { .. } => "bad_option",
        CaptureError::TruncatedBlock { .. } => "truncated_block",
    }
}

#[test]
fn pcap_and_pcapng_files_match_capinfos_counts() {
    let Some(dir) = pcaps_dir() else { return };
    let opts = ReadOptions { strict: true, ..Default::default() };
    // Per capinfos format: files checked, mismatched, read with warnings.
    let mut by_format: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for row in rows(&dir) {
        let Some(format) = read_format(&row.format).filter(|_| row.status == "ok") else {
            continue;
        };
        let want: usize = row.packets.parse().expect("packets column is a number on ok rows");
        let tally = by_format.entry(row.format.clone()).or_default();
        tally[0] += 1;
        match read_file(&dir.join(&row.file), &opts) {
            Ok(cap) => {
                tally[2] += usize::from(!cap.info.warnings.is_empty());
                if cap.frames.len() != want || cap.info.format != format {
                    tally[1] += 1;
                    mismatches.push(format!(
                        "{}: read {} frames as {}, capinfos {want} as {}",
                        row.file,
                        cap.frames.len(),
                        cap.info.format,
                        row.format
                    ));
                }
            }
            Err(e) => {
                tally[1] += 1;
                mismatches.push(format!("{}: error {e}", row.file));
            }
        }
    }
    for (format, [checked, mismatched, warned]) in &by_format {
        println!(
            "capinfos: {format:<8} {checked:>4} ok files checked, {mismatched} mismatched, \
             {warned} read with warnings"
        );
    }
    for (name, _) in READ_FORMATS {
        assert!(by_format.get(name).is_some_and(|t| t[0] > 0), "no ok {name} rows in capinfos.tsv");
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn every_other_file_reads_or_fails_typed_never_panics() {
    let Some(dir) = pcaps_dir() else { return };
    let all = rows(&dir);
    let counted: HashSet<&str> = all
        .iter()
        .filter(|r| r.status == "ok" && read_format(&r.format).is_some())
        .map(|r| r.file.as_str())
        .collect();
    // The format the file's magic number names (capinfos says `-` where it refused the file).
    let format_of = |path: &std::path::Path| match std::fs::read(path)
        .ok()
        .and_then(|b| b.get(..4).map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]])))
    {
        Some(0x0a0d_0d0a) => "pcapng",
        Some(m)
            if [0xa1b2_c3d4, 0xa1b2_3c4d].contains(&m)
                || [0xa1b2_c3d4, 0xa1b2_3c4d].contains(&m.swap_bytes()) =>
        {
            "pcap"
        }
        _ => "other",
    };
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut panics = Vec::new();
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&dir).expect("pcaps dir readable") {
        let sub = sub.expect("dir entry").path();
        if sub.is_dir() {
            for f in std::fs::read_dir(&sub).expect("subdir readable") {
                files.push(f.expect("dir entry").path());
            }
        }
    }
    files.sort();
    for path in files {
        let rel =
            path.strip_prefix(&dir).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        if counted.contains(rel.as_str()) {
            continue;
        }
        let format = format_of(&path);
        for strict in [false, true] {
            let opts = ReadOptions { strict, ..Default::default() };
            match panic::catch_unwind(AssertUnwindSafe(|| read_file(&path, &opts))) {
                Ok(Ok(_)) => {
                    *outcomes.entry(format!("{format}: ok (strict={strict})")).or_default() += 1;
                }
                Ok(Err(e)) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains(&*path.to_string_lossy()),
                        "message lacks the file: {msg}"
                    );
                    assert!(msg.contains("byte offset"), "message lacks the offset: {msg}");
                    let key = format!("{format}: {} (strict={strict})", variant(&e));
                    *outcomes.entry(key).or_default() += 1;
                }
                Err(_) => panics.push(rel.clone()),
            }
        }
    }
    println!("other files by format and outcome ({} panics):", panics.len());
    for (outcome, n) in &outcomes {
        println!("  {n:>4}  {outcome}");
    }
    assert!(!outcomes.is_empty(), "no other files found under {}", dir.display());
    assert!(panics.is_empty(), "reading panicked on: {panics:?}");
}
