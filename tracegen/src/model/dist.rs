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
mod sampler;
mod special;

use std::path::{Path, PathBuf};

use rand_distr::{Exp, Gamma, Geometric, LogNormal, Normal, Pareto, Uniform, Weibull, Zipf};
use serde::{Deserialize, Serialize};

use self::cdf::Cdf;
pub use self::sampler::Sampler;
use self::sampler::{Kind, Mixture};

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

#[cfg(test)]
mod tests;
