//! Flow lengths (packets per flow) of the flow plan: a point mass at one packet, a short body of
//! 2 to 10 packets, and a truncated Pareto tail, calibrated to a mean.
//!
//! The campus figures of ANCHORS.md ("Realistic traffic", AGH 2015) set the `caida-like`
//! defaults: 47.8% of flows single-packet, 86.5% of at most 10 packets (carrying about 2.5% of
//! packets), 78.6 packets per flow on average. A tail that heavy needs a Pareto shape below 1,
//! so it is truncated, and [`FlowLengths::calibrated`] finds the truncation point that gives the
//! asked mean. A flow here is one connection, both directions together.

use rand::RngExt;

/// The distribution of planned flow lengths.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowLengths {
    /// Share of single-packet flows.
    pub single: f64,
    /// Share of flows of 2 to 10 packets.
    pub short: f64,
    /// Relative weights of lengths 2..=10 within the short body.
    pub short_weights: [f64; 9],
    /// Pareto shape of the tail (lengths 11 and up).
    pub tail_shape: f64,
    /// Largest length of the tail.
    pub tail_max: f64,
}

/// Smallest length of the tail.
const TAIL_MIN: f64 = 11.0;

impl FlowLengths {
    /// The lengths with the given body and tail shape, the tail cut where the overall mean is
    /// `mean` (bisection on the cut; the mean must lie above the body's).
    pub fn calibrated(
        single: f64,
        short: f64,
        short_weights: [f64; 9],
        tail_shape: f64,
        mean: f64,
    ) -> Self {
        let mut l = Self { single, short, short_weights, tail_shape, tail_max: 12.0 };
        let (mut lo, mut hi) = (12.0f64.ln(), 1e12f64.ln());
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            l.tail_max = mid.exp();
            if l.mean() < mean { lo = mid } else { hi = mid }
        }
        l
    }

    /// The `caida-like` lengths (AGH 2015 campus figures).
    pub fn campus() -> Self {
        Self::calibrated(0.478, 0.387, SHORT_DECAY, 0.75, 78.6)
    }

    fn tail_share(&self) -> f64 {
        (1.0 - self.single - self.short).max(0.0)
    }

    fn short_mean(&self) -> f64 {
        let total: f64 = self.short_weights.iter().sum();
        self.short_weights.iter().enumerate().map(|(i, w)| w / total * (i + 2) as f64).sum()
    }

    /// Mean of the (continuous) truncated Pareto tail.
    fn tail_mean(&self) -> f64 {
        let (a, m, x) = (self.tail_shape, TAIL_MIN, self.tail_max);
        let norm = 1.0 - (m / x).powf(a);
        if (a - 1.0).abs() < 1e-9 {
            m * (x / m).ln() / norm
        } else {
            a * m.powf(a) / (1.0 - a) * (x.powf(1.0 - a) - m.powf(1.0 - a)) / norm
        }
    }

    /// The mean length.
    pub fn mean(&self) -> f64 {
        self.single + self.short * self.short_mean() + self.tail_share() * self.tail_mean()
    }

    /// Draws a length.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let u: f64 = rng.random();
        if u < self.single {
            1
        } else if u < self.single + self.short {
            2 + pick(&self.short_weights, rng.random::<f64>()) as u64
        } else {
            // Inverse CDF of the truncated Pareto.
            let (a, m, x) = (self.tail_shape, TAIL_MIN, self.tail_max);
            let v: f64 = rng.random();
            let t = 1.0 - v * (1.0 - (m / x).powf(a));
            ((m * t.powf(-1.0 / a)).floor() as u64).clamp(11, x as u64)
        }
    }

    /// Draws a length with probability proportional to length times its probability: the
    /// length of the flow that a packet picked at random belongs to. Flows in progress when a
    /// trace starts are drawn this way.
    pub fn sample_length_biased<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let short_mass = self.short * self.short_mean();
        let tail_mass = self.tail_share() * self.tail_mean();
        let u = rng.random::<f64>() * (self.single + short_mass + tail_mass);
        if u < self.single {
            1
        } else if u < self.single + short_mass {
            let w: [f64; 9] = std::array::from_fn(|i| self.short_weights[i] * (i + 2) as f64);
            2 + pick(&w, rng.random::<f64>()) as u64
        } else {
            // Density proportional to x * x^-(a+1) = x^-a on [m, x_max]: inverse CDF.
            let (a, m, x) = (self.tail_shape, TAIL_MIN, self.tail_max);
            let v: f64 = rng.random();
            let l = if (a - 1.0).abs() < 1e-9 {
                m * (x / m).powf(v)
            } else {
                let e = 1.0 - a;
                (m.powf(e) + v * (x.powf(e) - m.powf(e))).powf(1.0 / e)
            };
            (l.floor() as u64).clamp(11, x as u64)
        }
    }
}

/// Weights of lengths 2..=10: each about 0.75 of the one before.
pub const SHORT_DECAY: [f64; 9] = [1.0, 0.75, 0.56, 0.42, 0.32, 0.24, 0.18, 0.13, 0.1];

/// The index of `u` (in [0, 1)) under the cumulative `weights`.
fn pick(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w / total;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn campus_lengths_match_the_agh_figures_on_a_million_flows() {
        let l = FlowLengths::campus();
        assert!((l.mean() - 78.6).abs() < 1e-6, "{}", l.mean());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let n = 1_000_000;
        let draws: Vec<u64> = (0..n).map(|_| l.sample(&mut rng)).collect();
        let single = draws.iter().filter(|&&d| d == 1).count() as f64 / n as f64;
        let upto10: Vec<u64> = draws.iter().copied().filter(|&d| d <= 10).collect();
        let total: u64 = draws.iter().sum();
        let share_upto10 = upto10.len() as f64 / n as f64;
        let pkts_upto10 = upto10.iter().sum::<u64>() as f64 / total as f64;
        // Tolerances: sampling error of a million flows is far below these.
        assert!((single - 0.478).abs() < 0.005, "single {single}");
        assert!((share_upto10 - 0.865).abs() < 0.005, "<=10 {share_upto10}");
        assert!((0.015..0.04).contains(&pkts_upto10), "packets of <=10 {pkts_upto10}");
        // The heavy tail makes the sample mean noisy: within 25% of 78.6.
        let mean = total as f64 / n as f64;
        assert!((mean - 78.6).abs() < 0.25 * 78.6, "mean {mean}");
        // The median over the tail (lengths >= 11) is about 11 * 2^(1/0.75) = 27.7.
        let mut tail: Vec<u64> = draws.iter().copied().filter(|&d| d >= 11).collect();
        tail.sort_unstable();
        let med = tail[tail.len() / 2] as f64;
        assert!((24.0..32.0).contains(&med), "tail median {med}");
    }

    #[test]
    fn length_biased_draws_favour_long_flows() {
        let l = FlowLengths::campus();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let n = 200_000;
        let single = (0..n).filter(|_| l.sample_length_biased(&mut rng) == 1).count() as f64;
        // A packet belongs to a single-packet flow with probability 0.478 / 78.6.
        assert!((single / n as f64 - 0.478 / 78.6).abs() < 0.002, "{}", single / n as f64);
    }
}
