//! `pktstream replay`: release a capture's frames on a schedule into a null sink (or a capture
//! file with `--out`), and measure how well the schedule was kept.
//!
//! Pacing defaults to the capture's own timing (multiplier 1), as tcpreplay does. With
//! `--preload` the file is read whole before the clock starts (`load_s` is that read); without
//! it the file is streamed in bounded batches during the replay (`load_s` is the time spent
//! reading). `--unique-ip` rewrites the addresses of loops 1, 2, ... in each frame's bytes
//! (checksums fixed), so every loop carries new flows.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use tracegen::pcap::{
    CaptureFormat, CaptureInfo, CaptureMeta, Loader, LoaderUsed, ReadOptions, read_file,
};
use tracegen::replay::{
    CaptureSink, FrameSource, NullSink, Pacing, PreloadedSource, ReadStats, ReplayConfig,
    ReplayOutcome, ReplayStats, StopReason, StreamingSource, probe_capture, replay,
};
use wire::LinkType;

use super::pacing_args::RateArgs;
use crate::results::schema::{self, DepartureSummary, ReplayReport, ResultsFile};
use crate::results::{provenance, write_json};
use crate::traces;

/// Flags of `pktstream replay`.
#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// The capture file to replay.
    pub file: PathBuf,
    /// The rate (default: the capture's own timing, multiplier 1).
    #[command(flatten)]
    pub rate: RateArgs,
    /// Release every frame as soon as the sink takes it.
    #[arg(long, conflicts_with_all = ["mbps", "pps", "multiplier"])]
    pub topspeed: bool,
    /// Replay the trace this many times (0: until --duration or --limit), timestamps shifted
    /// by the trace span each loop.
    #[arg(long = "loop", default_value_t = 1)]
    pub loops: u64,
    /// Rewrite the addresses of loops 1, 2, ... (a + k * 0x9E3779B1 on the low 32 bits, both
    /// directions alike, checksums fixed), so every loop carries new flows.
    #[arg(long)]
    pub unique_ip: bool,
    /// Stop after this many seconds (paced: exactly the frames scheduled before it).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Stop after this many frames.
    #[arg(long)]
    pub limit: Option<u64>,
    /// Print packets, rates, drops and late frames to stderr every SECS seconds.
    #[arg(long, value_name = "SECS")]
    pub stats: Option<f64>,
    /// Read the whole file into memory before the clock starts (default: stream it).
    #[arg(long)]
    pub preload: bool,
    /// Write the re-timed frames to this capture (pcapng where the name ends in .pcapng).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Treat a capture cut short inside a record as an error.
    #[arg(long)]
    pub strict: bool,
    /// Write the replay's results object (JSON) to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Machine id for the results' provenance.
    #[arg(long)]
    pub machine: Option<String>,
    /// How to load the capture: io_uring, mmap or read (falls back to read, saying why, where
    /// the one asked for cannot work).
    #[arg(long, default_value_t = Loader::default())]
    pub loader: Loader,
}

impl ReplayArgs {
    /// The pacing the flags ask for.
    pub fn pacing(&self) -> Pacing {
        if self.topspeed { Pacing::TopSpeed } else { self.rate.pacing().unwrap_or_default() }
    }

    /// The replay configuration these flags describe, checked.
    pub fn replay_config(&self) -> anyhow::Result<ReplayConfig> {
        let cfg = ReplayConfig {
            pacing: self.pacing(),
            loops: self.loops,
            limit: self.limit,
            duration_ns: self.duration.map(|s| seconds_to_ns("--duration", s)).transpose()?,
            unique_ip: self.unique_ip,
            stats_interval_ns: self.stats.map(|s| seconds_to_ns("--stats", s)).transpose()?,
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

fn seconds_to_ns(flag: &str, s: f64) -> anyhow::Result<u64> {
    if !(s.is_finite() && s > 0.0) {
        anyhow::bail!("invalid {flag} {s}: expected a number of seconds above 0");
    }
    // `as` saturates: a duration past 584 years is forever.
    Ok((s * 1e9).round() as u64)
}

/// What the replay needs to know of the capture besides its frames.
struct CaptureFacts {
    link: LinkType,
    snaplen: u32,
    truncated_at_offset: Option<u64>,
    loader: LoaderUsed,
}

impl CaptureFacts {
    fn of(info: &CaptureInfo) -> Self {
        let interface = info.first_interface;
        Self {
            // A capture that describes no interface holds no frame to write.
            link: interface.map_or(LinkType::Ethernet, |i| i.link),
            snaplen: interface.map_or(0, |i| i.snaplen),
            truncated_at_offset: info.truncated_at_offset,
            loader: info.loader.clone(),
        }
    }
}

fn print_warnings(info: &CaptureInfo) {
    for w in &info.warnings {
        eprintln!("pktstream: warning: {w}");
    }
}

pub(super) fn run(args: &ReplayArgs) -> anyhow::Result<()> {
    let cfg = args.replay_config()?;
    let opts = ReadOptions { strict: args.strict, loader: args.loader };
    if args.preload {
        let t0 = Instant::now();
        let capture = read_file(&args.file, &opts)?;
        let load = ReadStats { busy: t0.elapsed(), bytes: capture.info.file_bytes };
        print_warnings(&capture.info);
        traces::report_fallback(&args.file, args.loader, &capture.info.loader);
        let facts = CaptureFacts::of(&capture.info);
        let mut source = PreloadedSource::new(&capture.frames);
        let outcome = replay_to_sink(&mut source, args, &cfg, &facts)?;
        finish(args, &cfg, &facts, &outcome, load)
    } else {
        // The file header is checked (and the link type learnt) before the clock starts.
        let probe = probe_capture(&args.file, &opts)?;
        traces::report_fallback(&args.file, args.loader, &probe.loader);
        let mut facts = CaptureFacts::of(&probe);
        let mut source = StreamingSource::open(&args.file, &opts, cfg.loops)
            .context("cannot start the capture reader thread")?;
        let outcome = replay_to_sink(&mut source, args, &cfg, &facts)?;
        if let Some(info) = source.first_pass_info() {
            print_warnings(info);
            facts.truncated_at_offset = info.truncated_at_offset;
            facts.loader = info.loader.clone();
        }
        drop(source);
        finish(args, &cfg, &facts, &outcome, outcome.read)
    }
}

/// Replays `source` into the sink `--out` asks for (a null sink without it).
fn replay_to_sink<S: FrameSource + ?Sized>(
    source: &mut S,
    args: &ReplayArgs,
    cfg: &ReplayConfig,
    facts: &CaptureFacts,
) -> anyhow::Result<ReplayOutcome> {
    let mut on_stats = |s: &ReplayStats| eprintln!("{}", stats_line(s));
    match &args.out {
        Some(out) => {
            let meta = CaptureMeta {
                application: format!("pktstream {}", env!("CARGO_PKG_VERSION")),
                comment: Some(format!("{} replayed at {}", args.file.display(), cfg.pacing)),
            };
            let format = CaptureFormat::from_path(out);
            let mut sink = CaptureSink::create(out, format, facts.link, facts.snaplen, &meta)
                .with_context(|| format!("cannot write {}", out.display()))?;
            let outcome = replay(source, &mut sink, cfg, &mut on_stats)?;
            sink.finish().with_context(|| format!("cannot write {}", out.display()))?;
            Ok(outcome)
        }
        None => {
            let mut sink = NullSink::default();
            let outcome = replay(source, &mut sink, cfg, &mut on_stats)?;
            std::hint::black_box(sink.digest);
            Ok(outcome)
        }
    }
}

/// Prints the summary and writes the results file.
fn finish(
    args: &ReplayArgs,
    cfg: &ReplayConfig,
    facts: &CaptureFacts,
    outcome: &ReplayOutcome,
    load: ReadStats,
) -> anyhow::Result<()> {
    if let Some(why) = &outcome.first_refusal {
        eprintln!(
            "pktstream: warning: {} frame(s) could not be written to the output (first: {why})",
            outcome.dropped
        );
    }
    let rep = report(cfg, outcome, load, facts.truncated_at_offset);
    println!("{}", summary(&args.file, &rep, args.preload));
    if let Some(json) = &args.json {
        let sha = provenance::sha256_file(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        let prov = provenance::collect(args.machine.as_deref(), tracegen::GENERATOR_VERSION, sha);
        let config = schema::ReplayConfig {
            file: args.file.display().to_string(),
            pacing: cfg.pacing,
            loops: cfg.loops,
            unique_ip: cfg.unique_ip,
            duration_s: args.duration,
            limit: args.limit,
            stats_s: args.stats,
            preload: args.preload,
            out: args.out.as_ref().map(|p| p.display().to_string()),
            strict: args.strict,
            loader: facts.loader.loader,
            loader_fallback_reason: facts.loader.fallback_reason.clone(),
        };
        write_json(json, &ResultsFile::new(prov, config, rep))?;
    }
    Ok(())
}

/// Builds the results report of a replay. `load` is the file's read: before the clock when
/// preloaded, during the replay when streamed.
pub fn report(
    cfg: &ReplayConfig,
    o: &ReplayOutcome,
    load: ReadStats,
    truncated_at_offset: Option<u64>,
) -> ReplayReport {
    let load_s = load.busy.as_secs_f64();
    let h = &o.departure_error_ns;
    let (target_pps, target_gbps) = match cfg.pacing {
        Pacing::TopSpeed => (None, None),
        Pacing::Pps(r) => (Some(r), o.loops.offered_gbps()),
        Pacing::Mbps(r) => (o.loops.offered_pps(), Some(r / 1e3)),
        Pacing::Original { .. } => (o.loops.offered_pps(), o.loops.offered_gbps()),
    };
    ReplayReport {
        pacing: cfg.pacing.to_string(),
        target_pps,
        target_gbps,
        packets: o.packets,
        bytes: o.bytes,
        dropped: o.dropped,
        duration_s: o.duration_ns as f64 / 1e9,
        achieved_pps: o.achieved_pps(),
        achieved_gbps: o.achieved_gbps(),
        departure_error_ns: DepartureSummary {
            p50: h.value_at_quantile(0.5),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
            samples: h.len(),
        },
        late: o.late,
        loops: o.loops.completed,
        stopped_by: stop_name(o.stop).to_string(),
        load_s,
        load_gbytes_per_s: if load_s > 0.0 { load.bytes as f64 / load_s / 1e9 } else { 0.0 },
        truncated_at_offset,
    }
}

fn stop_name(s: StopReason) -> &'static str {
    match s {
        StopReason::Loops => "loops",
        StopReason::Limit => "limit",
        StopReason::Duration => "duration",
        StopReason::EmptyTrace => "empty-trace",
    }
}

/// One `--stats` line.
fn stats_line(s: &ReplayStats) -> String {
    format!(
        "pktstream: replay {:>9.3} s: {} packets, {:.0} pps, {:.3} Gb/s, drops {}, late {}",
        Duration::from_nanos(s.elapsed_ns).as_secs_f64(),
        s.packets,
        s.pps,
        s.gbps,
        s.dropped,
        s.late
    )
}

/// The short human summary `replay` prints.
pub fn summary(file: &Path, r: &ReplayReport, preloaded: bool) -> String {
    let vs = |achieved: f64, target: Option<f64>| match target {
        Some(t) if t > 0.0 => format!(" (target {t:.3}, {:+.3}%)", (achieved / t - 1.0) * 100.0),
        _ => String::new(),
    };
    let d = &r.departure_error_ns;
    let departure = if d.samples > 0 {
        format!("p50 {} p99 {} max {} ns; {} late (> 10 us)", d.p50, d.p99, d.max, r.late)
    } else {
        "none at top speed".to_string()
    };
    format!(
        "replayed {} at {}: {} packets, {} bytes in {:.3} s ({} loop(s), stopped by {})\n  \
         {:.3} Mpps{}, {:.3} Gb/s{}\n  departure error: {departure}; dropped {}\n  \
         load: {:.3} s, {:.2} GB/s ({})",
        file.display(),
        r.pacing,
        r.packets,
        r.bytes,
        r.duration_s,
        r.loops,
        r.stopped_by,
        r.achieved_pps / 1e6,
        vs(r.achieved_pps / 1e6, r.target_pps.map(|p| p / 1e6)),
        r.achieved_gbps,
        vs(r.achieved_gbps, r.target_gbps),
        r.dropped,
        r.load_s,
        r.load_gbytes_per_s,
        if preloaded { "preloaded before the clock" } else { "read during the replay" },
    )
}
