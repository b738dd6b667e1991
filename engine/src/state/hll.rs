//! HyperLogLog: a distinct count in `2^p` one-byte registers (Flajolet et al. 2007, with the
//! small-range correction of linear counting), mergeable by taking register maxima, so partial
//! sketches merge to the sketch of the whole stream in any order.

/// Smallest precision accepted.
pub const MIN_PRECISION: u8 = 4;
/// Largest precision accepted (64 KiB of registers).
pub const MAX_PRECISION: u8 = 16;

/// A HyperLogLog sketch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hll {
    p: u8,
    registers: Box<[u8]>,
}

impl Hll {
    /// An empty sketch of `2^p` registers (`p` clamped to 4..=16); relative error about
    /// `1.04 / sqrt(2^p)`.
    pub fn new(p: u8) -> Self {
        let p = p.clamp(MIN_PRECISION, MAX_PRECISION);
        Self { p, registers: vec![0; 1 << p].into_boxed_slice() }
    }

    /// Adds a value, given as a 64-bit hash with a fixed seed (so sketches from different
    /// threads and runs agree).
    #[inline]
    pub fn add_hash(&mut self, h: u64) {
        let idx = (h >> (64 - self.p)) as usize;
        let rest = h << self.p;
        // Position of the first set bit of the remaining bits, 1-based; all zero gives 65 - p.
        let rank = (rest.leading_zeros() + 1).min(65 - u32::from(self.p)) as u8;
        let r = &mut self.registers[idx];
        *r = (*r).max(rank);
    }

    /// Merges another sketch of the same precision into this one (a smaller precision
    /// cannot happen inside one query: every sketch of an aggregate has its precision).
    pub fn merge(&mut self, other: &Hll) {
        for (a, b) in self.registers.iter_mut().zip(other.registers.iter()) {
            *a = (*a).max(*b);
        }
    }

    /// The estimated number of distinct values, rounded.
    pub fn estimate(&self) -> u64 {
        let m = self.registers.len() as f64;
        let alpha = match self.registers.len() {
            16 => 0.673,
            32 => 0.697,
            64 => 0.709,
            _ => 0.7213 / (1.0 + 1.079 / m),
        };
        let sum: f64 = self.registers.iter().map(|&r| (-f64::from(r)).exp2()).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        let e = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
        e.round() as u64
    }

    /// Bytes the registers take.
    pub fn bytes(&self) -> usize {
        self.registers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(i: u64) -> u64 {
        let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn estimates_are_within_a_few_standard_errors() {
        for (n, p) in [(10u64, 12u8), (1_000, 12), (100_000, 12), (50_000, 8)] {
            let mut h = Hll::new(p);
            for i in 0..n {
                h.add_hash(hash(i));
                h.add_hash(hash(i)); // duplicates do not count
            }
            let err = (h.estimate() as f64 - n as f64).abs() / n as f64;
            let bound = 4.0 * 1.04 / f64::from(1u32 << p).sqrt();
            assert!(err <= bound.max(0.01), "n {n} p {p}: estimate {} (error {err})", h.estimate());
        }
    }

    #[test]
    fn merged_halves_equal_the_whole() {
        let (mut a, mut b, mut whole) = (Hll::new(10), Hll::new(10), Hll::new(10));
        for i in 0..5000 {
            whole.add_hash(hash(i));
            if i % 3 == 0 { a.add_hash(hash(i)) } else { b.add_hash(hash(i)) }
        }
        a.merge(&b);
        assert_eq!(a, whole);
    }
}
