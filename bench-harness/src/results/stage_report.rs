//! One thread's counters in a run's results (`per_stage`), every thread of the plan.

use serde::{Deserialize, Serialize};

/// One thread's counters (every thread of the plan, workers or not).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// Thread name from the plan.
    pub name: String,
    /// Records parsed from its ring.
    pub parsed: u64,
    /// Records its aggregation took in.
    pub records_in: u64,
    /// Records it sent to other threads.
    pub records_out: u64,
    /// Partial aggregates it sent to merges.
    pub partials_out: u64,
    /// Partial aggregates it emitted as results.
    pub rows_emitted: u64,
    /// Seconds spent working.
    pub busy_s: f64,
    /// Seconds spent waiting.
    pub idle_s: f64,
    /// Times a destination had no free batch or no room.
    pub full_events: u64,
    /// Times an input edge was polled empty.
    pub empty_events: u64,
    /// Keyed-state entries evicted at the cap, and as idle.
    pub evicted_cap: u64,
    /// Keyed-state entries evicted as idle.
    pub evicted_idle: u64,
    /// Largest keyed-state table allocation, bytes.
    pub state_peak_bytes: u64,
}
