//! Tests of [`super`]: parsing from TOML, sample means against the analytic means, clamps,
//! parameter and CDF file errors.
//!
//! Mean tolerance: over `N = 200_000` draws from `ChaCha8Rng::seed_from_u64(SEED)`, the sample
//! mean must be within five standard errors (`5 s / sqrt(N)`, `s` the sample standard deviation)
//! of [`Sampler::mean`], plus `1e-9` relative for rounding. With a fixed seed the outcome is
//! deterministic; five standard errors keeps a correct formula from failing by bad luck of the
//! seed (a chance below 1e-6 per check for finite-variance distributions).

use std::io::Write;
use std::path::Path;

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::*;

mod errors;

const N: usize = 200_000;
const SEED: u64 = 0x5eed_d157;

/// A TOML document with the distribution under a key, as a profile holds it.
#[derive(Deserialize, Debug)]
struct Doc {
    x: Dist,
}

fn parse(snippet: &str) -> Dist {
    toml::from_str::<Doc>(snippet).unwrap_or_else(|e| panic!("{snippet}\n{e}")).x
}

fn build(snippet: &str) -> Sampler {
    build_in(snippet, Path::new("."))
}

fn build_in(snippet: &str, base: &Path) -> Sampler {
    parse(snippet).build(base).unwrap_or_else(|e| panic!("{snippet}\n{e}"))
}

fn build_err(snippet: &str) -> String {
    match parse(snippet).build(Path::new(".")) {
        Ok(s) => panic!("{snippet} built: {s:?}"),
        Err(e) => e.to_string(),
    }
}

struct Stats {
    mean: f64,
    sd: f64,
    min: f64,
    max: f64,
    all_whole: bool,
}

fn stats(s: &Sampler) -> Stats {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut all_whole = true;
    for _ in 0..N {
        let x = s.sample(&mut rng);
        sum += x;
        sum_sq += x * x;
        min = min.min(x);
        max = max.max(x);
        all_whole &= x.fract() == 0.0;
    }
    let mean = sum / N as f64;
    let var = (sum_sq / N as f64 - mean * mean).max(0.0) * N as f64 / (N - 1) as f64;
    Stats { mean, sd: var.sqrt(), min, max, all_whole }
}

/// Checks `Sampler::mean` against `expected` (1e-9 relative) and the sample mean against it
/// (five standard errors); returns the sample statistics.
fn check_mean(snippet: &str, expected: f64) -> Stats {
    let s = build(snippet);
    let mean = s.mean().unwrap_or_else(|| panic!("{snippet}: no mean"));
    assert!(
        (mean - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{snippet}: mean() = {mean}, expected {expected}"
    );
    let st = stats(&s);
    let tol = 5.0 * st.sd / (N as f64).sqrt() + 1e-9 * expected.abs().max(1.0);
    assert!(
        (st.mean - expected).abs() <= tol,
        "{snippet}: sample mean {} vs {expected} (tolerance {tol})",
        st.mean
    );
    st
}

/// Checks that the sample mean agrees with `Sampler::mean` (five standard errors) and that
/// draws stay within the clamps; for clamped distributions, whose means the tests do not
/// compute independently.
fn check_clamped(snippet: &str) -> Stats {
    let s = build(snippet);
    let mean = s.mean().unwrap_or_else(|| panic!("{snippet}: no mean"));
    let st = stats(&s);
    let tol = 5.0 * st.sd / (N as f64).sqrt() + 1e-9 * mean.abs().max(1.0);
    assert!(
        (st.mean - mean).abs() <= tol,
        "{snippet}: sample mean {} vs mean() {mean} (tolerance {tol})",
        st.mean
    );
    assert!(st.min >= s.min() && st.max <= s.max(), "{snippet}: [{}, {}]", st.min, st.max);
    st
}

#[test]
fn constant() {
    let st = check_mean("[x]\ndist = \"constant\"\nvalue = 1500", 1500.0);
    assert_eq!((st.min, st.max), (1500.0, 1500.0));
}

#[test]
fn uniform() {
    let st = check_mean("[x]\ndist = \"uniform\"\nlow = 10\nhigh = 20.5", 15.25);
    assert!(st.min >= 10.0 && st.max < 20.5);
}

#[test]
fn normal() {
    let st = check_mean("[x]\ndist = \"normal\"\nmean = 1000\nstd_dev = 100", 1000.0);
    assert!((st.sd - 100.0).abs() < 1.0, "{}", st.sd);
}

#[test]
fn lognormal() {
    check_mean("[x]\ndist = \"lognormal\"\nmu = 6.0\nsigma = 0.8", (6.0f64 + 0.32).exp());
    // The alternative spelling.
    check_mean("[x]\ndist = \"log-normal\"\nmu = 1.0\nsigma = 0", 1.0f64.exp());
}

#[test]
fn exponential() {
    let st = check_mean("[x]\ndist = \"exp\"\nmean = 0.002", 0.002);
    assert!(st.min >= 0.0);
    check_mean("[x]\ndist = \"exponential\"\nmean = 3", 3.0);
}

#[test]
fn pareto() {
    let st = check_mean("[x]\ndist = \"pareto\"\nscale = 2\nshape = 3", 3.0);
    assert!(st.min >= 2.0);
    // Infinite mean: no analytic mean, and sampling still works.
    for shape in [1.0, 0.8] {
        let s = build(&format!("[x]\ndist = \"pareto\"\nscale = 1\nshape = {shape}"));
        assert_eq!(s.mean(), None);
        assert!(stats(&s).min >= 1.0);
    }
}

#[test]
fn weibull() {
    // 2 Γ(1 + 1/1.5) = 2 Γ(5/3).
    check_mean("[x]\ndist = \"weibull\"\nscale = 2\nshape = 1.5", 2.0 * 0.9027452929509336);
    // Shape 1 is the exponential.
    check_mean("[x]\ndist = \"weibull\"\nscale = 4\nshape = 1", 4.0);
}

#[test]
fn gamma() {
    check_mean("[x]\ndist = \"gamma\"\nshape = 2.5\nscale = 3", 7.5);
    check_mean("[x]\ndist = \"gamma\"\nshape = 0.4\nscale = 10", 4.0);
}

#[test]
fn zipf() {
    let (n, s) = (1000u64, 1.2f64);
    let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    let expected: f64 = weights.iter().zip(1..).map(|(w, k)| w * k as f64).sum::<f64>() / total;
    let st = check_mean(&format!("[x]\ndist = \"zipf\"\nn = {n}\ns = {s}"), expected);
    assert!(st.all_whole && st.min >= 1.0 && st.max <= n as f64);
    // s = 0 is uniform on 1..=n; n = 1 is always 1.
    check_mean("[x]\ndist = \"zipf\"\nn = 100\ns = 0", 50.5);
    check_mean("[x]\ndist = \"zipf\"\nn = 1\ns = 1", 1.0);
}

#[test]
fn geometric() {
    let st = check_mean("[x]\ndist = \"geometric\"\np = 0.1", 9.0);
    assert!(st.all_whole && st.min >= 0.0);
    check_mean("[x]\ndist = \"geometric\"\np = 1", 0.0);
}

#[test]
fn mixture() {
    let snippet = r#"
        [x]
        dist = "mixture"

        [[x.components]]
        weight = 0.4
        dist = "constant"
        value = 60

        [[x.components]]
        weight = 1.2          # weights are relative: 0.4 + 1.2 normalises to 0.25 + 0.75
        dist = "normal"
        mean = 1400
        std_dev = 120
    "#;
    check_mean(snippet, 0.25 * 60.0 + 0.75 * 1400.0);
    // Zero-weight components are never drawn, and a zero-weight infinite-mean one does not
    // spoil the mean.
    let snippet = r#"
        [x]
        dist = "mixture"
        [[x.components]]
        weight = 0
        dist = "pareto"
        scale = 1e9
        shape = 0.5
        [[x.components]]
        weight = 1
        dist = "uniform"
        low = 0
        high = 1
        [[x.components]]
        weight = 0
        dist = "constant"
        value = 5
    "#;
    let st = check_mean(snippet, 0.5);
    assert!(st.max < 1.0);
}

/// The backbone-like CDF of the [`DistSpec::Empirical`] documentation, with a comma line, a
/// blank line and comments.
const SIZES_CDF: &str = "# wire length, cumulative probability
60    0.38   # 38% minimum frames
575, 0.48
604\t0.55

1513  0.58
1514  1.0
";

fn write_file(dir: &Path, name: &str, text: &str) {
    let mut f = std::fs::File::create(dir.join(name)).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn empirical() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "sizes.cdf", SIZES_CDF);
    let snippet = "[x]\ndist = \"empirical\"\nfile = \"sizes.cdf\"";
    let expected = 0.38 * 60.0
        + 0.10 * (60.0 + 575.0) / 2.0
        + 0.07 * (575.0 + 604.0) / 2.0
        + 0.03 * (604.0 + 1513.0) / 2.0
        + 0.42 * (1513.0 + 1514.0) / 2.0;
    let s = build_in(snippet, dir.path());
    assert!((s.mean().unwrap() - expected).abs() < 1e-9, "{:?}", s.mean());
    let st = stats(&s);
    assert!((st.mean - expected).abs() <= 5.0 * st.sd / (N as f64).sqrt(), "{}", st.mean);
    assert!(st.min == 60.0 && st.max > 1513.99 && st.max <= 1514.0, "{} {}", st.min, st.max);
    // The point mass at the first value.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let at_min = (0..N).filter(|_| s.sample(&mut rng) == 60.0).count() as f64 / N as f64;
    assert!((at_min - 0.38).abs() < 0.005, "{at_min}");
    // An absolute path ignores the base directory.
    let abs = dir.path().join("sizes.cdf");
    let snippet = format!("[x]\ndist = \"empirical\"\nfile = {:?}", abs.to_str().unwrap());
    assert_eq!(build_in(&snippet, Path::new("/nonexistent")).mean(), s.mean());
    // A single point is a constant.
    write_file(dir.path(), "one.cdf", "42 1\n");
    let s = build_in("[x]\ndist = \"empirical\"\nfile = \"one.cdf\"", dir.path());
    assert_eq!(s.mean(), Some(42.0));
    assert_eq!(stats(&s).max, 42.0);
}

#[test]
fn clamps_hold_and_means_account_for_them() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "sizes.cdf", SIZES_CDF);
    // Packet sizes: whole numbers within [60, 1514].
    let st = check_clamped(
        "[x]\ndist = \"lognormal\"\nmu = 6.2\nsigma = 1.1\nmin = 60\nmax = 1514\nround = true",
    );
    assert!(st.all_whole && st.min == 60.0 && st.max == 1514.0);
    for snippet in [
        "[x]\ndist = \"constant\"\nvalue = 5\nmin = 6",
        "[x]\ndist = \"constant\"\nvalue = 5\nmax = 4",
        "[x]\ndist = \"uniform\"\nlow = 0\nhigh = 10\nmin = 2\nmax = 7",
        "[x]\ndist = \"normal\"\nmean = 0\nstd_dev = 1\nmin = 0",
        "[x]\ndist = \"normal\"\nmean = 0\nstd_dev = 1\nmax = 0.5",
        "[x]\ndist = \"normal\"\nmean = 100\nstd_dev = 30\nmin = 80\nmax = 150\nround = true",
        "[x]\ndist = \"normal\"\nmean = 3\nstd_dev = 0\nmin = 4",
        "[x]\ndist = \"lognormal\"\nmu = 0\nsigma = 1\nmin = 0.5",
        "[x]\ndist = \"exp\"\nmean = 2\nmin = 1\nmax = 3",
        "[x]\ndist = \"pareto\"\nscale = 1\nshape = 0.8\nmax = 1000",
        "[x]\ndist = \"pareto\"\nscale = 1\nshape = 1\nmin = 2\nmax = 50",
        "[x]\ndist = \"pareto\"\nscale = 1\nshape = 2.5\nmin = 1.5",
        "[x]\ndist = \"weibull\"\nscale = 2\nshape = 0.7\nmin = 0.5\nmax = 4",
        "[x]\ndist = \"gamma\"\nshape = 2.5\nscale = 3\nmin = 2\nmax = 12",
        "[x]\ndist = \"gamma\"\nshape = 0.5\nscale = 1\nmax = 0.3",
        "[x]\ndist = \"zipf\"\nn = 1000\ns = 0.8\nmin = 3\nmax = 200.5",
        "[x]\ndist = \"geometric\"\np = 0.2\nmin = 1\nmax = 7",
        "[x]\ndist = \"geometric\"\np = 0.05\nmax = 10.5",
    ] {
        check_clamped(snippet);
    }
    // The normal clamped below at its mean: E[max(Z, 0)] = φ(0).
    let m = build("[x]\ndist = \"normal\"\nmean = 0\nstd_dev = 1\nmin = 0").mean().unwrap();
    assert!((m - 1.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-12, "{m}");
    // A clamp turns the infinite Pareto mean finite: 1 + ln(1000) for shape 1.
    let m = build("[x]\ndist = \"pareto\"\nscale = 1\nshape = 1\nmax = 1000").mean().unwrap();
    assert!((m - (1.0 + 1000f64.ln())).abs() < 1e-12, "{m}");
    // A lower clamp alone leaves it infinite.
    assert_eq!(build("[x]\ndist = \"pareto\"\nscale = 1\nshape = 0.9\nmin = 5").mean(), None);
    // An empirical CDF clamped inside its range.
    let s = build_in(
        "[x]\ndist = \"empirical\"\nfile = \"sizes.cdf\"\nmin = 100\nmax = 1000",
        dir.path(),
    );
    let st = stats(&s);
    assert!(st.min == 100.0 && st.max == 1000.0);
    let tol = 5.0 * st.sd / (N as f64).sqrt();
    assert!((st.mean - s.mean().unwrap()).abs() <= tol, "{} vs {:?}", st.mean, s.mean());
    // A mixture with a clamped component, clamped again as a whole.
    let st = check_clamped(
        r#"
        [x]
        dist = "mixture"
        min = 100
        max = 1500
        round = true
        [[x.components]]
        weight = 0.4
        dist = "constant"
        value = 60
        [[x.components]]
        weight = 0.6
        dist = "normal"
        mean = 1450
        std_dev = 150
        max = 1514
        [[x.components]]
        weight = 0.2
        dist = "pareto"
        scale = 200
        shape = 0.7
        "#,
    );
    assert!(st.all_whole && st.min == 100.0 && st.max == 1500.0);
}

#[test]
fn every_variant_round_trips_through_toml() {
    let snippets = [
        "[x]\ndist = \"constant\"\nvalue = 1.5",
        "[x]\ndist = \"uniform\"\nlow = 1.0\nhigh = 2.0\nmin = 1.5",
        "[x]\ndist = \"normal\"\nmean = 1.0\nstd_dev = 2.0",
        "[x]\ndist = \"lognormal\"\nmu = 1.0\nsigma = 2.0\nmax = 9.0",
        "[x]\ndist = \"exp\"\nmean = 1.0",
        "[x]\ndist = \"pareto\"\nscale = 1.0\nshape = 2.0",
        "[x]\ndist = \"weibull\"\nscale = 1.0\nshape = 2.0",
        "[x]\ndist = \"gamma\"\nshape = 1.0\nscale = 2.0",
        "[x]\ndist = \"zipf\"\nn = 10\ns = 1.0\nround = true",
        "[x]\ndist = \"geometric\"\np = 0.5",
        "[x]\ndist = \"empirical\"\nfile = \"a/b.cdf\"",
        "[x]\ndist = \"mixture\"\nmin = 0.0\n[[x.components]]\nweight = 1.0\ndist = \"exp\"\nmean = 1.0\nmax = 3.0\n[[x.components]]\nweight = 2.0\ndist = \"mixture\"\n[[x.components.components]]\nweight = 1.0\ndist = \"constant\"\nvalue = 2.0",
    ];
    for snippet in snippets {
        let dist = parse(snippet);
        #[derive(Serialize)]
        struct Out<'a> {
            x: &'a Dist,
        }
        let text = toml::to_string(&Out { x: &dist }).unwrap();
        assert_eq!(parse(&text), dist, "{snippet}\n-- serialised as --\n{text}");
    }
    // The parsed shape of the nested mixture.
    let mix = parse(snippets[snippets.len() - 1]);
    let DistSpec::Mixture { components } = &mix.spec else { panic!("{mix:?}") };
    assert_eq!(mix.min, Some(0.0));
    assert_eq!(components[0].weight, 1.0);
    assert_eq!(components[0].dist.max, Some(3.0));
    assert_eq!(components[0].dist.spec, DistSpec::Exp { mean: 1.0 });
    assert!(
        matches!(&components[1].dist.spec, DistSpec::Mixture { components } if components.len() == 1)
    );
}

/// A valid CDF: strictly increasing values from `start` by positive steps, and probabilities
/// from cumulative non-negative weights (the first positive), the last written as exactly 1.
fn cdf_text(start: f64, steps: &[f64], weights: &[f64], commas: bool) -> String {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut value = start;
    let mut text = String::from("# generated\n");
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        let p = if i + 1 == weights.len() { 1.0 } else { (acc / total).min(1.0) };
        let sep = if commas { ", " } else { "\t" };
        text.push_str(&format!("{value}{sep}{p}\n"));
        if i < steps.len() {
            value += steps[i];
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_valid_cdfs_sample_within_their_range(
        start in -1e6f64..1e6,
        points in prop::collection::vec((1e-3f64..1e4, 0f64..1.0), 1..24),
        first_weight in 1e-6f64..1.0,
        commas: bool,
        seed: u64,
    ) {
        let steps: Vec<f64> = points.iter().map(|p| p.0).collect();
        let mut weights: Vec<f64> = points.iter().map(|p| p.1).collect();
        weights[0] = first_weight;
        let text = cdf_text(start, &steps[..steps.len() - 1], &weights, commas);
        let cdf = Cdf::parse(&text, Path::new("gen.cdf")).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), "gen.cdf", &text);
        let s = DistSpec::Empirical { file: "gen.cdf".into() }.build(dir.path()).unwrap();
        let first = start;
        let last = steps[..steps.len() - 1].iter().fold(start, |v, step| v + step);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..2000 {
            let x = s.sample(&mut rng);
            prop_assert!(x >= first && x <= last, "{x} outside [{first}, {last}]\n{text}");
        }
        // The extreme quantiles too.
        for u in [0.0, 1e-12, 0.5, 1.0 - f64::EPSILON] {
            let x = cdf.quantile(u);
            prop_assert!(x >= first && x <= last, "quantile({u}) = {x}\n{text}");
        }
        let mean = s.mean().unwrap();
        prop_assert!(mean >= first && mean <= last, "mean {mean}\n{text}");
    }
}
