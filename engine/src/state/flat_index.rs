//! An open-addressing hash index over a dense array the caller keeps: each slot is one word,
//! the hash's high 32 bits (a tag) beside the entry's position plus one (0 is an empty slot).
//!
//! Entries themselves live in insertion order in the caller's `Vec`, so a window's table
//! drains sequentially and grows without moving them; only the slots (8 bytes each, at most
//! half full) are rehashed, from hashes the caller stores with its entries. A lookup reads one
//! slot line and, on a tag match, one entry: [`FlatIndex::prefetch`] and
//! [`FlatIndex::prefetch_entry`] let a batch start both misses of every record before it reads
//! any of them.

use wire::prefetch::prefetch;

/// The slots of a table (see the module docs).
#[derive(Clone, Debug)]
pub struct FlatIndex {
    slots: Vec<u64>,
    mask: usize,
    len: usize,
}

impl Default for FlatIndex {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl FlatIndex {
    /// An index for `entries` entries without growing (at least 16 slots).
    pub fn with_capacity(entries: usize) -> Self {
        let slots = entries.saturating_mul(2).max(16).next_power_of_two();
        Self { slots: vec![0; slots], mask: slots - 1, len: 0 }
    }

    /// Entries indexed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the slots take.
    pub fn bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<u64>()
    }

    #[inline]
    fn home(&self, h: u64) -> usize {
        (h as usize) & self.mask
    }

    /// Starts loading the slot hash `h` probes first.
    #[inline]
    pub fn prefetch(&self, h: u64) {
        prefetch(&self.slots[self.home(h)]);
    }

    /// The position the home slot of `h` holds when its tag matches (the entry to prefetch
    /// next), without probing further.
    #[inline]
    pub fn home_candidate(&self, h: u64) -> Option<usize> {
        let s = self.slots[self.home(h)];
        (s != 0 && s >> 32 == h >> 32).then(|| (s as u32 - 1) as usize)
    }

    /// The position of the entry with hash `h` for which `eq` holds, or, when there is none,
    /// `next` (the position the caller will push the new entry at) after indexing it: returns
    /// the position and whether it is new. The caller grows the index first when
    /// [`FlatIndex::needs_grow`] says so.
    #[inline]
    pub fn find_or_insert(
        &mut self,
        h: u64,
        next: usize,
        mut eq: impl FnMut(usize) -> bool,
    ) -> (usize, bool) {
        let tag = h >> 32;
        let mut i = self.home(h);
        loop {
            let s = self.slots[i];
            if s == 0 {
                // Positions fit 32 bits: four billion entries of a window would take hundreds
                // of GiB, far past any memory this runs in.
                self.slots[i] = (tag << 32) | (next as u64 + 1);
                self.len += 1;
                return (next, true);
            }
            if s >> 32 == tag {
                let pos = (s as u32 - 1) as usize;
                if eq(pos) {
                    return (pos, false);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Whether one more entry would take the index past half full.
    #[inline]
    pub fn needs_grow(&self) -> bool {
        (self.len + 1) * 2 > self.slots.len()
    }

    /// Doubles the slots and re-indexes the entries, whose hashes `hashes` gives in position
    /// order.
    pub fn grow(&mut self, hashes: impl ExactSizeIterator<Item = u64>) {
        let mut bigger = Self::with_capacity(hashes.len().max(self.slots.len()));
        for (pos, h) in hashes.enumerate() {
            bigger.find_or_insert(h, pos, |_| false);
        }
        *self = bigger;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A poor hash on purpose (many equal tags and homes), so probing and tag collisions run.
    fn weak(k: u64) -> u64 {
        (k % 7) << 32 | (k % 13)
    }

    #[test]
    fn finds_what_it_indexed_through_growth() {
        let mut idx = FlatIndex::with_capacity(0);
        let mut dense: Vec<u64> = Vec::new();
        for round in 0..2 {
            for k in 0..5000u64 {
                let h = weak(k);
                if idx.needs_grow() {
                    idx.grow(dense.iter().map(|&k| weak(k)));
                }
                let (pos, new) = idx.find_or_insert(h, dense.len(), |p| dense[p] == k);
                assert_eq!(new, round == 0, "key {k} round {round}");
                if new {
                    dense.push(k);
                }
                assert_eq!(dense[pos], k);
            }
        }
        assert_eq!(idx.len(), 5000);
        assert!(idx.bytes() >= 2 * 5000 * 8);
    }

    #[test]
    fn home_candidate_names_the_entry_at_home() {
        let mut idx = FlatIndex::with_capacity(4);
        let h = 0xdead_beef_0000_0003;
        assert_eq!(idx.home_candidate(h), None);
        idx.find_or_insert(h, 0, |_| false);
        assert_eq!(idx.home_candidate(h), Some(0));
        // Same home, another tag: not a candidate.
        assert_eq!(idx.home_candidate(0x1234_0000_0000_0003), None);
    }
}
