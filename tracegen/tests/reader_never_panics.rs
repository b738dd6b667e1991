//! The capture reader and the frame parser on damaged real captures: every file of
//! `../shared/pcaps/tcpdump` whole, cut at random offsets, with random bytes overwritten, and
//! every frame cut short with an arbitrary wire length, through the same invariant checks the
//! cargo-fuzz targets make (`support/capture_checks.rs`): no panic, and every promise kept. A
//! stable stand-in for `fuzz/` that runs with `cargo test`. Skips, with a message, where
//! `../shared/pcaps` is absent (a fresh clone has none).

#[path = "support/capture_checks.rs"]
mod capture_checks;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tracegen::pcap::{ReadOptions, read_bytes};
use wire::Frame;

/// Cuts and overwrites per file.
const CUTS: usize = 8;
const MUTANTS: usize = 8;

fn tcpdump_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps/tcpdump");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/pcaps not found (looked in {})", dir.display());
        None
    }
}

#[test]
fn damaged_captures_keep_the_reader_and_parser_invariants() {
    let Some(dir) = tcpdump_dir() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tcpdump dir readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", dir.display());

    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_f022);
    let (mut inputs, mut frames) = (0usize, 0usize);
    let mut failures = Vec::new();
    let mut check = |what: String, f: &mut dyn FnMut() -> usize| {
        inputs += 1;
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(n) => frames += n,
            Err(_) => failures.push(what),
        }
    };

    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let data = std::fs::read(path).expect("capture readable");
        check(format!("{name}: whole"), &mut || capture_checks::check_capture(&data));

        for _ in 0..CUTS {
            // Half the cuts inside the file header or the first record header.
            let bound = if rng.random_bool(0.5) { data.len().min(60) } else { data.len() };
            let cut = rng.random_range(0..=bound);
            check(format!("{name}: cut at {cut}"), &mut || {
                capture_checks::check_capture(&data[..cut])
            });
        }

        for _ in 0..MUTANTS {
            let mut bad = data.clone();
            let mut edits = Vec::new();
            for _ in 0..rng.random_range(1..=8) {
                if bad.is_empty() {
                    break;
                }
                let at = rng.random_range(0..bad.len());
                bad[at] = rng.random();
                edits.push((at, bad[at]));
            }
            check(format!("{name}: bytes (offset, value) {edits:?}"), &mut || {
                capture_checks::check_capture(&bad)
            });
        }

        // Every frame cut short, with a wire length below or above what is left.
        let Ok(cap) = read_bytes(&name, &data, &ReadOptions::default()) else { continue };
        for (i, f) in cap.frames.iter().enumerate() {
            let cut = rng.random_range(0..=f.bytes.len());
            let wire_len = rng.random_range(0..=2 * cut as u32 + 64);
            let short = Frame { bytes: &f.bytes[..cut], wire_len, ..f };
            check(format!("{name}: frame {i} cut at {cut}"), &mut || {
                let _ = capture_checks::check_frame(&short, i as u32);
                0
            });
        }
    }

    eprintln!(
        "{} files, {inputs} inputs, {frames} frames read from them, {} failures",
        files.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "invariants broken on:\n{}", failures.join("\n"));
}
