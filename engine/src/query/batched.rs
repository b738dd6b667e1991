//! The first aggregation stage's batched update, for queries that evict nothing early: records
//! go into [`FlatWindows`] in passes over a group, so the memory misses of the group overlap
//! (the way the flow table's batches and Jetstream's grouped packet vectors work).
//!
//! 1. Each record passes each side's filter and map and is keyed and hashed, and so is each of
//!    its exact distinct values; its windows are opened and the home slots of its key and of
//!    its pairs prefetched.
//! 2. The entries and pairs the slots name are prefetched.
//! 3. Each record updates its key's counters, in trace order (so order-dependent aggregates
//!    see what they would unbatched); then the pairs go into the window's pair table. A side
//!    whose aggregates are all exact distinct sets skips the first step: a record that brings
//!    no new value changes nothing, and a new pair finds or makes its key's entry itself. So
//!    does a side whose other aggregates are order-free counters: its record adds them to
//!    the counters its pair carries ([`AggLayout::carrying_set`]), folded into the key's
//!    when the window closes.

use wire::PacketRecord;

#[cfg(doc)]
use super::aggregate::AggLayout;
use super::compile::CompiledQuery;
use super::key::{KeyLayout, PackedKey};
use super::window::LastWindow;
use crate::state::flat_windows::{FlatWindows, PairKey, entry_hash};

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
    start: u64,
    window: usize,
    pair: PairKey,
    /// The record, as in [`Visit::rec`], when the pair carries its side's counters.
    carry: Option<u32>,
}

/// How a side's records reach the state.
struct SidePlan {
    /// Its exact distinct aggregates: (set, layout of the values).
    exact: Vec<(usize, KeyLayout)>,
    /// Whether every record visits its key's entry (false when every aggregate is an exact
    /// distinct set, or when pairs carry the counters: only new pairs do).
    per_record: bool,
    /// The set whose pairs carry the side's counters.
    carrying: Option<usize>,
}

/// The batched state of one thread's first stage.
pub struct BatchedAgg {
    /// The state.
    pub state: FlatWindows,
    sides: Vec<SidePlan>,
    last_window: LastWindow,
    visits: Vec<Visit>,
    mapped: Vec<PacketRecord>,
    pairs: Vec<PairVisit>,
    /// One record's windows: (start, position) (scratch).
    starts: Vec<(u64, usize)>,
}

impl BatchedAgg {
    /// Empty state for `q`.
    pub fn new(q: &CompiledQuery) -> Self {
        let sides: Vec<SidePlan> = q
            .sides
            .iter()
            .map(|s| {
                let carrying = s.aggs.carrying_set();
                SidePlan {
                    exact: s.aggs.exact_sets(),
                    per_record: !s.aggs.only_exact_sets() && carrying.is_none(),
                    carrying,
                }
            })
            .collect();
        let carried = q.sides.iter().zip(&sides).map(|(s, p)| Some((p.carrying?, s.aggs.clone())));
        Self {
            state: FlatWindows::carrying(carried.collect()),
            sides,
            last_window: LastWindow::default(),
            visits: Vec::with_capacity(GROUP * q.sides.len()),
            mapped: Vec::new(),
            pairs: Vec::new(),
            starts: Vec::new(),
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
        self.pairs.clear();
        for (i, r) in group.iter().enumerate() {
            for (side_idx, (side, plan)) in q.sides.iter().zip(&self.sides).enumerate() {
                let mut buf = PacketRecord::default();
                let Some(m) = side.keep(r, &mut buf) else { continue };
                let key = side.key.pack(m);
                let reads_rec = plan.per_record || plan.carrying.is_some();
                let rec = if !reads_rec || side.map.is_empty() {
                    i as u32
                } else {
                    self.mapped.push(*m);
                    (self.mapped.len() - 1) as u32 | MAPPED
                };
                let side = side_idx as u8;
                // A side whose records visit only pairs never needs its key's hash.
                let hash = if plan.per_record { entry_hash(side, &key) } else { 0 };
                self.starts.clear();
                window.for_each_start_cached(r.ts_ns, &mut self.last_window, |start| {
                    self.starts.push((start, state.open(start)));
                });
                if plan.per_record {
                    for &(start, w) in &self.starts {
                        state.prefetch_slot(w, hash);
                        self.visits.push(Visit { start, window: w, side, hash, key, rec });
                    }
                }
                for (set, layout) in &plan.exact {
                    let pair = PairKey::new(side, &key, *set, layout.pack(m));
                    let carry = (plan.carrying == Some(*set)).then_some(rec);
                    for &(start, w) in &self.starts {
                        state.prefetch_pair(w, pair.hash);
                        self.pairs.push(PairVisit { start, window: w, pair, carry });
                    }
                }
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
        for p in &mut self.pairs {
            if p.start != last.0 {
                last = (p.start, state.open(p.start));
            }
            p.window = last.1;
            state.prefetch_pair_entry(p.window, p.pair.hash);
        }
        let record = |rec: u32| {
            if rec & MAPPED == 0 {
                &group[rec as usize]
            } else {
                &self.mapped[(rec & !MAPPED) as usize]
            }
        };
        for v in &self.visits {
            let aggs = &q.sides[usize::from(v.side)].aggs;
            let (_, acc) = state.entry(v.window, v.hash, v.side, &v.key, || aggs.new_acc());
            aggs.update_without_exact(acc, record(v.rec));
        }
        for p in &self.pairs {
            let aggs = &q.sides[usize::from(p.pair.side)].aggs;
            let i = state.add_pair(p.window, &p.pair, || aggs.new_acc());
            if let Some(rec) = p.carry {
                aggs.update_counters(state.pair_counters(p.window, i), record(rec));
            }
        }
    }
}
