//! Reading a capture held in memory into a frame buffer: our reader against the `pcap-parser`
//! crate (its in-memory `LegacyPcapSlice` / `PcapNGSlice`, each packet copied into the same
//! `FrameBuffer`), on a 1 M-packet header-only `caida-like` trace in classic pcap and in pcapng.
//! The decision it informs: keep the hand-written decoders only if they are at least as fast as
//! the crate (README, "Benchmarks").
//!
//! Two groups: `capture_read` reads into a new buffer each time (`read_bytes`, as a caller
//! does; the buffer's growth costs both readers alike), `capture_decode` into one buffer
//! reused across iterations (our `CaptureReader` over the bytes as one chunk), which leaves the
//! decoding itself.
//!
//! Before timing, it checks that both readers make identical frames (as
//! `tests/pcap_parser_agrees.rs` does on smaller inputs).

#[path = "../tests/support/pcap_parser_read.rs"]
mod pcap_parser_read;

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tracegen::pcap::{
    ByteSource, CaptureFormat, CaptureMeta, CaptureReader, LoaderUsed, ReadOptions, TsResolution,
    read_bytes, write_capture,
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

/// A capture held in memory, served as one chunk.
struct OneChunk {
    data: &'static [u8],
    served: bool,
}

impl ByteSource for OneChunk {
    fn next_chunk(&mut self) -> std::io::Result<Option<&[u8]>> {
        let first = !self.served;
        self.served = true;
        Ok(first.then_some(self.data))
    }

    fn size_hint(&self) -> u64 {
        self.data.len() as u64
    }
}

/// Our reader's frames of `data`, into `out` (cleared first).
fn ours_into(data: &'static [u8], out: &mut FrameBuffer) -> usize {
    out.clear();
    let source = Box::new(OneChunk { data, served: false });
    let mut r = CaptureReader::from_source(Path::new("bench"), source, LoaderUsed::default(), true);
    while r.read_batch(out, usize::MAX).expect("our reader reads it") > 0 {}
    r.finish().expect("whole").frames as usize
}

/// pcap-parser's frames of `data`, into `out` (cleared first).
fn theirs_into(data: &[u8], format: CaptureFormat, out: &mut FrameBuffer) -> usize {
    out.clear();
    match format {
        CaptureFormat::Pcap => pcap_parser_read::read_pcap_into(data, out),
        CaptureFormat::Pcapng => pcap_parser_read::read_pcapng_into(data, out),
    }
    .expect("pcap-parser reads it");
    out.len()
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
    let mut g = c.benchmark_group("capture_decode");
    g.sample_size(20);
    g.throughput(Throughput::Elements(PACKETS));
    for format in CaptureFormat::ALL {
        let data: &'static [u8] = capture(&frames, format).leak();
        let (mut a, mut b) = (FrameBuffer::new(), FrameBuffer::new());
        ours_into(data, &mut a);
        theirs_into(data, format, &mut b);
        assert!(a == b, "{format}: the readers differ");
        g.bench_with_input(BenchmarkId::new("pktstream", format), data, |bench, _| {
            bench.iter(|| black_box(ours_into(data, &mut a)))
        });
        g.bench_with_input(BenchmarkId::new("pcap-parser", format), data, |bench, data| {
            bench.iter(|| black_box(theirs_into(data, format, &mut b)))
        });
    }
    g.finish();
}

criterion_group!(benches, capture_read);
criterion_main!(benches);
