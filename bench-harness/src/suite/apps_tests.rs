//! Tests of the apps suite's grid, order and summary, on hand-made rows.
use std::collections::HashSet;

use engine::plan::Plan;

use super::*;

fn row(round: Option<usize>, app: &str, workers: usize, mpps: f64) -> TrialRow {
    TrialRow {
        warmup: round.is_none(),
        round,
        order: 0,
        app: app.into(),
        topology: "two-stage".into(),
        workers,
        loops: 1,
        packets: 1000,
        processed: 1000,
        duration_s: 0.5,
        mpps,
        gbps: mpps * 8.0,
        oversubscribed: false,
    }
}

#[test]
fn the_grid_has_every_app_on_one_and_two_workers() {
    let grid = Grid::full().unwrap();
    assert_eq!(grid.len(), AppKind::ALL.len() * 2);
    let points = grid.points();
    assert_eq!(points.len(), grid.len());
    for (name, app) in AppKind::ALL {
        for workers in [1, 2] {
            assert!(
                points.iter().any(|p| p.app == app && p.workers == workers),
                "{name} x{workers} missing"
            );
        }
    }
    for round in 0..4 {
        let order = grid.round_order(round);
        let distinct: HashSet<_> = order.iter().collect();
        assert_eq!(distinct.len(), grid.len(), "a configuration twice in round {round}");
    }
}

#[test]
fn rounds_rotate_the_configurations() {
    let grid = Grid::full().unwrap();
    let first = |round| grid.round_order(round)[0];
    assert_eq!(first(0), grid.points()[0]);
    assert_eq!(first(1), grid.points()[1]);
    assert_eq!(first(grid.len()), grid.points()[0]);
}

#[test]
fn topology_is_rtc_exactly_when_the_engine_allows_it() {
    for (name, app) in AppKind::ALL {
        let q = app.spec().compile().unwrap();
        let rtc_ok = Plan::build(Topology::Rtc, 2, &q, true).is_ok();
        let want = if rtc_ok { Topology::Rtc } else { Topology::TwoStage };
        assert_eq!(best_topology(app), want, "{name}");
        assert_eq!(q.keyed_by_flow(), rtc_ok, "{name}");
    }
    assert_eq!(best_topology(AppKind::FlowCounter), Topology::Rtc);
    assert_eq!(best_topology(AppKind::SrcCount), Topology::TwoStage);
    let p = GridPoint { app: AppKind::SrcCount, topology: Topology::TwoStage, workers: 2 };
    let args = p.run_args("t.pcap", 3).join(" ");
    assert_eq!(args, "--app src-count --topology two-stage --workers 2 --trace t.pcap --loop 3");
}

#[test]
fn summary_medians_ratios_and_the_sonata_target() {
    let rows = vec![
        // Warm-ups are left out: their values would move every median.
        row(None, "flow-counter", 1, 1000.0),
        row(None, "flow-counter", 2, 1000.0),
        row(Some(0), "flow-counter", 1, 4.0),
        row(Some(0), "flow-counter", 2, 8.0),
        row(Some(1), "flow-counter", 1, 5.0),
        row(Some(1), "flow-counter", 2, 9.0),
        row(Some(2), "flow-counter", 1, 6.0),
        row(Some(2), "flow-counter", 2, 9.0),
        row(Some(0), "sonata-new-tcp", 1, 6.0),
        row(Some(0), "sonata-new-tcp", 2, 11.0),
        row(Some(1), "sonata-new-tcp", 1, 6.0),
        row(Some(1), "sonata-new-tcp", 2, 12.0),
        row(Some(0), "sonata-slow", 1, 3.0),
        row(Some(0), "sonata-slow", 2, 5.0),
        row(Some(0), "src-count", 1, 3.0),
    ];
    let s = summarise(&rows);
    let names: Vec<(&str, usize)> = s.iter().map(|p| (p.app.as_str(), p.workers)).collect();
    // Known apps in AppKind::ALL order, then unknown names by name.
    assert_eq!(
        names,
        [
            ("flow-counter", 1),
            ("flow-counter", 2),
            ("src-count", 1),
            ("sonata-new-tcp", 1),
            ("sonata-new-tcp", 2),
            ("sonata-slow", 1),
            ("sonata-slow", 2),
        ]
    );
    let fc1 = &s[0];
    assert_eq!((fc1.mpps.median, fc1.mpps.n), (5.0, 3));
    assert!(fc1.mpps.lo <= 5.0 && fc1.mpps.hi >= 5.0 && fc1.mpps.lo >= 4.0 && fc1.mpps.hi <= 6.0);
    assert_eq!(s[1].mpps.median, 9.0);
    // Paired per round: 8/4, 9/5, 9/6 -> median 1.8; the same on both rows.
    let ratio = fc1.ratio_2w_1w.unwrap();
    assert!((ratio.median - 1.8).abs() < 1e-12, "{ratio:?}");
    assert_eq!(s[1].ratio_2w_1w, fc1.ratio_2w_1w);
    assert_eq!(fc1.target, None);
    // src-count has no 2-worker runs: no ratio.
    assert_eq!(s[2].ratio_2w_1w, None);
    // Sonata: 2-worker median 11.5 >= 10 is met, 5 is not; on both rows.
    assert_eq!(s[3].target.as_deref(), Some("met"));
    assert_eq!(s[4].target.as_deref(), Some("met"));
    assert_eq!(s[5].target.as_deref(), Some("not met"));
    assert_eq!(s[6].target.as_deref(), Some("not met"));
    // (11/6 + 12/6) / 2.
    assert!((s[4].ratio_2w_1w.unwrap().median - 23.0 / 12.0).abs() < 1e-12);

    let csv = summary_csv(&s);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "app,topology,workers,n,mpps_median,mpps_lo,mpps_hi,ratio_2w_1w_median,ratio_2w_1w_lo,\
         ratio_2w_1w_hi,target"
    );
    assert_eq!(lines.count(), s.len());
    assert!(csv.contains("sonata-slow,two-stage,2,1,5,5,5,1.6666666666666667,"), "{csv}");
    assert!(csv.contains(",not met\n"), "{csv}");

    let trials = trials_csv(&rows);
    assert!(trials.starts_with("warmup,round,order,app,topology,workers,loops,packets,"));
    assert_eq!(trials.lines().count(), 1 + rows.len());
}

#[test]
fn a_sonata_app_without_two_worker_runs_has_no_verdict() {
    let s = summarise(&[row(Some(0), "sonata-x", 1, 20.0)]);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].target, None);
    assert!(summarise(&[]).is_empty());
}
