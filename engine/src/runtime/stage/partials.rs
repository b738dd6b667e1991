//! The aggregation's watermark and what leaves it: closing windows, shipping partials
//! (emitted, or over partial edges to merges), and merging what arrives on partial edges.

use hdrhistogram::Histogram;

use super::{EVICTED_ROWS_PER_SHIP, PartialsOut, Worker};
use crate::query::key::owner_of;
use crate::runtime::clock::RunClock;
use crate::runtime::exchange::{PartialMsg, PartialTx, Polled};
use crate::state::windowed::Row;

impl Worker<'_, '_> {
    /// Moves the aggregation's watermark to the minimum over its sources and ships what leaves.
    pub(super) fn advance_aggregation(&mut self) {
        let Some(a) = &mut self.agg else { return };
        if a.done {
            return;
        }
        let (mut wm, mut clock) = (u64::MAX, 0);
        if self.ring_aggregates
            && let Some(r) = &self.ring
        {
            (wm, clock) = (r.wm, r.wm_clock);
        }
        if self.inputs_aggregate {
            for e in &self.inputs {
                wm = wm.min(e.wm);
                clock = clock.max(e.wm_clock);
            }
        }
        if wm <= a.wm {
            if self.rows.len() >= EVICTED_ROWS_PER_SHIP {
                let wm = a.wm;
                self.ship_rows(wm, clock, false);
            }
            return;
        }
        a.wm = wm;
        let mut closed = 0u64;
        let mut note = |_end: u64| closed += 1;
        a.agg.advance(wm, &mut self.rows, &mut note);
        if wm == u64::MAX {
            a.agg.finish(&mut self.rows, &mut note);
            a.done = true;
            self.m.evicted_cap = a.agg.evicted_cap;
            self.m.evicted_idle = a.agg.evicted_idle;
            self.m.state_peak_bytes = a.agg.peak_table_bytes();
        }
        let crossed = wm >= a.next_end;
        if crossed {
            a.next_end = self.env.query.window().next_end_after(wm);
        }
        let done = a.done;
        self.ship_rows(wm, clock, crossed || done);
        if matches!(self.partials, PartialsOut::Emit) && closed > 0 {
            // Emitted now: the delay runs from the release of the record that closed them.
            let delay = self.now().saturating_sub(clock).max(1);
            self.m.result_delay.saturating_record_n(delay, closed);
        }
        if done {
            self.close_partials();
        }
    }

    /// Sends the rows that left the aggregation where the plan says; with `announce`, every
    /// merge destination hears the new watermark even without rows.
    pub(super) fn ship_rows(&mut self, wm: u64, clock: u64, announce: bool) {
        let rows = std::mem::take(&mut self.rows);
        match &mut self.partials {
            PartialsOut::None => {}
            PartialsOut::Emit => self.emitted.extend(rows),
            PartialsOut::To(tx) => {
                if !rows.is_empty() || announce {
                    self.m.partial_rows_out += rows.len() as u64;
                    tx.send(PartialMsg { rows, wm, wm_clock: clock });
                }
            }
            PartialsOut::ByKey(txs) => {
                let n = txs.len();
                // Keys spread evenly over owners: room for a fair share and a margin.
                let share = rows.len() / n + rows.len() / (4 * n) + 1;
                let mut buckets: Vec<Vec<Row>> =
                    (0..n).map(|_| Vec::with_capacity(share)).collect();
                for r in rows {
                    buckets[owner_of(&r.key, n)].push(r);
                }
                for (tx, rows) in txs.iter_mut().zip(buckets) {
                    match tx {
                        Some(tx) => {
                            if !rows.is_empty() || announce {
                                self.m.partial_rows_out += rows.len() as u64;
                                tx.send(PartialMsg { rows, wm, wm_clock: clock });
                            }
                        }
                        None => {
                            if let Some(mg) = &mut self.merge {
                                mg.stage.absorb(rows);
                                let mut bases = Vec::new();
                                mg.stage
                                    .advance(0, wm, clock, &mut self.emitted, |b| bases.push(b));
                                record_delays(&mut self.m.result_delay, &self.env.clock, &bases);
                            }
                        }
                    }
                }
            }
        }
    }

    pub(super) fn close_partials(&mut self) {
        match &mut self.partials {
            PartialsOut::To(tx) => tx.close(),
            PartialsOut::ByKey(txs) => txs.iter_mut().flatten().for_each(PartialTx::close),
            _ => {}
        }
    }

    /// Sends what waits in the partial outboxes.
    pub(super) fn flush_partials(&mut self) -> bool {
        match &mut self.partials {
            PartialsOut::To(tx) => tx.flush(),
            PartialsOut::ByKey(txs) => txs.iter_mut().flatten().fold(false, |p, tx| tx.flush() | p),
            _ => false,
        }
    }

    /// Merges what arrived on the partial edges.
    pub(super) fn poll_merge(&mut self) -> bool {
        let Some(mg) = &mut self.merge else { return false };
        let mut progress = false;
        let base = usize::from(mg.local);
        let mut bases = Vec::new();
        for (i, rx) in mg.rxs.iter_mut().enumerate() {
            loop {
                let (wm, clock) = match rx.poll() {
                    Polled::Msg(m) => {
                        mg.stage.absorb(m.rows);
                        (m.wm, m.wm_clock)
                    }
                    Polled::Ended => (u64::MAX, self.env.clock.now_ns()),
                    Polled::Empty | Polled::Done => break,
                };
                progress = true;
                mg.stage.advance(base + i, wm, clock, &mut self.emitted, |b| bases.push(b));
            }
        }
        record_delays(&mut self.m.result_delay, &self.env.clock, &bases);
        progress
    }
}

/// Records the result delay of windows just emitted: now minus each one's base (when the
/// record that closed it was released).
fn record_delays(h: &mut Histogram<u64>, clock: &RunClock, bases: &[u64]) {
    if bases.is_empty() {
        return;
    }
    let now = clock.now_ns();
    for b in bases {
        h.saturating_record(now.saturating_sub(*b).max(1));
    }
}
