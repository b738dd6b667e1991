//! `pktstream suite`: the quick queues and apps suites end to end (files, columns, figures) and
//! an unknown suite's error. No timing is asserted.

use engine::query::AppKind;
use engine::queue::QueueKind;
use serde_json::Value;

#[path = "support/figures.rs"]
mod figures;
use figures::{check_png, check_svg, pktstream};

#[test]
fn quick_queues_suite_writes_trials_summary_and_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = pktstream(&[
        "suite",
        "queues",
        "--quick",
        "--items",
        "20000",
        "--pipeline-packets",
        "20000",
        "--machine",
        "test-machine",
        "--out",
        out,
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&o.stderr));
    for target in ["1.1x rtrb at batch 32", "1.3x rtrb with single items", "1.5x the atomic"] {
        assert!(stdout.contains(target), "the table lacks {target:?}:\n{stdout}");
    }
    let results = dir.path().join("test-machine").join("queues");

    // One row per process: designs x (batch 1 and 32 at 8 B, ping-pong, pipeline).
    let designs = QueueKind::available().len();
    let trials = std::fs::read_to_string(results.join("trials.csv")).unwrap();
    let mut lines = trials.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for column in ["round", "queue", "batch", "item_bytes", "touch", "mitems_per_s", "rtt_ns"] {
        assert!(header.contains(&column), "trials.csv lacks {column}: {header:?}");
    }
    assert!(header.contains(&"atomic_pingpong_rtt_ns") && header.contains(&"pipeline_mpps"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), designs * 4, "{trials}");
    let measure = header.iter().position(|c| *c == "measure").unwrap();
    let count = |m: &str| rows.iter().filter(|r| r.split(',').nth(measure) == Some(m)).count();
    assert_eq!(
        (count("throughput"), count("pingpong"), count("pipeline")),
        (2 * designs, designs, designs)
    );

    let summary: Value =
        serde_json::from_slice(&std::fs::read(results.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["machine_id"], "test-machine");
    assert_eq!(summary["config"]["rounds"], 1);
    let points = summary["points"].as_array().unwrap();
    assert_eq!(points.len(), designs * 4);
    for p in points {
        let v = &p["value"];
        assert_eq!(v["n"], 1, "{p}");
        let (m, lo, hi) =
            (v["median"].as_f64().unwrap(), v["lo"].as_f64().unwrap(), v["hi"].as_f64().unwrap());
        assert!(m > 0.0 && lo <= m && m <= hi, "{p}");
    }
    let iffq_b32 = points
        .iter()
        .find(|p| p["queue"] == "iffq" && p["batch"] == 32 && p["measure"] == "throughput")
        .unwrap();
    assert!(iffq_b32["ratio_to_rtrb"]["median"].as_f64().unwrap() > 0.0);
    let ping = points.iter().find(|p| p["measure"] == "pingpong").unwrap();
    assert!(ping["rtt_over_floor"]["median"].as_f64().unwrap() > 0.0);
    let targets = summary["targets"].as_array().unwrap();
    let names: Vec<&str> = targets.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["batch32", "single-item", "round-trip"]);
    // One round: no interval, so no target can be called met or not met.
    assert!(targets.iter().all(|t| t["verdict"] == "within-noise"), "{targets:?}");
    assert_eq!(summary["references"].as_array().unwrap().len(), 6);

    let summary_csv = std::fs::read_to_string(results.join("summary.csv")).unwrap();
    assert_eq!(summary_csv.lines().count(), 1 + designs * 4);
    for stem in ["queues_throughput", "queues_rtt", "queues_pipeline"] {
        check_png(&results.join(format!("{stem}.png")));
        check_svg(&results.join(format!("{stem}.svg")));
    }
    // The scratch folder of the trials' JSON files is gone.
    assert_no_scratch(&results);
}

#[test]
fn unknown_suite_lists_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let o = pktstream(&["suite", "nope", "--out", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown suite `nope`; valid suites: queues, apps"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "an unknown suite wrote files");
}

#[test]
fn quick_apps_suite_runs_every_app_on_one_and_two_workers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = pktstream(&[
        "suite",
        "apps",
        "--quick",
        "--trace-packets",
        "2000",
        "--machine",
        "test-machine",
        "--out",
        out,
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&o.stderr));
    let apps = AppKind::ALL.len();
    for (name, _) in AppKind::ALL {
        assert!(stdout.contains(name), "the table lacks {name}:\n{stdout}");
    }
    let results = dir.path().join("test-machine").join("apps");

    // One warm-up and one measured trial per (app, workers).
    let trials = std::fs::read_to_string(results.join("trials.csv")).unwrap();
    let mut lines = trials.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for column in ["warmup", "round", "app", "topology", "workers", "loops", "packets", "mpps"] {
        assert!(header.contains(&column), "trials.csv lacks {column}: {header:?}");
    }
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2 * 2 * apps, "{trials}");
    let warmups = rows.iter().filter(|r| r.starts_with("true,")).count();
    assert_eq!(warmups, 2 * apps, "{trials}");

    let summary: Value =
        serde_json::from_slice(&std::fs::read(results.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["machine_id"], "test-machine");
    assert_eq!(summary["partial"], false);
    assert_eq!(summary["config"]["rounds"], 1);
    assert_eq!(summary["config"]["trace"]["full_payload"], true);
    assert!(summary["config"]["trace"]["packets"].as_u64().unwrap() > 2000);
    let points = summary["points"].as_array().unwrap();
    assert_eq!(points.len(), 2 * apps);
    for (name, app) in AppKind::ALL {
        let keyed_by_flow = app.spec().compile().unwrap().keyed_by_flow();
        for workers in [1, 2] {
            let p = points
                .iter()
                .find(|p| p["app"] == name && p["workers"] == workers)
                .unwrap_or_else(|| panic!("{name} x{workers} missing: {points:?}"));
            assert_eq!(p["topology"], if keyed_by_flow { "rtc" } else { "two-stage" }, "{p}");
            assert!(p["mpps"]["median"].as_f64().unwrap() > 0.0, "{p}");
            assert!(p["ratio_2w_1w"]["median"].as_f64().unwrap() > 0.0, "{p}");
            let sonata = name.starts_with("sonata-");
            assert_eq!(p["target"].is_string(), sonata, "{p}");
        }
    }
    let summary_csv = std::fs::read_to_string(results.join("summary.csv")).unwrap();
    assert_eq!(summary_csv.lines().count(), 1 + 2 * apps);
    assert!(summary_csv.starts_with("app,topology,workers,n,mpps_median"), "{summary_csv}");
    check_png(&results.join("apps_throughput.png"));
    check_svg(&results.join("apps_throughput.svg"));
    // The scratch folder with the trace and the trials' JSON files is gone.
    assert_no_scratch(&results);
}

#[test]
fn apps_suite_refuses_the_queues_flags() {
    let dir = tempfile::tempdir().unwrap();
    let o = pktstream(&["suite", "apps", "--items", "5", "--out", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("apply to the queues suite only"), "{err}");
}

/// No hidden (scratch) entry is left in a results folder.
fn assert_no_scratch(results: &std::path::Path) {
    let left: Vec<_> = std::fs::read_dir(results)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
