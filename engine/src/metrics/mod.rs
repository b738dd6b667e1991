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
    /// Whether it ran the query's aggregation.
    pub is_query: bool,
    /// Frames taken from a receive ring.
    pub frames_in: u64,
    /// Records parsed from its ring (each enters the query, whether a filter keeps it or not).
    pub processed: u64,
    /// Records its aggregation took in.
    pub records_in: u64,
    /// Wire bytes of the records its aggregation took in.
    pub bytes: u64,
    /// Records it sent to other threads.
    pub records_out: u64,
    /// Records it received from other threads.
    pub records_received: u64,
    /// Partial aggregates it sent to other threads' merges.
    pub partial_rows_out: u64,
    /// Partial aggregates it emitted as results.
    pub rows_emitted: u64,
    /// Times a destination had no free batch or no room (backpressure).
    pub full_events: u64,
    /// Times an input edge was polled empty.
    pub empty_events: u64,
    /// Keyed-state entries evicted at the memory cap.
    pub evicted_cap: u64,
    /// Keyed-state entries evicted as idle.
    pub evicted_idle: u64,
    /// Largest keyed-state table allocation, bytes.
    pub state_peak_bytes: usize,
    /// Frames that gave no record, by reason.
    pub unparsed: BTreeMap<&'static str, u64>,
    /// Frames dropped, by reason.
    pub dropped: BTreeMap<DropReason, u64>,
    /// Nanoseconds between the clock start and the end of this thread's inputs (its last
    /// record taken in; emitting the last windows after that is result delay).
    pub end_ns: u64,
    /// Nanoseconds spent waiting for input or for room downstream.
    pub idle_ns: u64,
    /// CPU time of the thread during the measurement.
    pub cpu_ns: u64,
    /// Sampled latency (threads that aggregate).
    pub latency: Histogram<u64>,
    /// Result delay of each window this thread emitted (ns).
    pub result_delay: Histogram<u64>,
}

impl ThreadMetrics {
    /// Empty metrics for a thread.
    pub fn new(name: String, is_query: bool) -> Self {
        Self {
            name,
            is_query,
            frames_in: 0,
            processed: 0,
            records_in: 0,
            bytes: 0,
            records_out: 0,
            records_received: 0,
            partial_rows_out: 0,
            rows_emitted: 0,
            full_events: 0,
            empty_events: 0,
            evicted_cap: 0,
            evicted_idle: 0,
            state_peak_bytes: 0,
            unparsed: BTreeMap::new(),
            dropped: BTreeMap::new(),
            end_ns: 0,
            idle_ns: 0,
            cpu_ns: 0,
            latency: latency_histogram(),
            result_delay: latency_histogram(),
        }
    }

    /// Counts an unparsed frame.
    #[inline]
    pub fn count_unparsed(&mut self, reason: Unparsed) {
        *self.unparsed.entry(reason.name()).or_default() += 1;
    }
}
