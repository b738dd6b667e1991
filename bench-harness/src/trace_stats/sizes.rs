//! Wire lengths: the fixed-bin histogram and percentiles.

use std::collections::HashMap;

use super::dist::{Distribution, ratio};
use crate::results::schema::{SIZE_BINS, SizeBin, WireLenPercentiles};

/// Lengths below this are counted in a table, longer ones in a map.
const TABLE_LEN: usize = 16_384;

/// Counts frames by exact wire length.
pub(super) struct SizeCounter {
    table: Vec<u64>,
    longer: HashMap<u32, u64>,
}

impl SizeCounter {
    /// No frames yet.
    pub(super) fn new() -> Self {
        Self { table: vec![0; TABLE_LEN], longer: HashMap::new() }
    }

    /// Counts one frame.
    pub(super) fn add(&mut self, wire_len: u32) {
        match self.table.get_mut(wire_len as usize) {
            Some(n) => *n += 1,
            None => *self.longer.entry(wire_len).or_default() += 1,
        }
    }

    /// The distribution of the lengths counted.
    pub(super) fn distribution(&self) -> Distribution {
        let table = self.table.iter().enumerate().map(|(len, &n)| (len as u64, n));
        let longer = self.longer.iter().map(|(&len, &n)| (u64::from(len), n));
        Distribution::from_counts(table.chain(longer))
    }
}

/// Frames per bin of [`SIZE_BINS`], with their share of all frames.
pub(super) fn histogram(lengths: &Distribution) -> Vec<SizeBin> {
    SIZE_BINS
        .iter()
        .map(|&(bin, lo, hi)| {
            let (count, _) = lengths.count_and_sum_between(lo.into(), hi.into());
            SizeBin { bin: bin.to_string(), count, share: ratio(count, lengths.total()) }
        })
        .collect()
}

/// p10, p50, p90 and p99 of the wire length.
pub(super) fn percentiles(lengths: &Distribution) -> WireLenPercentiles {
    WireLenPercentiles {
        p10: lengths.percentile(10),
        p50: lengths.percentile(50),
        p90: lengths.percentile(90),
        p99: lengths.percentile(99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_every_length_once() {
        let mut c = SizeCounter::new();
        for len in [0, 60, 61, 127, 128, 1513, 1514, 1515, 9000, 70_000, u32::MAX] {
            c.add(len);
        }
        let d = c.distribution();
        let counts: Vec<u64> = histogram(&d).iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 2, 1, 0, 0, 1, 1, 4]);
        assert_eq!(d.max(), u64::from(u32::MAX));
    }
}
