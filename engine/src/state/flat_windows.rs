//! Keyed aggregation state per open window for queries that evict nothing early (no memory
//! cap, no idle timeout): the fast form of [`super::windowed::WindowedState`].
//!
//! Each window holds two flat tables ([`FlatIndex`] over a dense `Vec`): one entry per
//! (side, key) with the key's counters, and, for exact distinct aggregates, one entry per
//! (side, key, aggregate, value) pair: Sonata's plan for distinct, one set of pairs per
//! window instead of a hash set allocated for every key. A pair is found by its own hash, not
//! through its key's entry, so both probes can be prefetched a batch ahead at once, and a
//! side whose aggregates are all exact distinct sets looks its key up only when a pair is
//! new. A side whose other aggregates are order-free counters can have one set's pairs carry
//! them ([`AggLayout::carrying_set`]), so its records look their keys up only when a pair is
//! new too. When the window closes, its pairs are gathered into each key's distinct sets (and
//! their counters folded into the key's) and the entries leave as [`Row`]s, the same partial
//! aggregates the hash-map state gives, so everything downstream is unchanged.

use wire::prefetch::prefetch;

use super::flat_index::FlatIndex;
use super::open_windows::OpenWindows;
use super::windowed::Row;
use crate::query::aggregate::{Acc, AggLayout, DistinctSet, heap_bytes};
use crate::query::key::PackedKey;

/// One (side, key) of a window.
struct KeyEntry {
    hash: u64,
    side: u8,
    key: PackedKey,
    acc: Acc,
}

/// One distinct value of one key's exact distinct aggregate.
struct Pair {
    hash: u64,
    /// The key's position in the window's entries.
    entry: u32,
    /// Which of the key's distinct sets.
    set: u16,
    side: u8,
    key: PackedKey,
    value: PackedKey,
}

/// A distinct value of a record, on its way to its window's pair table.
#[derive(Clone, Copy, Debug)]
pub struct PairKey {
    /// The pair's own hash.
    pub hash: u64,
    /// Which of the side's distinct sets (at most `u16::MAX`).
    pub set: u16,
    /// The side.
    pub side: u8,
    /// The key.
    pub key: PackedKey,
    /// The value.
    pub value: PackedKey,
}

impl PairKey {
    /// The pair of `value` in set `set` of (side, key).
    ///
    /// Its hash folds the key into the value word by word (the key turned half a word, so
    /// fields packed at the same place in both land apart) and hashes the result once: a
    /// record whose key is looked up only when its pair is new never hashes the key. Pairs
    /// whose mixed words coincide share a hash, which costs a probe, never a wrong answer.
    #[inline]
    pub fn new(side: u8, key: &PackedKey, set: usize, value: PackedKey) -> Self {
        let set = set as u16;
        let (k, v) = (&key.0, &value.0);
        let mixed = PackedKey(std::array::from_fn(|i| v[i] ^ k[i].rotate_left(32)));
        let hash = words_hash(&mixed, u64::from(side) << 16 | u64::from(set));
        Self { hash, set, side, key: *key, value }
    }
}

#[derive(Default)]
struct Table {
    keys: FlatIndex,
    entries: Vec<KeyEntry>,
    pair_index: FlatIndex,
    pairs: Vec<Pair>,
    /// The counters each pair carries, beside `pairs`: the state's `stride` words per pair
    /// (none when no side carries any).
    pair_nums: Vec<u64>,
}

/// Per side, the set whose pairs carry the side's counters and the side's aggregates.
type Carried = [Option<(u16, AggLayout)>];

impl Table {
    fn with_capacity(entries: usize, pairs: usize, stride: usize) -> Self {
        Self {
            keys: FlatIndex::with_capacity(entries),
            entries: Vec::with_capacity(entries),
            pair_index: FlatIndex::with_capacity(pairs),
            pairs: Vec::with_capacity(pairs),
            pair_nums: Vec::with_capacity(pairs * stride),
        }
    }

    fn bytes(&self) -> usize {
        self.keys.bytes()
            + self.pair_index.bytes()
            + self.entries.capacity() * std::mem::size_of::<KeyEntry>()
            + self.pairs.capacity() * std::mem::size_of::<Pair>()
            + self.pair_nums.capacity() * std::mem::size_of::<u64>()
    }

    /// The position of (side, key), made with `new` if absent, and whether it was.
    #[inline]
    fn entry(
        &mut self,
        h: u64,
        side: u8,
        key: &PackedKey,
        new: impl FnOnce() -> Acc,
    ) -> (usize, bool) {
        if self.keys.needs_grow() {
            self.keys.grow(self.entries.iter().map(|e| e.hash));
        }
        let entries = &self.entries;
        let (pos, fresh) = self.keys.find_or_insert(h, entries.len(), |p| {
            let e = &entries[p];
            e.key == *key && e.side == side
        });
        if fresh {
            self.entries.push(KeyEntry { hash: h, side, key: *key, acc: new() });
        }
        (pos, fresh)
    }

    /// The window's rows: pairs gathered into their keys' sets and carried counters folded
    /// into their keys', entries in insertion order.
    fn drain_into(self, start: u64, carried: &Carried, stride: usize, out: &mut Vec<Row>) {
        let Table { mut entries, pairs, pair_nums, .. } = self;
        for (p, nums) in pairs.iter().zip(pair_nums.chunks_exact(stride.max(1))) {
            if let Some(Some((set, aggs))) = carried.get(usize::from(p.side))
                && p.set == *set
            {
                aggs.merge_counters(&mut entries[p.entry as usize].acc.nums, nums);
            }
        }
        if !pairs.is_empty() {
            // Size every set first, so each allocates once.
            let sets = pairs.iter().map(|p| p.set as usize + 1).max().unwrap_or(0);
            let mut sizes = vec![0u32; entries.len() * sets];
            for p in &pairs {
                sizes[p.entry as usize * sets + p.set as usize] += 1;
            }
            for (i, e) in entries.iter_mut().enumerate() {
                for (s, set) in e.acc.sets.iter_mut().flat_map(|b| b.iter_mut()).enumerate() {
                    if let DistinctSet::Exact(h) = set
                        && s < sets
                    {
                        h.reserve(sizes[i * sets + s] as usize);
                    }
                }
            }
            for p in pairs {
                let acc = &mut entries[p.entry as usize].acc;
                if let Some(DistinctSet::Exact(h)) =
                    acc.sets.as_mut().and_then(|s| s.get_mut(p.set as usize))
                {
                    h.insert(p.value);
                }
            }
        }
        out.reserve(entries.len());
        out.extend(entries.into_iter().map(|e| Row {
            window: start,
            side: e.side,
            key: e.key,
            acc: e.acc,
        }));
    }
}

/// A hash of a key's five words and a seed: two independent 64x64->128 multiplies folded
/// together, a few cycles where a word-at-a-time hash takes five dependent rounds. Only the
/// flat tables use it (routing and merge owners use [`crate::query::key::key_hash`]).
#[inline]
fn words_hash(k: &PackedKey, seed: u64) -> u64 {
    const K: [u64; 5] = [
        0x9e37_79b9_7f4a_7c15,
        0xc2b2_ae3d_27d4_eb4f,
        0x1656_67b1_9e37_79f9,
        0x85eb_ca77_c2b2_ae63,
        0x27d4_eb2f_1656_67c5,
    ];
    let fold = |a: u64, b: u64| {
        let m = u128::from(a) * u128::from(b);
        (m as u64) ^ ((m >> 64) as u64)
    };
    let w = &k.0;
    let h = fold(w[0] ^ K[0], w[1] ^ K[1])
        ^ fold(w[2] ^ K[2], w[3] ^ K[3]).rotate_left(23)
        ^ fold(w[4] ^ seed, K[4]).rotate_left(41);
    // The slot is picked by the low bits and the tag is the high half: mix both ways.
    let h = (h ^ (h >> 32)).wrapping_mul(K[0]);
    h ^ (h >> 29)
}

/// The hash a (side, key) entry is indexed by.
#[inline]
pub fn entry_hash(side: u8, key: &PackedKey) -> u64 {
    words_hash(key, u64::from(side))
}

/// Starts loading every cache line `v` spans (entries are not line-aligned).
#[inline]
fn prefetch_lines<T>(v: &T) {
    let p: *const u8 = (v as *const T).cast();
    let size = std::mem::size_of::<T>();
    let mut off = 0;
    while off < size {
        prefetch(p.wrapping_add(off));
        off += 64;
    }
    prefetch(p.wrapping_add(size - 1));
}

/// The open windows' flat tables.
#[derive(Default)]
pub struct FlatWindows {
    windows: OpenWindows<Table>,
    entries: usize,
    peak_bytes: usize,
    /// Entries and pairs of the last window closed: a new window's tables start that large.
    last_sizes: (usize, usize),
    /// Per side, which pairs carry counters (empty when none do).
    carried: Box<Carried>,
    /// Counters per pair: the most any carrying side uses.
    stride: usize,
}

impl FlatWindows {
    /// Empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty state whose pairs of set `s` on side `i` carry that side's counters, for each
    /// `carried[i] = Some((s, aggs))` (`s` from [`AggLayout::carrying_set`]).
    pub fn carrying(carried: Vec<Option<(usize, AggLayout)>>) -> Self {
        let carried: Box<Carried> = if carried.iter().any(Option::is_some) {
            carried.into_iter().map(|c| c.map(|(s, l)| (s as u16, l))).collect()
        } else {
            Box::default()
        };
        let stride = carried.iter().flatten().map(|(_, l)| l.new_counters().len()).max();
        Self { carried, stride: stride.unwrap_or(0), ..Self::default() }
    }

    /// Entries over all open windows.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The position of window `start`'s tables, opened if need be. Positions stay valid until
    /// the next call that opens or closes a window.
    #[inline]
    pub fn open(&mut self, start: u64) -> usize {
        match self.windows.hinted(start) {
            Some(w) => w,
            None => self.open_past_hint(start),
        }
    }

    #[inline(never)]
    fn open_past_hint(&mut self, start: u64) -> usize {
        // Room for the last window's sizes and a margin, so a slightly larger window does
        // not copy its tables to grow them.
        let ((entries, pairs), stride) = (self.last_sizes, self.stride);
        self.windows
            .open(start, || Table::with_capacity(entries + entries / 4, pairs + pairs / 4, stride))
    }

    /// Starts loading the slot of entry hash `h` in window `w` (a position from `open`).
    #[inline]
    pub fn prefetch_slot(&self, w: usize, h: u64) {
        self.windows[w].1.keys.prefetch(h);
    }

    /// Starts loading the entry the home slot of `h` names, when its tag matches (call once
    /// the slot has arrived).
    #[inline]
    pub fn prefetch_entry(&self, w: usize, h: u64) {
        let t = &self.windows[w].1;
        if let Some(e) = t.keys.home_candidate(h).and_then(|p| t.entries.get(p)) {
            prefetch_lines(e);
        }
    }

    /// The position and state of (side, key) in window `w`, made with `new` if absent; `h`
    /// is its [`entry_hash`].
    #[inline]
    pub fn entry(
        &mut self,
        w: usize,
        h: u64,
        side: u8,
        key: &PackedKey,
        new: impl FnOnce() -> Acc,
    ) -> (usize, &mut Acc) {
        let t = &mut self.windows[w].1;
        let (pos, fresh) = t.entry(h, side, key, new);
        self.entries += usize::from(fresh);
        (pos, &mut t.entries[pos].acc)
    }

    /// Starts loading the slot of pair hash `h` in window `w`.
    #[inline]
    pub fn prefetch_pair(&self, w: usize, h: u64) {
        self.windows[w].1.pair_index.prefetch(h);
    }

    /// Starts loading the pair the home slot of pair hash `h` names, when its tag matches
    /// (call once the slot has arrived).
    #[inline]
    pub fn prefetch_pair_entry(&self, w: usize, h: u64) {
        let t = &self.windows[w].1;
        if let Some(i) = t.pair_index.home_candidate(h)
            && let Some(p) = t.pairs.get(i)
        {
            prefetch_lines(p);
            if let Some(n) = t.pair_nums.get(i * self.stride) {
                prefetch(n as *const u64 as *const u8);
            }
        }
    }

    /// Adds pair `p` to window `w`; a pair already there changes nothing. A new pair's key
    /// entry is looked up, and made with `new` if absent. Returns the pair's position.
    #[inline]
    pub fn add_pair(&mut self, w: usize, p: &PairKey, new: impl FnOnce() -> Acc) -> usize {
        let t = &mut self.windows[w].1;
        if t.pair_index.needs_grow() {
            t.pair_index.grow(t.pairs.iter().map(|p| p.hash));
        }
        let pairs = &t.pairs;
        let (pos, fresh) = t.pair_index.find_or_insert(p.hash, pairs.len(), |i| {
            let q = &pairs[i];
            q.value == p.value && q.key == p.key && q.set == p.set && q.side == p.side
        });
        if fresh {
            let (entry, new_entry) = t.entry(entry_hash(p.side, &p.key), p.side, &p.key, new);
            self.entries += usize::from(new_entry);
            t.pairs.push(Pair {
                hash: p.hash,
                entry: entry as u32,
                set: p.set,
                side: p.side,
                key: p.key,
                value: p.value,
            });
            if self.stride > 0 {
                let fresh = match self.carried.get(usize::from(p.side)) {
                    Some(Some((_, aggs))) => aggs.new_counters(),
                    _ => &[],
                };
                t.pair_nums.extend_from_slice(fresh);
                t.pair_nums.resize(t.pairs.len() * self.stride, 0);
            }
        }
        pos
    }

    /// The counters pair `i` of window `w` carries (a position from [`FlatWindows::add_pair`]
    /// of a carrying set's pair).
    #[inline]
    pub fn pair_counters(&mut self, w: usize, i: usize) -> &mut [u64] {
        let s = self.stride;
        &mut self.windows[w].1.pair_nums[i * s..(i + 1) * s]
    }

    /// Notes the memory held now when it may be a new peak.
    pub fn sample_peak(&mut self) {
        let b = self.table_bytes();
        self.peak_bytes = self.peak_bytes.max(b);
    }

    /// Closes every window that ends at or before `wm` (`end_of` gives a start's end), oldest
    /// first, appending its entries to `out`; `closed` gets each closed window's end.
    pub fn close_until(
        &mut self,
        wm: u64,
        end_of: impl Fn(u64) -> u64,
        out: &mut Vec<Row>,
        mut closed: impl FnMut(u64),
    ) {
        self.windows.close_until(wm, end_of, |start, end, t| {
            self.entries -= t.entries.len();
            self.last_sizes = (t.entries.len(), t.pairs.len());
            t.drain_into(start, &self.carried, self.stride, out);
            closed(end);
        });
    }

    /// Takes everything (end of stream), oldest window first.
    pub fn drain_all(&mut self, out: &mut Vec<Row>) {
        for (start, t) in self.windows.drain(..) {
            t.drain_into(start, &self.carried, self.stride, out);
        }
        self.entries = 0;
    }

    /// Bytes the tables allocate plus the states' own heap (sketches).
    pub fn memory_bytes(&self) -> usize {
        self.table_bytes()
            + self
                .windows
                .iter()
                .flat_map(|(_, t)| &t.entries)
                .map(|e| heap_bytes(&e.acc))
                .sum::<usize>()
    }

    fn table_bytes(&self) -> usize {
        self.windows.iter().map(|(_, t)| t.bytes()).sum()
    }

    /// The largest table allocation sampled by [`FlatWindows::sample_peak`].
    pub fn peak_table_bytes(&self) -> usize {
        self.peak_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::aggregate::{AggLayout, Value};
    use crate::query::exact_set::ExactSet;
    use crate::query::{AggSpec, Field};

    fn key(v: u64) -> PackedKey {
        PackedKey([v, 0, 0, 0, 0])
    }

    #[test]
    fn entries_and_pairs_come_out_as_rows_with_their_sets() {
        let aggs =
            AggLayout::new(&[AggSpec::count(), AggSpec::distinct(&[Field::Dst])], "t").unwrap();
        let mut s = FlatWindows::new();
        // Window 10 opens first, then 5 before it: positions move, the rows stay apart.
        let add = |s: &mut FlatWindows, start: u64, side: u8, k: u64, value: u64| {
            let w = s.open(start);
            let h = entry_hash(side, &key(k));
            let (_, acc) = s.entry(w, h, side, &key(k), || aggs.new_acc());
            acc.nums[0] += 1;
            s.add_pair(w, &PairKey::new(side, &key(k), 0, key(value)), || aggs.new_acc());
        };
        for i in 0..200 {
            add(&mut s, 10, 0, i % 50, i % 3);
        }
        add(&mut s, 5, 0, 7, 1);
        add(&mut s, 5, 1, 7, 2);
        add(&mut s, 5, 1, 7, 2);
        // A pair alone makes its key's entry (a side of distinct sets only), once.
        for v in [4, 5, 4] {
            let w = s.open(5);
            let p = PairKey::new(2, &key(9), 0, key(v));
            s.add_pair(w, &p, || aggs.new_acc());
        }
        assert_eq!(s.len(), 53);
        let mut rows = Vec::new();
        let mut ends = Vec::new();
        s.close_until(15, |st| st + 10, &mut rows, |e| ends.push(e));
        assert_eq!(ends, [15]);
        let got: Vec<(u8, u64, usize)> = rows
            .iter()
            .map(|r| {
                let n = match &r.acc.sets.as_deref().unwrap()[0] {
                    DistinctSet::Exact(h) => h.len(),
                    DistinctSet::Sketch(_) => usize::MAX,
                };
                (r.side, r.acc.nums[0], n)
            })
            .collect();
        assert_eq!(got, [(0, 1, 1), (1, 2, 1), (2, 0, 2)]);
        rows.clear();
        s.drain_all(&mut rows);
        assert_eq!(rows.len(), 50);
        assert!(s.is_empty());
        for r in &rows {
            // Key k got records k, k + 50, k + 100, k + 150: values k % 3 and onwards.
            let k = r.key.0[0];
            let mut want = ExactSet::default();
            (0..4).for_each(|j| want.insert(key((k + 50 * j) % 3)));
            assert_eq!(r.acc.sets.as_deref().unwrap()[0], DistinctSet::Exact(want), "key {k}");
            assert_eq!((r.window, r.acc.nums[0]), (10, 4));
        }
    }

    #[test]
    fn pairs_carry_their_sides_counters_into_the_rows() {
        // Side 1 counts records and sums bytes beside a set of values; its pairs carry both.
        let specs =
            [AggSpec::distinct(&[Field::Dst]), AggSpec::count(), AggSpec::sum(Field::IpLen)];
        let aggs = AggLayout::new(&specs, "t").unwrap();
        let set = aggs.carrying_set().unwrap();
        let mut s = FlatWindows::carrying(vec![None, Some((set, aggs.clone()))]);
        let mut r = wire::PacketRecord::default();
        for (k, v, len) in [(1, 7, 100), (1, 7, 50), (1, 8, 10), (2, 7, 1), (1, 8, 5)] {
            let w = s.open(0);
            let p = PairKey::new(1, &key(k), set, key(v));
            let i = s.add_pair(w, &p, || aggs.new_acc());
            r.ip_len = len;
            aggs.update_counters(s.pair_counters(w, i), &r);
        }
        let mut rows = Vec::new();
        s.drain_all(&mut rows);
        let got: Vec<(u64, Vec<Value>)> =
            rows.iter().map(|r| (r.key.0[0], aggs.finish(&r.acc))).collect();
        assert_eq!(
            got,
            [
                (1, vec![Value::Int(2), Value::Int(4), Value::Int(165)]),
                (2, vec![Value::Int(1), Value::Int(1), Value::Int(1)])
            ]
        );
    }
}
