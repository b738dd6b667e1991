//! The first aggregation stage: records in, partial aggregates per (window, side, key) out.
//!
//! Each record passes each side's filter and map, is keyed, and updates the state of every
//! window holding its time. Windows close as the watermark passes their end; entries leave
//! early when the state is at its cap or a key idles past its timeout. Whatever leaves is a
//! [`Row`], a partial that the next stage merges, so the totals do not depend on when or
//! where a key's state left.

use std::sync::Arc;

use wire::PacketRecord;

use super::batched::BatchedAgg;
use super::compile::CompiledQuery;
use crate::state::windowed::{Entry, Row, WindowedState};
use crate::state::{FlowEstimate, FlowTable};

/// What the stage keeps its state in.
enum Store {
    /// Passthrough's shape: one counter (see [`CompiledQuery::is_plain_count`]).
    Count(u64),
    /// The flow counter's shape: the flat flow table (see [`CompiledQuery::is_flow_count`]).
    Flows(FlowTable),
    /// Queries that evict nothing early: flat tables updated a group at a time.
    Batched(BatchedAgg),
    /// Queries with a memory cap or idle timeout, which take single entries out.
    Windows(WindowedState),
}

/// One thread's first aggregation stage.
pub struct PartialAgg {
    q: Arc<CompiledQuery>,
    store: Store,
    /// Watermark: every record still to come is at least this late.
    wm: u64,
    /// Packet time of the next idle sweep.
    next_sweep: u64,
    /// Entries evicted by the cap.
    pub evicted_cap: u64,
    /// Entries evicted as idle.
    pub evicted_idle: u64,
    /// The flow table's size when it was drained (it only grows).
    flow_table_bytes: usize,
}

impl PartialAgg {
    /// A stage for `q`, its flow table (if it uses one) sized for `flows`.
    pub fn new(q: Arc<CompiledQuery>, flows: FlowEstimate) -> Self {
        let store = if q.is_plain_count() {
            Store::Count(0)
        } else if q.is_flow_count() {
            Store::Flows(FlowTable::with_estimate(flows))
        } else if q.spec.state_cap.is_none() && q.spec.idle_timeout_ns.is_none() {
            Store::Batched(BatchedAgg::new(&q))
        } else {
            Store::Windows(WindowedState::new())
        };
        Self {
            q,
            store,
            wm: 0,
            next_sweep: 0,
            evicted_cap: 0,
            evicted_idle: 0,
            flow_table_bytes: 0,
        }
    }

    /// Adds records; entries evicted to make room go to `out`.
    #[inline]
    pub fn on_batch(&mut self, records: &[PacketRecord], out: &mut Vec<Row>) {
        let state = match &mut self.store {
            Store::Count(n) => {
                *n += records.len() as u64;
                return;
            }
            Store::Flows(t) => {
                t.update_batch(records);
                return;
            }
            Store::Batched(b) => {
                b.on_batch(&self.q, records);
                return;
            }
            Store::Windows(s) => s,
        };
        let window = self.q.window();
        let cap = self.q.spec.state_cap;
        for r in records {
            for (side_idx, side) in self.q.sides.iter().enumerate() {
                let mut buf = PacketRecord::default();
                let Some(m) = side.keep(r, &mut buf) else { continue };
                let key = side.key.pack(m);
                let side_id = side_idx as u8;
                if cap.is_none() {
                    // No cap to make room for: one probe per (window, key).
                    window.for_each_start(r.ts_ns, |start| {
                        let e = state.get_or_insert_with(start, side_id, &key, || Entry {
                            acc: side.aggs.new_acc(),
                            last_ts: r.ts_ns,
                        });
                        side.aggs.update(&mut e.acc, m);
                        e.last_ts = r.ts_ns;
                    });
                    continue;
                }
                window.for_each_start(r.ts_ns, |start| {
                    if let Some(e) = state.get_mut(start, side_id, &key) {
                        side.aggs.update(&mut e.acc, m);
                        e.last_ts = r.ts_ns;
                        return;
                    }
                    if let Some(cap) = cap
                        && state.len() >= cap
                        && state.evict_one(out)
                    {
                        self.evicted_cap += 1;
                    }
                    let e = state.insert(
                        start,
                        side_id,
                        key,
                        Entry { acc: side.aggs.new_acc(), last_ts: r.ts_ns },
                    );
                    side.aggs.update(&mut e.acc, m);
                });
            }
        }
        state.sample_peak();
    }

    /// Moves the watermark to `wm`: windows ending at or before it close into `out` (their
    /// ends go to `closed`), and keys idle past the timeout leave.
    pub fn advance(&mut self, wm: u64, out: &mut Vec<Row>, mut closed: impl FnMut(u64)) {
        if wm <= self.wm {
            return;
        }
        self.wm = wm;
        let window = self.q.window();
        let state = match &mut self.store {
            Store::Windows(state) => state,
            Store::Batched(b) => {
                b.state.close_until(wm, |s| window.end_of(s), out, closed);
                return;
            }
            Store::Count(_) | Store::Flows(_) => {
                if wm == u64::MAX {
                    self.drain_counters(out);
                    closed(u64::MAX);
                }
                return;
            }
        };
        state.close_until(wm, |s| window.end_of(s), out, closed);
        if let Some(t) = self.q.spec.idle_timeout_ns
            && wm >= self.next_sweep
            && wm != u64::MAX
        {
            self.evicted_idle += state.evict_idle(wm.saturating_sub(t), out) as u64;
            // Sweep again after half a timeout: a key leaves at most 1.5 timeouts after its
            // last packet, and a sweep's cost is spread over many records.
            self.next_sweep = wm.saturating_add((t / 2).max(1));
        }
    }

    /// Ends the stream: everything left goes to `out`.
    pub fn finish(&mut self, out: &mut Vec<Row>, closed: impl FnMut(u64)) {
        self.advance(u64::MAX, out, closed);
        match &mut self.store {
            Store::Windows(state) => state.drain_all(out),
            Store::Batched(b) => b.state.drain_all(out),
            Store::Count(_) | Store::Flows(_) => {}
        }
    }

    /// Ends the stream for the counter and flow-table shapes: their state leaves as rows.
    fn drain_counters(&mut self, out: &mut Vec<Row>) {
        let side = &self.q.sides[0];
        let t = match &mut self.store {
            Store::Count(n) => {
                let mut acc = side.aggs.new_acc();
                acc.nums[0] = std::mem::take(n);
                if acc.nums[0] > 0 {
                    out.push(Row { window: 0, side: 0, key: Default::default(), acc });
                }
                return;
            }
            Store::Flows(t) => t,
            Store::Windows(_) | Store::Batched(_) => return,
        };
        self.flow_table_bytes = t.memory_bytes();
        out.reserve(t.len());
        for (k, c) in t.iter() {
            let mut acc = side.aggs.new_acc();
            acc.nums[0] = c.packets;
            acc.nums[1] = c.bytes;
            out.push(Row { window: 0, side: 0, key: side.key.pack_flow(&k), acc });
        }
        *t = FlowTable::with_capacity(0);
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Count(n) => usize::from(*n > 0),
            Store::Flows(t) => t.len(),
            Store::Batched(b) => b.state.len(),
            Store::Windows(s) => s.len(),
        }
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the state holds now.
    pub fn memory_bytes(&self) -> usize {
        match &self.store {
            Store::Count(_) => 0,
            Store::Flows(t) => t.memory_bytes(),
            Store::Batched(b) => b.state.memory_bytes(),
            Store::Windows(s) => s.memory_bytes(),
        }
    }

    /// The largest table allocation seen (the flow table only grows: its size now, or when it
    /// was drained).
    pub fn peak_table_bytes(&self) -> usize {
        match &self.store {
            Store::Count(_) => 0,
            Store::Flows(t) => t.memory_bytes().max(self.flow_table_bytes),
            Store::Batched(b) => b.state.peak_table_bytes(),
            Store::Windows(s) => s.peak_table_bytes(),
        }
    }

    /// Times the flow table doubled (0 for the windowed state).
    pub fn table_grows(&self) -> u32 {
        match &self.store {
            Store::Flows(t) => t.grows(),
            Store::Count(_) | Store::Windows(_) | Store::Batched(_) => 0,
        }
    }
}
