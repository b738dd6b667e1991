//! Streaming a capture larger than the memory bound keeps the process's peak resident set
//! (`VmHWM`) under 256 MiB with every loader, and reads every frame.
//!
//! This file is its own test binary, so its own process: the peak measured is this test's
//! alone. The capture is written a frame at a time (the streaming generator and `PcapWriter`),
//! so writing it is bounded too.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use tracegen::pcap::{CaptureReader, Loader, PcapWriter, ReadOptions, TsResolution};
use tracegen::{GenConfig, Generator, Profile};
use wire::{FrameBuffer, LinkType};

/// The bound the issue sets for streaming, whatever the trace's size.
const PEAK_RSS_LIMIT: u64 = 256 << 20;

/// The capture's size: larger than the bound, so a loader that kept the file would fail.
const FILE_BYTES: u64 = 320 << 20;

/// Captured bytes per streamed batch.
const BATCH_BYTES: usize = 4 << 20;

/// The process's peak resident set, from `/proc/self/status`.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("a VmHWM line");
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("VmHWM in kB");
    kib * 1024
}

/// Writes a header-only caida-like capture of at least `bytes` bytes; returns its frames.
fn write_capture(path: &Path, bytes: u64) -> u64 {
    let cfg = GenConfig::new(Profile::CaidaLike, u64::MAX, 7);
    let mut g = Generator::new(&cfg).expect("generator");
    let out = BufWriter::with_capacity(1 << 20, File::create(path).expect("create capture"));
    let mut w = PcapWriter::new(out, LinkType::Ethernet, cfg.snaplen, TsResolution::Nano)
        .expect("write header");
    let mut frame = Vec::new();
    let (mut written, mut frames) = (24u64, 0u64);
    while written < bytes {
        frame.clear();
        let info = g.next_frame(&mut frame).expect("an endless trace");
        w.write_frame(info.ts_ns, info.wire_len, &frame).expect("write frame");
        written += 16 + frame.len() as u64;
        frames += 1;
    }
    w.into_inner().into_inner().expect("flush capture");
    frames
}

fn stream(path: &Path, loader: Loader) -> (u64, u64) {
    let opts = ReadOptions { strict: true, loader };
    let mut reader = CaptureReader::open(path, &opts).expect("open");
    if let Some(reason) = &reader.loader().fallback_reason {
        eprintln!("{loader} fell back to read: {reason}");
    }
    let mut batch = FrameBuffer::with_capacity(BATCH_BYTES / 32, BATCH_BYTES + (1 << 20));
    let mut frames = 0u64;
    loop {
        batch.clear();
        let n = reader.read_batch(&mut batch, BATCH_BYTES).expect("read_batch");
        if n == 0 {
            break;
        }
        frames += n as u64;
    }
    let info = reader.finish().expect("finish");
    assert_eq!(info.frames, frames);
    (frames, info.file_bytes)
}

#[test]
fn streaming_a_capture_larger_than_the_bound_stays_under_it_with_every_loader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("large.pcap");
    let written = write_capture(&path, FILE_BYTES);
    let size = std::fs::metadata(&path).expect("capture").len();
    assert!(size >= FILE_BYTES);
    const { assert!(FILE_BYTES > PEAK_RSS_LIMIT) };
    let after_writing = peak_rss_bytes();
    eprintln!("wrote {written} frames, {size} bytes; peak RSS {after_writing} bytes");
    for loader in Loader::ALL {
        // Each loader's own peak where the kernel can reset the mark (Linux 4.0 and later);
        // else the peak so far, which bounds it.
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let (frames, bytes) = stream(&path, loader);
        let peak = peak_rss_bytes();
        let what = if reset { "peak RSS" } else { "peak RSS so far" };
        eprintln!("{loader}: {frames} frames, {bytes} bytes; {what} {peak} bytes");
        assert_eq!((frames, bytes), (written, size), "{loader}");
        assert!(
            peak < PEAK_RSS_LIMIT,
            "{loader}: peak RSS {peak} bytes is over {PEAK_RSS_LIMIT} streaming {size} bytes"
        );
    }
}
