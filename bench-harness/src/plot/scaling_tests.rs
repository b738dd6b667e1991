//! Tests of the scaling figure.
use super::*;
use crate::plot::layout::worker_ticks;

fn point(workers: usize, mpps: &[f64], share: &[f64]) -> ScalingPoint {
    ScalingPoint {
        workers,
        mpps: mpps.to_vec(),
        gbps: mpps.iter().map(|m| m * 731.0 * 8.0 / 1000.0).collect(),
        max_worker_share: share.to_vec(),
    }
}

/// A small synthetic figure: two topologies over 1, 2, 4, 6 workers, three trials each,
/// and the seed papers' references.
fn example() -> (Vec<ScalingSeries>, Vec<ReferenceLine>) {
    let rtc = ScalingSeries {
        label: "rtc".to_string(),
        points: vec![
            point(1, &[3.1, 3.3, 3.2], &[1.0, 1.0, 1.0]),
            point(2, &[6.0, 6.4, 6.3], &[0.52, 0.55, 0.53]),
            point(4, &[11.2, 12.0, 12.4], &[0.29, 0.31, 0.30]),
            point(6, &[15.8, 17.1, 16.5], &[0.21, 0.22, 0.24]),
        ],
    };
    let two_stage = ScalingSeries {
        label: "two-stage".to_string(),
        points: vec![
            point(1, &[2.7, 2.8, 2.9], &[1.0, 1.0, 1.0]),
            point(2, &[5.0, 5.3, 5.2], &[0.51, 0.53, 0.52]),
            point(4, &[9.1, 9.9, 9.5], &[0.27, 0.29, 0.28]),
            point(6, &[12.2, 13.5, 13.0], &[0.18, 0.19, 0.20]),
        ],
    };
    let refs = vec![
        ReferenceLine {
            label: "Jetstream (HotCloud'18): 2.9 Mpps per core".to_string(),
            kind: RefKind::PerCoreMpps(2.9),
        },
        ReferenceLine {
            label: "Fais et al. (Sensors'21): 5.2 Mpps".to_string(),
            kind: RefKind::ConstantMpps(5.2),
        },
        ReferenceLine {
            label: "Fais et al. (Sensors'21): 20 Gb/s".to_string(),
            kind: RefKind::ConstantGbps(20.0),
        },
    ];
    (vec![rtc, two_stage], refs)
}

const CAPTION: &str = "machine: xeon-e5-2680-v4-28c; commit 1a2b3c4d (dirty); in-memory, \
                       header-only; flow-counter on caida-like, 1 M packets, batch 64";

#[test]
fn writes_png_and_svg_with_labels_and_caption() {
    let dir = tempfile::tempdir().unwrap();
    let (series, refs) = example();
    let stem = dir.path().join("fig1.scaling");
    let paths = draw_scaling(&series, &refs, 731.0, CAPTION, &stem).unwrap();
    assert_eq!(
        paths,
        vec![dir.path().join("fig1.scaling.png"), dir.path().join("fig1.scaling.svg")]
    );

    let png = std::fs::read(&paths[0]).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), style::FIGURE_SIZE, "PNG size");

    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    assert!(svg.starts_with("<svg"), "not an SVG");
    for text in [
        "rtc",
        "two-stage",
        "in-memory, header-only",
        "workers (query threads)",
        "throughput (Mpps)",
        "throughput (Gb/s)",
        "at this trace",
        "ideal even split",
    ] {
        assert!(svg.contains(text), "SVG lacks {text:?}");
    }
    // The caption is wrapped at spaces, so check it word by word.
    for word in CAPTION.split_whitespace() {
        assert!(svg.contains(word), "SVG lacks caption word {word:?}");
    }

    // To look at the figure: PKTSTREAM_KEEP_PLOT=/tmp/scaling_example cargo test ... plot
    // leaves /tmp/scaling_example.png and .svg behind.
    if let Some(keep) = std::env::var_os("PKTSTREAM_KEEP_PLOT") {
        let (png, svg) = crate::plot::output_paths(Path::new(&keep));
        std::fs::copy(&paths[0], png).unwrap();
        std::fs::copy(&paths[1], svg).unwrap();
    }
}

#[test]
fn creates_missing_folder_and_tolerates_empty_trials() {
    let dir = tempfile::tempdir().unwrap();
    let series = vec![ScalingSeries {
        label: "pipeline".to_string(),
        points: vec![point(1, &[], &[]), point(2, &[4.0, f64::NAN], &[0.5])],
    }];
    let stem = dir.path().join("nested/out/scaling");
    let paths = draw_scaling(&series, &[], 0.0, "caption", &stem).unwrap();
    assert!(paths.iter().all(|p| p.is_file()));
}

#[test]
fn converting_reference_needs_a_packet_size() {
    let dir = tempfile::tempdir().unwrap();
    let (series, refs) = example();
    let err = draw_scaling(&series, &refs, 0.0, "c", &dir.path().join("x")).unwrap_err();
    assert!(err.to_string().contains("mean packet size"), "{err}");
}

#[test]
fn summary_is_median_min_max_of_finite_trials() {
    let s = summarise(4, &[3.0, f64::NAN, 1.0, 2.0, 10.0]).unwrap();
    assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 10.0));
    assert_eq!(summarise(1, &[3.0, 1.0, 2.0]).unwrap().median, 2.0);
    assert!(summarise(1, &[f64::NAN]).is_none());
}

#[test]
fn conversion_uses_mean_wire_length() {
    let (series, refs) = example();
    let figure = Figure::new(&series, &refs, 500.0, "").unwrap();
    // 5.2 Mpps at 500 B = 20.8 Gb/s; 20 Gb/s at 500 B = 5 Mpps; 2.9 Mpps/core = 11.6 Gb/s.
    let gbps = &figure.panels[1].refs;
    assert_eq!(gbps[0].shape, RefShape::Linear(2.9 * 4.0));
    assert_eq!(gbps[1].shape, RefShape::Constant(5.2 * 4.0));
    assert!(gbps[1].label.contains("at this trace's mean size (500 B)"));
    assert_eq!(gbps[2].shape, RefShape::Constant(20.0));
    assert_eq!(gbps[2].label, refs[2].label);
    let mpps = &figure.panels[0].refs;
    assert_eq!(mpps[2].shape, RefShape::Constant(5.0));
    assert!(mpps[2].label.contains("at this trace's mean size"));
}

#[test]
fn ticks_are_integers_and_few() {
    assert_eq!(worker_ticks(&[1, 2, 4, 8]), vec![1.0, 2.0, 4.0, 8.0]);
    let many: Vec<usize> = (1..=64).collect();
    let ticks = worker_ticks(&many);
    assert!(ticks.len() <= 16, "{ticks:?}");
    assert!(ticks.iter().all(|t| t.fract() == 0.0));
    assert_eq!(style::value_ticks(20.4), vec![0.0, 5.0, 10.0, 15.0, 20.0]);
    assert_eq!(style::value_ticks(1.08).len(), 6);
    assert_eq!(style::tick_label(2.5), "2.5");
    assert_eq!(style::tick_label(10.0), "10");
    assert_eq!(style::tick_label(0.25), "0.25");
}
