//! Header-only trace generation on one core: the target is at least 15 Mpps (MoonGen's
//! single-core 10 GbE line rate) for `caida-like`, to memory and to a file.
//!
//! `to_memory` builds a frame buffer (what `pktstream run --profile` does); `to_file` streams
//! frames through the pcap writer into a buffered temporary file (what `pktstream gen` does).
//! Other profiles are measured too, for comparison.

use std::hint::black_box;
use std::io::BufWriter;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tracegen::pcap::{PcapWriter, TsResolution};
use tracegen::{GenConfig, Generator, Profile, generate};
use wire::LinkType;

const PACKETS: u64 = 1 << 20;

fn to_file(cfg: &GenConfig, path: &std::path::Path) -> u64 {
    let file = std::fs::File::create(path).expect("create");
    let mut w = PcapWriter::new(
        BufWriter::with_capacity(1 << 20, file),
        LinkType::Ethernet,
        cfg.snaplen,
        TsResolution::Nano,
    )
    .expect("header");
    let mut g = Generator::new(cfg).expect("config");
    let mut buf = Vec::with_capacity(2048);
    loop {
        buf.clear();
        let Some(info) = g.next_frame(&mut buf) else { break };
        w.write_frame(info.ts_ns, info.wire_len, &buf).expect("write");
    }
    g.emitted()
}

fn generation(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.pcap");
    let mut g = c.benchmark_group("generate");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PACKETS));
    for profile in [
        Profile::CaidaLike,
        Profile::FaisLike,
        Profile::Datacenter,
        Profile::Imix,
        Profile::FlowFlood,
    ] {
        let cfg = GenConfig::new(profile, PACKETS, 1);
        g.bench_with_input(BenchmarkId::new("to_memory", profile.name()), &cfg, |b, cfg| {
            b.iter(|| black_box(generate(cfg).expect("generate").len()))
        });
        if profile == Profile::CaidaLike {
            g.bench_with_input(BenchmarkId::new("to_file", profile.name()), &cfg, |b, cfg| {
                b.iter(|| black_box(to_file(cfg, &path)))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
