//! Zipf popularity calibrated by the share of its most popular item.
//!
//! Flow popularity in backbone traffic is Zipf-like, yet no single flow of a CAIDA minute carries
//! more than about 1% of its packets. [`exponent_for_top_share`] finds the Zipf exponent `s` for
//! which the most popular of `n` items has the asked share `1 / H(n, s)`.

/// The generalised harmonic number `H(n, s) = sum_{k=1..n} k^-s`: exact for the first 100
/// terms, then the Euler-Maclaurin tail (integral plus end corrections), accurate to far better
/// than 1e-6 relative.
pub fn harmonic(n: u64, s: f64) -> f64 {
    const EXACT: u64 = 100;
    let m = n.min(EXACT);
    let mut h: f64 = (1..=m).map(|k| (k as f64).powf(-s)).sum();
    if n > m {
        // sum_{k=m+1..n} k^-s ~ integral_m^n x^-s dx + (n^-s - m^-s) / 2 + s (m^-s-1 - n^-s-1) / 12
        let (a, b) = (m as f64, n as f64);
        let integral = if (s - 1.0).abs() < 1e-12 {
            (b / a).ln()
        } else {
            (b.powf(1.0 - s) - a.powf(1.0 - s)) / (1.0 - s)
        };
        h += integral
            + 0.5 * (b.powf(-s) - a.powf(-s))
            + s / 12.0 * (a.powf(-s - 1.0) - b.powf(-s - 1.0));
    }
    h
}

/// The exponent in `[0, 3]` for which the most popular of `n` items has share `top_share`
/// (`0` when even uniform popularity gives a larger share, i.e. `n < 1 / top_share`).
pub fn exponent_for_top_share(n: u64, top_share: f64) -> f64 {
    let share = |s: f64| 1.0 / harmonic(n, s);
    if share(0.0) >= top_share {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 3.0f64);
    for _ in 0..45 {
        let mid = 0.5 * (lo + hi);
        if share(mid) > top_share { hi = mid } else { lo = mid }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmonic_tail_matches_exact_sum() {
        for s in [0.5, 0.9, 1.0, 1.2] {
            let n = 200_000u64;
            let exact: f64 = (1..=n).map(|k| (k as f64).powf(-s)).sum();
            let approx = harmonic(n, s);
            assert!((approx - exact).abs() / exact < 1e-9, "s={s}: {approx} vs {exact}");
        }
    }

    #[test]
    fn calibrated_exponent_gives_the_share() {
        let s = exponent_for_top_share(500_000, 0.01);
        assert!(s > 0.3 && s < 1.0, "{s}");
        assert!((1.0 / harmonic(500_000, s) - 0.01).abs() < 1e-6);
        assert_eq!(exponent_for_top_share(50, 0.01), 0.0);
    }
}
