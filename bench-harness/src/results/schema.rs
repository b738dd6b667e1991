//! The results schema: the serde types every measuring subcommand, suite and plot shares.
//!
//! A results file is one JSON object: `schema_version`, `provenance`, `config` (the serialised
//! configuration of what was measured), then the measurement's own fields at the top level
//! (see `DESIGN.md`, "The command line"). CSV files flatten nested fields with `_`
//! (`latency_ns_p99`, see [`super::csv`]).

use std::collections::BTreeMap;

use engine::queue::WaitStrategy;
use serde::{Deserialize, Serialize};
use tracegen::pcap::Loader;
use tracegen::replay::Pacing;

pub use super::host::HostSample;
pub use super::stage_report::StageReport;

/// Version of this schema; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Where and with what a result was measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `git rev-parse HEAD` of the source tree, or `unknown`.
    pub git_commit: String,
    /// Whether tracked files (other than committed results under `results/` and Markdown
    /// documents) differed from that commit.
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
    /// The loader that read the capture (the one asked for, unless it fell back).
    #[serde(default)]
    pub loader: Loader,
    /// Why the loader asked for could not be used, where it fell back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loader_fallback_reason: Option<String>,
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
    // The fields below came after the first results files; `serde(default)` lets those files
    // still load (with empty figures).
    /// Frames by wire length (`orig_len`) in the fixed bins of [`SIZE_BINS`], in that order.
    #[serde(default)]
    pub size_histogram: Vec<SizeBin>,
    /// Percentiles of the wire length over all frames.
    #[serde(default)]
    pub wire_len: WireLenPercentiles,
    /// Lengths in packets of the directional flows (5-tuples) of parsed packets.
    #[serde(default)]
    pub flow_lengths: FlowLengths,
    /// Lengths in packets of the connections: both directions of a 5-tuple together
    /// (`FlowKey::canonical`).
    #[serde(default)]
    pub connection_lengths: FlowLengths,
    /// Least-squares slope of `ln(packets)` against `ln(rank)` over the directional flows
    /// ranked 1 to `min(1000, flows)` by packets, largest first: a Zipf exponent estimate,
    /// negative (about -1 for classic Zipf traffic, 0 for flows of equal size). `None` with
    /// fewer than two flows.
    #[serde(default)]
    pub zipf_slope: Option<f64>,
    /// The 10 source addresses that sent most parsed packets, most first (ties: lower address).
    #[serde(default)]
    pub top_talkers: Vec<TopTalker>,
    /// The 10 directional flows with most packets, most first (ties: lower flow key).
    #[serde(default)]
    pub largest_flows: Vec<LargestFlow>,
    /// IP versions and transports among parsed packets.
    #[serde(default)]
    pub protocols: ProtocolMix,
    /// Parsed TCP packets with some flag combinations.
    #[serde(default)]
    pub tcp_flags: TcpFlagCounts,
    /// Host fan-out and fan-in per 1 s tumbling window.
    #[serde(default)]
    pub windows: WindowFan,
    /// The generator sidecar (`FILE.gen.json`, written by `pktstream gen`) copied whole, when
    /// one lies beside the capture; it holds at least `generator_version`.
    #[serde(default)]
    pub generator: Option<serde_json::Value>,
}

/// The wire-length bins of [`TraceStats::size_histogram`]: label, smallest and largest length.
/// The first bin holds minimum-size Ethernet frames (stored with `orig_len` 60; shorter lengths
/// only occur on other link types or in malformed captures, and are counted there too).
pub const SIZE_BINS: [(&str, u32, u32); 8] = [
    ("<=60", 0, 60),
    ("61-127", 61, 127),
    ("128-255", 128, 255),
    ("256-511", 256, 511),
    ("512-1023", 512, 1023),
    ("1024-1513", 1024, 1513),
    ("1514", 1514, 1514),
    (">1514", 1515, u32::MAX),
];

/// One bin of the wire-length histogram.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SizeBin {
    /// The bin's label (see [`SIZE_BINS`]).
    pub bin: String,
    /// Frames whose wire length falls in the bin.
    pub count: u64,
    /// `count` over all frames.
    pub share: f64,
}

/// Percentiles of the wire length in bytes (nearest rank: the smallest length at or below
/// which at least p% of the frames lie).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireLenPercentiles {
    /// 10th percentile.
    pub p10: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
}

/// The distribution of observed flow lengths in packets. Lengths are what the capture holds
/// of a flow, so flows cut by the capture's start or end count short.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowLengths {
    /// Flows.
    pub count: u64,
    /// Packets per flow.
    pub mean_packets: f64,
    /// Flows of one packet over all flows.
    pub single_packet_share: f64,
    /// Flows of at most 10 packets over all flows.
    pub at_most_10_share: f64,
    /// Packets of flows of at most 10 packets over all packets of flows.
    pub at_most_10_packet_share: f64,
    /// Median length (nearest rank, as for [`WireLenPercentiles`]).
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Longest flow.
    pub max: u64,
}

/// A source address among the top talkers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TopTalker {
    /// The address as text (IPv6 canonical).
    pub addr: String,
    /// Parsed packets it sent.
    pub packets: u64,
    /// Wire bytes of those packets.
    pub bytes: u64,
    /// `packets` over all parsed packets.
    pub share: f64,
}

/// A directional flow among the largest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LargestFlow {
    /// The 5-tuple as `src:sport>dst:dport/proto`, IPv6 addresses in brackets; ports are 0
    /// where the packet has none.
    pub flow: String,
    /// Its packets.
    pub packets: u64,
    /// `packets` over all parsed packets.
    pub share: f64,
}

/// Shares of IP versions and transports among parsed packets (0 when none parsed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProtocolMix {
    /// IPv4 packets.
    pub ipv4_share: f64,
    /// IPv6 packets.
    pub ipv6_share: f64,
    /// TCP (protocol 6).
    pub tcp_share: f64,
    /// UDP (protocol 17).
    pub udp_share: f64,
    /// ICMP and ICMPv6 (protocols 1 and 58).
    pub icmp_share: f64,
    /// Every other protocol.
    pub other_share: f64,
}

/// Parsed TCP packets by flag combination (a packet may count in more than one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpFlagCounts {
    /// SYN without ACK, FIN or RST: connection attempts.
    pub syn_only: u64,
    /// SYN and ACK.
    pub syn_ack: u64,
    /// FIN set.
    pub fin: u64,
    /// RST set.
    pub rst: u64,
}

/// The busiest host of one kind in one window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostWindowMax {
    /// The host's address as text; empty when the capture holds no parsed packet.
    pub host: String,
    /// Start of the window, ns since the Unix epoch.
    pub window_start_ns: u64,
    /// Distinct peer addresses of the host in that window.
    pub count: u64,
}

/// Host fan-out and fan-in over tumbling windows on packet time, aligned to multiples of the
/// window length since the Unix epoch. Ties go to the earlier window, then the lower address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowFan {
    /// Window length in ns (1 s).
    pub window_ns: u64,
    /// Windows holding at least one parsed packet.
    pub count: u64,
    /// The most distinct destinations one source reached in one window.
    pub max_fan_out: HostWindowMax,
    /// The most distinct sources that reached one destination in one window.
    pub max_fan_in: HostWindowMax,
}

/// The serialised configuration of one engine run, as `run --config`, suites and results
/// describe it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// The loader that read the trace (the one asked for, unless it fell back).
    #[serde(default)]
    pub loader: Loader,
    /// Why the loader asked for could not be used, where it fell back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loader_fallback_reason: Option<String>,
    /// How frames are released into the rings (`top-speed` unless `--mbps`, `--pps` or
    /// `--multiplier` was given).
    #[serde(default = "top_speed")]
    pub pacing: Pacing,
    /// Whether loops 1, 2, ... had their addresses rewritten (`--unique-ip`).
    #[serde(default)]
    pub unique_ip: bool,
    /// How idle threads waited (`--wait`: `spin`, `spin-park` or `block`).
    #[serde(default)]
    pub wait: WaitStrategy,
    /// The longest a partial batch waited before it was published, in ns
    /// (`--flush-timeout-us` times 1000).
    #[serde(default = "default_flush_timeout_ns")]
    pub flush_timeout_ns: u64,
    /// The query that ran (the app's, or the user's own from `run --config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<engine::query::QuerySpec>,
    /// Whether filter, map and routing ran in the parsing thread (`--no-fuse` turns it off).
    #[serde(default = "yes")]
    pub fuse: bool,
}

fn yes() -> bool {
    true
}

fn top_speed() -> Pacing {
    Pacing::TopSpeed
}

fn default_flush_timeout_ns() -> u64 {
    engine::config::DEFAULT_FLUSH_TIMEOUT_NS
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
    /// Records this worker's aggregation took in.
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
    /// Every thread's counters, in plan order.
    #[serde(default)]
    pub per_stage: Vec<StageReport>,
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
    /// Host conditions over the run (steal time, context switches, CPU clock), so suites can
    /// judge its noise; results files from before it read as the default (zeros, no clock).
    #[serde(default)]
    pub host: HostSample,
}

impl RunReport {
    /// Whether the packet accounts balance.
    pub fn conserves(&self) -> bool {
        let dropped: u64 = self.dropped_by_reason.values().sum();
        self.packets == self.processed + self.unparsed + dropped
    }
}

/// The serialised configuration of one `replay`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayConfig {
    /// The capture replayed.
    pub file: String,
    /// How frames were spaced.
    pub pacing: Pacing,
    /// Loops asked for (0: until the duration or the limit).
    pub loops: u64,
    /// Whether loops 1, 2, ... had their addresses rewritten.
    pub unique_ip: bool,
    /// `--duration`, in seconds.
    pub duration_s: Option<f64>,
    /// `--limit`, in frames.
    pub limit: Option<u64>,
    /// `--stats`, in seconds.
    pub stats_s: Option<f64>,
    /// Whether the file was read whole before the clock started (else streamed).
    pub preload: bool,
    /// The capture the re-timed frames were written to, if any.
    pub out: Option<String>,
    /// Whether a truncated capture was an error.
    pub strict: bool,
    /// The loader that read the capture (the one asked for, unless it fell back).
    #[serde(default)]
    pub loader: Loader,
    /// Why the loader asked for could not be used, where it fell back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loader_fallback_reason: Option<String>,
}

/// Departure error percentiles in nanoseconds (`DESIGN.md`, "departure_error_ns").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartureSummary {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// Largest.
    pub max: u64,
    /// Frames measured: every paced frame; 0 at top speed, where the error is 0 by definition.
    pub samples: u64,
}

/// What `replay` measures (`DESIGN.md`'s field list, and the pacing it was asked for).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// The pacing, as text (`10000 Mb/s`, `top speed`, ...).
    pub pacing: String,
    /// Packets per second the schedule offers (`None` at top speed, or where it is not known:
    /// a replay stopped inside its first loop at original timing).
    pub target_pps: Option<f64>,
    /// Wire Gb/s the schedule offers (as `target_pps`).
    pub target_gbps: Option<f64>,
    /// Frames released into the sink.
    pub packets: u64,
    /// Sum of their wire lengths (`orig_len`).
    pub bytes: u64,
    /// Frames the sink refused (it could not write them); 0 for the null sink.
    pub dropped: u64,
    /// From the clock start to the end of what was offered, seconds.
    pub duration_s: f64,
    /// `packets / duration_s`.
    pub achieved_pps: f64,
    /// `bytes * 8 / duration_s / 1e9`.
    pub achieved_gbps: f64,
    /// Actual minus scheduled release of every paced frame.
    pub departure_error_ns: DepartureSummary,
    /// Frames released more than 10 us late.
    pub late: u64,
    /// Loops completed.
    pub loops: u64,
    /// Why the replay stopped: `loops`, `limit`, `duration` or `empty-trace`.
    pub stopped_by: String,
    /// Time spent reading the file: before the clock with `--preload`, during the replay when
    /// streaming.
    pub load_s: f64,
    /// File bytes read over `load_s`, in GB/s.
    pub load_gbytes_per_s: f64,
    /// Offset where the capture was cut short, if it was.
    pub truncated_at_offset: Option<u64>,
}

/// The serialised configuration of one `queue-bench`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBenchConfig {
    /// Queue design.
    pub queue: String,
    /// Items per `push_from`/`pop_into` call (1: `try_push`/`try_pop`).
    pub batch: usize,
    /// Size of one item in bytes.
    pub item_bytes: usize,
    /// Whether the consumer read every byte of every item.
    pub touch: bool,
    /// Whether round trips were measured too.
    pub pingpong: bool,
    /// Items moved under the clock.
    pub items: u64,
    /// Round trips under the clock (with `pingpong`).
    pub rounds: u64,
    /// Queue capacity in items.
    pub capacity: usize,
    /// The two cores asked for: producer (and ping-pong sender) first, consumer second.
    pub cores: Vec<usize>,
}

/// What `queue-bench` measures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueBenchReport {
    /// Queue design.
    pub queue: String,
    /// Items per `push_from`/`pop_into` call.
    pub batch: usize,
    /// Size of one item in bytes.
    pub item_bytes: usize,
    /// Items moved under the clock.
    pub items: u64,
    /// Items per second through the queue, in millions.
    pub mitems_per_s: f64,
    /// Nanoseconds per round trip through two queues of the design (`null` without
    /// `--pingpong`).
    #[serde(default)]
    pub rtt_ns: Option<f64>,
    /// Nanoseconds per round trip of one atomic word between the same cores: the hardware
    /// floor (`null` without `--pingpong`).
    #[serde(default)]
    pub atomic_pingpong_rtt_ns: Option<f64>,
    /// Seconds the throughput measurement took (from the start barrier to the last item).
    pub seconds: f64,
    /// Whether the thread on each of `config.cores` was pinned there (in every measurement).
    pub pinned: Vec<bool>,
}
