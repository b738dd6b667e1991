//! Run metrics: drop reasons, per-thread counters, latency sampling, conservation.

pub mod cpu;

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use wire::Unparsed;

/// Why a frame was lost before reaching the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropReason {
    /// It arrived while its receive ring was full.
    RxRingFull,
}

impl DropReason {
    /// The reason's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::RxRingFull => "rx_ring_full",
        }
    }
}

/// One in `LATENCY_SAMPLE_EVERY` records (by sequence number) has its latency measured.
pub const LATENCY_SAMPLE_EVERY: u32 = 1024;

/// Whether a record with this sequence number is a latency sample.
#[inline]
pub fn is_latency_sample(seq_no: u32) -> bool {
    seq_no.is_multiple_of(LATENCY_SAMPLE_EVERY)
}

/// A latency histogram in nanoseconds (1 ns to 100 s, 3 significant digits).
pub fn latency_histogram() -> Histogram<u64> {
    // The bounds are constants that hdrhistogram accepts.
    Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("valid histogram bounds")
}

/// What one thread counted.
#[derive(Clone, Debug)]
pub struct ThreadMetrics {
    /// Thread name from the plan.
    pub name: String,
    /// Whether it ran the query.
    pub is_query: bool,
    /// Frames taken from a receive ring.
    pub frames_in: u64,
    /// Records processed by the query (query threads).
    pub processed: u64,
    /// Wire bytes of processed records.
    pub bytes: u64,
    /// Records routed onward (router threads).
    pub routed: u64,
    /// Frames that gave no record, by reason.
    pub unparsed: BTreeMap<&'static str, u64>,
    /// Frames dropped, by reason.
    pub dropped: BTreeMap<DropReason, u64>,
    /// Nanoseconds between the clock start and this thread's end.
    pub end_ns: u64,
    /// Nanoseconds spent waiting for input or for room downstream.
    pub idle_ns: u64,
    /// CPU time of the thread during the measurement.
    pub cpu_ns: u64,
    /// Sampled latency (query threads).
    pub latency: Histogram<u64>,
}

impl ThreadMetrics {
    /// Empty metrics for a thread.
    pub fn new(name: String, is_query: bool) -> Self {
        Self {
            name,
            is_query,
            frames_in: 0,
            processed: 0,
            bytes: 0,
            routed: 0,
            unparsed: BTreeMap::new(),
            dropped: BTreeMap::new(),
            end_ns: 0,
            idle_ns: 0,
            cpu_ns: 0,
            latency: latency_histogram(),
        }
    }

    /// Counts an unparsed frame.
    #[inline]
    pub fn count_unparsed(&mut self, reason: Unparsed) {
        *self.unparsed.entry(reason.name()).or_default() += 1;
    }
}
