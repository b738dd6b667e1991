use serde_json::json;

use super::*;
use crate::suite::spec::BUILT_IN;

fn suite(name: &str) -> SuiteFile {
    SuiteFile::load(name).unwrap()
}

#[test]
fn every_built_in_suite_parses_and_names_only_what_exists() {
    for (name, _) in BUILT_IN {
        let s = suite(name);
        assert_eq!(s.name, name);
        // `validate` (run by `load`) checked apps, topologies, queues, waits, pins and the
        // profile; every point must also resolve on machines of 1 and 16 cores.
        for cores in [1, 16] {
            for quick in [false, true] {
                let points = points(&s, quick, cores).unwrap();
                assert!(!points.is_empty(), "{name}");
                for p in &points {
                    p.run.check_names().unwrap();
                    let app = p.run.app.as_deref().unwrap_or("(none)");
                    app.parse::<engine::query::AppKind>().unwrap_or_else(|e| panic!("{name}: {e}"));
                    let topology = p.run.topology.as_deref().unwrap_or("(none)");
                    topology
                        .parse::<engine::plan::Topology>()
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(p.run.workers.is_some(), "{name}: {}", p.label(&s));
                }
            }
        }
    }
}

#[test]
fn a_suite_with_an_unknown_name_is_refused_naming_it() {
    let text = BUILT_IN[0].1.replace("src-count", "src-cuont");
    let e = SuiteFile::parse(&text, "t.toml").unwrap_err();
    let msg = format!("{e:#}");
    assert!(msg.contains("t.toml") && msg.contains("src-cuont"), "{msg}");
    let unknown_field = format!("{}\ncolour = 1\n", BUILT_IN[0].1);
    assert!(SuiteFile::parse(&unknown_field, "t.toml").is_err());
    assert!(SuiteFile::load("nope").unwrap_err().to_string().contains("valid suites"));
}

#[test]
fn points_combine_base_series_and_axis() {
    let s = suite("jetstream");
    let p = points(&s, false, 4).unwrap();
    // Two series over workers 1 to 4.
    assert_eq!(p.len(), 8);
    assert_eq!(p[0].run.app.as_deref(), Some("src-count"));
    assert_eq!(p[3].run.workers, Some(4));
    assert_eq!(p[4].run.app.as_deref(), Some("passthrough"));
    let quick = points(&s, true, 16).unwrap();
    assert_eq!(quick.len(), 4, "quick values are 1 and 2");
    // The sharding axis changes the trace, not the run.
    let sh = points(&suite("sharding"), false, 2).unwrap();
    let skews: Vec<Option<f64>> = sh.iter().take(4).map(|p| p.trace.flow_skew).collect();
    assert_eq!(skews, [Some(0.8), Some(1.0), Some(1.2), Some(1.4)]);
    assert!(sh.iter().all(|p| p.run.workers == Some(2)));
    // The latency axis paces in packets per second.
    let lat = points(&suite("latency"), false, 2).unwrap();
    assert_eq!((lat[0].run.pps, lat[0].run.mbps), (Some(500_000.0), None));
}

#[test]
fn each_round_runs_every_point_once_interleaving_series_and_rotating() {
    let s = suite("sharding");
    let p = points(&s, false, 2).unwrap();
    let r0 = round_order(&p, 0);
    let r1 = round_order(&p, 1);
    let mut sorted = r0.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..p.len()).collect::<Vec<_>>());
    // Consecutive trials of round 0 at one x come from different series.
    assert_ne!(p[r0[0]].series, p[r0[1]].series);
    assert_eq!(p[r0[0]].x, p[r0[1]].x);
    assert_eq!(r1[0], r0[1], "round 1 starts one later");
}

fn report(mpps: f64, workers: &[u64], dropped: u64) -> serde_json::Value {
    json!({
        "packets": 1000, "processed": 1000 - dropped, "mpps": mpps, "gbps": mpps * 4.0,
        "duration_s": 0.5, "cpu_ns_per_packet": 100.0, "max_rss_bytes": 1,
        "dropped_by_reason": { "rx_ring_full": dropped },
        "latency_ns": { "p50": 1000, "p99": 5000, "p999": 9000 },
        "per_worker": workers.iter().map(|w| json!({ "packets": w })).collect::<Vec<_>>(),
        "host": { "steal_pct": 0.5, "involuntary_ctx_switches": 3, "cpu_mhz": 2900.0 },
    })
}

#[test]
fn a_trial_row_carries_its_metrics_and_host_conditions() {
    let s = suite("sharding");
    let p = &points(&s, false, 2).unwrap()[0];
    let row = trial_row(&s, p, Some(1), 3, 7, &report(2.0, &[300, 100], 10));
    assert_eq!((row.series.as_str(), row.x, row.loops, row.dropped), ("rtc", Some(0.8), 7, 10));
    assert_eq!(row.metrics["imbalance"], 1.5);
    assert_eq!(row.metrics["drop_share"], 0.01);
    assert_eq!(row.metrics["latency_ns_p99"], 5000.0);
    assert_eq!((row.host_steal_pct, row.host_involuntary_ctx_switches), (Some(0.5), Some(3)));
    assert_eq!(row.kind, "trial");
    let csv = crate::cli::suite_sweep::trials_csv_text(std::slice::from_ref(&row));
    let header = csv.lines().next().unwrap();
    for col in ["experiment", "series", "x", "warmup", "kind", "mpps", "imbalance", "host_cpu_mhz"]
    {
        assert!(header.split(',').any(|c| c == col), "{col} in {header}");
    }
}

#[test]
fn summaries_take_measured_trials_and_searches_only() {
    let s = suite("sharding");
    let pts = points(&s, false, 2).unwrap();
    let p = &pts[0];
    let mut rows = vec![trial_row(&s, p, None, 0, 1, &report(100.0, &[1, 1], 0))];
    for (r, mpps) in [1.0, 2.0, 3.0].into_iter().enumerate() {
        rows.push(trial_row(&s, p, Some(r), 0, 5, &report(mpps, &[1, 1], 0)));
    }
    let mut probe = trial_row(&s, p, Some(0), 0, 5, &report(50.0, &[1, 1], 0));
    probe.kind = "probe 1000 Mb/s".into();
    rows.push(probe);
    let sums = summarise(&s, &pts, &rows);
    assert_eq!(sums.len(), 1, "only the point with trials");
    assert_eq!(sums[0].trials, 3);
    assert_eq!(sums[0].metrics["mpps"].median, 2.0);
    assert!(sums[0].metrics["mpps"].contains(2.0));
    assert!(!sums[0].metrics.contains_key("zero_loss_gbps"));
}
