//! A flat open-addressing flow table keyed by the 5-tuple.
//!
//! Two arrays, one per IP version, so the common IPv4 entry stays at 32 bytes (two per cache
//! line) while IPv6 entries take 64. Keys are packed into machine words whose last word carries a
//! "used" bit, so an empty slot is one compare and a match two (IPv4) or three (IPv6), with no
//! field-by-field branching. Linear probing; the home slot is the high half of a
//! multiply-and-fold hash of the key words times the capacity, so the capacity need not be a
//! power of two and the table is no larger than its flows need. The table is sized and
//! pre-faulted before the clock starts (every page written), and grows by half past a load of
//! 3/4, which the run reports (`grows`) because it costs time inside the measurement. Entries
//! live on huge pages where the kernel allows ([`super::huge`]), so random lookups do not also
//! miss the TLB.
//!
//! [`FlowTable::update_batch`] works the way Jetstream's grouped packet vectors do: it hashes a
//! group of records first and prefetches every home slot, then applies the updates, so the
//! memory misses of a group overlap instead of queuing one after another.

use wire::record::flags;
use wire::{FlowKey, FlowKeyV4, FlowKeyV6, PacketRecord};

use super::huge::HugeArray;
use wire::prefetch::prefetch;

/// How many flows of each IP version a table should hold without growing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowEstimate {
    /// IPv4 flows.
    pub v4: usize,
    /// IPv6 flows.
    pub v6: usize,
}

/// The most flows [`FlowEstimate::times`] sizes a table for in advance (about 256 MiB of IPv4
/// entries); past it the table grows under the clock, which the run reports.
pub const MAX_PRESIZED_FLOWS: usize = 1 << 23;

impl FlowEstimate {
    /// The estimate for `copies` disjoint copies of these flows (`--unique-ip` over `copies`
    /// loops), each version at most [`MAX_PRESIZED_FLOWS`].
    pub fn times(self, copies: u64) -> Self {
        let scale = |n: usize| {
            n.saturating_mul(usize::try_from(copies).unwrap_or(usize::MAX))
                .min(MAX_PRESIZED_FLOWS.max(n))
        };
        Self { v4: scale(self.v4), v6: scale(self.v6) }
    }

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

/// Ports, protocol and the used bit in one word: `sport << 32 | dport << 16 | proto << 8 | 1`.
#[inline]
fn rest_word(sport: u16, dport: u16, proto: u8) -> u64 {
    (u64::from(sport) << 32) | (u64::from(dport) << 16) | (u64::from(proto) << 8) | 1
}

fn unpack_rest(rest: u64) -> (u16, u16, u8) {
    ((rest >> 32) as u16, (rest >> 16) as u16, (rest >> 8) as u8)
}

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a ^ K1) * u128::from(b ^ K2);
    (m as u64) ^ ((m >> 64) as u64)
}

/// A 5-tuple packed for the table; the all-zero value is the empty slot.
trait PackedKey: Copy + Default + PartialEq {
    fn is_empty(&self) -> bool;
    fn hash(&self) -> u64;
}

/// IPv4 key: `src << 32 | dst`, then the rest word. 16 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct KeyV4 {
    addrs: u64,
    rest: u64,
}

/// IPv6 key: both addresses, then the rest word. 40 bytes (48 with alignment).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct KeyV6 {
    src: u128,
    dst: u128,
    rest: u64,
}

impl PackedKey for KeyV4 {
    #[inline]
    fn is_empty(&self) -> bool {
        self.rest == 0
    }
    #[inline]
    fn hash(&self) -> u64 {
        fold(self.addrs, self.rest)
    }
}

impl PackedKey for KeyV6 {
    #[inline]
    fn is_empty(&self) -> bool {
        self.rest == 0
    }
    #[inline]
    fn hash(&self) -> u64 {
        let h = fold(self.src as u64, (self.src >> 64) as u64);
        let h = fold(h ^ self.dst as u64, (self.dst >> 64) as u64);
        fold(h, self.rest)
    }
}

impl From<&FlowKeyV4> for KeyV4 {
    fn from(k: &FlowKeyV4) -> Self {
        Self {
            addrs: (u64::from(k.src) << 32) | u64::from(k.dst),
            rest: rest_word(k.sport, k.dport, k.proto),
        }
    }
}

impl From<&FlowKeyV6> for KeyV6 {
    fn from(k: &FlowKeyV6) -> Self {
        Self { src: k.src, dst: k.dst, rest: rest_word(k.sport, k.dport, k.proto) }
    }
}

impl From<&KeyV4> for FlowKey {
    fn from(k: &KeyV4) -> Self {
        let (sport, dport, proto) = unpack_rest(k.rest);
        FlowKey::V4(FlowKeyV4 {
            src: (k.addrs >> 32) as u32,
            dst: k.addrs as u32,
            sport,
            dport,
            proto,
        })
    }
}

impl From<&KeyV6> for FlowKey {
    fn from(k: &KeyV6) -> Self {
        let (sport, dport, proto) = unpack_rest(k.rest);
        FlowKey::V6(FlowKeyV6 { src: k.src, dst: k.dst, sport, dport, proto })
    }
}

/// A record's key, packed straight from the record (no `FlowKey` in between).
#[derive(Clone, Copy, Debug)]
enum Packed {
    V4(KeyV4),
    V6(KeyV6),
}

#[inline]
fn pack(r: &PacketRecord) -> Packed {
    let rest = rest_word(r.sport, r.dport, r.proto);
    if r.has(flags::IPV6) {
        Packed::V6(KeyV6 { src: u128::from_be_bytes(r.src), dst: u128::from_be_bytes(r.dst), rest })
    } else {
        let v4 = |a: &[u8; 16]| u64::from(u32::from_be_bytes([a[12], a[13], a[14], a[15]]));
        Packed::V4(KeyV4 { addrs: (v4(&r.src) << 32) | v4(&r.dst), rest })
    }
}

/// One slot: a packed key and its counters (32 bytes for IPv4, 64 for IPv6).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct Entry<K> {
    key: K,
    value: Counters,
}

const _: () = assert!(size_of::<Entry<KeyV4>>() == 32);
const _: () = assert!(size_of::<Entry<KeyV6>>() == 64);

/// One open-addressing array of entries of one IP version.
struct Slots<K: PackedKey> {
    entries: HugeArray<Entry<K>>,
    /// Number of slots (any size: slots come from the hash by multiply-high, not a mask).
    cap: usize,
    len: usize,
}

impl<K: PackedKey> Slots<K> {
    fn with_capacity(min: usize) -> Self {
        // Room for `min` flows below the growth threshold's load, and no more: the smaller the
        // table, the more of it stays in cache.
        let cap = min.max(8) * 4 / 3 + 1;
        // Every entry is written now, so every page is faulted in before the clock starts.
        Self { entries: HugeArray::new(cap, Entry::default()), cap, len: 0 }
    }

    /// The home slot of a hash: the high half of `hash * cap`, uniform over any capacity.
    #[inline]
    fn home(&self, h: u64) -> usize {
        ((u128::from(h) * self.cap as u128) >> 64) as usize
    }

    #[inline]
    fn prefetch_home(&self, h: u64) {
        prefetch(&self.entries[self.home(h)]);
    }

    /// The counters of `key`, inserted as zeros if absent.
    #[inline]
    fn counters(&mut self, key: &K, h: u64, grows: &mut u32) -> &mut Counters {
        if (self.len + 1) * 4 > self.cap * 3 {
            self.grow();
            *grows += 1;
        }
        let mut i = self.home(h);
        loop {
            let e = &self.entries[i];
            if e.key == *key {
                return &mut self.entries[i].value;
            }
            if e.key.is_empty() {
                break;
            }
            i = if i + 1 == self.cap { 0 } else { i + 1 };
        }
        self.len += 1;
        let e = &mut self.entries[i];
        e.key = *key;
        &mut e.value
    }

    #[cold]
    fn grow(&mut self) {
        let bigger = Slots::with_capacity(self.cap * 3 / 2);
        let old = std::mem::replace(self, bigger);
        let mut ignored = 0;
        for e in old.entries.iter().filter(|e| !e.key.is_empty()) {
            *self.counters(&e.key, e.key.hash(), &mut ignored) = e.value;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Entry<K>> + '_ {
        self.entries.iter().filter(|e| !e.key.is_empty())
    }
}

/// A flow table from 5-tuples to [`Counters`].
pub struct FlowTable {
    v4: Slots<KeyV4>,
    v6: Slots<KeyV6>,
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

    /// How many times an array grew after the table was created.
    pub fn grows(&self) -> u32 {
        self.grows
    }

    /// Bytes allocated for entries (both arrays, huge-page rounding included).
    pub fn memory_bytes(&self) -> usize {
        self.v4.entries.allocated_bytes() + self.v6.entries.allocated_bytes()
    }

    /// Adds `packets` and `bytes` to a flow's counters.
    pub fn add(&mut self, key: &FlowKey, packets: u64, bytes: u64) {
        let c = match key {
            FlowKey::V4(k) => {
                let k = KeyV4::from(k);
                self.v4.counters(&k, k.hash(), &mut self.grows)
            }
            FlowKey::V6(k) => {
                let k = KeyV6::from(k);
                self.v6.counters(&k, k.hash(), &mut self.grows)
            }
        };
        c.packets += packets;
        c.bytes += bytes;
    }

    /// Counts every record of a batch (one packet and its wire length each): hashes and
    /// prefetches a group of records first, then updates them.
    pub fn update_batch(&mut self, records: &[PacketRecord]) {
        const GROUP: usize = 32;
        let mut keys = [Packed::V4(KeyV4::default()); GROUP];
        let mut hashes = [0u64; GROUP];
        for chunk in records.chunks(GROUP) {
            for (i, r) in chunk.iter().enumerate() {
                keys[i] = pack(r);
                hashes[i] = match &keys[i] {
                    Packed::V4(k) => {
                        let h = k.hash();
                        self.v4.prefetch_home(h);
                        h
                    }
                    Packed::V6(k) => {
                        let h = k.hash();
                        self.v6.prefetch_home(h);
                        h
                    }
                };
            }
            for (i, r) in chunk.iter().enumerate() {
                let c = match &keys[i] {
                    Packed::V4(k) => self.v4.counters(k, hashes[i], &mut self.grows),
                    Packed::V6(k) => self.v6.counters(k, hashes[i], &mut self.grows),
                };
                c.packets += 1;
                c.bytes += u64::from(r.wire_len());
            }
        }
    }

    /// Every flow and its counters, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (FlowKey, Counters)> + '_ {
        let v4 = self.v4.iter().map(|e| (FlowKey::from(&e.key), e.value));
        let v6 = self.v6.iter().map(|e| (FlowKey::from(&e.key), e.value));
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
    fn batches_count_like_single_adds() {
        let mut r = PacketRecord::default();
        let mut batch = Vec::new();
        for i in 0..300u32 {
            r.src = wire::record::mapped_v4((i % 7).to_be_bytes());
            r.sport = (i % 5) as u16;
            r.proto = 6;
            r.set_wire_len(100 + i);
            r.set_flags(if i % 11 == 0 { flags::IPV6 } else { 0 });
            batch.push(r);
        }
        let mut a = FlowTable::with_capacity(2);
        a.update_batch(&batch);
        let mut b = FlowTable::with_capacity(2);
        for r in &batch {
            b.add(&r.flow_key(), 1, u64::from(r.wire_len()));
        }
        let mut x: Vec<_> = a.iter().collect();
        let mut y: Vec<_> = b.iter().collect();
        x.sort_by_key(|e| e.0);
        y.sort_by_key(|e| e.0);
        assert_eq!(x, y);
        assert!(a.grows() > 0);
    }

    /// Issue 7's memory bound: at most 96 bytes allocated per live flow at 1 M flows, whether
    /// the table was sized for them up front or grew to them from nothing.
    #[test]
    fn a_million_flows_take_at_most_96_bytes_each() {
        for presized in [true, false] {
            let mut t = FlowTable::with_capacity(if presized { 1_000_000 } else { 2 });
            for i in 0..1_000_000 {
                t.add(&v4(i), 1, 1);
            }
            assert_eq!(t.len(), 1_000_000);
            let per_flow = t.memory_bytes() as f64 / t.len() as f64;
            assert!(per_flow <= 96.0, "presized {presized}: {per_flow:.1} B per flow");
            assert!(per_flow >= 32.0, "an IPv4 entry is 32 bytes: {per_flow:.1}");
        }
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
