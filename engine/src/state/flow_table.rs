//! A flat open-addressing flow table keyed by the 5-tuple.
//!
//! Two arrays, one per IP version, so the common IPv4 entry stays at 32 bytes (two per cache
//! line) while IPv6 entries take 64. Linear probing; the home slot is the high half of a
//! multiply-and-fold hash of the key words times the capacity, so the capacity need not be a
//! power of two and the table is no larger than its flows need (load at most 3/4). The table is sized and pre-faulted before the
//! clock starts (every page written), and grows by doubling past a load of 3/4, which the run
//! reports (`grows`) because it costs time inside the measurement. Entries live on huge pages
//! where the kernel allows ([`super::huge`]), so random lookups do not also miss the TLB.
//!
//! [`FlowTable::update_batch`] works the way Jetstream's grouped packet vectors do: it hashes a
//! whole batch first and prefetches every slot, then applies the updates, so the memory misses
//! of one batch overlap instead of queuing one after another.

use wire::{FlowKey, FlowKeyV4, FlowKeyV6, PacketRecord};

use super::huge::HugeArray;

/// How many flows of each IP version a table should hold without growing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowEstimate {
    /// IPv4 flows.
    pub v4: usize,
    /// IPv6 flows.
    pub v6: usize,
}

impl FlowEstimate {
    /// Both versions together.
    pub fn total(&self) -> usize {
        self.v4 + self.v6
    }
}

/// The value a flow holds: a pair of counters (packets and bytes for the flow counter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// First counter (packets).
    pub packets: u64,
    /// Second counter (bytes).
    pub bytes: u64,
}

#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct EntryV4 {
    src: u32,
    dst: u32,
    sport: u16,
    dport: u16,
    proto: u8,
    used: bool,
    value: Counters,
}

#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct EntryV6 {
    src: u128,
    dst: u128,
    sport: u16,
    dport: u16,
    proto: u8,
    used: bool,
    value: Counters,
}

const _: () = assert!(std::mem::size_of::<EntryV4>() == 32);
const _: () = assert!(std::mem::size_of::<EntryV6>() == 64);

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a ^ K1) * u128::from(b ^ K2);
    (m as u64) ^ ((m >> 64) as u64)
}

#[inline]
fn hash_v4(k: &FlowKeyV4) -> u64 {
    let a = (u64::from(k.src) << 32) | u64::from(k.dst);
    let b = (u64::from(k.sport) << 32) | (u64::from(k.dport) << 16) | u64::from(k.proto);
    fold(a, b)
}

#[inline]
fn hash_v6(k: &FlowKeyV6) -> u64 {
    let p = (u64::from(k.sport) << 32) | (u64::from(k.dport) << 16) | u64::from(k.proto);
    let h = fold(k.src as u64, (k.src >> 64) as u64);
    let h = fold(h ^ k.dst as u64, (k.dst >> 64) as u64);
    fold(h, p)
}

#[inline]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a hint that never faults, whatever the address; SSE is part of
    // the x86_64 baseline, so the instruction exists on every target this compiles for.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// One open-addressing array of entries of one IP version.
struct Slots<E: Copy> {
    entries: HugeArray<E>,
    /// Number of slots (any size: slots come from the hash by multiply-high, not a mask).
    cap: usize,
    len: usize,
}

impl<E: Copy + Default> Slots<E> {
    fn with_capacity(min: usize) -> Self {
        // Room for `min` flows at the growth threshold's load, and no more: the smaller the
        // table, the more of it stays in cache.
        let cap = min.max(8) * 4 / 3 + 1;
        // Every entry is written now, so every page is faulted in before the clock starts.
        Self { entries: HugeArray::new(cap, E::default()), cap, len: 0 }
    }

    /// The home slot of a hash: the high half of `hash * cap`, uniform over any capacity.
    #[inline]
    fn home(&self, h: u64) -> usize {
        ((u128::from(h) * self.cap as u128) >> 64) as usize
    }

    /// The slot after `i`, wrapping.
    #[inline]
    fn next(&self, i: usize) -> usize {
        if i + 1 == self.cap { 0 } else { i + 1 }
    }

    fn needs_grow(&self) -> bool {
        (self.len + 1) * 4 > self.cap * 3
    }
}

/// A flow table from 5-tuples to [`Counters`].
pub struct FlowTable {
    v4: Slots<EntryV4>,
    v6: Slots<EntryV6>,
    grows: u32,
}

impl FlowTable {
    /// A table for about `flows` flows (IPv4 and IPv6 together) without growing.
    pub fn with_capacity(flows: usize) -> Self {
        // IPv6 flows are a minority: that array starts smaller and grows if needed.
        Self::with_estimate(FlowEstimate { v4: flows, v6: flows / 4 })
    }

    /// A table sized for an estimate of each version's flows.
    pub fn with_estimate(e: FlowEstimate) -> Self {
        Self { v4: Slots::with_capacity(e.v4), v6: Slots::with_capacity(e.v6), grows: 0 }
    }

    /// Number of flows held.
    pub fn len(&self) -> usize {
        self.v4.len + self.v6.len
    }

    /// Whether the table holds no flow.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many times the table doubled after it was created.
    pub fn grows(&self) -> u32 {
        self.grows
    }

    /// Bytes of entry storage.
    pub fn memory_bytes(&self) -> usize {
        self.v4.cap * 32 + self.v6.cap * 64
    }

    /// Adds `packets` and `bytes` to a flow's counters.
    #[inline]
    pub fn add(&mut self, key: &FlowKey, packets: u64, bytes: u64) {
        match key {
            FlowKey::V4(k) => {
                let h = hash_v4(k);
                let c = self.slot_v4(k, h);
                c.packets += packets;
                c.bytes += bytes;
            }
            FlowKey::V6(k) => {
                let h = hash_v6(k);
                let c = self.slot_v6(k, h);
                c.packets += packets;
                c.bytes += bytes;
            }
        }
    }

    /// Counts every record of a batch (one packet and its wire length each): hashes and
    /// prefetches the whole batch first, then updates.
    pub fn update_batch(&mut self, records: &[PacketRecord]) {
        const GROUP: usize = 32;
        let mut keys = [FlowKey::V4(FlowKeyV4::default()); GROUP];
        let mut hashes = [0u64; GROUP];
        for chunk in records.chunks(GROUP) {
            for (i, r) in chunk.iter().enumerate() {
                let k = r.flow_key();
                hashes[i] = match &k {
                    FlowKey::V4(k) => {
                        let h = hash_v4(k);
                        prefetch(&self.v4.entries[self.v4.home(h)]);
                        h
                    }
                    FlowKey::V6(k) => {
                        let h = hash_v6(k);
                        prefetch(&self.v6.entries[self.v6.home(h)]);
                        h
                    }
                };
                keys[i] = k;
            }
            for (i, r) in chunk.iter().enumerate() {
                let c = match &keys[i] {
                    FlowKey::V4(k) => self.slot_v4(k, hashes[i]),
                    FlowKey::V6(k) => self.slot_v6(k, hashes[i]),
                };
                c.packets += 1;
                c.bytes += u64::from(r.wire_len());
            }
        }
    }

    #[inline]
    fn slot_v4(&mut self, k: &FlowKeyV4, h: u64) -> &mut Counters {
        if self.v4.needs_grow() {
            self.grow_v4();
        }
        let mut i = self.v4.home(h);
        loop {
            let e = &self.v4.entries[i];
            if !e.used {
                break;
            }
            if e.src == k.src
                && e.dst == k.dst
                && e.sport == k.sport
                && e.dport == k.dport
                && e.proto == k.proto
            {
                return &mut self.v4.entries[i].value;
            }
            i = self.v4.next(i);
        }
        self.v4.len += 1;
        let e = &mut self.v4.entries[i];
        *e = EntryV4 {
            src: k.src,
            dst: k.dst,
            sport: k.sport,
            dport: k.dport,
            proto: k.proto,
            used: true,
            value: Counters::default(),
        };
        &mut e.value
    }

    #[inline]
    fn slot_v6(&mut self, k: &FlowKeyV6, h: u64) -> &mut Counters {
        if self.v6.needs_grow() {
            self.grow_v6();
        }
        let mut i = self.v6.home(h);
        loop {
            let e = &self.v6.entries[i];
            if !e.used {
                break;
            }
            if e.src == k.src
                && e.dst == k.dst
                && e.sport == k.sport
                && e.dport == k.dport
                && e.proto == k.proto
            {
                return &mut self.v6.entries[i].value;
            }
            i = self.v6.next(i);
        }
        self.v6.len += 1;
        let e = &mut self.v6.entries[i];
        *e = EntryV6 {
            src: k.src,
            dst: k.dst,
            sport: k.sport,
            dport: k.dport,
            proto: k.proto,
            used: true,
            value: Counters::default(),
        };
        &mut e.value
    }

    #[cold]
    fn grow_v4(&mut self) {
        self.grows += 1;
        let bigger = Slots::with_capacity(self.v4.cap * 3 / 2);
        let old = std::mem::replace(&mut self.v4, bigger);
        for e in old.entries.iter().filter(|e| e.used) {
            let k = FlowKeyV4 {
                src: e.src,
                dst: e.dst,
                sport: e.sport,
                dport: e.dport,
                proto: e.proto,
            };
            *self.slot_v4(&k, hash_v4(&k)) = e.value;
        }
    }

    #[cold]
    fn grow_v6(&mut self) {
        self.grows += 1;
        let bigger = Slots::with_capacity(self.v6.cap * 3 / 2);
        let old = std::mem::replace(&mut self.v6, bigger);
        for e in old.entries.iter().filter(|e| e.used) {
            let k = FlowKeyV6 {
                src: e.src,
                dst: e.dst,
                sport: e.sport,
                dport: e.dport,
                proto: e.proto,
            };
            *self.slot_v6(&k, hash_v6(&k)) = e.value;
        }
    }

    /// Every flow and its counters, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (FlowKey, Counters)> + '_ {
        let v4 = self.v4.entries.iter().filter(|e| e.used).map(|e| {
            let k = FlowKeyV4 {
                src: e.src,
                dst: e.dst,
                sport: e.sport,
                dport: e.dport,
                proto: e.proto,
            };
            (FlowKey::V4(k), e.value)
        });
        let v6 = self.v6.entries.iter().filter(|e| e.used).map(|e| {
            let k = FlowKeyV6 {
                src: e.src,
                dst: e.dst,
                sport: e.sport,
                dport: e.dport,
                proto: e.proto,
            };
            (FlowKey::V6(k), e.value)
        });
        v4.chain(v6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn v4(i: u32) -> FlowKey {
        FlowKey::V4(FlowKeyV4 { src: i, dst: !i, sport: i as u16, dport: 80, proto: 6 })
    }

    fn v6(i: u32) -> FlowKey {
        FlowKey::V6(FlowKeyV6 {
            src: u128::from(i) << 64,
            dst: u128::from(i),
            sport: 1,
            dport: i as u16,
            proto: 17,
        })
    }

    #[test]
    fn counts_match_a_hash_map_through_growth() {
        let mut t = FlowTable::with_capacity(4);
        let mut m: HashMap<FlowKey, Counters> = HashMap::new();
        for i in 0..20_000u32 {
            let k = if i % 3 == 0 { v6(i % 997) } else { v4(i % 5003) };
            t.add(&k, 1, u64::from(i));
            let c = m.entry(k).or_default();
            c.packets += 1;
            c.bytes += u64::from(i);
        }
        assert!(t.grows() > 0);
        assert_eq!(t.len(), m.len());
        let got: HashMap<FlowKey, Counters> = t.iter().collect();
        assert_eq!(got, m);
    }

    #[test]
    fn presized_table_does_not_grow() {
        let mut t = FlowTable::with_capacity(10_000);
        for i in 0..10_000 {
            t.add(&v4(i), 1, 1);
        }
        assert_eq!(t.grows(), 0);
        assert_eq!(t.len(), 10_000);
    }
}
