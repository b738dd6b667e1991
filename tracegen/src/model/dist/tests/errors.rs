//! Bad distributions and CDF files: errors that name the distribution, parameter, file and
//! line.

use super::*;

#[test]
fn toml_shape_errors() {
    let err = |s: &str| toml::from_str::<Doc>(s).unwrap_err().to_string();
    assert!(
        err("[x]\ndist = \"normal\"\nmean = 1\nstd_dev = 1\nsdev = 2")
            .contains("unknown field `sdev`")
    );
    assert!(err("[x]\ndist = \"cauchy\"\nx0 = 1").contains("unknown variant `cauchy`"));
    assert!(err("[x]\ndist = \"normal\"\nmean = 1").contains("missing field `std_dev`"));
    assert!(err("[x]\nmean = 1").contains("dist"));
    let e = err(
        "[x]\ndist = \"mixture\"\n[[x.components]]\nweight = 1\ndist = \"exp\"\nmean = 1\nrate = 2",
    );
    assert!(e.contains("unknown field `rate`"), "{e}");
}

#[test]
fn bad_parameters_name_distribution_and_parameter() {
    let cases = [
        (
            "dist = \"lognormal\"\nmu = 1\nsigma = -1",
            "lognormal: sigma = -1: expected a finite number >= 0",
        ),
        (
            "dist = \"lognormal\"\nmu = inf\nsigma = 1",
            "lognormal: mu = inf: expected a finite number",
        ),
        (
            "dist = \"normal\"\nmean = 0\nstd_dev = nan",
            "normal: std_dev = NaN: expected a finite number >= 0",
        ),
        ("dist = \"constant\"\nvalue = -inf", "constant: value = -inf: expected a finite number"),
        (
            "dist = \"uniform\"\nlow = 10\nhigh = 5",
            "uniform: high = 5: expected a finite number > low = 10",
        ),
        (
            "dist = \"uniform\"\nlow = 10\nhigh = 10",
            "uniform: high = 10: expected a finite number > low = 10",
        ),
        ("dist = \"exp\"\nmean = 0", "exp: mean = 0: expected a finite number > 0"),
        (
            "dist = \"pareto\"\nscale = 1\nshape = 0",
            "pareto: shape = 0: expected a finite number > 0",
        ),
        (
            "dist = \"pareto\"\nscale = -1\nshape = 2",
            "pareto: scale = -1: expected a finite number > 0",
        ),
        (
            "dist = \"weibull\"\nscale = 0\nshape = 2",
            "weibull: scale = 0: expected a finite number > 0",
        ),
        (
            "dist = \"gamma\"\nshape = -2\nscale = 1",
            "gamma: shape = -2: expected a finite number > 0",
        ),
        (
            "dist = \"gamma\"\nshape = 2\nscale = inf",
            "gamma: scale = inf: expected a finite number > 0",
        ),
        ("dist = \"zipf\"\nn = 0\ns = 1", "zipf: n = 0: expected a whole number >= 1"),
        ("dist = \"zipf\"\nn = 10\ns = -0.5", "zipf: s = -0.5: expected a finite number >= 0"),
        ("dist = \"geometric\"\np = 0", "geometric: p = 0: expected a probability in (0, 1]"),
        ("dist = \"geometric\"\np = 1.5", "geometric: p = 1.5: expected a probability in (0, 1]"),
        (
            "dist = \"mixture\"\ncomponents = []",
            "mixture: no components: expected at least one [[components]] table",
        ),
        (
            "dist = \"mixture\"\n[[x.components]]\nweight = 0\ndist = \"exp\"\nmean = 1",
            "mixture: the weights sum to 0: expected a finite positive total weight",
        ),
        (
            "dist = \"mixture\"\n[[x.components]]\nweight = 1\ndist = \"exp\"\nmean = 1\n[[x.components]]\nweight = -1\ndist = \"exp\"\nmean = 1",
            "mixture: component 2 has weight = -1: expected a finite weight >= 0",
        ),
        (
            "dist = \"mixture\"\n[[x.components]]\nweight = 1\ndist = \"exp\"\nmean = 1\n[[x.components]]\nweight = 1\ndist = \"lognormal\"\nmu = 0\nsigma = -1",
            "mixture component 2: lognormal: sigma = -1: expected a finite number >= 0",
        ),
        ("dist = \"exp\"\nmean = 1\nmin = 5\nmax = 3", "max = 3: expected a number >= min = 5"),
        (
            "dist = \"exp\"\nmean = 1\nmin = 59.5\nround = true",
            "min = 59.5: expected a whole number, since round = true",
        ),
        ("dist = \"exp\"\nmean = 1\nmax = inf", "max = inf: expected a finite number"),
    ];
    for (body, expected) in cases {
        assert_eq!(build_err(&format!("[x]\n{body}")), expected, "{body}");
    }
    // min == max is allowed: a constant.
    let s = build("[x]\ndist = \"exp\"\nmean = 1\nmin = 2\nmax = 2");
    assert_eq!((s.mean(), stats(&s).max), (Some(2.0), 2.0));
}

/// The error text for a CDF file `name` holding `text`, built from a profile in its directory.
fn cdf_err(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), name, text);
    let spec = DistSpec::Empirical { file: name.into() };
    let err = spec.build(dir.path()).unwrap_err().to_string();
    let prefix = format!("{}/", dir.path().display());
    err.strip_prefix(&prefix).unwrap_or_else(|| panic!("{err} does not name the file")).to_owned()
}

#[test]
fn bad_cdf_files_name_file_and_line() {
    let cases = [
        (
            "60 0.3\n100 0.5\n\n# comment\n200 0.6\n300 0.65\n400 0.4\n500 1\n",
            "sizes.cdf line 7: probability 0.4 is below the previous 0.65: expected a non-decreasing CDF",
        ),
        (
            "60 0.3\n100 0.5\n90 0.7\n",
            "sizes.cdf line 3: value 90 is not above the previous 100: expected strictly increasing values",
        ),
        (
            "60 0.3\n100 0.5\n100 0.7\n",
            "sizes.cdf line 3: value 100 is not above the previous 100: expected strictly increasing values",
        ),
        (
            "60 0.3\n100 0.5\n# done\n",
            "sizes.cdf line 2: the last probability is 0.5: expected the CDF to end at probability 1 (within 1e-9)",
        ),
        (
            "60 0.3\n100 0.999999\n",
            "sizes.cdf line 2: the last probability is 0.999999: expected the CDF to end at probability 1 (within 1e-9)",
        ),
        (
            "60 0.3\n1OO 0.5\n200 1\n",
            "sizes.cdf line 2: value `1OO` is not a number: expected a decimal number",
        ),
        (
            "60 0.3\n100, 0.5x\n200 1\n",
            "sizes.cdf line 2: probability `0.5x` is not a number: expected a decimal number",
        ),
        (
            "60 0.3\n100 0.5 7\n",
            "sizes.cdf line 2: 3 fields in `100 0.5 7`: expected two numbers `value probability`, separated by whitespace or a comma",
        ),
        (
            "60\n",
            "sizes.cdf line 1: 1 fields in `60`: expected two numbers `value probability`, separated by whitespace or a comma",
        ),
        (
            "60 0\n100 1\n",
            "sizes.cdf line 1: probability 0 is outside (0, 1]: expected a cumulative probability above 0 and at most 1",
        ),
        (
            "60 0.5\n100 1.5\n",
            "sizes.cdf line 2: probability 1.5 is outside (0, 1]: expected a cumulative probability above 0 and at most 1",
        ),
        ("inf 1\n", "sizes.cdf line 1: value inf is not finite: expected a finite number"),
        ("# nothing\n\n", "sizes.cdf: no points: expected at least one `value probability` line"),
    ];
    for (text, expected) in cases {
        assert_eq!(cdf_err("sizes.cdf", text), expected, "{text}");
    }
    // Within the tolerance the last probability is taken as 1.
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "ok.cdf", "1 0.5\n2 0.9999999999\n");
    let s = DistSpec::Empirical { file: "ok.cdf".into() }.build(dir.path()).unwrap();
    assert_eq!(s.mean(), Some(0.5 + 0.5 * 1.5));
    // A missing file names the resolved path.
    let err = DistSpec::Empirical { file: "missing.cdf".into() }
        .build(dir.path())
        .unwrap_err()
        .to_string();
    let expected =
        format!("{}: cannot read the CDF file: ", dir.path().join("missing.cdf").display());
    assert!(err.starts_with(&expected), "{err}");
    assert!(matches!(
        DistSpec::Empirical { file: "missing.cdf".into() }.build(dir.path()),
        Err(DistError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound
    ));
    // A mixture component's CDF error says which component.
    let mix = DistSpec::Mixture {
        components: vec![Component {
            weight: 1.0,
            dist: DistSpec::Empirical { file: "missing.cdf".into() }.into(),
        }],
    };
    let err = mix.build(dir.path()).unwrap_err().to_string();
    assert!(err.starts_with("mixture component 1: ") && err.contains("missing.cdf"), "{err}");
}
