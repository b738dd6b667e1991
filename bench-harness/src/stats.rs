//! Statistics of repeated trials: the median, percentile bootstrap confidence intervals of a
//! median, of a ratio of medians and of paired ratios, and verdicts against a target bound that say "within
//! noise" when the interval straddles it.
//!
//! Suites run each configuration as a few separate processes, so samples are small (3 to 10
//! values) and far from normal; the median with a percentile bootstrap interval makes no
//! assumption about their distribution. The bootstrap draws from a ChaCha generator with a fixed
//! seed, so the same samples always give the same interval (results files diff cleanly).
//!
//! Non-finite values (a trial that reported nothing) are left out of every statistic.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The confidence level suites report: 95%.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// Bootstrap resamples suites draw per interval.
pub const DEFAULT_RESAMPLES: usize = 2000;
/// The fixed seed of every bootstrap, so intervals are reproducible.
pub const BOOTSTRAP_SEED: u64 = 0x5eed_b007_57a7_0001;

/// A median with its confidence interval, over `n` values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The sample median (for [`ratio_ci`], the ratio of the two sample medians; for
    /// [`paired_ratio_ci`], the median of the pairs' ratios).
    pub median: f64,
    /// Lower end of the confidence interval.
    pub lo: f64,
    /// Upper end of the confidence interval.
    pub hi: f64,
    /// Values the statistic was computed from (for a ratio: the smaller of the two samples).
    pub n: usize,
}

impl Summary {
    /// True when `value` lies inside the interval, ends included.
    pub fn contains(&self, value: f64) -> bool {
        self.lo <= value && value <= self.hi
    }
}

/// Where a confidence interval lies relative to a target bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval is on the target's side of the bound.
    Met,
    /// The whole interval is on the wrong side of the bound.
    NotMet,
    /// The interval contains the bound: the measurements cannot tell.
    WithinNoise,
}

impl Verdict {
    /// How tables print the verdict: `met`, `not met`, `within noise`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not met",
            Verdict::WithinNoise => "within noise",
        }
    }
}

/// The target a statistic is held to.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// The value must be at least this.
    AtLeast(f64),
    /// The value must be at most this.
    AtMost(f64),
}

/// Judges `s` against `bound`: met only when the whole interval is on the right side of the
/// bound, not met when the whole interval is on the wrong side, else within noise.
pub fn verdict(s: &Summary, bound: Bound) -> Verdict {
    match bound {
        Bound::AtLeast(b) if s.lo >= b => Verdict::Met,
        Bound::AtLeast(b) if s.hi < b => Verdict::NotMet,
        Bound::AtMost(b) if s.hi <= b => Verdict::Met,
        Bound::AtMost(b) if s.lo > b => Verdict::NotMet,
        _ => Verdict::WithinNoise,
    }
}

/// True when the two intervals share at least one value.
pub fn overlap(a: &Summary, b: &Summary) -> bool {
    a.lo <= b.hi && b.lo <= a.hi
}

fn finite(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

/// Median of values already sorted; `None` when there are none.
fn sorted_median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The median of the finite values (the mean of the middle two for an even count); `None`
/// when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = finite(values);
    v.sort_by(f64::total_cmp);
    sorted_median(&v)
}

/// The `q` quantile (0 to 1) of sorted values, interpolating linearly between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (below, above) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (pos - below as f64)
}

/// The median of `n` values drawn with replacement from `values`, using `scratch`.
fn resampled_median(values: &[f64], rng: &mut ChaCha8Rng, scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend((0..values.len()).map(|_| values[rng.random_range(0..values.len())]));
    scratch.sort_by(f64::total_cmp);
    // `values` is not empty, so neither is the resample.
    sorted_median(scratch).unwrap_or(f64::NAN)
}

/// The percentile interval of bootstrap statistics at `confidence`, widened where needed to
/// contain `point` (the percentile interval of a median almost always does; with a handful of
/// values it can miss by a hair, and a reported interval that excludes its own point would
/// mislead).
fn percentile_interval(mut stats: Vec<f64>, confidence: f64, point: f64) -> (f64, f64) {
    stats.retain(|v| v.is_finite());
    if stats.is_empty() {
        return (point, point);
    }
    stats.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence.clamp(0.0, 1.0)) / 2.0;
    let (lo, hi) = (quantile(&stats, tail), quantile(&stats, 1.0 - tail));
    (lo.min(point), hi.max(point))
}

/// The median of `values` with a percentile bootstrap confidence interval at `confidence`
/// (e.g. 0.95) from `resamples` resamples, drawn with the fixed seed [`BOOTSTRAP_SEED`].
/// `None` when no value is finite. A single value gives `lo = hi = median`.
pub fn median_ci(values: &[f64], confidence: f64, resamples: usize) -> Option<Summary> {
    let v = finite(values);
    let point = median(&v)?;
    let mut rng = ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED);
    let mut scratch = Vec::with_capacity(v.len());
    let stats = (0..resamples).map(|_| resampled_median(&v, &mut rng, &mut scratch)).collect();
    let (lo, hi) = percentile_interval(stats, confidence, point);
    Some(Summary { median: point, lo, hi, n: v.len() })
}

/// [`median_ci`] at [`DEFAULT_CONFIDENCE`] with [`DEFAULT_RESAMPLES`].
pub fn median_ci95(values: &[f64]) -> Option<Summary> {
    median_ci(values, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES)
}

/// The ratio of the medians of two independent samples, `median(a) / median(b)`, with a
/// percentile bootstrap interval: each resample draws from `a` and from `b` separately. `None`
/// when either sample has no finite value or `b`'s median is zero.
pub fn ratio_ci(a: &[f64], b: &[f64], confidence: f64, resamples: usize) -> Option<Summary> {
    let (a, b) = (finite(a), finite(b));
    let (ma, mb) = (median(&a)?, median(&b)?);
    if mb == 0.0 {
        return None;
    }
    let point = ma / mb;
    let mut rng = ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED);
    let mut scratch = Vec::with_capacity(a.len().max(b.len()));
    let stats = (0..resamples)
        .map(|_| {
            let ra = resampled_median(&a, &mut rng, &mut scratch);
            let rb = resampled_median(&b, &mut rng, &mut scratch);
            ra / rb
        })
        .collect();
    let (lo, hi) = percentile_interval(stats, confidence, point);
    Some(Summary { median: point, lo, hi, n: a.len().min(b.len()) })
}

/// [`ratio_ci`] at [`DEFAULT_CONFIDENCE`] with [`DEFAULT_RESAMPLES`].
pub fn ratio_ci95(a: &[f64], b: &[f64]) -> Option<Summary> {
    ratio_ci(a, b, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES)
}

/// The median of paired ratios `a_i / b_i` with a percentile bootstrap interval over the pairs.
///
/// For measurements taken side by side (two variants in the same round of an interleaved suite,
/// or a queue's round trip and the atomic floor in the same process): whatever slowed or sped
/// up the machine during one pair affects both of its values, and the ratio cancels it, where
/// [`ratio_ci`] of the two samples would carry it into both medians. Pairs with a non-finite
/// value or a zero divisor are left out; `None` when none is left.
pub fn paired_ratio_ci(pairs: &[(f64, f64)], confidence: f64, resamples: usize) -> Option<Summary> {
    let ratios: Vec<f64> = pairs
        .iter()
        .filter(|(a, b)| a.is_finite() && b.is_finite() && *b != 0.0)
        .map(|(a, b)| a / b)
        .collect();
    median_ci(&ratios, confidence, resamples)
}

/// [`paired_ratio_ci`] at [`DEFAULT_CONFIDENCE`] with [`DEFAULT_RESAMPLES`].
pub fn paired_ratio_ci95(pairs: &[(f64, f64)]) -> Option<Summary> {
    paired_ratio_ci(pairs, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_known_sets() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[5.0, f64::NAN, 1.0, f64::INFINITY]), Some(3.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
    }

    #[test]
    fn quantiles_interpolate() {
        let s = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(quantile(&s, 0.0), 0.0);
        assert_eq!(quantile(&s, 0.5), 20.0);
        assert_eq!(quantile(&s, 0.125), 5.0);
        assert_eq!(quantile(&s, 1.0), 40.0);
    }

    #[test]
    fn interval_contains_the_median_and_lies_within_the_data() {
        let values = [10.0, 12.0, 11.0, 30.0, 9.0, 10.5, 11.5];
        let s = median_ci95(&values).unwrap();
        assert_eq!(s.median, 11.0);
        assert_eq!(s.n, 7);
        assert!(s.contains(s.median), "{s:?}");
        assert!(s.lo >= 9.0 && s.hi <= 30.0, "{s:?}");
        assert!(s.lo < s.hi, "{s:?}");
    }

    #[test]
    fn one_value_gives_a_point_interval() {
        let s = median_ci95(&[4.25]).unwrap();
        assert_eq!(s, Summary { median: 4.25, lo: 4.25, hi: 4.25, n: 1 });
        let r = ratio_ci95(&[6.0], &[3.0]).unwrap();
        assert_eq!(r, Summary { median: 2.0, lo: 2.0, hi: 2.0, n: 1 });
        assert!(median_ci95(&[]).is_none());
        assert!(ratio_ci95(&[1.0], &[0.0]).is_none());
        assert!(ratio_ci95(&[1.0], &[]).is_none());
    }

    #[test]
    fn the_fixed_seed_makes_intervals_reproducible() {
        let a = [1.0, 5.0, 2.0, 8.0, 3.0, 3.5];
        let b = [2.0, 2.5, 1.5, 3.0];
        assert_eq!(median_ci95(&a), median_ci95(&a));
        assert_eq!(ratio_ci95(&a, &b), ratio_ci95(&a, &b));
        // Fewer resamples draw a different (still reproducible) interval from the same stream.
        assert_eq!(median_ci(&a, 0.9, 100), median_ci(&a, 0.9, 100));
    }

    #[test]
    fn ratio_is_of_medians_and_its_interval_brackets_it() {
        let a = [20.0, 22.0, 18.0, 21.0];
        let b = [10.0, 11.0, 9.0];
        let r = ratio_ci95(&a, &b).unwrap();
        assert_eq!(r.median, 20.5 / 10.0);
        assert_eq!(r.n, 3);
        assert!(r.contains(r.median));
        // Bootstrap ratios are ratios of resampled medians: within (min a / max b, max a / min b).
        assert!(r.lo >= 18.0 / 11.0 && r.hi <= 22.0 / 9.0, "{r:?}");
    }

    #[test]
    fn paired_ratios_cancel_what_moved_both_values_of_a_pair() {
        // One slow round (4x) moves both variants: paired, the ratio is exactly 2 every time.
        let pairs = [(200.0, 100.0), (220.0, 110.0), (800.0, 400.0), (210.0, 105.0)];
        let paired = paired_ratio_ci95(&pairs).unwrap();
        assert_eq!((paired.median, paired.lo, paired.hi, paired.n), (2.0, 2.0, 2.0, 4));
        // Unpaired, the slow round widens the interval well past 2 on both sides.
        let (a, b): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
        let unpaired = ratio_ci95(&a, &b).unwrap();
        assert!(unpaired.lo < 1.0 && unpaired.hi > 4.0, "{unpaired:?}");
        // Unusable pairs are left out; none left gives nothing.
        let r = paired_ratio_ci95(&[(6.0, 3.0), (1.0, 0.0), (f64::NAN, 1.0)]).unwrap();
        assert_eq!((r.median, r.n), (2.0, 1));
        assert!(paired_ratio_ci95(&[(1.0, 0.0)]).is_none());
    }

    #[test]
    fn overlap_and_verdicts() {
        let s = |lo, hi| Summary { median: (lo + hi) / 2.0, lo, hi, n: 3 };
        assert!(overlap(&s(1.0, 2.0), &s(2.0, 3.0)));
        assert!(overlap(&s(1.0, 5.0), &s(2.0, 3.0)));
        assert!(!overlap(&s(1.0, 2.0), &s(2.5, 3.0)));
        assert!(!overlap(&s(2.5, 3.0), &s(1.0, 2.0)));

        assert_eq!(verdict(&s(1.2, 1.4), Bound::AtLeast(1.1)), Verdict::Met);
        assert_eq!(verdict(&s(1.1, 1.4), Bound::AtLeast(1.1)), Verdict::Met);
        assert_eq!(verdict(&s(1.0, 1.2), Bound::AtLeast(1.1)), Verdict::WithinNoise);
        assert_eq!(verdict(&s(0.8, 1.0), Bound::AtLeast(1.1)), Verdict::NotMet);
        assert_eq!(verdict(&s(1.2, 1.4), Bound::AtMost(1.5)), Verdict::Met);
        assert_eq!(verdict(&s(1.4, 1.6), Bound::AtMost(1.5)), Verdict::WithinNoise);
        assert_eq!(verdict(&s(1.6, 1.9), Bound::AtMost(1.5)), Verdict::NotMet);
        assert_eq!(Verdict::WithinNoise.label(), "within noise");
    }
}
