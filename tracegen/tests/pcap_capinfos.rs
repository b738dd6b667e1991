//! The pcap reader against real captures: the tcpdump test suite's files, with Wireshark's
//! `capinfos` counts as the oracle (`../shared/pcaps/capinfos.tsv`).
//!
//! Every `ok` row in classic pcap format must read to exactly `capinfos`'s packet count; every
//! other file (pcapng, files `capinfos` refused) must read to `Ok` or a typed error, never a
//! panic. Skips, with a message, where `../shared/pcaps` is absent (a fresh clone has none).

use std::collections::{BTreeMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use tracegen::pcap::{CaptureError, ReadOptions, read_file};

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
        CaptureError::Pcapng { .. } => "pcapng",
        CaptureError::TruncatedHeader { .. } => "truncated_header",
        CaptureError::UnsupportedVersion { .. } => "unsupported_version",
        CaptureError::RecordTooLarge { .. } => "record_too_large",
        CaptureError::Truncated { .. } => "truncated",
    }
}

#[test]
fn classic_pcap_files_match_capinfos_counts() {
    let Some(dir) = pcaps_dir() else { return };
    let opts = ReadOptions { strict: true, ..Default::default() };
    let mut checked = 0;
    let mut mismatches = Vec::new();
    let mut with_warnings = 0;
    for row in rows(&dir) {
        if row.status != "ok" || !(row.format == "pcap" || row.format == "nsecpcap") {
            continue;
        }
        let want: usize = row.packets.parse().expect("packets column is a number on ok rows");
        match read_file(&dir.join(&row.file), &opts) {
            Ok(cap) => {
                with_warnings += usize::from(!cap.info.warnings.is_empty());
                if cap.frames.len() != want {
                    mismatches.push(format!(
                        "{}: read {}, capinfos {want}",
                        row.file,
                        cap.frames.len()
                    ));
                }
            }
            Err(e) => mismatches.push(format!("{}: error {e}", row.file)),
        }
        checked += 1;
    }
    println!(
        "capinfos: {checked} classic pcap files checked, {} mismatched, {with_warnings} read with warnings",
        mismatches.len()
    );
    assert!(checked > 0, "no ok pcap rows in capinfos.tsv");
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn every_other_file_reads_or_fails_typed_never_panics() {
    let Some(dir) = pcaps_dir() else { return };
    let counted: HashSet<String> = rows(&dir)
        .into_iter()
        .filter(|r| r.status == "ok" && (r.format == "pcap" || r.format == "nsecpcap"))
        .map(|r| r.file)
        .collect();
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
        if counted.contains(&rel) {
            continue;
        }
        for strict in [false, true] {
            let opts = ReadOptions { strict, ..Default::default() };
            match panic::catch_unwind(AssertUnwindSafe(|| read_file(&path, &opts))) {
                Ok(Ok(_)) => *outcomes.entry(format!("ok (strict={strict})")).or_default() += 1,
                Ok(Err(e)) => {
                    let msg = e.to_string();
                    assert!(
                        msg.contains(&*path.to_string_lossy()),
                        "message lacks the file: {msg}"
                    );
                    assert!(msg.contains("byte offset"), "message lacks the offset: {msg}");
                    *outcomes.entry(format!("{} (strict={strict})", variant(&e))).or_default() += 1;
                }
                Err(_) => panics.push(rel.clone()),
            }
        }
    }
    println!("other files by outcome: {outcomes:?}; panics: {}", panics.len());
    assert!(!outcomes.is_empty(), "no other files found under {}", dir.display());
    assert!(panics.is_empty(), "reading panicked on: {panics:?}");
}
