//! Loading a header-only capture with each loader, against `cat FILE > /dev/null`, with the
//! file in the page cache (`load_warm`) and evicted from it before every iteration
//! (`load_cold`: `fsync`, then `posix_fadvise(POSIX_FADV_DONTNEED)`).
//!
//! Variants, in bytes of file per second:
//! - `cat`: `cat FILE` with its output to /dev/null, the reference;
//! - `LOADER/preload`: [`read_file`] (the whole capture into one frame buffer, as replay does);
//! - `LOADER/stream`: [`CaptureReader::read_batch`] into one reused 8 MiB batch, cleared each
//!   time (bounded memory).
//!
//! The file: `PKTSTREAM_LOAD_BENCH_FILE` where set, else a caida-like trace of
//! `PKTSTREAM_LOAD_BENCH_MIB` MiB (default 256) generated once into `target/traces/`.
//! Run: `cargo bench -p tracegen --bench load`.

use std::fs::File;
use std::hint::black_box;
use std::io::BufWriter;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use tracegen::pcap::{CaptureReader, Loader, PcapWriter, ReadOptions, TsResolution, read_file};
use tracegen::{GENERATOR_VERSION, GenConfig, Generator, Profile};
use wire::{FrameBuffer, LinkType};

/// Bytes of captured frames per streamed batch.
const BATCH_BYTES: usize = 8 << 20;

/// The benchmark's capture: the named file, or a generated one of the asked size.
fn bench_file() -> PathBuf {
    if let Some(p) = std::env::var_os("PKTSTREAM_LOAD_BENCH_FILE") {
        return PathBuf::from(p);
    }
    let mib: u64 = std::env::var("PKTSTREAM_LOAD_BENCH_MIB")
        .ok()
        .map(|v| v.parse().expect("PKTSTREAM_LOAD_BENCH_MIB: a number of MiB"))
        .unwrap_or(256);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("traces");
    let path = dir.join(format!("load-bench-caida-like-{mib}MiB-g{GENERATOR_VERSION}.pcap"));
    if !path.is_file() {
        std::fs::create_dir_all(&dir).expect("create target/traces");
        generate(&path, mib << 20);
    }
    path
}

/// Writes a header-only caida-like capture of at least `bytes` bytes, a frame at a time.
fn generate(path: &Path, bytes: u64) {
    let cfg = GenConfig::new(Profile::CaidaLike, u64::MAX, 1);
    let mut g = Generator::new(&cfg).expect("generator");
    let tmp = path.with_extension("pcap.part");
    let out = BufWriter::with_capacity(1 << 20, File::create(&tmp).expect("create trace"));
    let mut w = PcapWriter::new(out, LinkType::Ethernet, cfg.snaplen, TsResolution::Nano)
        .expect("write header");
    let mut frame = Vec::new();
    let mut written = 24u64;
    while written < bytes {
        frame.clear();
        let Some(info) = g.next_frame(&mut frame) else { break };
        w.write_frame(info.ts_ns, info.wire_len, &frame).expect("write frame");
        written += 16 + frame.len() as u64;
    }
    let file = w.into_inner().into_inner().expect("flush trace");
    file.sync_all().expect("fsync trace");
    std::fs::rename(&tmp, path).expect("rename trace");
}

/// Drops the file's pages from the page cache (after writing back any dirty ones).
fn evict(path: &Path) {
    let f = File::open(path).expect("open trace");
    f.sync_all().expect("fsync trace");
    // SAFETY: a plain system call on our own descriptor; no memory is passed.
    let rc = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    assert_eq!(rc, 0, "posix_fadvise(DONTNEED)");
}

/// Reads the whole file once so its pages are cached.
fn warm(path: &Path) {
    cat(path);
}

fn cat(path: &Path) {
    let status = Command::new("cat").arg(path).stdout(Stdio::null()).status().expect("spawn cat");
    assert!(status.success(), "cat failed");
}

fn preload(path: &Path, loader: Loader) -> FrameBuffer {
    let cap = read_file(path, &ReadOptions { strict: false, loader }).expect("read_file");
    assert!(cap.info.loader.fallback_reason.is_none(), "{loader} fell back");
    cap.frames
}

fn stream(path: &Path, loader: Loader, batch: &mut FrameBuffer) -> u64 {
    let opts = ReadOptions { strict: false, loader };
    let mut reader = CaptureReader::open(path, &opts).expect("open");
    let mut frames = 0;
    loop {
        batch.clear();
        let n = reader.read_batch(batch, BATCH_BYTES).expect("read_batch");
        if n == 0 {
            break;
        }
        frames += n as u64;
    }
    frames
}

/// Every variant in one group; `before` runs untimed before each iteration.
fn variants(g: &mut BenchmarkGroup<'_, WallTime>, path: &Path, before: fn(&Path)) {
    g.bench_function("cat", |b| {
        b.iter_batched(|| before(path), |()| cat(path), BatchSize::PerIteration)
    });
    let mut batch = FrameBuffer::with_capacity(BATCH_BYTES / 64, BATCH_BYTES + (1 << 20));
    for loader in Loader::ALL {
        // The frame buffer is returned so that freeing it is not timed.
        g.bench_function(format!("{loader}/preload"), |b| {
            b.iter_batched(|| before(path), |()| preload(path, loader), BatchSize::PerIteration)
        });
        g.bench_function(format!("{loader}/stream"), |b| {
            b.iter_batched(
                || before(path),
                |()| black_box(stream(path, loader, &mut batch)),
                BatchSize::PerIteration,
            )
        });
    }
}

fn load(c: &mut Criterion) {
    let path = bench_file();
    let bytes = std::fs::metadata(&path).expect("trace").len();
    eprintln!("load: {} ({:.1} MiB)", path.display(), bytes as f64 / f64::from(1 << 20));
    for (name, before) in [("load_warm", warm_once as fn(&Path)), ("load_cold", evict)] {
        if name == "load_warm" {
            warm(&path);
        }
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes));
        // One iteration per sample: an iteration of a multi-GB file takes seconds.
        g.sampling_mode(SamplingMode::Flat);
        g.sample_size(10);
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(3));
        variants(&mut g, &path, before);
        g.finish();
    }
}

/// Nothing: the warm group's file stays cached between iterations.
fn warm_once(_: &Path) {}

criterion_group!(benches, load);
criterion_main!(benches);
