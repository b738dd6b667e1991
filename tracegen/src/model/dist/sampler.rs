//! Drawing from a validated distribution, and its mean under the clamps.

use std::path::Path;

use rand::RngExt;
use rand_distr::{
    Distribution, Exp, Gamma, Geometric, LogNormal, Normal, Pareto, Uniform, Weibull, Zipf,
};

use super::cdf::Cdf;
use super::special::{gamma_pq, ln_gamma, normal_pdf, normal_sf};
use super::{Component, DistError, non_negative};
use crate::model::zipf::harmonic;

/// A validated [`Dist`](super::Dist), ready to draw from.
#[derive(Clone, Debug)]
pub struct Sampler {
    pub(super) kind: Kind,
    /// Lower clamp, `-inf` when none.
    pub(super) lo: f64,
    /// Upper clamp, `+inf` when none.
    pub(super) hi: f64,
    pub(super) round: bool,
    /// [`Sampler::clamped_mean`], computed once.
    pub(super) mean: Option<f64>,
}

/// The distribution a sampler draws from, with its parameters (for the mean).
#[derive(Clone, Debug)]
pub(super) enum Kind {
    Constant(f64),
    Uniform { d: Uniform<f64>, low: f64, high: f64 },
    Normal { d: Normal<f64>, mean: f64, std_dev: f64 },
    LogNormal { d: LogNormal<f64>, mu: f64, sigma: f64 },
    Exp { d: Exp<f64>, mean: f64 },
    Pareto { d: Pareto<f64>, scale: f64, shape: f64 },
    Weibull { d: Weibull<f64>, scale: f64, shape: f64 },
    Gamma { d: Gamma<f64>, shape: f64, scale: f64 },
    Zipf { d: Zipf<f64>, n: u64, s: f64 },
    Geometric { d: Geometric, p: f64 },
    Mixture(Mixture),
    Empirical(Cdf),
}

/// Components of a mixture and their weights.
#[derive(Clone, Debug)]
pub(super) struct Mixture {
    /// Normalised cumulative weights, the last exactly 1.
    pub(super) cumulative: Box<[f64]>,
    /// Normalised weights.
    pub(super) weights: Box<[f64]>,
    pub(super) parts: Box<[Sampler]>,
}

impl Mixture {
    pub(super) fn build(components: &[Component], base_dir: &Path) -> Result<Self, DistError> {
        if components.is_empty() {
            return Err(DistError::Mixture {
                problem: "no components".to_owned(),
                expected: "at least one [[components]] table".to_owned(),
            });
        }
        let mut parts = Vec::with_capacity(components.len());
        for (i, c) in components.iter().enumerate() {
            let in_component =
                |error| DistError::Component { index: i + 1, error: Box::new(error) };
            if !non_negative(c.weight) {
                return Err(DistError::Mixture {
                    problem: format!("component {} has weight = {}", i + 1, c.weight),
                    expected: "a finite weight >= 0".to_owned(),
                });
            }
            parts.push(c.dist.build(base_dir).map_err(in_component)?);
        }
        let total: f64 = components.iter().map(|c| c.weight).sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(DistError::Mixture {
                problem: format!("the weights sum to {total}"),
                expected: "a finite positive total weight".to_owned(),
            });
        }
        let weights: Box<[f64]> = components.iter().map(|c| c.weight / total).collect();
        let mut acc = 0.0;
        let mut cumulative: Box<[f64]> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        // The last positive weight's cumulative value, and any after it, become exactly 1.
        let last_positive = weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
        cumulative[last_positive..].fill(1.0);
        Ok(Self { cumulative, weights, parts: parts.into() })
    }

    #[inline]
    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u: f64 = rng.random();
        let i = self.cumulative.partition_point(|&c| c <= u).min(self.parts.len() - 1);
        self.parts[i].sample(rng)
    }
}

impl Sampler {
    /// Draws one value.
    #[inline]
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.kind.sample(rng).max(self.lo).min(self.hi);
        if self.round { x.round() } else { x }
    }

    /// The mean of the clamped distribution where it has a closed form, `None` where it is
    /// infinite (a Pareto with `shape <= 1` and no `max`, or a mixture with such a component)
    /// or overflows.
    ///
    /// Clamps are taken into account exactly, through `E[min(X, x)]` of each distribution.
    /// Rounding is not: it moves the mean by less than 0.5, and by a negligible amount when
    /// the distribution spreads over many whole numbers (Zipf and geometric draws are whole
    /// already, so rounding does not change them at all).
    pub fn mean(&self) -> Option<f64> {
        self.mean
    }

    /// The lower clamp, `-inf` when there is none.
    pub fn min(&self) -> f64 {
        self.lo
    }

    /// The upper clamp, `+inf` when there is none.
    pub fn max(&self) -> f64 {
        self.hi
    }

    /// `E[Y]` for `Y = clamp(X, lo, hi)`, `X` the unclamped distribution (rounding ignored).
    pub(super) fn clamped_mean(&self) -> Option<f64> {
        match (self.lo.is_finite(), self.hi.is_finite()) {
            (false, false) => self.kind.mean(),
            // E[clamp(X, lo, hi)] = lo + G(hi) - G(lo), or G(hi) without lo.
            (_, true) => Some(self.limited_mean(self.hi)),
            // max(X, lo) + min(X, lo) = X + lo.
            (true, false) => {
                self.kind.mean().map(|m| m + self.lo - self.kind.limited_mean(self.lo))
            }
        }
    }

    /// `E[min(Y, x)]` for `Y = clamp(X, lo, hi)` and a finite `x` (rounding ignored).
    fn limited_mean(&self, x: f64) -> f64 {
        if x <= self.lo {
            // Y >= lo >= x.
            return x;
        }
        // min(clamp(X, lo, hi), x) = clamp(X, lo, min(hi, x)) since x > lo.
        let top = x.min(self.hi);
        if self.lo.is_finite() {
            self.lo + self.kind.limited_mean(top) - self.kind.limited_mean(self.lo)
        } else {
            self.kind.limited_mean(top)
        }
    }
}

impl Kind {
    #[inline]
    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Kind::Constant(v) => *v,
            Kind::Uniform { d, .. } => d.sample(rng),
            Kind::Normal { d, .. } => d.sample(rng),
            Kind::LogNormal { d, .. } => d.sample(rng),
            Kind::Exp { d, .. } => d.sample(rng),
            Kind::Pareto { d, .. } => d.sample(rng),
            Kind::Weibull { d, .. } => d.sample(rng),
            Kind::Gamma { d, .. } => d.sample(rng),
            Kind::Zipf { d, .. } => d.sample(rng),
            Kind::Geometric { d, .. } => d.sample(rng) as f64,
            Kind::Mixture(m) => m.sample(rng),
            Kind::Empirical(cdf) => cdf.quantile(rng.random()),
        }
    }

    /// The unclamped mean, `None` where it is infinite.
    fn mean(&self) -> Option<f64> {
        let m = match *self {
            Kind::Constant(v) => v,
            Kind::Uniform { low, high, .. } => 0.5 * (low + high),
            Kind::Normal { mean, .. } => mean,
            Kind::LogNormal { mu, sigma, .. } => (mu + 0.5 * sigma * sigma).exp(),
            Kind::Exp { mean, .. } => mean,
            Kind::Pareto { scale, shape, .. } => {
                if shape <= 1.0 {
                    return None;
                }
                shape * scale / (shape - 1.0)
            }
            Kind::Weibull { scale, shape, .. } => scale * ln_gamma(1.0 + 1.0 / shape).exp(),
            Kind::Gamma { shape, scale, .. } => shape * scale,
            Kind::Zipf { n, s, .. } => harmonic(n, s - 1.0) / harmonic(n, s),
            Kind::Geometric { p, .. } => (1.0 - p) / p,
            Kind::Mixture(ref m) => {
                let mut acc = 0.0;
                for (w, part) in m.weights.iter().zip(&m.parts) {
                    if *w > 0.0 {
                        acc += w * part.mean?;
                    }
                }
                acc
            }
            Kind::Empirical(ref cdf) => cdf.mean(),
        };
        m.is_finite().then_some(m)
    }

    /// `G(x) = E[min(X, x)]` for finite `x`: finite for every distribution here, even where the
    /// mean is not. For `X >= L` it is `x` below `L`, else `L + ∫_L^x P(X > t) dt`.
    fn limited_mean(&self, x: f64) -> f64 {
        match *self {
            Kind::Constant(v) => v.min(x),
            Kind::Uniform { low, high, .. } => {
                if x <= low {
                    x
                } else if x >= high {
                    0.5 * (low + high)
                } else {
                    x - (x - low) * (x - low) / (2.0 * (high - low))
                }
            }
            Kind::Normal { mean, std_dev, .. } => {
                if std_dev == 0.0 {
                    return mean.min(x);
                }
                // E[(X - x)+] = sd φ(z) - (x - mean) P(Z > z).
                let z = (x - mean) / std_dev;
                mean - std_dev * normal_pdf(z) + (x - mean) * normal_sf(z)
            }
            Kind::LogNormal { mu, sigma, .. } => {
                if x <= 0.0 {
                    return x;
                }
                if sigma == 0.0 {
                    return mu.exp().min(x);
                }
                // E[X; X <= x] + x P(X > x), with E[X; X <= x] = e^(mu + sigma²/2) Φ(z - sigma).
                let z = (x.ln() - mu) / sigma;
                (mu + 0.5 * sigma * sigma).exp() * normal_sf(sigma - z) + x * normal_sf(z)
            }
            Kind::Exp { mean, .. } => {
                if x <= 0.0 {
                    return x;
                }
                -mean * (-x / mean).exp_m1()
            }
            Kind::Pareto { scale, shape, .. } => {
                if x <= scale {
                    return x;
                }
                // scale + ∫_scale^x (scale / t)^shape dt.
                let ln_ratio = (x / scale).ln();
                let integral = if shape == 1.0 {
                    ln_ratio
                } else {
                    ((1.0 - shape) * ln_ratio).exp_m1() / (1.0 - shape)
                };
                scale + scale * integral
            }
            Kind::Weibull { scale, shape, .. } => {
                if x <= 0.0 {
                    return x;
                }
                // ∫_0^x e^-(t/scale)^shape dt = scale Γ(1 + 1/shape) P(1/shape, (x/scale)^shape).
                let a = 1.0 / shape;
                scale * ln_gamma(1.0 + a).exp() * gamma_pq(a, (x / scale).powf(shape)).0
            }
            Kind::Gamma { shape, scale, .. } => {
                if x <= 0.0 {
                    return x;
                }
                // E[X; X <= x] + x P(X > x).
                let y = x / scale;
                shape * scale * gamma_pq(shape + 1.0, y).0 + x * gamma_pq(shape, y).1
            }
            Kind::Zipf { n, s, .. } => {
                if x < 1.0 {
                    return x;
                }
                // sum_{k <= m} k P(k) + x P(X > m), m = floor(x).
                let m = if x >= n as f64 { n } else { x.floor() as u64 };
                let h = harmonic(n, s);
                harmonic(m, s - 1.0) / h + x * (1.0 - harmonic(m, s) / h)
            }
            Kind::Geometric { p, .. } => {
                if x <= 0.0 {
                    return x;
                }
                if p == 1.0 {
                    // Always 0.
                    return 0.0;
                }
                // ∫_0^x (1 - p)^(floor(t) + 1) dt, m = floor(x) whole steps and a partial one.
                let m = x.floor();
                let ln_q = (-p).ln_1p();
                let q = 1.0 - p;
                q * -(m * ln_q).exp_m1() / p + (x - m) * ((m + 1.0) * ln_q).exp()
            }
            Kind::Mixture(ref mix) => {
                mix.weights.iter().zip(&mix.parts).map(|(w, part)| w * part.limited_mean(x)).sum()
            }
            Kind::Empirical(ref cdf) => cdf.limited_mean(x),
        }
    }
}
