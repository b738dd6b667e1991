//! Random quantities of a traffic profile: a distribution by name and parameters, or an
//! empirical CDF file.
//!
//! A profile describes each random quantity (wire size, flow length in packets, inter-packet
//! gap, ...) as a [`Dist`]: a [`DistSpec`] tagged by `dist`, plus optional clamps `min`/`max`
//! and `round`. [`Dist::build`] validates it into a [`Sampler`], which draws `f64`s without
//! allocating and knows its mean where that has a closed form ([`Sampler::mean`]).
//!
//! In TOML the fields sit side by side in one table:
//!
//! ```toml
//! [flows.size]          # wire length in bytes
//! dist = "lognormal"
//! mu = 6.2
//! sigma = 1.1
//! min = 60              # clamps, applied after sampling
//! max = 1514
//! round = true          # whole numbers: the caller casts with `as u32`
//!
//! [flows.gap]           # seconds between packets of a flow
//! dist = "exp"
//! mean = 0.002
//!
//! [flows.length]        # packets per flow, from a measured CDF next to the profile
//! dist = "empirical"
//! file = "flow_lengths.cdf"
//! ```
//!
//! A mixture lists its components as an array of tables, each a weight and a full `Dist`
//! (so a component may be clamped on its own):
//!
//! ```toml
//! [flows.size]
//! dist = "mixture"
//! min = 60
//! max = 1514
//! round = true
//!
//! [[flows.size.components]]
//! weight = 0.4
//! dist = "constant"
//! value = 60
//!
//! [[flows.size.components]]
//! weight = 0.6
//! dist = "normal"
//! mean = 1400
//! std_dev = 120
//! ```
//!
//! Integer quantities are sampled as `f64`. With `round = true` the sampler rounds to the
//! nearest whole number (ties away from zero) and then clamps; integral `min`/`max` are
//! required then, so the result is a whole number in `[min, max]` and converts exactly with
//! `as` (a cast saturates, so an unclamped negative draw becomes 0 as `u32`). Without `round`
//! the caller decides how to make an integer of a draw.

mod cdf;
mod special;

use std::path::{Path, PathBuf};

use rand::RngExt;
use rand_distr::{
    Distribution, Exp, Gamma, Geometric, LogNormal, Normal, Pareto, Uniform, Weibull, Zipf,
};
use serde::{Deserialize, Serialize};

use self::cdf::Cdf;
use self::special::{gamma_pq, ln_gamma, normal_pdf, normal_sf};
use super::zipf::harmonic;

/// A distribution by name and parameters, tagged by `dist` (see the module documentation).
///
/// The tag is the variant's name in kebab-case (`"constant"`, `"uniform"`, `"normal"`,
/// `"lognormal"`, `"exp"`, `"pareto"`, `"weibull"`, `"gamma"`, `"zipf"`, `"geometric"`,
/// `"mixture"`, `"empirical"`); unknown fields are rejected.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DistSpec {
    /// Always `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// Uniform on `[low, high)`. (Named `low`/`high` because `min`/`max` are the clamps.)
    Uniform {
        /// Lower end, included.
        low: f64,
        /// Upper end, excluded; above `low`.
        high: f64,
    },
    /// Normal (Gaussian).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, `>= 0`.
        std_dev: f64,
    },
    /// Log-normal: `exp(N(mu, sigma))`, mean `exp(mu + sigma^2 / 2)`. Also spelled
    /// `"log-normal"`.
    #[serde(rename = "lognormal", alias = "log-normal")]
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm, `>= 0`.
        sigma: f64,
    },
    /// Exponential, given by its mean (the rate is `1 / mean`). Also spelled `"exponential"`.
    #[serde(alias = "exponential")]
    Exp {
        /// Mean, `> 0`.
        mean: f64,
    },
    /// Pareto (type I): `P(X > x) = (scale / x)^shape` for `x >= scale`; mean
    /// `shape * scale / (shape - 1)`, infinite for `shape <= 1`.
    Pareto {
        /// Smallest value, `> 0`.
        scale: f64,
        /// Tail index, `> 0`.
        shape: f64,
    },
    /// Weibull: `P(X > x) = exp(-(x / scale)^shape)`; mean `scale * Γ(1 + 1 / shape)`.
    Weibull {
        /// Scale, `> 0`.
        scale: f64,
        /// Shape, `> 0`.
        shape: f64,
    },
    /// Gamma with density proportional to `x^(shape - 1) e^(-x / scale)`; mean `shape * scale`.
    Gamma {
        /// Shape, `> 0`.
        shape: f64,
        /// Scale, `> 0`.
        scale: f64,
    },
    /// Zipf on the whole numbers `1..=n`, `P(k) ∝ k^-s`.
    Zipf {
        /// Number of ranks, `>= 1` (a TOML integer).
        n: u64,
        /// Exponent, `>= 0` (0 is uniform).
        s: f64,
    },
    /// Geometric: the number of failures (0, 1, 2, ...) before the first success of trials
    /// succeeding with probability `p`; mean `(1 - p) / p`.
    Geometric {
        /// Success probability, in `(0, 1]`.
        p: f64,
    },
    /// A weighted mixture: one component is drawn by weight, then sampled.
    Mixture {
        /// The components; in TOML an array of tables `[[<key>.components]]`.
        components: Vec<Component>,
    },
    /// An empirical CDF read from a text file.
    ///
    /// One point `value cumulative_probability` per line, the two numbers separated by
    /// whitespace or a comma; `#` starts a comment, blank lines are skipped. Values are finite
    /// and strictly increasing; probabilities are in `(0, 1]`, non-decreasing, and the last is
    /// 1 (within 1e-9). The first point `v0 p0` is a point mass: `P(X = v0) = p0`. Between two
    /// points the probability is spread evenly (the CDF is linear), and sampling is by inverse
    /// transform with linear interpolation, so draws lie in `[first value, last value]`.
    ///
    /// ```text
    /// # wire length, cumulative probability
    /// 60    0.38   # 38% minimum frames
    /// 575   0.48
    /// 604   0.55
    /// 1513  0.58
    /// 1514  1.0
    /// ```
    Empirical {
        /// The CDF file; a relative path is resolved against the `base_dir` given to
        /// [`Dist::build`] (the profile file's directory).
        file: PathBuf,
    },
}

/// One component of a [`DistSpec::Mixture`]: a weight and a distribution.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Component {
    /// Relative weight, `>= 0`; the weights of a mixture need not sum to 1.
    pub weight: f64,
    /// The component's distribution, with its own optional clamps.
    #[serde(flatten)]
    pub dist: Dist,
}

/// A distribution with optional clamps: what a profile gives for each random quantity.
///
/// A draw `x` of [`spec`](Self::spec) becomes `min(max(x, min), max)`, then, with `round`, the
/// nearest whole number. Unknown keys are rejected (by the flattened [`DistSpec`]).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Dist {
    /// The distribution.
    #[serde(flatten)]
    pub spec: DistSpec,
    /// Draws below are raised to `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Draws above are lowered to `max`; `>= min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Round draws to the nearest whole number (`min`/`max` must then be whole numbers).
    #[serde(default, skip_serializing_if = "is_false")]
    pub round: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl From<DistSpec> for Dist {
    fn from(spec: DistSpec) -> Self {
        Self { spec, min: None, max: None, round: false }
    }
}

/// Why a [`Dist`] does not build. The messages say what was found and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// A distribution parameter outside its domain, e.g.
    /// `lognormal: sigma = -1: expected a finite number >= 0`.
    #[error("{dist}: {param} = {value}: expected {expected}")]
    Param {
        /// The distribution's `dist` name.
        dist: &'static str,
        /// The parameter's name.
        param: &'static str,
        /// The value given.
        value: f64,
        /// What the parameter must be.
        expected: String,
    },
    /// A clamp that is not finite, is below `min`, or is not whole while `round` is set.
    #[error("{param} = {value}: expected {expected}")]
    Clamp {
        /// `"min"` or `"max"`.
        param: &'static str,
        /// The value given.
        value: f64,
        /// What the clamp must be.
        expected: String,
    },
    /// A mixture without components, with a negative weight, or whose weights sum to 0.
    #[error("mixture: {problem}: expected {expected}")]
    Mixture {
        /// What is wrong.
        problem: String,
        /// What was expected.
        expected: String,
    },
    /// A mixture component (numbered from 1) that does not build.
    #[error("mixture component {index}: {error}")]
    Component {
        /// The component's position, from 1.
        index: usize,
        /// Its error.
        error: Box<DistError>,
    },
    /// A CDF file that cannot be read.
    #[error("{}: cannot read the CDF file: {error}", .file.display())]
    Io {
        /// The file, resolved against the base directory.
        file: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// A problem with a line of a CDF file, e.g. `sizes.cdf line 7: probability 0.4 is below
    /// the previous 0.6: expected a non-decreasing CDF`.
    #[error("{} line {line}: {problem}: expected {expected}", .file.display())]
    CdfLine {
        /// The file, resolved against the base directory.
        file: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What was found.
        problem: String,
        /// What was expected.
        expected: String,
    },
    /// A problem with a CDF file as a whole (it has no points).
    #[error("{}: {problem}: expected {expected}", .file.display())]
    CdfFile {
        /// The file, resolved against the base directory.
        file: PathBuf,
        /// What was found.
        problem: String,
        /// What was expected.
        expected: String,
    },
}

const FINITE: &str = "a finite number";
const NON_NEGATIVE: &str = "a finite number >= 0";
const POSITIVE: &str = "a finite number > 0";

/// Checks one parameter: `Ok(())` when `ok`, else a [`DistError::Param`].
fn check(
    dist: &'static str,
    param: &'static str,
    value: f64,
    ok: bool,
    expected: &str,
) -> Result<(), DistError> {
    if ok { Ok(()) } else { Err(param_error(dist, param, value, expected)) }
}

fn param_error(dist: &'static str, param: &'static str, value: f64, expected: &str) -> DistError {
    DistError::Param { dist, param, value, expected: expected.to_owned() }
}

fn finite(x: f64) -> bool {
    x.is_finite()
}

fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

impl DistSpec {
    /// The `dist` tag of this variant, as the TOML spells it.
    pub fn name(&self) -> &'static str {
        match self {
            DistSpec::Constant { .. } => "constant",
            DistSpec::Uniform { .. } => "uniform",
            DistSpec::Normal { .. } => "normal",
            DistSpec::LogNormal { .. } => "lognormal",
            DistSpec::Exp { .. } => "exp",
            DistSpec::Pareto { .. } => "pareto",
            DistSpec::Weibull { .. } => "weibull",
            DistSpec::Gamma { .. } => "gamma",
            DistSpec::Zipf { .. } => "zipf",
            DistSpec::Geometric { .. } => "geometric",
            DistSpec::Mixture { .. } => "mixture",
            DistSpec::Empirical { .. } => "empirical",
        }
    }

    /// Validates the parameters (and reads an empirical CDF file, relative paths resolved
    /// against `base_dir`) into an unclamped sampler.
    pub fn build(&self, base_dir: &Path) -> Result<Sampler, DistError> {
        Dist::from(self.clone()).build(base_dir)
    }

    fn build_kind(&self, base_dir: &Path) -> Result<Kind, DistError> {
        let name = self.name();
        let kind = match *self {
            DistSpec::Constant { value } => {
                check(name, "value", value, finite(value), FINITE)?;
                Kind::Constant(value)
            }
            DistSpec::Uniform { low, high } => {
                check(name, "low", low, finite(low), FINITE)?;
                let above_low = format!("a finite number > low = {low}");
                check(name, "high", high, finite(high) && high > low, &above_low)?;
                let d = Uniform::new(low, high)
                    .map_err(|_| param_error(name, "high", high, &above_low))?;
                Kind::Uniform { d, low, high }
            }
            DistSpec::Normal { mean, std_dev } => {
                check(name, "mean", mean, finite(mean), FINITE)?;
                check(name, "std_dev", std_dev, non_negative(std_dev), NON_NEGATIVE)?;
                let d = Normal::new(mean, std_dev)
                    .map_err(|_| param_error(name, "std_dev", std_dev, NON_NEGATIVE))?;
                Kind::Normal { d, mean, std_dev }
            }
            DistSpec::LogNormal { mu, sigma } => {
                check(name, "mu", mu, finite(mu), FINITE)?;
                check(name, "sigma", sigma, non_negative(sigma), NON_NEGATIVE)?;
                let d = LogNormal::new(mu, sigma)
                    .map_err(|_| param_error(name, "sigma", sigma, NON_NEGATIVE))?;
                Kind::LogNormal { d, mu, sigma }
            }
            DistSpec::Exp { mean } => {
                check(name, "mean", mean, positive(mean), POSITIVE)?;
                let d =
                    Exp::new(1.0 / mean).map_err(|_| param_error(name, "mean", mean, POSITIVE))?;
                Kind::Exp { d, mean }
            }
            DistSpec::Pareto { scale, shape } => {
                check(name, "scale", scale, positive(scale), POSITIVE)?;
                check(name, "shape", shape, positive(shape), POSITIVE)?;
                let d = Pareto::new(scale, shape).map_err(|e| match e {
                    rand_distr::ParetoError::ScaleTooSmall => {
                        param_error(name, "scale", scale, POSITIVE)
                    }
                    rand_distr::ParetoError::ShapeTooSmall => {
                        param_error(name, "shape", shape, POSITIVE)
                    }
                })?;
                Kind::Pareto { d, scale, shape }
            }
            DistSpec::Weibull { scale, shape } => {
                check(name, "scale", scale, positive(scale), POSITIVE)?;
                check(name, "shape", shape, positive(shape), POSITIVE)?;
                let d = Weibull::new(scale, shape).map_err(|e| match e {
                    rand_distr::WeibullError::ScaleTooSmall => {
                        param_error(name, "scale", scale, POSITIVE)
                    }
                    rand_distr::WeibullError::ShapeTooSmall => {
                        param_error(name, "shape", shape, POSITIVE)
                    }
                })?;
                Kind::Weibull { d, scale, shape }
            }
            DistSpec::Gamma { shape, scale } => {
                check(name, "shape", shape, positive(shape), POSITIVE)?;
                check(name, "scale", scale, positive(scale), POSITIVE)?;
                let d = Gamma::new(shape, scale).map_err(|e| match e {
                    rand_distr::GammaError::ShapeTooSmall => {
                        param_error(name, "shape", shape, POSITIVE)
                    }
                    rand_distr::GammaError::ScaleTooSmall
                    | rand_distr::GammaError::ScaleTooLarge => {
                        param_error(name, "scale", scale, POSITIVE)
                    }
                })?;
                Kind::Gamma { d, shape, scale }
            }
            DistSpec::Zipf { n, s } => {
                let n_f = n as f64;
                check(name, "n", n_f, n >= 1, "a whole number >= 1")?;
                check(name, "s", s, non_negative(s), NON_NEGATIVE)?;
                let d = Zipf::new(n_f, s).map_err(|e| match e {
                    rand_distr::ZipfError::NTooSmall => {
                        param_error(name, "n", n_f, "a whole number >= 1")
                    }
                    rand_distr::ZipfError::STooSmall | rand_distr::ZipfError::IllDefined => {
                        param_error(name, "s", s, NON_NEGATIVE)
                    }
                })?;
                Kind::Zipf { d, n, s }
            }
            DistSpec::Geometric { p } => {
                const PROBABILITY: &str = "a probability in (0, 1]";
                check(name, "p", p, p > 0.0 && p <= 1.0, PROBABILITY)?;
                let d = Geometric::new(p).map_err(|_| param_error(name, "p", p, PROBABILITY))?;
                Kind::Geometric { d, p }
            }
            DistSpec::Mixture { ref components } => {
                Kind::Mixture(Mixture::build(components, base_dir)?)
            }
            DistSpec::Empirical { ref file } => Kind::Empirical(Cdf::load(&base_dir.join(file))?),
        };
        Ok(kind)
    }
}

impl Dist {
    /// Validates the parameters and clamps (and reads an empirical CDF file, relative paths
    /// resolved against `base_dir`, normally the profile file's directory) into a sampler.
    pub fn build(&self, base_dir: &Path) -> Result<Sampler, DistError> {
        let kind = self.spec.build_kind(base_dir)?;
        for (param, bound) in [("min", self.min), ("max", self.max)] {
            let Some(value) = bound else { continue };
            if !value.is_finite() {
                return Err(DistError::Clamp { param, value, expected: FINITE.to_owned() });
            }
            if self.round && value.fract() != 0.0 {
                return Err(DistError::Clamp {
                    param,
                    value,
                    expected: "a whole number, since round = true".to_owned(),
                });
            }
        }
        if let (Some(min), Some(max)) = (self.min, self.max)
            && max < min
        {
            return Err(DistError::Clamp {
                param: "max",
                value: max,
                expected: format!("a number >= min = {min}"),
            });
        }
        let mut sampler = Sampler {
            kind,
            lo: self.min.unwrap_or(f64::NEG_INFINITY),
            hi: self.max.unwrap_or(f64::INFINITY),
            round: self.round,
            mean: None,
        };
        sampler.mean = sampler.clamped_mean().filter(|m| m.is_finite());
        Ok(sampler)
    }
}

/// A validated [`Dist`], ready to draw from.
#[derive(Clone, Debug)]
pub struct Sampler {
    kind: Kind,
    /// Lower clamp, `-inf` when none.
    lo: f64,
    /// Upper clamp, `+inf` when none.
    hi: f64,
    round: bool,
    /// [`Sampler::clamped_mean`], computed once.
    mean: Option<f64>,
}

#[derive(Clone, Debug)]
enum Kind {
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

#[derive(Clone, Debug)]
struct Mixture {
    /// Normalised cumulative weights, the last exactly 1.
    cumulative: Box<[f64]>,
    /// Normalised weights.
    weights: Box<[f64]>,
    parts: Box<[Sampler]>,
}

impl Mixture {
    fn build(components: &[Component], base_dir: &Path) -> Result<Self, DistError> {
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
    fn clamped_mean(&self) -> Option<f64> {
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

#[cfg(test)]
mod tests;
