//! The merge stage: partial aggregates from several sources in, one state per (window, side,
//! key) out once every source's watermark has passed the window's end (`two-stage` owners and
//! the `farm` emitter run one).

use std::sync::Arc;

use super::compile::CompiledQuery;
use crate::state::windowed::{Entry, Row, WindowedState};

/// One thread's merge stage over `n` sources.
pub struct MergeStage {
    q: Arc<CompiledQuery>,
    state: WindowedState,
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
            state: WindowedState::new(),
            wm: vec![0; sources],
            wm_clock: vec![0; sources],
            closed_to: 0,
        }
    }

    /// Merges partial rows into the state (they belong to windows still open here: a source
    /// sends a window's rows before a watermark past its end).
    pub fn absorb(&mut self, rows: impl IntoIterator<Item = Row>) {
        for row in rows {
            let aggs = &self.q.sides[usize::from(row.side)].aggs;
            match self.state.get_mut(row.window, row.side, &row.key) {
                Some(e) => aggs.merge(&mut e.acc, row.acc),
                None => {
                    self.state.insert(
                        row.window,
                        row.side,
                        row.key,
                        Entry { acc: row.acc, last_ts: 0 },
                    );
                }
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
