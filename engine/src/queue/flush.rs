//! When a stage publishes a partial batch: the flush policy (batch size and timeout) every
//! sending stage applies to the batches it fills.

use serde::{Deserialize, Serialize};

use super::batch::{DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS};

/// When a producer publishes a partial batch: once it holds `batch` records, or once its first
/// record has waited `timeout_ns`, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct FlushPolicy {
    /// Records per publish (B).
    pub batch: usize,
    /// How long (ns) a non-empty partial batch may wait before it is published; 0 publishes
    /// at every check.
    pub timeout_ns: u64,
}

impl FlushPolicy {
    /// A policy publishing every `batch` records or after `timeout_ns`.
    pub fn new(batch: usize, timeout_ns: u64) -> Self {
        FlushPolicy { batch, timeout_ns }
    }

    /// True when a batch holding `len` records, whose first record arrived at `started_ns`,
    /// must be published at `now_ns`: it is full (`len >= batch`), or it is not empty and
    /// `now_ns - started_ns >= timeout_ns`. An empty batch is never due.
    ///
    /// Both times come from the same monotonic clock in ns; a `now_ns` before `started_ns`
    /// (a clock read on another core) counts as no time passed.
    #[inline]
    pub fn should_flush(&self, len: usize, started_ns: u64, now_ns: u64) -> bool {
        len >= self.batch || (len > 0 && now_ns.saturating_sub(started_ns) >= self.timeout_ns)
    }

    /// The time at which a partial batch started at `started_ns` falls due.
    pub fn deadline_ns(&self, started_ns: u64) -> u64 {
        started_ns.saturating_add(self.timeout_ns)
    }
}

impl Default for FlushPolicy {
    /// [`DEFAULT_BATCH`] records or [`DEFAULT_FLUSH_TIMEOUT_NS`].
    fn default() -> Self {
        FlushPolicy::new(DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS)
    }
}
