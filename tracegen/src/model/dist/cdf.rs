//! Empirical CDF files: parsing, validation and inverse-transform sampling.
//!
//! The format is described on [`super::DistSpec::Empirical`].

use std::path::Path;

use super::DistError;

/// How far the last cumulative probability may be from 1 (it is then taken as exactly 1).
pub(super) const LAST_PROBABILITY_TOLERANCE: f64 = 1e-9;

/// A validated piecewise-linear CDF: a point mass `probs[0]` at `values[0]`, then probability
/// `probs[i] - probs[i - 1]` spread evenly over `(values[i - 1], values[i]]`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Cdf {
    /// Strictly increasing, finite.
    values: Box<[f64]>,
    /// Non-decreasing in `(0, 1]`, the last exactly 1.
    probs: Box<[f64]>,
}

impl Cdf {
    /// Reads and validates the CDF file at `path` (already resolved against the base directory).
    pub(super) fn load(path: &Path) -> Result<Self, DistError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| DistError::Io { file: path.to_path_buf(), error })?;
        Self::parse(&text, path)
    }

    /// Parses and validates the text of a CDF file; `file` names it in errors.
    pub(super) fn parse(text: &str, file: &Path) -> Result<Self, DistError> {
        let line_err = |line: usize, problem: String, expected: &str| DistError::CdfLine {
            file: file.to_path_buf(),
            line,
            problem,
            expected: expected.to_owned(),
        };
        let mut values: Vec<f64> = Vec::new();
        let mut probs: Vec<f64> = Vec::new();
        let mut last_line = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
            if content.is_empty() {
                continue;
            }
            let fields: Vec<&str> = if content.contains(',') {
                content.split(',').map(str::trim).collect()
            } else {
                content.split_whitespace().collect()
            };
            if fields.len() != 2 {
                return Err(line_err(
                    line,
                    format!("{} fields in `{content}`", fields.len()),
                    "two numbers `value probability`, separated by whitespace or a comma",
                ));
            }
            let number = |field: &str, what: &str| -> Result<f64, DistError> {
                let x: f64 = field.parse().map_err(|_| {
                    line_err(line, format!("{what} `{field}` is not a number"), "a decimal number")
                })?;
                if x.is_finite() {
                    Ok(x)
                } else {
                    Err(line_err(line, format!("{what} {x} is not finite"), "a finite number"))
                }
            };
            let value = number(fields[0], "value")?;
            let prob = number(fields[1], "probability")?;
            if let Some(&prev) = values.last()
                && value <= prev
            {
                return Err(line_err(
                    line,
                    format!("value {value} is not above the previous {prev}"),
                    "strictly increasing values",
                ));
            }
            if !(prob > 0.0 && prob <= 1.0 + LAST_PROBABILITY_TOLERANCE) {
                return Err(line_err(
                    line,
                    format!("probability {prob} is outside (0, 1]"),
                    "a cumulative probability above 0 and at most 1",
                ));
            }
            let prob = prob.min(1.0);
            if let Some(&prev) = probs.last()
                && prob < prev
            {
                return Err(line_err(
                    line,
                    format!("probability {prob} is below the previous {prev}"),
                    "a non-decreasing CDF",
                ));
            }
            values.push(value);
            probs.push(prob);
            last_line = line;
        }
        let Some(last) = probs.last_mut() else {
            return Err(DistError::CdfFile {
                file: file.to_path_buf(),
                problem: "no points".to_owned(),
                expected: "at least one `value probability` line".to_owned(),
            });
        };
        if (*last - 1.0).abs() > LAST_PROBABILITY_TOLERANCE {
            return Err(line_err(
                last_line,
                format!("the last probability is {last}"),
                "the CDF to end at probability 1 (within 1e-9)",
            ));
        }
        *last = 1.0;
        Ok(Self { values: values.into(), probs: probs.into() })
    }

    /// The inverse CDF at `u` in `[0, 1)`: `values[0]` below `probs[0]`, linear interpolation
    /// between the points above.
    #[inline]
    pub(super) fn quantile(&self, u: f64) -> f64 {
        let (v, p) = (&self.values, &self.probs);
        if u < p[0] {
            return v[0];
        }
        // The first point whose cumulative probability exceeds u: i >= 1 since p[0] <= u, and
        // i < len since the last probability is 1 > u.
        let i = p.partition_point(|&q| q <= u);
        if i >= p.len() {
            return v[v.len() - 1];
        }
        let t = (u - p[i - 1]) / (p[i] - p[i - 1]);
        (v[i - 1] + t * (v[i] - v[i - 1])).min(v[i])
    }

    /// The mean: the point mass at the first value plus the midpoint of each segment times its
    /// probability.
    pub(super) fn mean(&self) -> f64 {
        let (v, p) = (&self.values, &self.probs);
        let segments: f64 = (1..v.len()).map(|i| (p[i] - p[i - 1]) * 0.5 * (v[i - 1] + v[i])).sum();
        p[0] * v[0] + segments
    }

    /// `E[min(X, x)]`: `x` below the first value, else the first value plus the integral of the
    /// survival function `1 - F` from there to `x` (exact: `1 - F` is linear on each segment).
    pub(super) fn limited_mean(&self, x: f64) -> f64 {
        let (v, p) = (&self.values, &self.probs);
        if x <= v[0] {
            return x;
        }
        let mut acc = v[0];
        for i in 1..v.len() {
            if v[i - 1] >= x {
                break;
            }
            let end = x.min(v[i]);
            let width = v[i] - v[i - 1];
            let p_end = p[i - 1] + (end - v[i - 1]) / width * (p[i] - p[i - 1]);
            acc += (end - v[i - 1]) * (2.0 - p[i - 1] - p_end) * 0.5;
        }
        acc
    }
}
