//! `pktstream reproduce --quick`, `pktstream plot` and an interrupted sweep suite, end to end:
//! every suite's files and figures (valid PNG and SVG), the README linking them, figures
//! redrawn from results (the committed reference run's too), and a Ctrl-C that leaves valid,
//! partial results. No timing is asserted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/figures.rs"]
mod figures;
use figures::{check_png, check_svg, pktstream};

/// A CSV with a header and at least one row, every row as wide as the header.
fn check_csv(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let width = lines.next().map(|h| h.split(',').count()).unwrap_or(0);
    let rows: Vec<&str> = lines.collect();
    assert!(width > 1 && !rows.is_empty(), "{}", path.display());
    for r in &rows {
        assert_eq!(r.split(',').count(), width, "{}: {r}", path.display());
    }
    rows.len()
}

fn summary(dir: &Path) -> Value {
    let path = dir.join("summary.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn figures(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

#[test]
fn quick_reproduce_writes_every_suite_figure_csv_and_the_readme() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let o = pktstream(&["reproduce", "--quick", "--machine", "box", "--out", out]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("about") && err.contains("suites"), "an estimate first: {err}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let machine = tmp.path().join("box");
    let readme = std::fs::read_to_string(machine.join("README.md")).unwrap();
    let expected = [
        ("jetstream", vec!["jetstream_replicas"]),
        ("fais", vec!["fais_rates", "fais_ablation", "fais_zero-loss"]),
        ("queues", vec!["queues_throughput", "queues_rtt", "queues_pipeline"]),
        ("sharding", vec!["sharding_skew"]),
        ("latency", vec!["latency_load"]),
    ];
    for (suite, stems) in expected {
        let dir = machine.join(suite);
        assert!(stdout.contains(suite), "summary table names {suite}: {stdout}");
        assert!(check_csv(&dir.join("trials.csv")) > 0);
        check_csv(&dir.join("summary.csv"));
        let s = summary(&dir);
        assert_eq!(s["schema_version"], 1);
        assert_eq!(s["provenance"]["machine_id"], "box");
        for stem in stems {
            check_png(&dir.join(format!("{stem}.png")));
            check_svg(&dir.join(format!("{stem}.svg")));
            assert!(readme.contains(&format!("{suite}/{stem}.png")), "README links {stem}");
        }
        let hidden = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with('.'));
        assert!(!hidden, "{suite}: scratch files left");
    }
    // Sweep suites: every point measured, and redrawn from the files alone.
    for suite in ["jetstream", "fais", "sharding", "latency"] {
        let s = summary(&machine.join(suite));
        assert_eq!(s["partial"], false);
        let points = s["points"].as_array().unwrap();
        assert!(!points.is_empty(), "{suite}");
        for p in points {
            assert!(p["trials"].as_u64().unwrap() >= 1, "{suite}: {p}");
        }
        let again = tmp.path().join("redrawn").join(suite);
        let dir = machine.join(suite);
        let o = pktstream(&["plot", dir.to_str().unwrap(), "--out", again.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (pngs, svgs) = (figures(&again, "png"), figures(&again, "svg"));
        assert_eq!(pngs.len(), figures(&dir, "png").len(), "{suite}");
        pngs.iter().for_each(|p| check_png(p));
        svgs.iter().for_each(|p| check_svg(p));
    }
    // The zero-loss search keeps its probes and its result.
    let trials = std::fs::read_to_string(machine.join("fais").join("trials.csv")).unwrap();
    assert!(trials.contains(",probe ") && trials.contains(",search,"), "{trials}");
}

#[test]
fn the_committed_reference_run_redraws() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("results");
    let mut found = 0;
    for machine in std::fs::read_dir(&root).unwrap().filter_map(|e| e.ok()) {
        for suite in ["jetstream", "fais", "sharding", "latency", "scaling", "queues", "apps"] {
            let dir = machine.path().join(suite);
            if !dir.join("summary.json").exists() {
                continue;
            }
            found += 1;
            let tmp = tempfile::tempdir().unwrap();
            let o =
                pktstream(&["plot", dir.to_str().unwrap(), "--out", tmp.path().to_str().unwrap()]);
            assert!(
                o.status.success(),
                "{}: {}",
                dir.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            let pngs = figures(tmp.path(), "png");
            assert_eq!(pngs.len(), figures(&dir, "png").len(), "{}", dir.display());
            pngs.iter().for_each(|p| check_png(p));
            // The same drawing as the run's, caption included.
            for svg in figures(tmp.path(), "svg") {
                let name = svg.file_name().unwrap();
                let committed = std::fs::read(dir.join(name)).unwrap();
                assert!(std::fs::read(&svg).unwrap() == committed, "{}", svg.display());
            }
        }
    }
    assert!(found >= 6, "a committed reference run of the suites under results/");
}

#[test]
fn plot_refuses_what_is_not_a_sweep_summary_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("summary.json");
    std::fs::write(&f, "{\"schema_version\": 1}").unwrap();
    let o = pktstream(&["plot", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("summary.json") && err.contains("not the summary of a suite"), "{err}");
}

/// A suite long enough to interrupt: short trials, many points, several rounds.
const SLOW_SUITE: &str = r#"
name = "slow"
title = "A suite to interrupt"
[trace]
profile = "caida-like"
packets = 20000
quick_packets = 20000
[trials]
rounds = 20
quick_rounds = 20
target_s = 0.05
quick_target_s = 0.05
[[experiment]]
name = "workers"
title = "Workers"
base = { app = "flow-counter", topology = "rtc" }
x = { field = "workers", values = [1, 2], label = "query threads" }
[[experiment.series]]
label = "rtc"
[experiment.plot]
metrics = ["mpps"]
"#;

#[test]
fn ctrl_c_stops_a_suite_and_leaves_valid_partial_results() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("slow.toml");
    std::fs::write(&file, SLOW_SUITE).unwrap();
    let out = tmp.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_pktstream"))
        .args(["suite", file.to_str().unwrap(), "--machine", "box", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // trials.csv is rewritten after the warm-ups and after each round: wait for round 1 (a
    // header, two warm-ups, two trials), then interrupt while later rounds run.
    let trials = out.join("box").join("slow").join("trials.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&trials).map_or(0, |t| t.lines().count()) < 5 {
        assert!(start.elapsed() < Duration::from_secs(120), "round 1 never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill() with a live child's pid and SIGINT only sends a signal.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "an interrupted suite fails: {err}");
    assert!(err.contains("interrupted"), "{err}");
    let dir = out.join("box").join("slow");
    let rows = check_csv(&trials);
    assert!(rows >= 2, "the warm-ups at least");
    let s = summary(&dir);
    assert_eq!(s["partial"], true);
    assert!(s["stopped"].as_str().unwrap().contains("interrupted"));
    assert!(s["trials"].as_array().unwrap().len() < 2 + 2 * 20, "it stopped early");
    check_png(&dir.join("slow_workers.png"));
    check_svg(&dir.join("slow_workers.svg"));
}
