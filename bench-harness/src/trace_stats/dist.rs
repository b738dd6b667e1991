//! Exact distributions of integer values, ratios and top-n selection, shared by the statistics.

/// An exact distribution of integer values: each distinct value with how often it occurs.
pub(super) struct Distribution {
    /// `(value, occurrences)`, ascending by value, occurrences above 0, values distinct.
    counts: Vec<(u64, u64)>,
    /// Sum of the occurrences.
    total: u64,
}

impl Distribution {
    /// The distribution of `(value, occurrences)` pairs; a value may come more than once.
    pub(super) fn from_counts(counts: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut counts: Vec<(u64, u64)> = counts.into_iter().filter(|&(_, n)| n > 0).collect();
        counts.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(counts.len());
        for (v, n) in counts {
            match merged.last_mut() {
                Some((last, m)) if *last == v => *m += n,
                _ => merged.push((v, n)),
            }
        }
        let total = merged.iter().map(|&(_, n)| n).sum();
        Self { counts: merged, total }
    }

    /// The distribution of the given samples.
    pub(super) fn from_samples(samples: impl IntoIterator<Item = u64>) -> Self {
        let mut counts: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
        for v in samples {
            *counts.entry(v).or_default() += 1;
        }
        Self::from_counts(counts)
    }

    /// Number of samples.
    pub(super) fn total(&self) -> u64 {
        self.total
    }

    /// Sum of all samples.
    pub(super) fn sum(&self) -> u64 {
        self.counts.iter().map(|&(v, n)| v * n).sum()
    }

    /// Samples with `lo <= value <= hi`, and their sum.
    pub(super) fn count_and_sum_between(&self, lo: u64, hi: u64) -> (u64, u64) {
        self.counts
            .iter()
            .filter(|&&(v, _)| (lo..=hi).contains(&v))
            .fold((0, 0), |(c, s), &(v, n)| (c + n, s + v * n))
    }

    /// Nearest-rank percentile: the smallest value at or below which at least `pct`% of the
    /// samples lie; 0 when there are none.
    pub(super) fn percentile(&self, pct: u64) -> u64 {
        let rank = (u128::from(pct.min(100)) * u128::from(self.total)).div_ceil(100).max(1);
        let mut seen = 0u128;
        for &(v, n) in &self.counts {
            seen += u128::from(n);
            if seen >= rank {
                return v;
            }
        }
        self.max()
    }

    /// The largest sample; 0 when there are none.
    pub(super) fn max(&self) -> u64 {
        self.counts.last().map_or(0, |&(v, _)| v)
    }

    /// The samples from the largest down.
    pub(super) fn descending(&self) -> impl Iterator<Item = u64> + '_ {
        self.counts.iter().rev().flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize))
    }
}

/// `part / whole`, 0 when `whole` is 0.
pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The `n` items with the smallest `key`, in key order; keys should be distinct so the choice
/// among ties does not depend on the input order.
pub(super) fn top_n<T, K: Ord>(
    items: impl IntoIterator<Item = T>,
    n: usize,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut top: Vec<T> = Vec::with_capacity(n + 1);
    for item in items {
        let k = key(&item);
        if top.len() >= n && top.last().is_none_or(|last| key(last) <= k) {
            continue;
        }
        let at = top.partition_point(|t| key(t) <= k);
        top.insert(at, item);
        top.truncate(n);
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d = Distribution::from_samples(1..=100);
        assert_eq!([d.percentile(10), d.percentile(50), d.percentile(99)], [10, 50, 99]);
        assert_eq!((d.percentile(100), d.max(), d.total(), d.sum()), (100, 100, 100, 5050));
        let d = Distribution::from_counts([(7, 1), (3, 2), (7, 1)]);
        assert_eq!(d.descending().collect::<Vec<_>>(), [7, 7, 3, 3]);
        assert_eq!([d.percentile(50), d.percentile(51)], [3, 7]);
        assert_eq!(d.count_and_sum_between(4, 100), (2, 14));
        let empty = Distribution::from_samples([]);
        assert_eq!((empty.percentile(50), empty.max(), empty.total()), (0, 0, 0));
    }

    #[test]
    fn top_n_keeps_the_smallest_keys_in_order() {
        let top = top_n([5, 1, 9, 3, 7, 2], 3, |&x| x);
        assert_eq!(top, [1, 2, 3]);
        let top = top_n([(1, 'b'), (3, 'a'), (1, 'a')], 2, |&(n, c)| (std::cmp::Reverse(n), c));
        assert_eq!(top, [(3, 'a'), (1, 'a')]);
        assert!(top_n([1, 2], 0, |&x| x).is_empty());
        assert_eq!(top_n([2, 1], 5, |&x| x), [1, 2]);
        assert_eq!(ratio(1, 0), 0.0);
    }
}
