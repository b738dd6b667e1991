//! `pktstream run`: one query over one trace on one topology, measured.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use engine::config::{DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS, DEFAULT_QUEUE_CAPACITY};
use engine::plan::Topology;
use engine::query::AppKind;
use engine::queue::{QueueKind, WaitStrategy};
use engine::runtime::nic::{DEFAULT_RING_SIZE, Release};
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, RunOutcome};
use tracegen::Profile;
use tracegen::pcap::Loader;
use tracegen::replay::{Pacing, schedule_buffer};
use wire::FrameBuffer;

use super::pacing_args::RateArgs;
use crate::results::schema::{LatencySummary, ResultsFile, RunConfig, RunReport, WorkerReport};
use crate::results::{provenance, write_atomic, write_json};
use crate::traces;

/// Flags of `pktstream run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Query application (flow-counter).
    #[arg(long)]
    pub app: String,
    /// Capture file to run over.
    #[arg(long, conflicts_with = "profile", required_unless_present = "profile")]
    pub trace: Option<PathBuf>,
    /// Generated traffic profile to run over (cached under target/traces/).
    #[arg(long)]
    pub profile: Option<String>,
    /// Packets to generate with --profile.
    #[arg(long, default_value_t = 2_000_000)]
    pub packets: u64,
    /// Generator seed with --profile.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Topology (rtc, pipeline).
    #[arg(long)]
    pub topology: String,
    /// Query threads.
    #[arg(long)]
    pub workers: usize,
    /// Queue design between threads.
    #[arg(long, default_value = "rtrb")]
    pub queue: String,
    /// Records per batch.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    pub batch: usize,
    /// Queue capacity between threads, in batches.
    #[arg(long, default_value_t = DEFAULT_QUEUE_CAPACITY)]
    pub queue_capacity: usize,
    /// How idle threads wait: spin, spin-park (spin, yield, then park briefly) or block (sleep
    /// until the other side of the queue wakes the thread).
    #[arg(long, default_value_t = WaitStrategy::default().name().to_owned())]
    pub wait: String,
    /// The longest a partial batch waits before it is published, in µs (a fraction such as
    /// 2.5 is allowed); idle threads wake for it whatever the wait strategy.
    #[arg(
        long = "flush-timeout-us",
        value_name = "F",
        default_value_t = DEFAULT_FLUSH_TIMEOUT_NS as f64 / 1e3,
        value_parser = parse_flush_timeout_us
    )]
    pub flush_timeout_us: f64,
    /// Cores to pin threads to: auto (thread i on core i mod cores), none, or a list like 0,1.
    #[arg(long, default_value = "auto")]
    pub pin: String,
    /// Replay the trace this many times (timestamps shifted by the trace span each loop).
    #[arg(long = "loop", default_value_t = 1)]
    pub loops: u64,
    /// Release frames into the receive rings at a rate (default: top speed, each frame when
    /// its worker asks).
    #[command(flatten)]
    pub rate: RateArgs,
    /// Rewrite the addresses of loops 1, 2, ... after the NIC chose each frame's ring, so every
    /// loop carries new flows on the same workers.
    #[arg(long)]
    pub unique_ip: bool,
    /// Receive ring size in frames.
    #[arg(long, default_value_t = DEFAULT_RING_SIZE)]
    pub ring_size: usize,
    /// Print the execution plan before running.
    #[arg(long)]
    pub explain: bool,
    /// Write the run's results object (JSON) to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the query's output, sorted, as CSV to this file.
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// Treat a capture cut short inside a record as an error.
    #[arg(long)]
    pub strict: bool,
    /// Machine id for the results' provenance.
    #[arg(long)]
    pub machine: Option<String>,
    /// How to load the trace: io_uring, mmap or read (falls back to read, saying why, where
    /// the one asked for cannot work).
    #[arg(long, default_value_t = Loader::default())]
    pub loader: Loader,
}

impl RunArgs {
    /// The engine configuration these flags describe.
    pub fn engine_config(&self) -> anyhow::Result<EngineConfig> {
        let app: AppKind = self.app.parse()?;
        let topology: Topology = self.topology.parse()?;
        let mut cfg = EngineConfig::new(app, topology, self.workers);
        cfg.queue = self.queue.parse::<QueueKind>()?;
        cfg.batch = self.batch;
        cfg.queue_capacity = self.queue_capacity;
        cfg.wait = self.wait.parse::<WaitStrategy>()?;
        cfg.flush_timeout_ns = flush_timeout_ns(self.flush_timeout_us);
        cfg.pin = self.pin.parse::<PinPlan>()?;
        cfg.loops = self.loops;
        cfg.ring_size = self.ring_size;
        cfg.unique_ip = self.unique_ip;
        if let Some(p) = self.rate.pacing() {
            p.validate()?;
        }
        Ok(cfg)
    }

    /// The pacing of the release clock: `--mbps`, `--pps` or `--multiplier`, else top speed.
    pub fn pacing(&self) -> Pacing {
        self.rate.pacing().unwrap_or(Pacing::TopSpeed)
    }
}

/// The longest `--flush-timeout-us` accepted: one hour.
const MAX_FLUSH_TIMEOUT_US: f64 = 3.6e9;

/// Parses `--flush-timeout-us`: a finite number of µs from 0 to one hour.
fn parse_flush_timeout_us(text: &str) -> Result<f64, String> {
    let us: f64 =
        text.trim().parse().map_err(|_| format!("expected a number of µs, got `{text}`"))?;
    if !us.is_finite() || !(0.0..=MAX_FLUSH_TIMEOUT_US).contains(&us) {
        return Err(format!("expected 0 to {MAX_FLUSH_TIMEOUT_US} µs, got `{text}`"));
    }
    Ok(us)
}

/// A flush timeout in µs (checked by [`parse_flush_timeout_us`]) as whole ns, rounded.
fn flush_timeout_ns(us: f64) -> u64 {
    (us * 1e3).round() as u64
}

/// Sets the engine's release clock for `pacing` over `frames` (top speed leaves it as it is)
/// and returns the offered rate in Mpps: one loop's frames over its span.
pub fn set_release(
    cfg: &mut EngineConfig,
    frames: &FrameBuffer,
    pacing: Pacing,
) -> anyhow::Result<Option<f64>> {
    if !pacing.is_paced() {
        return Ok(None);
    }
    let s = schedule_buffer(frames, pacing)?;
    let offered = (s.span_ns > 0).then(|| frames.len() as f64 / s.span_ns as f64 * 1e3);
    cfg.release = Release::Scheduled { times: Arc::from(s.times), span_ns: s.span_ns };
    Ok(offered)
}

/// Builds the report of an outcome.
pub fn report(cfg: &EngineConfig, o: &RunOutcome, truncated_at_offset: Option<u64>) -> RunReport {
    let duration_s = o.duration_ns as f64 / 1e9;
    let processed = o.processed();
    let bytes: u64 = o.threads.iter().map(|t| t.bytes).sum();
    let mut latency = engine::metrics::latency_histogram();
    for t in &o.threads {
        // Same bounds everywhere, so adding cannot fail.
        let _ = latency.add(&t.latency);
    }
    let summary = |h: &hdrhistogram::Histogram<u64>| LatencySummary {
        p50: h.value_at_quantile(0.5),
        p90: h.value_at_quantile(0.9),
        p99: h.value_at_quantile(0.99),
        p999: h.value_at_quantile(0.999),
        max: h.max(),
    };
    let cpu_ns: u64 = o.threads.iter().map(|t| t.cpu_ns).sum();
    RunReport {
        app: cfg.app.to_string(),
        topology: cfg.topology.to_string(),
        queue: cfg.queue.to_string(),
        batch: cfg.batch,
        workers: o.plan.workers(),
        threads: o.plan.threads.len(),
        oversubscribed: o.oversubscribed,
        packets: o.packets,
        processed,
        unparsed: o.unparsed_by_reason().values().sum(),
        dropped_by_reason: o.dropped_by_reason().into_iter().map(|(k, v)| (k.into(), v)).collect(),
        conservation_ok: o.conservation_ok(),
        bytes,
        duration_s,
        mpps: processed as f64 / duration_s / 1e6,
        offered_mpps: None,
        gbps: bytes as f64 * 8.0 / duration_s / 1e9,
        gbps_l1: (bytes + 24 * processed) as f64 * 8.0 / duration_s / 1e9,
        per_worker: o
            .threads
            .iter()
            .filter(|t| t.is_query)
            .map(|t| WorkerReport {
                packets: t.processed,
                busy_s: t.end_ns.saturating_sub(t.idle_ns) as f64 / 1e9,
                idle_s: t.idle_ns as f64 / 1e9,
            })
            .collect(),
        cpu_ns_per_packet: if processed > 0 { cpu_ns as f64 / processed as f64 } else { 0.0 },
        max_rss_bytes: engine::metrics::cpu::max_rss_bytes(),
        latency_ns: summary(&latency),
        result_delay_ns: LatencySummary {
            p50: o.result_delay_ns,
            p90: o.result_delay_ns,
            p99: o.result_delay_ns,
            p999: o.result_delay_ns,
            max: o.result_delay_ns,
        },
        truncated_at_offset,
    }
}

pub(super) fn run(args: &RunArgs) -> anyhow::Result<()> {
    let mut cfg = args.engine_config()?;
    // Refuse an impossible topology before loading anything.
    let plan = engine::plan::Plan::build(cfg.topology, cfg.workers, cfg.app)?;
    if args.explain {
        print!("{}", plan.explain());
    }
    let (path, profile) = match (&args.trace, &args.profile) {
        (Some(t), _) => (t.clone(), None),
        (None, Some(p)) => {
            let profile: Profile = p.parse()?;
            (traces::generated(profile, args.packets, args.seed)?, Some(profile))
        }
        (None, None) => anyhow::bail!("give --trace FILE or --profile NAME"),
    };
    let trace = traces::load(&path, args.strict, args.loader)?;
    let offered_mpps = set_release(&mut cfg, &trace.capture.frames, args.pacing())?;
    let outcome = engine::run(&trace.capture.frames, &cfg)?;
    let mut rep = report(&cfg, &outcome, trace.capture.info.truncated_at_offset);
    rep.offered_mpps = offered_mpps;
    println!("{}", summary(&rep, &outcome));
    if let Some(dump) = &args.dump {
        write_atomic(dump, outcome.output.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", dump.display()))?;
    }
    if let Some(json) = &args.json {
        let run_config = RunConfig {
            app: cfg.app.to_string(),
            trace: args.trace.as_ref().map(|p| p.display().to_string()),
            profile: profile.map(|p| p.to_string()),
            packets: profile.map(|_| args.packets),
            seed: profile.map(|_| args.seed),
            topology: cfg.topology.to_string(),
            workers: cfg.workers,
            queue: cfg.queue.to_string(),
            batch: cfg.batch,
            pin: cfg.pin.to_string(),
            loops: cfg.loops,
            rss: cfg.rss,
            ring_size: cfg.ring_size,
            loader: trace.capture.info.loader.loader,
            loader_fallback_reason: trace.capture.info.loader.fallback_reason.clone(),
            pacing: args.pacing(),
            unique_ip: cfg.unique_ip,
            wait: cfg.wait,
            flush_timeout_ns: cfg.flush_timeout_ns,
        };
        let prov = provenance::collect(
            args.machine.as_deref(),
            tracegen::GENERATOR_VERSION,
            trace.sha256.clone(),
        );
        write_json(json, &ResultsFile::new(prov, run_config, rep.clone()))?;
    }
    if !rep.conservation_ok {
        anyhow::bail!(
            "conservation violated: {} packets, {} processed, {} unparsed, {:?} dropped",
            rep.packets,
            rep.processed,
            rep.unparsed,
            rep.dropped_by_reason
        );
    }
    Ok(())
}

/// The short human summary `run` prints.
pub fn summary(r: &RunReport, o: &RunOutcome) -> String {
    let mut s = format!(
        "{} on {} with {} worker(s) ({} threads{}), queue {}, batch {}: {:.2} Mpps, {:.2} Gb/s \
         ({:.2} Gb/s with L1 overhead)\n  {} packets in {:.3} s: {} processed, {} unparsed, \
         dropped {:?}; conservation {}\n  per worker packets: {}\n  latency ns (1 in {} \
         sampled): p50 {} p99 {} p99.9 {} max {}; {:.1} CPU ns/packet",
        r.app,
        r.topology,
        r.workers,
        r.threads,
        if r.oversubscribed { ", oversubscribed" } else { "" },
        r.queue,
        r.batch,
        r.mpps,
        r.gbps,
        r.gbps_l1,
        r.packets,
        r.duration_s,
        r.processed,
        r.unparsed,
        r.dropped_by_reason,
        if r.conservation_ok { "ok" } else { "VIOLATED" },
        r.per_worker.iter().map(|w| w.packets.to_string()).collect::<Vec<_>>().join(", "),
        engine::metrics::LATENCY_SAMPLE_EVERY,
        r.latency_ns.p50,
        r.latency_ns.p99,
        r.latency_ns.p999,
        r.latency_ns.max,
        r.cpu_ns_per_packet,
    );
    if let Some(offered) = r.offered_mpps {
        let dropped: u64 = r.dropped_by_reason.values().sum();
        s.push_str(&format!("\n  paced: offered {offered:.3} Mpps, {dropped} dropped"));
    }
    if o.output.table_grows > 0 {
        s.push_str(&format!(
            "\n  flow tables grew {} time(s) under the clock",
            o.output.table_grows
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_timeouts_parse_in_us_and_convert_to_ns() {
        assert_eq!(parse_flush_timeout_us("5"), Ok(5.0));
        assert_eq!(flush_timeout_ns(parse_flush_timeout_us("2.5").unwrap()), 2_500);
        assert_eq!(flush_timeout_ns(parse_flush_timeout_us("0").unwrap()), 0);
        assert_eq!(flush_timeout_ns(parse_flush_timeout_us("0.0004").unwrap()), 0);
        assert_eq!(flush_timeout_ns(DEFAULT_FLUSH_TIMEOUT_NS as f64 / 1e3), 100_000);
        for bad in ["-1", "nan", "inf", "1e10", "soon", ""] {
            assert!(parse_flush_timeout_us(bad).is_err(), "{bad}");
        }
    }
}
