//! Reading a capture held in memory into a frame buffer: our reader (`read_bytes`) against the
//! `pcap-parser` crate (its in-memory `LegacyPcapSlice` / `PcapNGSlice`, each packet copied into
//! the same `FrameBuffer`), on a 1 M-packet header-only `caida-like` trace in classic pcap and
//! in pcapng. The decision it informs: keep the hand-written decoders only if they are at least
//! as fast as the crate (README, "Capture files").
//!
//! Before timing, it checks that both readers make identical frames (as
//! `tests/pcap_parser_agrees.rs` does on smaller inputs).

#[path = "../tests/support/pcap_parser_read.rs"]
mod pcap_parser_read;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tracegen::pcap::{
    CaptureFormat, CaptureMeta, ReadOptions, TsResolution, read_bytes, write_capture,
};
use tracegen::{GenConfig, Profile, generate};
use wire::{FrameBuffer, LinkType};

const PACKETS: u64 = 1_000_000;

/// The trace in `format`, as the bytes of a file.
fn capture(frames: &FrameBuffer, format: CaptureFormat) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("bench.{format}"));
    let meta = CaptureMeta::default();
    write_capture(&path, frames, LinkType::Ethernet, 0, TsResolution::Nano, format, &meta)
        .expect("write the trace");
    std::fs::read(&path).expect("read the trace back")
}

fn ours(data: &[u8]) -> FrameBuffer {
    read_bytes("bench", data, &ReadOptions::default()).expect("our reader reads it").frames
}

fn theirs(data: &[u8], format: CaptureFormat) -> FrameBuffer {
    match format {
        CaptureFormat::Pcap => pcap_parser_read::read_pcap(data),
        CaptureFormat::Pcapng => pcap_parser_read::read_pcapng(data),
    }
    .expect("pcap-parser reads it")
}

fn capture_read(c: &mut Criterion) {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, PACKETS, 1)).expect("generate");
    let mut g = c.benchmark_group("capture_read");
    g.sample_size(20);
    g.throughput(Throughput::Elements(PACKETS));
    for format in CaptureFormat::ALL {
        let data = capture(&frames, format);
        assert!(ours(&data) == theirs(&data, format), "{format}: the readers differ");
        g.bench_with_input(BenchmarkId::new("pktstream", format), &data, |b, data| {
            b.iter(|| black_box(ours(data).len()))
        });
        g.bench_with_input(BenchmarkId::new("pcap-parser", format), &data, |b, data| {
            b.iter(|| black_box(theirs(data, format).len()))
        });
    }
    g.finish();
}

criterion_group!(benches, capture_read);
criterion_main!(benches);
