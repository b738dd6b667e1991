//! Tests of the apps figure, drawn from hand-made summaries.
use super::*;

fn s(median: f64, spread: f64) -> Summary {
    Summary { median, lo: median - spread, hi: median + spread, n: 3 }
}

fn point(app: &str, topology: &str, workers: usize, mpps: f64) -> PointSummary {
    PointSummary {
        app: app.into(),
        topology: topology.into(),
        workers,
        mpps: s(mpps, 0.4),
        ratio_2w_1w: None,
        target: None,
    }
}

fn check(paths: &[PathBuf], size: (u32, u32), texts: &[&str]) {
    let png = std::fs::read(&paths[0]).unwrap();
    let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), size);
    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "not an SVG");
    for t in texts {
        assert!(svg.contains(t), "{} lacks {t:?}", paths[1].display());
    }
}

#[test]
fn draws_grouped_bars_with_the_target_line_as_png_and_svg() {
    let points = vec![
        point("flow-counter", "rtc", 1, 4.1),
        point("flow-counter", "rtc", 2, 7.9),
        point("src-count", "two-stage", 1, 3.2),
        point("src-count", "two-stage", 2, 5.5),
        point("sonata-dns-tunnel", "two-stage", 1, 6.0),
        point("sonata-dns-tunnel", "two-stage", 2, 12.5),
        // Only one worker count measured: the other bar says so.
        point("passthrough", "two-stage", 1, 9.0),
    ];
    let caption = "test-machine-2c (Test CPU, 2 cores), commit 0123456789. In-memory trace, \
                   full payload. Median of 3 rounds.";
    let f = AppsFigure::from_summary(&points, caption);
    assert_eq!(f.workers, [1, 2]);
    let names: Vec<&str> = f.apps.iter().map(|a| a.app.as_str()).collect();
    assert_eq!(names, ["flow-counter", "src-count", "sonata-dns-tunnel", "passthrough"]);
    assert_eq!(f.apps[3].bars, vec![Some(s(9.0, 0.4)), None]);
    assert_eq!(f.target_mpps, 10.0);

    let dir = tempfile::tempdir().unwrap();
    let paths = draw_throughput(&f, &dir.path().join("apps_throughput")).unwrap();
    assert_eq!(paths[0], dir.path().join("apps_throughput.png"));
    check(
        &paths,
        figure_size(4),
        &[
            "flow-counter (rtc)",
            "sonata-dns-tunnel (two-stage)",
            TARGET_LABEL,
            "1 worker",
            "2 workers",
            "Mpps",
            "95% bootstrap interval",
            "full payload",
            "not measured",
        ],
    );
    if let Some(keep) = std::env::var_os("PKTSTREAM_KEEP_PLOT") {
        for ext in ["png", "svg"] {
            let from = dir.path().join(format!("apps_throughput.{ext}"));
            std::fs::copy(from, format!("{}-apps_throughput.{ext}", keep.to_string_lossy()))
                .unwrap();
        }
    }
}

#[test]
fn the_figure_grows_with_the_apps_and_an_empty_one_still_draws() {
    assert!(figure_size(21).1 > figure_size(3).1);
    assert_eq!(figure_size(0), figure_size(3));
    let f = AppsFigure::from_summary(&[], "");
    assert!(f.apps.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let paths = draw_throughput(&f, &dir.path().join("nested/empty")).unwrap();
    check(&paths, figure_size(0), &[TARGET_LABEL]);
    // Many apps, a value far past the target.
    let many: Vec<PointSummary> =
        (0..21).map(|i| point(&format!("sonata-q{i}"), "two-stage", 2, 1.0 + i as f64)).collect();
    let f = AppsFigure::from_summary(&many, "c");
    let paths = draw_throughput(&f, &dir.path().join("many")).unwrap();
    check(&paths, figure_size(21), &["sonata-q20 (two-stage)"]);
}
