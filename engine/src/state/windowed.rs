//! Keyed aggregation state per open window: one hash table per window, oldest first, so a
//! window closes by taking its table whole; with eviction of single entries (memory cap) and
//! of idle ones (timeouts on packet time). Evicted and closed entries leave as [`Row`]s, partial
//! aggregates that merge downstream with whatever else the key gathers.

use hashbrown::HashMap;

use super::open_windows::OpenWindows;
use crate::query::aggregate::{Acc, heap_bytes};
use crate::query::key::PackedKey;

/// A partial aggregate on its way: window start, side (0 left, 1 join's right), key, state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Start of the window (0 for the one spanning the run).
    pub window: u64,
    /// 0 for the query's side, 1 for a join's second side.
    pub side: u8,
    /// The key.
    pub key: PackedKey,
    /// The aggregate state.
    pub acc: Acc,
}

/// A key's state and when it was last updated (packet time).
#[derive(Clone, Debug)]
pub struct Entry {
    /// The state.
    pub acc: Acc,
    /// Packet time of the last update.
    pub last_ts: u64,
}

type Table = HashMap<(u8, PackedKey), Entry, foldhash::fast::FixedState>;

/// The open windows' tables.
#[derive(Default)]
pub struct WindowedState {
    windows: OpenWindows<Table>,
    entries: usize,
    /// Largest `memory_bytes` seen (sampled when a table grows).
    peak_bytes: usize,
    /// Entries of the last window closed: a new window's table starts that large, so windows
    /// of steady traffic do not rehash their way up.
    last_window_len: usize,
}

impl WindowedState {
    /// Empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries over all open windows.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    fn table(&mut self, start: u64) -> &mut Table {
        let idx = self.table_index(start);
        &mut self.windows[idx].1
    }

    /// The index of window `start`'s table, opened if need be.
    fn table_index(&mut self, start: u64) -> usize {
        let n = self.last_window_len;
        self.windows.open(start, || new_table(n))
    }

    /// The entry of (window, side, key), if held.
    #[inline]
    pub fn get_mut(&mut self, window: u64, side: u8, key: &PackedKey) -> Option<&mut Entry> {
        let t = self.windows.iter_mut().rev().find(|(s, _)| *s == window)?;
        t.1.get_mut(&(side, *key))
    }

    /// The entry of (window, side, key), made with `new` if absent: one hash and probe
    /// where `get_mut` then `insert` take two for a new key.
    #[inline]
    pub fn get_or_insert_with(
        &mut self,
        window: u64,
        side: u8,
        key: &PackedKey,
        new: impl FnOnce() -> Entry,
    ) -> &mut Entry {
        let idx = self.table_index(window);
        let entries = &mut self.entries;
        self.windows[idx].1.entry((side, *key)).or_insert_with(|| {
            *entries += 1;
            new()
        })
    }

    /// Inserts a new entry (the caller checked it is absent) and returns it.
    pub fn insert(&mut self, window: u64, side: u8, key: PackedKey, e: Entry) -> &mut Entry {
        self.entries += 1;
        self.table(window).entry((side, key)).insert(e).into_mut()
    }

    /// Notes the memory held now when it may be a new peak (call after inserts, cheaply).
    pub fn sample_peak(&mut self) {
        let b = self.table_bytes();
        self.peak_bytes = self.peak_bytes.max(b);
    }

    /// Closes every window that ends at or before `wm` (`end_of` gives a start's end), oldest
    /// first, appending its entries to `out`. Returns the closed windows' ends.
    pub fn close_until(
        &mut self,
        wm: u64,
        end_of: impl Fn(u64) -> u64,
        out: &mut Vec<Row>,
        mut closed: impl FnMut(u64),
    ) {
        self.windows.close_until(wm, end_of, |start, end, t| {
            self.entries -= t.len();
            self.last_window_len = t.len();
            drain_into(start, t, out);
            closed(end);
        });
    }

    /// Takes one entry of the oldest window (memory cap), appending it to `out`.
    pub fn evict_one(&mut self, out: &mut Vec<Row>) -> bool {
        for (start, t) in self.windows.iter_mut() {
            let Some(k) = t.keys().next().copied() else { continue };
            if let Some(e) = t.remove(&k) {
                self.entries -= 1;
                out.push(Row { window: *start, side: k.0, key: k.1, acc: e.acc });
                return true;
            }
        }
        false
    }

    /// Takes every entry last updated before `before_ts` (idle timeout), appending them to
    /// `out`; returns how many.
    pub fn evict_idle(&mut self, before_ts: u64, out: &mut Vec<Row>) -> usize {
        let mut n = 0;
        for (start, t) in self.windows.iter_mut() {
            for ((side, key), e) in t.extract_if(|_, e| e.last_ts < before_ts) {
                out.push(Row { window: *start, side, key, acc: e.acc });
                n += 1;
            }
        }
        self.entries -= n;
        self.windows.retain(|(_, t)| !t.is_empty());
        n
    }

    /// Takes everything (end of stream), oldest window first.
    pub fn drain_all(&mut self, out: &mut Vec<Row>) {
        for (start, t) in self.windows.drain(..) {
            drain_into(start, t, out);
        }
        self.entries = 0;
    }

    /// Bytes the tables allocate (entries at the tables' capacities) plus the distinct sets.
    pub fn memory_bytes(&self) -> usize {
        self.table_bytes()
            + self
                .windows
                .iter()
                .flat_map(|(_, t)| t.values())
                .map(|e| heap_bytes(&e.acc))
                .sum::<usize>()
    }

    fn table_bytes(&self) -> usize {
        self.windows.iter().map(|(_, t)| t.allocation_size()).sum()
    }

    /// The largest table allocation sampled by [`WindowedState::sample_peak`].
    pub fn peak_table_bytes(&self) -> usize {
        self.peak_bytes
    }
}

fn new_table(capacity: usize) -> Table {
    HashMap::with_capacity_and_hasher(capacity, foldhash::fast::FixedState::with_seed(0x5eed))
}

fn drain_into(start: u64, t: Table, out: &mut Vec<Row>) {
    out.reserve(t.len());
    for ((side, key), e) in t {
        out.push(Row { window: start, side, key, acc: e.acc });
    }
}

/// Bytes per entry of a table at its capacity, for sizing a cap in bytes (key, entry, one
/// control byte, at hashbrown's 7/8 load).
pub fn bytes_per_entry() -> usize {
    (std::mem::size_of::<((u8, PackedKey), Entry)>() + 1) * 8 / 7
}
