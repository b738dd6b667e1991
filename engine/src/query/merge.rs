//! The merge stage: partial aggregates from several sources in, one state per (window, side,
//! key) out once every source's watermark has passed the window's end (`two-stage` owners and
//! the `farm` emitter run one).

use std::sync::Arc;

use super::compile::CompiledQuery;
use crate::state::flat_windows::{FlatWindows, entry_hash};
use crate::state::windowed::Row;

/// One thread's merge stage over `n` sources.
pub struct MergeStage {
    q: Arc<CompiledQuery>,
    state: FlatWindows,
    /// Each source's watermark.
    wm: Vec<u64>,
    /// Each source's latest watermark clock: when (engine clock, release time) the record that
    /// set it was released at its ring.
    wm_clock: Vec<u64>,
    /// The watermark the stage has closed up to (the minimum over sources).
    closed_to: u64,
}

impl MergeStage {
    /// A stage fed by `sources` sources.
    pub fn new(q: Arc<CompiledQuery>, sources: usize) -> Self {
        Self {
            q,
            state: FlatWindows::new(),
            wm: vec![0; sources],
            wm_clock: vec![0; sources],
            closed_to: 0,
        }
    }

    /// Merges partial rows into the state (they belong to windows still open here: a source
    /// sends a window's rows before a watermark past its end). Each row's slot is prefetched
    /// 16 rows ahead and its entry 8 ahead, so the misses of a batch overlap.
    pub fn absorb(&mut self, rows: Vec<Row>) {
        const AHEAD: usize = 16;
        // Open every window first: opening one may move the others.
        for r in &rows {
            self.state.open(r.window);
        }
        let at: Vec<(usize, u64)> =
            rows.iter().map(|r| (self.state.open(r.window), entry_hash(r.side, &r.key))).collect();
        for (i, (row, &(w, h))) in rows.into_iter().zip(&at).enumerate() {
            if let Some(&(w, h)) = at.get(i + AHEAD) {
                self.state.prefetch_slot(w, h);
            }
            if let Some(&(w, h)) = at.get(i + AHEAD / 2) {
                self.state.prefetch_entry(w, h);
            }
            let aggs = &self.q.sides[usize::from(row.side)].aggs;
            let mut fresh = Some(row.acc);
            let (_, acc) = self
                .state
                .entry(w, h, row.side, &row.key, || fresh.take().unwrap_or_else(|| aggs.new_acc()));
            if let Some(b) = fresh {
                aggs.merge(acc, b);
            }
        }
        self.state.sample_peak();
    }

    /// Source `src` has passed watermark `wm` (its record released at `clock`): windows every
    /// source has passed close into `out`, each with its result delay (now minus the latest
    /// source's watermark clock) passed to `closed`.
    pub fn advance(
        &mut self,
        src: usize,
        wm: u64,
        clock: u64,
        out: &mut Vec<Row>,
        mut closed: impl FnMut(u64),
    ) {
        if wm > self.wm[src] {
            self.wm[src] = wm;
            self.wm_clock[src] = clock;
        }
        let min = self.wm.iter().copied().min().unwrap_or(u64::MAX);
        if min <= self.closed_to {
            return;
        }
        self.closed_to = min;
        let window = self.q.window();
        let base = self.wm_clock.iter().copied().max().unwrap_or(0);
        self.state.close_until(min, |s| window.end_of(s), out, |_| closed(base));
        if min == u64::MAX {
            self.state.drain_all(out);
        }
    }

    /// Whether every source has ended.
    pub fn is_done(&self) -> bool {
        self.closed_to == u64::MAX
    }

    /// Bytes the state holds now.
    pub fn memory_bytes(&self) -> usize {
        self.state.memory_bytes()
    }
}
