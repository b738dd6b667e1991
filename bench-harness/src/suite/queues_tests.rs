//! Tests of the queues suite's grid, order and summary, on hand-made rows.
use super::*;

fn row(round: usize, measure: &str, queue: &str, batch: usize, bytes: usize) -> TrialRow {
    TrialRow {
        round,
        order: 0,
        measure: measure.into(),
        queue: queue.into(),
        batch,
        item_bytes: (measure != "pipeline").then_some(bytes),
        touch: false,
        items: 1000,
        mitems_per_s: None,
        rtt_ns: None,
        atomic_pingpong_rtt_ns: None,
        pipeline_mpps: None,
        seconds: Some(0.3),
        pinned: Some(true),
    }
}

fn tput(round: usize, queue: &str, batch: usize, v: f64) -> TrialRow {
    TrialRow { mitems_per_s: Some(v), ..row(round, "throughput", queue, batch, 8) }
}

fn ping(round: usize, queue: &str, rtt: f64, floor: f64) -> TrialRow {
    TrialRow {
        rtt_ns: Some(rtt),
        atomic_pingpong_rtt_ns: Some(floor),
        ..row(round, "pingpong", queue, 1, 8)
    }
}

#[test]
fn grid_sizes() {
    let designs = QueueKind::available().len();
    assert_eq!(Grid::full().unwrap().len(), designs * (3 * 5 + 2));
    assert_eq!(Grid::quick().unwrap().len(), designs * (2 + 2));
    for round in 0..4 {
        let order = Grid::full().unwrap().round_order(round);
        assert_eq!(order.len(), Grid::full().unwrap().len());
        let distinct: std::collections::HashSet<_> = order.iter().collect();
        assert_eq!(distinct.len(), order.len(), "a point twice in round {round}");
    }
}

#[test]
fn rounds_interleave_and_rotate_designs() {
    let grid = Grid {
        designs: vec![QueueKind::Rtrb, QueueKind::Lamport, QueueKind::Iffq],
        modes: vec![ItemMode::Bytes8],
        batches: vec![1, 32],
    };
    let names = |round| -> Vec<&str> {
        grid.round_order(round).iter().map(|p| p.queue.name()).collect::<Vec<_>>()
    };
    assert_eq!(&names(0)[..6], ["rtrb", "lamport", "iffq", "rtrb", "lamport", "iffq"]);
    assert_eq!(&names(1)[..3], ["lamport", "iffq", "rtrb"]);
    assert_eq!(&names(2)[..3], ["iffq", "rtrb", "lamport"]);
    // The group that runs first changes too.
    let first = |round| grid.round_order(round)[0].measure;
    assert_ne!(first(0), first(1));
}

#[test]
fn queue_bench_flags() {
    let p = GridPoint {
        queue: QueueKind::Iffq,
        measure: Measure::Throughput { batch: 32, mode: ItemMode::Bytes64Touch },
    };
    assert_eq!(
        p.queue_bench_args(500).join(" "),
        "--queue iffq --batch 32 --item-bytes 64 --touch --items 500"
    );
    let p = GridPoint { queue: QueueKind::Rtrb, measure: Measure::PingPong };
    assert_eq!(
        p.queue_bench_args(7).join(" "),
        "--queue rtrb --batch 1 --item-bytes 8 --pingpong --items 7 --rounds 7"
    );
    assert_eq!(
        p.queue_bench_args(2_000_000).join(" "),
        "--queue rtrb --batch 1 --item-bytes 8 --pingpong --items 100000 --rounds 2000000"
    );
}

/// Three rounds: iffq clearly 2x rtrb at batch 32, about equal at batch 1; round trips 1.2x the
/// floor for iffq, 3x for rtrb.
fn example_rows() -> Vec<TrialRow> {
    let mut rows = Vec::new();
    for r in 0..3 {
        let j = r as f64;
        rows.push(tput(r, "rtrb", 32, 300.0 + j));
        rows.push(tput(r, "iffq", 32, 600.0 + 2.0 * j));
        rows.push(tput(r, "rtrb", 1, 100.0 + 10.0 * j));
        rows.push(tput(r, "iffq", 1, 105.0 - 10.0 * j));
        rows.push(ping(r, "rtrb", 300.0, 100.0));
        rows.push(ping(r, "iffq", 120.0 + j, 100.0));
        rows.push(TrialRow { pipeline_mpps: Some(4.0 + j), ..row(r, "pipeline", "iffq", 64, 0) });
    }
    rows
}

#[test]
fn summary_of_hand_made_rows() {
    let s = summarise(&example_rows());
    assert_eq!(s.points.len(), 7);
    let find = |m: &str, q: &str, b: Option<usize>| {
        s.points.iter().find(|p| p.measure == m && p.queue == q && p.batch == b).unwrap()
    };
    let iffq32 = find("throughput", "iffq", Some(32));
    assert_eq!(iffq32.value.median, 602.0);
    assert_eq!(iffq32.value.n, 3);
    // Paired by round: 600/300, 602/301, 604/302, exactly 2 each time.
    let ratio = iffq32.ratio_to_rtrb.unwrap();
    assert_eq!((ratio.median, ratio.lo, ratio.hi, ratio.n), (2.0, 2.0, 2.0, 3));
    assert_eq!(find("throughput", "rtrb", Some(32)).ratio_to_rtrb.unwrap().median, 1.0);
    let ping = find("pingpong", "iffq", Some(1));
    assert_eq!(ping.metric, "rtt_ns");
    assert_eq!(ping.value.median, 121.0);
    assert_eq!(ping.atomic_floor_ns.unwrap().median, 100.0);
    assert_eq!(ping.rtt_over_floor.unwrap().median, 1.21);
    let pipe = find("pipeline", "iffq", None);
    assert_eq!((pipe.metric.as_str(), pipe.value.median), ("pipeline_mpps", 5.0));
    assert!(pipe.ratio_to_rtrb.is_none() && pipe.rtt_over_floor.is_none());

    let t: Vec<_> = s.targets.iter().map(|t| (t.name.as_str(), t.verdict)).collect();
    assert_eq!(
        t,
        [
            ("batch32", Some(Verdict::Met)),
            // iffq over rtrb round by round: 105/100, 95/110, 85/120, all below 1.3.
            ("single-item", Some(Verdict::NotMet)),
            ("round-trip", Some(Verdict::Met)),
        ]
    );
    assert_eq!(s.targets[0].best_queue.as_deref(), Some("iffq"));
    assert_eq!(s.targets[2].best_queue.as_deref(), Some("iffq"));
}

#[test]
fn a_round_that_slowed_every_design_does_not_widen_the_ratios() {
    let mut rows = Vec::new();
    // Round 2 ran on a machine four times slower, for both designs alike.
    for (r, scale) in [1.0, 1.0, 0.25, 1.0].into_iter().enumerate() {
        rows.push(tput(r, "rtrb", 32, 300.0 * scale));
        rows.push(tput(r, "biffq", 32, 360.0 * scale));
        rows.push(ping(r, "biffq", 120.0 / scale, 100.0 / scale));
    }
    let s = summarise(&rows);
    let batch32 = s.targets[0].ratio.unwrap();
    assert_eq!((batch32.median, batch32.lo, batch32.hi), (1.2, 1.2, 1.2));
    assert_eq!(s.targets[0].verdict, Some(Verdict::Met));
    let round_trip = s.targets[2].ratio.unwrap();
    assert_eq!((round_trip.median, round_trip.lo, round_trip.hi), (1.2, 1.2, 1.2));
    assert_eq!(s.targets[2].verdict, Some(Verdict::Met));
}

#[test]
fn straddling_interval_is_within_noise_and_missing_data_has_no_verdict() {
    let mut rows = Vec::new();
    for (r, (a, b)) in [(100.0, 100.0), (100.0, 130.0), (100.0, 105.0)].into_iter().enumerate() {
        rows.push(tput(r, "rtrb", 32, a));
        rows.push(tput(r, "lamport", 32, b));
    }
    let s = summarise(&rows);
    assert_eq!(s.targets[0].verdict, Some(Verdict::WithinNoise), "{:?}", s.targets[0]);
    assert_eq!(s.targets[1].verdict, None);
    assert_eq!(s.targets[2].verdict, None);
}

#[test]
fn csv_files_have_one_line_per_row_and_point() {
    let rows = example_rows();
    let trials = trials_csv(&rows);
    let mut lines = trials.lines();
    assert_eq!(
        lines.next(),
        Some(
            "round,order,measure,queue,batch,item_bytes,touch,items,mitems_per_s,rtt_ns,\
             atomic_pingpong_rtt_ns,pipeline_mpps,seconds,pinned"
        )
    );
    assert_eq!(lines.count(), rows.len());
    let summary = summary_csv(&summarise(&rows));
    let mut lines = summary.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("measure,queue,batch,item_bytes,touch,metric,n,median,lo,hi,"));
    assert!(header.ends_with("rtt_over_floor_median,rtt_over_floor_lo,rtt_over_floor_hi"));
    assert_eq!(lines.count(), 7);
}

#[test]
fn one_round_is_within_noise() {
    let rows = vec![tput(0, "rtrb", 32, 100.0), tput(0, "iffq", 32, 300.0)];
    let s = summarise(&rows);
    assert_eq!(s.targets[0].ratio.unwrap().median, 3.0);
    assert_eq!(s.targets[0].verdict, Some(Verdict::WithinNoise));
}
