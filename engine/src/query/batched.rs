//! The first aggregation stage's batched update, for queries that evict nothing early: records
//! go into [`FlatWindows`] in passes over a group, so the memory misses of the group overlap
//! (the way the flow table's batches and Jetstream's grouped packet vectors work).
//!
//! 1. Each record passes each side's filter and map and is keyed and hashed; its windows are
//!    opened and the home slot of its key prefetched.
//! 2. The entry the slot names is prefetched.
//! 3. Each record updates its key's counters, in trace order (so order-dependent aggregates
//!    see what they would unbatched), and hashes its exact distinct values into pairs whose
//!    slots are prefetched.
//! 4. The pair each slot names is prefetched, then the pairs go into the window's pair table.

use wire::PacketRecord;

use super::compile::CompiledQuery;
use super::key::{KeyLayout, PackedKey};
use super::window::LastWindow;
use crate::state::flat_windows::{FlatWindows, entry_hash, pair_hash};

/// Records per group: enough misses in flight to overlap, few enough that the prefetched
/// lines are still in L1 when the group reads them.
const GROUP: usize = 32;

/// Marks [`Visit::rec`] as a position in the mapped copies rather than in the group.
const MAPPED: u32 = 1 << 31;

/// A record's visit to one window on one side.
struct Visit {
    start: u64,
    window: usize,
    side: u8,
    hash: u64,
    key: PackedKey,
    /// The record as the side saw it: its position in the group, or, with [`MAPPED`], in the
    /// copies the side's map rewrote.
    rec: u32,
}

/// A distinct value on its way to its window's pair table.
struct PairVisit {
    window: usize,
    hash: u64,
    entry: usize,
    set: usize,
    value: PackedKey,
}

/// The batched state of one thread's first stage.
pub struct BatchedAgg {
    /// The state.
    pub state: FlatWindows,
    /// Each side's exact distinct aggregates.
    exact: Vec<Vec<(usize, KeyLayout)>>,
    last_window: LastWindow,
    visits: Vec<Visit>,
    mapped: Vec<PacketRecord>,
    pairs: Vec<PairVisit>,
}

impl BatchedAgg {
    /// Empty state for `q`.
    pub fn new(q: &CompiledQuery) -> Self {
        Self {
            state: FlatWindows::new(),
            exact: q.sides.iter().map(|s| s.aggs.exact_sets()).collect(),
            last_window: LastWindow::default(),
            visits: Vec::with_capacity(GROUP * q.sides.len()),
            mapped: Vec::new(),
            pairs: Vec::new(),
        }
    }

    /// Adds records.
    pub fn on_batch(&mut self, q: &CompiledQuery, records: &[PacketRecord]) {
        for group in records.chunks(GROUP) {
            self.add_group(q, group);
        }
        self.state.sample_peak();
    }

    fn add_group(&mut self, q: &CompiledQuery, group: &[PacketRecord]) {
        let window = q.window();
        let state = &mut self.state;
        self.visits.clear();
        self.mapped.clear();
        for (i, r) in group.iter().enumerate() {
            for (side_idx, side) in q.sides.iter().enumerate() {
                let mut buf = PacketRecord::default();
                let Some(m) = side.keep(r, &mut buf) else { continue };
                let key = side.key.pack(m);
                let rec = if side.map.is_empty() {
                    i as u32
                } else {
                    self.mapped.push(*m);
                    (self.mapped.len() - 1) as u32 | MAPPED
                };
                let side = side_idx as u8;
                let hash = entry_hash(side, &key);
                window.for_each_start_cached(r.ts_ns, &mut self.last_window, |start| {
                    let w = state.open(start);
                    state.prefetch_slot(w, hash);
                    self.visits.push(Visit { start, window: w, side, hash, key, rec });
                });
            }
        }
        // A window opened later in the group may have moved the ones before it.
        let mut last = (u64::MAX, 0);
        for v in &mut self.visits {
            if v.start != last.0 {
                last = (v.start, state.open(v.start));
            }
            v.window = last.1;
            state.prefetch_entry(v.window, v.hash);
        }
        self.pairs.clear();
        for v in &self.visits {
            let rec = if v.rec & MAPPED == 0 {
                &group[v.rec as usize]
            } else {
                &self.mapped[(v.rec & !MAPPED) as usize]
            };
            let aggs = &q.sides[usize::from(v.side)].aggs;
            let (entry, acc) = state.entry(v.window, v.hash, v.side, &v.key, || aggs.new_acc());
            aggs.update_without_exact(acc, rec);
            for (set, layout) in &self.exact[usize::from(v.side)] {
                let value = layout.pack(rec);
                let hash = pair_hash(entry, *set, &value);
                state.prefetch_pair(v.window, hash);
                self.pairs.push(PairVisit { window: v.window, hash, entry, set: *set, value });
            }
        }
        for p in &self.pairs {
            state.prefetch_pair_entry(p.window, p.hash);
        }
        for p in &self.pairs {
            state.add_pair(p.window, p.hash, p.entry, p.set, &p.value);
        }
    }
}
