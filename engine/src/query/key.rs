//! Query keys: the `key_by` fields of a record packed into 40 bytes, compared and hashed as
//! five words, and unpacked again for output.

use wire::record::flags;
use wire::{FlowKey, PacketRecord};

use super::field::{Field, QueryError};

/// The most bits a key may take (five 64-bit words).
pub const MAX_KEY_BITS: u32 = 320;

/// A key: the key fields' values packed bit after bit, most significant first (after one bit
/// saying whether the record was IPv6, when the key holds an address). Keys therefore order
/// as their fields do, one after the other, IPv4 before IPv6.
#[derive(Clone, Copy, Debug, Default, Eq, PartialOrd, Ord)]
pub struct PackedKey(pub [u64; 5]);

impl PartialEq for PackedKey {
    /// Word by word, inline (the derived array comparison calls `memcmp`).
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.0, &other.0);
        (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) == 0
    }
}

impl std::hash::Hash for PackedKey {
    /// Five words (the derived array hash feeds the hasher one byte slice).
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for w in self.0 {
            state.write_u64(w);
        }
    }
}

/// How a query's key fields pack into a [`PackedKey`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLayout {
    fields: Vec<Field>,
    /// Whether the key holds an address: then one more bit says whether the record is IPv6,
    /// so IPv4 and IPv4-mapped IPv6 addresses stay apart and print as they came.
    has_address: bool,
}

impl KeyLayout {
    /// The layout of `fields`, or an error when they take more than [`MAX_KEY_BITS`].
    pub fn new(fields: &[Field], at: &str) -> Result<Self, QueryError> {
        if let Some(f) = fields.iter().find(|f| f.is_payload_test()) {
            return Err(QueryError::new(
                at,
                format!("{f} is a test on the payload: only a filter takes it"),
            ));
        }
        let has_address = fields.iter().any(|f| f.is_address());
        let bits: u32 = fields.iter().map(|f| f.bits()).sum::<u32>() + u32::from(has_address);
        if bits > MAX_KEY_BITS {
            return Err(QueryError::new(
                at,
                format!(
                    "the key takes {bits} bits; at most {MAX_KEY_BITS} fit (two addresses and four small fields)"
                ),
            ));
        }
        Ok(Self { fields: fields.to_vec(), has_address })
    }

    /// The key fields.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Whether the fields are the 5-tuple in flow order (`src, dst, sport, dport, proto`).
    pub fn is_flow_tuple(&self) -> bool {
        self.fields == [Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto]
    }

    /// Packs the key of `r`.
    #[inline(always)]
    pub fn pack(&self, r: &PacketRecord) -> PackedKey {
        // Most keys and distinct values are one field: place it directly. Two fields (a host
        // and a port, say) place the first so and write the second after it.
        let v6 = || self.has_address.then(|| r.has(flags::IPV6));
        match self.fields.as_slice() {
            [f] => pack_one(f.get(r), f.bits(), v6()),
            [f, g] => {
                let mut w = BitWriter {
                    words: pack_one(f.get(r), f.bits(), v6()).0,
                    pos: f.bits() + u32::from(self.has_address),
                };
                w.put(g.get(r), g.bits());
                PackedKey(w.words)
            }
            _ => self.pack_fields(r),
        }
    }

    /// [`KeyLayout::pack`] for any number of fields.
    #[inline]
    fn pack_fields(&self, r: &PacketRecord) -> PackedKey {
        let mut w = BitWriter::default();
        if self.has_address {
            w.put(u128::from(r.has(flags::IPV6)), 1);
        }
        for f in &self.fields {
            w.put(f.get(r), f.bits());
        }
        PackedKey(w.words)
    }

    /// A hash of the key of `r` without packing it (routing: equal keys hash equal; it is not
    /// [`key_hash`] of the packed key).
    #[inline]
    pub fn hash_record(&self, r: &PacketRecord) -> u64 {
        const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = if self.has_address && r.has(flags::IPV6) { 0x5851_f42d_4c95_7f2d } else { 0 };
        for f in &self.fields {
            let v = f.get(r);
            h = (h ^ v as u64).wrapping_mul(MIX).rotate_left(31);
            if f.bits() > 64 {
                h = (h ^ (v >> 64) as u64).wrapping_mul(MIX).rotate_left(31);
            }
        }
        h ^= h >> 29;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^ (h >> 32)
    }

    /// Packs a flow key (the layout must be [`KeyLayout::is_flow_tuple`]).
    pub fn pack_flow(&self, k: &FlowKey) -> PackedKey {
        let mut r = PacketRecord::default();
        match k {
            FlowKey::V4(k) => {
                r.src = wire::record::mapped_v4(k.src.to_be_bytes());
                r.dst = wire::record::mapped_v4(k.dst.to_be_bytes());
                (r.sport, r.dport, r.proto) = (k.sport, k.dport, k.proto);
            }
            FlowKey::V6(k) => {
                r.src = k.src.to_be_bytes();
                r.dst = k.dst.to_be_bytes();
                (r.sport, r.dport, r.proto) = (k.sport, k.dport, k.proto);
                r.set_flags(flags::IPV6);
            }
        }
        self.pack(&r)
    }

    /// The field values of a key, and whether its record was IPv6.
    pub fn unpack(&self, k: &PackedKey) -> (Vec<u128>, bool) {
        let mut r = BitReader { words: k.0, pos: 0 };
        let v6 = self.has_address && r.get(1) == 1;
        (self.fields.iter().map(|f| r.get(f.bits())).collect(), v6)
    }

    /// Appends the key's columns to a dump line, comma-separated.
    pub fn format(&self, k: &PackedKey, out: &mut String) {
        let (values, v6) = self.unpack(k);
        for (i, (f, v)) in self.fields.iter().zip(values).enumerate() {
            if i > 0 {
                out.push(',');
            }
            f.format(v, v6, out);
        }
    }
}

/// Hashes a key with a fixed seed (results must not depend on the process).
#[inline]
pub fn key_hash(k: &PackedKey) -> u64 {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = 0x243f_6a88_85a3_08d3u64;
    for w in k.0 {
        h = (h ^ w).wrapping_mul(MIX).rotate_left(31);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// The worker that owns a packed key among `n` (two-stage merges).
#[inline]
pub fn owner_of(k: &PackedKey, n: usize) -> usize {
    owner_of_hash(key_hash(k), n)
}

/// The one of `n` destinations a 64-bit hash picks (its high half, scaled).
#[inline]
pub fn owner_of_hash(h: u64, n: usize) -> usize {
    (((h >> 32) * n as u64) >> 32) as usize
}

/// The key of one field `v` of `bits` bits (1 to 128), after the IPv6 bit when there is one:
/// what [`BitWriter`] writes for it, in two or three words.
#[inline]
fn pack_one(v: u128, bits: u32, v6: Option<bool>) -> PackedKey {
    let v = v << (128 - bits);
    let (hi, lo) = ((v >> 64) as u64, v as u64);
    match v6 {
        None => PackedKey([hi, lo, 0, 0, 0]),
        Some(b) => PackedKey([u64::from(b) << 63 | hi >> 1, hi << 63 | lo >> 1, lo << 63, 0, 0]),
    }
}

#[derive(Default)]
struct BitWriter {
    words: [u64; 5],
    pos: u32,
}

impl BitWriter {
    /// Appends the low `bits` bits of `v` (at most 128): the value, left-aligned in 128 bits,
    /// lands across at most three words at once, without a loop.
    #[inline]
    fn put(&mut self, v: u128, bits: u32) {
        if bits == 0 {
            return;
        }
        let v = v << (128 - bits);
        let (hi, lo) = ((v >> 64) as u64, v as u64);
        let (i, o) = ((self.pos / 64) as usize, self.pos % 64);
        self.words[i] |= hi >> o;
        // Bits shifted past a word's end go on into the next (none when `o` is 0).
        let carry = |x: u64| if o == 0 { 0 } else { x << (64 - o) };
        if let Some(w) = self.words.get_mut(i + 1) {
            *w |= carry(hi) | (lo >> o);
        }
        if let Some(w) = self.words.get_mut(i + 2) {
            *w |= carry(lo);
        }
        self.pos += bits;
    }
}

struct BitReader {
    words: [u64; 5],
    pos: u32,
}

impl BitReader {
    fn get(&mut self, bits: u32) -> u128 {
        let mut v = 0u128;
        let mut left = bits;
        while left > 0 {
            let word = (self.pos / 64) as usize;
            let room = 64 - self.pos % 64;
            let n = room.min(left);
            let chunk = (self.words[word] >> (room - n)) & mask64(n);
            v = (v << n) | u128::from(chunk);
            self.pos += n;
            left -= n;
        }
        v
    }
}

#[inline]
fn mask64(n: u32) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(src: u128, dst: u128, sport: u16, dport: u16, proto: u8, v6: bool) -> PacketRecord {
        let mut r = PacketRecord::default();
        (r.src, r.dst, r.sport, r.dport, r.proto) =
            (src.to_be_bytes(), dst.to_be_bytes(), sport, dport, proto);
        if v6 {
            r.set_flags(flags::IPV6);
        }
        r
    }

    proptest! {
        #[test]
        fn keys_unpack_to_the_fields_they_packed(
            src: u128, dst: u128, sport: u16, dport: u16, proto: u8, v6: bool,
            pick in proptest::sample::subsequence(
                vec![Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto, Field::IpVersion],
                0..=6),
        ) {
            let r = record(src, dst, sport, dport, proto, v6);
            let layout = KeyLayout::new(&pick, "t").unwrap();
            let (values, got_v6) = layout.unpack(&layout.pack(&r));
            let expected: Vec<u128> = pick.iter().map(|f| f.get(&r)).collect();
            prop_assert_eq!(values, expected);
            prop_assert_eq!(got_v6, v6 && pick.iter().any(|f| f.is_address()));
        }
    }

    proptest! {
        #[test]
        fn one_and_two_fields_pack_as_the_general_writer_does(
            src: u128, dst: u128, sport: u16, dport: u16, proto: u8, v6: bool,
            fields in proptest::collection::vec(proptest::sample::select(vec![
                Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto,
                Field::IpVersion, Field::Seq, Field::IpLen,
            ]), 1..=2),
        ) {
            let r = record(src, dst, sport, dport, proto, v6);
            let layout = KeyLayout::new(&fields, "t").unwrap();
            prop_assert_eq!(layout.pack(&r), layout.pack_fields(&r));
        }
    }

    proptest! {
        #[test]
        fn the_writer_puts_bits_as_one_at_a_time_would(
            puts in proptest::collection::vec((any::<u128>(), 0u32..=128), 0..6),
        ) {
            let (mut w, mut naive, mut pos) = (BitWriter::default(), [0u64; 5], 0u32);
            for (v, bits) in puts {
                if pos + bits > MAX_KEY_BITS {
                    break;
                }
                w.put(v, bits);
                for b in (0..bits).rev() {
                    if (v >> b) & 1 == 1 {
                        naive[(pos / 64) as usize] |= 1 << (63 - pos % 64);
                    }
                    pos += 1;
                }
            }
            prop_assert_eq!(w.words, naive);
        }
    }

    #[test]
    fn flow_keys_pack_as_their_records_do() {
        let layout = KeyLayout::new(
            &[Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto],
            "t",
        )
        .unwrap();
        for v6 in [false, true] {
            let src = if v6 { 0x2001_0db8 << 96 | 7 } else { 0xffff_0a01_0203 };
            let r = record(src, src + 1, 5, 6, 17, v6);
            assert_eq!(layout.pack_flow(&r.flow_key()), layout.pack(&r));
        }
        assert!(layout.is_flow_tuple());
    }

    #[test]
    fn too_wide_a_key_is_refused() {
        let e = KeyLayout::new(&[Field::Src, Field::Dst, Field::Seq, Field::Ack], "key_by")
            .unwrap_err();
        assert!(e.to_string().contains("the key takes 321 bits"), "{e}");
    }
}
