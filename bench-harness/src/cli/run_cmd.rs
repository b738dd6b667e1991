//! `pktstream run`: one query over one trace on one topology, measured.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use engine::config::{DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS, DEFAULT_QUEUE_CAPACITY};
use engine::plan::Topology;
use engine::query::{AppKind, Window};
use engine::queue::{QueueKind, WaitStrategy};
use engine::runtime::nic::{DEFAULT_RING_SIZE, Release};
use engine::runtime::pin::PinPlan;
use engine::{EngineConfig, RunOutcome};
use tracegen::Profile;
use tracegen::pcap::Loader;
use tracegen::replay::{Pacing, schedule_buffer};
use wire::FrameBuffer;

use super::pacing_args::RateArgs;
use super::run_file::RunFile;
use crate::results::host::HostProbe;
use crate::results::schema::{
    HostSample, LatencySummary, ResultsFile, RunConfig, RunReport, StageReport, WorkerReport,
};
use crate::results::{provenance, write_atomic, write_json};
use crate::traces;

/// Flags of `pktstream run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Query application (flow-counter, src-count, heavy-hitter, sonata-ddos, ...: an unknown
    /// name lists them all); a `--config` file may name it instead, or give a query of its own.
    #[arg(long, required_unless_present = "config")]
    pub app: Option<String>,
    /// The app's main count threshold, replacing its default (Sonata's queries, syn-flood,
    /// slowloris's connections, ssh-brute, tcp-seq).
    #[arg(long)]
    pub threshold: Option<u64>,
    /// heavy-hitter: the share of a window's bytes above which a flow is reported (0 to 1).
    #[arg(long, value_parser = parse_share)]
    pub share: Option<f64>,
    /// lb-profile: a prefix of the virtual IP set (repeatable; default every IPv4 address).
    #[arg(long = "vip")]
    pub vips: Vec<String>,
    /// A TOML file with the run: `app`, `topology`, `workers` and `window_ns` (flags given on
    /// the command line win), and a `[query]` table of your own (see `examples/`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Tumbling windows of this length on packet time (`1s`, `100ms`, `250us`, `5000ns`),
    /// replacing the query's.
    #[arg(long, value_parser = parse_duration_ns)]
    pub window: Option<u64>,
    /// Cap on each worker's keyed state, in entries: at the cap an entry is evicted and its
    /// partial aggregate merged downstream, so totals stay exact (a table of N entries
    /// allocates at most 2 N times `engine::state::windowed::bytes_per_entry()` bytes).
    #[arg(long)]
    pub state_cap: Option<usize>,
    /// Evict keys idle for this long in packet time (`30s`, `500ms`), merging their partial
    /// aggregates downstream.
    #[arg(long, value_parser = parse_duration_ns)]
    pub idle_timeout: Option<u64>,
    /// Run filter, map and routing in a thread of their own (pipeline), instead of chained
    /// into the parsing thread.
    #[arg(long)]
    pub no_fuse: bool,
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
    /// Topology: rtc, two-stage, shuffle, pipeline, farm.
    #[arg(long, required_unless_present = "config")]
    pub topology: Option<String>,
    /// Query threads.
    #[arg(long, required_unless_present = "config")]
    pub workers: Option<usize>,
    /// Queue design between threads [default: rtrb].
    #[arg(long)]
    pub queue: Option<String>,
    /// Records per batch [default: 64].
    #[arg(long)]
    pub batch: Option<usize>,
    /// Queue capacity between threads, in batches [default: 64].
    #[arg(long)]
    pub queue_capacity: Option<usize>,
    /// How idle threads wait: spin, spin-park (spin, yield, then park briefly) or block (sleep
    /// until the other side of the queue wakes the thread) [default: spin-park].
    #[arg(long)]
    pub wait: Option<String>,
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
    #[arg(long)]
    pub pin: Option<String>,
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
    /// The engine configuration these flags (and the `--config` file) describe.
    pub fn engine_config(&self) -> anyhow::Result<EngineConfig> {
        let file = match &self.config {
            Some(p) => RunFile::read(p)?,
            None => RunFile::default(),
        };
        let app: AppKind = match (&self.app, &file.app) {
            (Some(a), _) | (None, Some(a)) => a.parse()?,
            (None, None) if file.query.is_some() => AppKind::FlowCounter,
            (None, None) => anyhow::bail!("give --app NAME, or a [query] in the --config file"),
        };
        let topology: Topology = match (&self.topology, &file.topology) {
            (Some(t), _) | (None, Some(t)) => t.parse()?,
            (None, None) => {
                anyhow::bail!("give --topology NAME (or `topology` in the --config file)")
            }
        };
        let workers = self.workers.or(file.workers).ok_or_else(|| {
            anyhow::anyhow!("give --workers N (or `workers` in the --config file)")
        })?;
        let mut cfg = EngineConfig::new(app, topology, workers);
        cfg.app_params.share = self.share;
        cfg.app_params.vips = self.vips.clone();
        cfg.query = file.query.clone();
        cfg.window = self.window.or(file.window_ns).map(Window::tumbling);
        cfg.fuse = !self.no_fuse && file.fuse.unwrap_or(true);
        cfg.state_cap = self.state_cap;
        cfg.idle_timeout_ns = self.idle_timeout;
        cfg.app_params.threshold = self.threshold.or(file.threshold);
        cfg.queue = self
            .queue
            .as_ref()
            .or(file.queue.as_ref())
            .map_or("rtrb", |s| s)
            .parse::<QueueKind>()?;
        cfg.batch = self.batch.or(file.batch).unwrap_or(DEFAULT_BATCH);
        cfg.queue_capacity =
            self.queue_capacity.or(file.queue_capacity).unwrap_or(DEFAULT_QUEUE_CAPACITY);
        cfg.wait = match self.wait.as_ref().or(file.wait.as_ref()) {
            Some(w) => w.parse::<WaitStrategy>()?,
            None => WaitStrategy::default(),
        };
        cfg.flush_timeout_ns = flush_timeout_ns(self.flush_timeout_us);
        cfg.pin =
            self.pin.as_ref().or(file.pin.as_ref()).map_or("auto", |s| s).parse::<PinPlan>()?;
        cfg.loops = self.loops;
        cfg.ring_size = self.ring_size;
        cfg.unique_ip = self.unique_ip;
        self.pacing_with(&file).validate()?;
        // A query that does not compile is refused before anything loads.
        cfg.query_spec().compile()?;
        Ok(cfg)
    }

    /// The pacing of the release clock: `--mbps`, `--pps` or `--multiplier`, else top speed.
    pub fn pacing(&self) -> anyhow::Result<Pacing> {
        let file = match &self.config {
            Some(p) => RunFile::read(p)?,
            None => RunFile::default(),
        };
        Ok(self.pacing_with(&file))
    }

    /// The pacing of the flags, else of the file's `mbps` or `pps`, else top speed.
    fn pacing_with(&self, file: &RunFile) -> Pacing {
        let from_file = file.mbps.map(Pacing::Mbps).or(file.pps.map(Pacing::Pps));
        self.rate.pacing().or(from_file).unwrap_or(Pacing::TopSpeed)
    }
}

/// A share between 0 and 1.
fn parse_share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a share between 0 and 1 (0.01 is 1%), found '{s}'")),
    }
}

/// Parses a duration with a unit (`ns`, `us`, `ms`, `s`) into nanoseconds, at least 1.
fn parse_duration_ns(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => {
            return Err(format!(
                "expected a duration such as 1s, 100ms, 250us or 5000ns, got `{text}`"
            ));
        }
    };
    let v: f64 =
        num.parse().map_err(|_| format!("expected a number before the unit, got `{text}`"))?;
    let ns = (v * scale).round();
    if !(1.0..=1e18).contains(&ns) {
        return Err(format!("expected 1 ns to 1e9 s, got `{text}`"));
    }
    Ok(ns as u64)
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

/// Builds the report of an outcome; `host` is left at its default (the caller samples it
/// around the run).
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
        app: app_name(cfg),
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
                packets: t.records_in,
                busy_s: t.end_ns.saturating_sub(t.idle_ns) as f64 / 1e9,
                idle_s: t.idle_ns as f64 / 1e9,
            })
            .collect(),
        per_stage: o
            .threads
            .iter()
            .map(|t| StageReport {
                name: t.name.clone(),
                parsed: t.processed,
                records_in: t.records_in,
                records_out: t.records_out,
                partials_out: t.partial_rows_out,
                rows_emitted: t.rows_emitted,
                busy_s: t.end_ns.saturating_sub(t.idle_ns) as f64 / 1e9,
                idle_s: t.idle_ns as f64 / 1e9,
                full_events: t.full_events,
                empty_events: t.empty_events,
                evicted_cap: t.evicted_cap,
                evicted_idle: t.evicted_idle,
                state_peak_bytes: t.state_peak_bytes as u64,
            })
            .collect(),
        cpu_ns_per_packet: if processed > 0 { cpu_ns as f64 / processed as f64 } else { 0.0 },
        max_rss_bytes: engine::metrics::cpu::max_rss_bytes(),
        latency_ns: summary(&latency),
        result_delay_ns: summary(&o.result_delay),
        truncated_at_offset,
        host: HostSample::default(),
    }
}

/// The app's name in reports: `custom` for a query from a `--config` file.
fn app_name(cfg: &EngineConfig) -> String {
    if cfg.query.is_some() { "custom".into() } else { cfg.app.to_string() }
}

pub(super) fn run(args: &RunArgs) -> anyhow::Result<()> {
    let mut cfg = args.engine_config()?;
    // Refuse an impossible topology before loading anything.
    let query = cfg.query_spec().compile()?;
    let plan = engine::plan::Plan::build(cfg.topology, cfg.workers, &query, cfg.fuse)?;
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
    let offered_mpps = set_release(&mut cfg, &trace.capture.frames, args.pacing()?)?;
    // The engine starts its clock inside `engine::run` (after the ring fill) and stops it when
    // the last thread ends: the host is sampled right around that call.
    let probe = HostProbe::start();
    let outcome = engine::run(&trace.capture.frames, &cfg);
    let host = probe.finish();
    let outcome = outcome?;
    let mut rep = report(&cfg, &outcome, trace.capture.info.truncated_at_offset);
    rep.offered_mpps = offered_mpps;
    rep.host = host;
    println!("{}", summary(&rep, &outcome));
    if let Some(dump) = &args.dump {
        write_atomic(dump, outcome.output.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", dump.display()))?;
    }
    if let Some(json) = &args.json {
        let run_config = RunConfig {
            app: app_name(&cfg),
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
            pacing: args.pacing()?,
            unique_ip: cfg.unique_ip,
            wait: cfg.wait,
            flush_timeout_ns: cfg.flush_timeout_ns,
            query: Some(cfg.query_spec()),
            fuse: cfg.fuse,
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
    if o.table_grows > 0 {
        s.push_str(&format!("\n  flow tables grew {} time(s) under the clock", o.table_grows));
    }
    s.push_str(&format!(
        "\n  result delay ns: p50 {} p99 {} max {}; {} output row(s), collected in {:.1} ms",
        r.result_delay_ns.p50,
        r.result_delay_ns.p99,
        r.result_delay_ns.max,
        o.output.rows.len(),
        o.collect_ns as f64 / 1e6
    ));
    for t in &r.per_stage {
        s.push_str(&format!(
            "\n  {}: parsed {}, aggregated {}, sent {}, partials {}, emitted {}; busy {:.3} s, \
             idle {:.3} s; full {}, empty {}",
            t.name,
            t.parsed,
            t.records_in,
            t.records_out,
            t.partials_out,
            t.rows_emitted,
            t.busy_s,
            t.idle_s,
            t.full_events,
            t.empty_events
        ));
        if t.evicted_cap + t.evicted_idle > 0 {
            s.push_str(&format!("; evicted {} at the cap, {} idle", t.evicted_cap, t.evicted_idle));
        }
    }
    s.push_str(&format!(
        "\n  host: steal {:.1}%, {} involuntary context switches, {}",
        r.host.steal_pct,
        r.host.involuntary_ctx_switches,
        r.host.cpu_mhz.map_or_else(|| "CPU clock unknown".to_string(), |m| format!("{m:.0} MHz"))
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_their_units() {
        assert_eq!(parse_duration_ns("1s"), Ok(1_000_000_000));
        assert_eq!(parse_duration_ns("100ms"), Ok(100_000_000));
        assert_eq!(parse_duration_ns("2.5us"), Ok(2_500));
        assert_eq!(parse_duration_ns("5000ns"), Ok(5_000));
        for bad in ["1", "s", "1h", "0s", "-1s", ""] {
            assert!(parse_duration_ns(bad).is_err(), "{bad}");
        }
    }

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
