//! The results schema: the serde types every measuring subcommand, suite and plot shares.
//!
//! A results file is one JSON object: `schema_version`, `provenance`, `config` (the serialised
//! configuration of what was measured), then the measurement's own fields at the top level
//! (see `DESIGN.md`, "The command line"). CSV files flatten nested fields with `_`
//! (`latency_ns_p99`, see [`super::csv`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Version of this schema; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Where and with what a result was measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `git rev-parse HEAD` of the source tree, or `unknown`.
    pub git_commit: String,
    /// Whether tracked files differed from that commit.
    pub git_dirty: bool,
    /// CPU model name.
    pub cpu_model: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Kernel release.
    pub kernel: String,
    /// Compiler that built the binary.
    pub rustc: String,
    /// When the measurement was made, ISO 8601 UTC.
    pub date_utc: String,
    /// Slug of the CPU model and core count (or `--machine`).
    pub machine_id: String,
    /// Trace generator version (`tracegen::GENERATOR_VERSION`).
    pub generator_version: u32,
    /// SHA-256 of the trace file's bytes, hex; empty when no file was involved.
    pub trace_sha256: String,
}

/// One results file: the envelope around a measurement `R` made under configuration `C`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile<C, R> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where and with what it was measured.
    pub provenance: Provenance,
    /// What was asked for.
    pub config: C,
    /// What was measured (its fields sit at the top level of the JSON object).
    #[serde(flatten)]
    pub report: R,
}

impl<C, R> ResultsFile<C, R> {
    /// Wraps a measurement.
    pub fn new(provenance: Provenance, config: C, report: R) -> Self {
        Self { schema_version: SCHEMA_VERSION, provenance, config, report }
    }
}

/// Configuration of `trace-stats`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStatsConfig {
    /// The capture file.
    pub file: String,
    /// Whether a truncated capture was an error.
    pub strict: bool,
}

/// What `trace-stats` measures of a capture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceStats {
    /// Frames in the capture.
    pub packets: u64,
    /// Sum of wire lengths (`orig_len`).
    pub bytes: u64,
    /// Distinct 5-tuples (per direction) among parsed packets.
    pub flows: u64,
    /// `bytes / packets`.
    pub mean_wire_len: f64,
    /// `bytes * 8 / duration_s / 1e9`, 0 when the capture spans no time.
    pub gbps: f64,
    /// Timestamp of the last frame minus that of the first, in seconds.
    pub duration_s: f64,
    /// Packets of the busiest flow over parsed packets.
    pub largest_flow_share: f64,
    /// Frames by link type name.
    pub link_types: BTreeMap<String, u64>,
    /// Frames that gave no record, by reason.
    pub unparsed: u64,
    /// `unparsed` split by reason name.
    pub unparsed_by_reason: BTreeMap<String, u64>,
    /// Offset of the incomplete record where the capture was cut short, if it was.
    pub truncated_at_offset: Option<u64>,
}

/// The serialised configuration of one engine run, as `run --config`, suites and results
/// describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Query application (`flow-counter`, ...).
    pub app: String,
    /// Capture file, when the traffic came from one.
    pub trace: Option<String>,
    /// Generator profile, when the traffic was generated.
    pub profile: Option<String>,
    /// Packets generated (with `profile`).
    pub packets: Option<u64>,
    /// Generator seed (with `profile`).
    pub seed: Option<u64>,
    /// Topology name.
    pub topology: String,
    /// Query threads.
    pub workers: usize,
    /// Queue design between threads.
    pub queue: String,
    /// Records per publish.
    pub batch: usize,
    /// Pin plan: a core list, or `none`.
    pub pin: String,
    /// Times the trace is replayed.
    pub loops: u64,
    /// RSS function splitting frames over receive rings.
    pub rss: wire::RssFunction,
    /// Receive ring size in frames.
    pub ring_size: usize,
}

/// Percentiles of a latency distribution in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest sample.
    pub max: u64,
}

/// One query thread's share of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerReport {
    /// Packets this worker processed.
    pub packets: u64,
    /// Seconds spent working.
    pub busy_s: f64,
    /// Seconds spent waiting for input.
    pub idle_s: f64,
}

/// What `run` measures (`DESIGN.md`'s field list).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Query application.
    pub app: String,
    /// Topology name.
    pub topology: String,
    /// Queue design.
    pub queue: String,
    /// Records per publish.
    pub batch: usize,
    /// Query threads.
    pub workers: usize,
    /// All threads of the run (query threads plus sources or emitters).
    pub threads: usize,
    /// More busy threads than cores.
    pub oversubscribed: bool,
    /// Frames offered (trace frames times loops).
    pub packets: u64,
    /// Packets processed by the query (filtered ones included).
    pub processed: u64,
    /// Frames that gave no record.
    pub unparsed: u64,
    /// Frames dropped, by reason (`rx_ring_full`, ...).
    pub dropped_by_reason: BTreeMap<String, u64>,
    /// `packets == processed + unparsed + sum(dropped_by_reason)`.
    pub conservation_ok: bool,
    /// Sum of wire lengths of processed packets.
    pub bytes: u64,
    /// Processing time in seconds.
    pub duration_s: f64,
    /// Processed packets per second, in millions.
    pub mpps: f64,
    /// Offered rate in Mpps when paced; `None` at top speed.
    pub offered_mpps: Option<f64>,
    /// `bytes * 8 / duration_s`, in Gb/s.
    pub gbps: f64,
    /// Gb/s including 24 B of preamble, gap and FCS per packet.
    pub gbps_l1: f64,
    /// Each query thread's share.
    pub per_worker: Vec<WorkerReport>,
    /// CPU time of all threads over processed packets, in ns.
    pub cpu_ns_per_packet: f64,
    /// Peak resident memory of the process.
    pub max_rss_bytes: u64,
    /// Sampled per-record latency (`DESIGN.md`, "latency_ns").
    pub latency_ns: LatencySummary,
    /// Window output delay.
    pub result_delay_ns: LatencySummary,
    /// Offset where the capture was cut short, if it was.
    pub truncated_at_offset: Option<u64>,
}

impl RunReport {
    /// Whether the packet accounts balance.
    pub fn conserves(&self) -> bool {
        let dropped: u64 = self.dropped_by_reason.values().sum();
        self.packets == self.processed + self.unparsed + dropped
    }
}
