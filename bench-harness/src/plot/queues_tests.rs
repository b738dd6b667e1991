//! Tests of the queues figures, drawn from hand-made summaries.
use super::*;

fn s(median: f64, spread: f64) -> Summary {
    Summary { median, lo: median - spread, hi: median + spread, n: 3 }
}

fn example() -> QueuesFigures {
    let designs: Vec<String> =
        ["rtrb", "lamport", "batched-lamport", "iffq"].map(String::from).to_vec();
    let series = |scale: f64| -> Vec<Vec<(usize, Summary)>> {
        (0..designs.len())
            .map(|i| {
                [1usize, 8, 32, 64, 256]
                    .iter()
                    .map(|&b| (b, s(scale * (40.0 + 20.0 * i as f64) * (b as f64).sqrt(), 8.0)))
                    .collect()
            })
            .collect()
    };
    QueuesFigures {
        throughput: vec![
            ThroughputPanel {
                title: "(a) 8 B items".into(),
                series: series(1.0),
                with_references: true,
            },
            ThroughputPanel {
                title: "(b) 64 B items".into(),
                series: series(0.5),
                with_references: false,
            },
            ThroughputPanel {
                title: "(c) 64 B, touched items".into(),
                series: series(0.2),
                with_references: false,
            },
        ],
        rtt: vec![
            (0, s(210.0, 15.0)),
            (1, s(330.0, 30.0)),
            (2, s(260.0, 10.0)),
            (3, s(180.0, 5.0)),
        ],
        floor_ns: Some(140.0),
        pipeline: vec![(0, s(3.1, 0.2)), (1, s(2.9, 0.3)), (2, s(3.3, 0.1)), (3, s(3.2, 0.2))],
        references: vec![
            PaperPoint { design: 1, batch: 32, value: 122.0 },
            PaperPoint { design: 2, batch: 32, value: 633.0 },
            PaperPoint { design: 3, batch: 32, value: 246.0 },
        ],
        caption: "test-machine-2c (Test CPU, 2 cores), commit 0123456789. Two pinned threads, \
                  in-memory. Median of 3 rounds."
            .into(),
        designs,
    }
}

fn check(paths: &[PathBuf], size: (u32, u32), texts: &[&str]) {
    let png = std::fs::read(&paths[0]).unwrap();
    let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), size);
    let svg = std::fs::read_to_string(&paths[1]).unwrap();
    assert!(svg.starts_with("<svg"), "not an SVG");
    for t in texts {
        assert!(svg.contains(t), "{} lacks {t:?}", paths[1].display());
    }
}

#[test]
fn draws_the_three_figures_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let f = example();
    let paths = draw_throughput(&f, &dir.path().join("queues_throughput")).unwrap();
    assert_eq!(paths[0], dir.path().join("queues_throughput.png"));
    check(
        &paths,
        style::FIGURE_SIZE,
        &[
            "rtrb",
            "batched-lamport",
            "(c) 64 B, touched items",
            "log2 scale",
            "256",
            "Maffione",
            "in-memory",
        ],
    );
    let paths = draw_rtt(&f, &dir.path().join("queues_rtt")).unwrap();
    check(
        &paths,
        SMALL_FIGURE_SIZE,
        &["atomic ping-pong", "140 ns", "1.5x", "round trip (ns)", "iffq"],
    );
    let paths = draw_pipeline(&f, &dir.path().join("nested/queues_pipeline")).unwrap();
    check(&paths, SMALL_FIGURE_SIZE, &["Mpps", "lamport", "Two pinned threads"]);
    if let Some(keep) = std::env::var_os("PKTSTREAM_KEEP_PLOT") {
        for name in ["queues_throughput", "queues_rtt", "nested/queues_pipeline"] {
            for ext in ["png", "svg"] {
                let from = dir.path().join(format!("{name}.{ext}"));
                let to = format!("{}-{}.{ext}", keep.to_string_lossy(), name.replace('/', "_"));
                std::fs::copy(from, to).unwrap();
            }
        }
    }
}

#[test]
fn empty_figures_still_draw() {
    let dir = tempfile::tempdir().unwrap();
    let f = QueuesFigures {
        designs: vec!["rtrb".into()],
        throughput: vec![],
        rtt: vec![],
        floor_ns: None,
        pipeline: vec![],
        references: vec![],
        caption: String::new(),
    };
    assert_eq!(draw_throughput(&f, &dir.path().join("t")).unwrap().len(), 2);
    assert_eq!(draw_rtt(&f, &dir.path().join("r")).unwrap().len(), 2);
    assert_eq!(draw_pipeline(&f, &dir.path().join("p")).unwrap().len(), 2);
}

#[test]
fn figures_from_a_summary_keep_design_order_and_modes() {
    use crate::suite::queues::{PointSummary, QueuesSummary};
    use engine::queue::QueueKind;
    let point =
        |measure: &str, queue: &str, batch: Option<usize>, bytes: Option<usize>| PointSummary {
            measure: measure.into(),
            queue: queue.into(),
            batch,
            item_bytes: bytes,
            touch: false,
            metric: String::new(),
            value: s(10.0, 1.0),
            ratio_to_rtrb: None,
            atomic_floor_ns: (measure == "pingpong").then(|| s(100.0, 2.0)),
            rtt_over_floor: None,
        };
    let summary = QueuesSummary {
        points: vec![
            point("throughput", "iffq", Some(32), Some(8)),
            point("throughput", "rtrb", Some(1), Some(8)),
            point("throughput", "rtrb", Some(32), Some(64)),
            point("pingpong", "iffq", Some(1), Some(8)),
            point("pipeline", "rtrb", None, None),
        ],
        targets: vec![],
    };
    let f = QueuesFigures::from_summary(&summary, &[QueueKind::Rtrb, QueueKind::Iffq], "c");
    assert_eq!(f.designs, ["rtrb", "iffq"]);
    assert_eq!(f.throughput.len(), 2);
    assert_eq!(f.throughput[0].title, "(a) 8 B items");
    assert_eq!(f.throughput[1].title, "(b) 64 B items");
    assert_eq!(f.throughput[0].series[0].len(), 1);
    assert_eq!(f.throughput[0].series[1][0].0, 32);
    assert_eq!(f.rtt, vec![(1, s(10.0, 1.0))]);
    assert_eq!(f.floor_ns, Some(100.0));
    assert_eq!(f.pipeline.len(), 1);
    // Only the designs present get a reference cross: iffq's 246.
    assert_eq!(f.references, vec![PaperPoint { design: 1, batch: 32, value: 246.0 }]);
}
