//! `pktstream run` end to end: the JSON fields and dump of DESIGN.md, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn generate_trace(dir: &Path, packets: u64) -> PathBuf {
    let out = dir.join("t.pcap");
    let o = pktstream(&[
        "gen",
        "--profile",
        "caida-like",
        "--packets",
        &packets.to_string(),
        "--seed",
        "9",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn run_ok(trace: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--app", "flow-counter", "--trace", trace.to_str().unwrap()];
    args.extend(["--pin", "none"]);
    args.extend(extra);
    let o = pktstream(&args);
    assert!(o.status.success(), "{:?}: {}", extra, String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn json_and_dump_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 30_000);
    let (json, d1, d2) =
        (dir.path().join("r.json"), dir.path().join("a.csv"), dir.path().join("b.csv"));
    let o = run_ok(
        &trace,
        &[
            "--topology",
            "rtc",
            "--workers",
            "2",
            "--loop",
            "2",
            "--explain",
            "--json",
            json.to_str().unwrap(),
            "--dump",
            d1.to_str().unwrap(),
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("thread 1 worker-1: rx ring 1"), "{out}");
    assert!(out.contains("Mpps"), "{out}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for k in [
        "schema_version",
        "provenance",
        "config",
        "app",
        "topology",
        "queue",
        "batch",
        "workers",
        "threads",
        "oversubscribed",
        "packets",
        "processed",
        "unparsed",
        "dropped_by_reason",
        "conservation_ok",
        "bytes",
        "duration_s",
        "mpps",
        "offered_mpps",
        "gbps",
        "gbps_l1",
        "per_worker",
        "cpu_ns_per_packet",
        "max_rss_bytes",
        "latency_ns",
        "result_delay_ns",
        "truncated_at_offset",
        "host",
    ] {
        assert!(v.get(k).is_some(), "missing field {k}");
    }
    let host = &v["host"];
    assert!(host["cpu_mhz"].is_null() || host["cpu_mhz"].as_f64().is_some_and(|m| m > 0.0));
    assert!(host["involuntary_ctx_switches"].is_u64(), "{host}");
    assert!(out.contains("\n  host: steal "), "{out}");
    assert_eq!(v["packets"], 60_000);
    assert_eq!(v["processed"], 60_000);
    assert_eq!(v["conservation_ok"], true);
    assert_eq!(v["per_worker"].as_array().unwrap().len(), 2);
    assert!(v["latency_ns"]["p99"].as_u64().unwrap() > 0);
    assert_eq!(v["config"]["loops"], 2);
    run_ok(
        &trace,
        &[
            "--topology",
            "pipeline",
            "--workers",
            "3",
            "--loop",
            "2",
            "--batch",
            "7",
            "--dump",
            d2.to_str().unwrap(),
        ],
    );
    let (a, b) = (std::fs::read_to_string(&d1).unwrap(), std::fs::read_to_string(&d2).unwrap());
    assert_eq!(a, b, "dumps of rtc x2 and pipeline x3 differ");
    assert!(a.starts_with("window_start_ns,src,dst,sport,dport,proto,packets,bytes\n"));
    let total: u64 =
        a.lines().skip(1).map(|l| l.rsplit(',').nth(1).unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(total, 60_000);
}

/// Bad input: exit status 2, one line naming what is wrong, no panic.
#[test]
fn bad_input_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 100);
    let t = trace.to_str().unwrap();
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"hello").unwrap();
    let bad_query = dir.path().join("bad_query.toml");
    std::fs::write(&bad_query, "[query]\nkey_by = [\"src\"]\naggregate = [{ op = \"sum\" }]\n")
        .unwrap();
    let by_src = dir.path().join("by_src.toml");
    std::fs::write(&by_src, "[query]\nkey_by = [\"src\"]\naggregate = [{ op = \"count\" }]\n")
        .unwrap();
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "topolgy = \"rtc\"\n").unwrap();
    let (bad_query, by_src, typo) =
        (bad_query.to_str().unwrap(), by_src.to_str().unwrap(), typo.to_str().unwrap());
    let with_config =
        |file| vec!["--trace", t, "--topology", "rtc", "--workers", "1", "--config", file];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--trace", "/nonexistent/x.pcap", "--topology", "rtc", "--workers", "1"], "x.pcap"),
        (
            vec!["--trace", empty.to_str().unwrap(), "--topology", "rtc", "--workers", "1"],
            "offset 0",
        ),
        (
            vec!["--trace", text.to_str().unwrap(), "--topology", "rtc", "--workers", "1"],
            "notes.txt",
        ),
        (
            vec!["--trace", t, "--topology", "ring", "--workers", "1"],
            "rtc, two-stage, shuffle, pipeline, farm",
        ),
        (
            vec!["--trace", t, "--topology", "rtc", "--workers", "1", "--no-fuse"],
            "pipeline topology only",
        ),
        (vec!["--trace", t, "--topology", "rtc", "--workers", "1", "--window", "5h"], "duration"),
        (with_config(bad_query), "query.aggregate[0]: Sum takes 1 field(s)"),
        (with_config(by_src), "use two-stage"),
        (with_config(typo), "unknown field `topolgy`"),
        (vec!["--trace", t, "--topology", "rtc", "--workers", "0"], "at least 1"),
        (
            vec!["--trace", t, "--topology", "rtc", "--workers", "1", "--queue", "nope"],
            "std-sync-channel",
        ),
        (vec!["--trace", t, "--topology", "rtc", "--workers", "1", "--batch", "0"], "--batch"),
        (vec!["--trace", t, "--topology", "rtc", "--workers", "1", "--pin", "x"], "--pin"),
        (vec!["--profile", "nope", "--topology", "rtc", "--workers", "1"], "caida-like"),
    ];
    for (extra, expect) in cases {
        let mut args = vec!["run", "--app", "flow-counter"];
        args.extend(&extra);
        let o = pktstream(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(expect), "{extra:?}: expected '{expect}' in: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let o =
        pktstream(&["run", "--app", "heavy", "--trace", t, "--topology", "rtc", "--workers", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("flow-counter"));
}

/// `--wait` and `--flush-timeout-us` reach the engine and the results: a blocking pipeline run
/// with a 5 µs flush timeout conserves packets and records both in `config`.
#[test]
fn wait_and_flush_timeout_are_run_flags() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 5_000);
    let json = dir.path().join("r.json");
    run_ok(
        &trace,
        &[
            "--topology",
            "pipeline",
            "--workers",
            "2",
            "--batch",
            "16",
            "--wait",
            "block",
            "--flush-timeout-us",
            "5",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["conservation_ok"], true);
    assert_eq!(v["processed"], 5_000);
    assert_eq!(v["config"]["wait"], "block");
    assert_eq!(v["config"]["flush_timeout_ns"], 5_000);
    // The defaults are recorded too, and a fraction of a µs is kept.
    run_ok(&trace, &["--topology", "rtc", "--workers", "1", "--json", json.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["config"]["wait"], "spin-park");
    assert_eq!(v["config"]["flush_timeout_ns"], 100_000);
    run_ok(
        &trace,
        &[
            "--topology",
            "pipeline",
            "--workers",
            "1",
            "--wait",
            "spin",
            "--flush-timeout-us",
            "2.5",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["config"]["wait"], "spin");
    assert_eq!(v["config"]["flush_timeout_ns"], 2_500);
}

/// An unknown wait strategy, or a flush timeout that is not a number of µs, fails cleanly
/// naming what is valid.
#[test]
fn bad_wait_flags_fail_listing_what_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 100);
    let t = trace.to_str().unwrap();
    let base =
        ["run", "--app", "flow-counter", "--trace", t, "--topology", "rtc", "--workers", "1"];
    for (extra, expect) in [
        (["--wait", "nap"], vec!["`nap`", "spin, spin-park, block"]),
        (["--flush-timeout-us=-3", "--pin=none"], vec!["--flush-timeout-us", "µs"]),
        (["--flush-timeout-us", "soon"], vec!["--flush-timeout-us", "µs"]),
    ] {
        let mut args = base.to_vec();
        args.extend(extra);
        let o = pktstream(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        for e in expect {
            assert!(err.contains(e), "{extra:?}: expected '{e}' in: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// The example queries of `examples/` run through `run --config` and give the same dump on
/// every topology that can run them (flags on the command line override the file's).
#[test]
fn example_configs_run_and_agree_across_topologies() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 20_000);
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for name in ["top_talkers.toml", "half_open.toml"] {
        let config = examples.join(name);
        let mut dumps = Vec::new();
        for topology in ["two-stage", "shuffle", "pipeline", "farm"] {
            let dump = dir.path().join(format!("{name}.{topology}.csv"));
            let o = pktstream(&[
                "run",
                "--config",
                config.to_str().unwrap(),
                "--trace",
                trace.to_str().unwrap(),
                "--topology",
                topology,
                "--pin",
                "none",
                "--dump",
                dump.to_str().unwrap(),
            ]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{name} on {topology}: {err}");
            dumps.push(std::fs::read_to_string(&dump).unwrap());
        }
        assert!(dumps[0].lines().count() > 1, "{name}: no rows in\n{}", dumps[0]);
        assert!(dumps.windows(2).all(|w| w[0] == w[1]), "{name}: dumps differ");
    }
}

/// Jetstream's `src-count` (packets and bytes per source) gives one dump on every topology that
/// can merge, its packets add up to the trace's, and rtc refuses it.
#[test]
fn src_count_agrees_across_topologies_and_rtc_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 20_000);
    let t = trace.to_str().unwrap();
    let mut dumps = Vec::new();
    for topology in ["two-stage", "shuffle", "pipeline", "farm"] {
        let dump = dir.path().join(format!("src.{topology}.csv"));
        let args = ["run", "--app", "src-count", "--trace", t, "--topology", topology];
        let o = pktstream(
            &[&args[..], &["--workers", "2", "--pin", "none"], &["--dump", dump.to_str().unwrap()]]
                .concat(),
        );
        assert!(o.status.success(), "{topology}: {}", String::from_utf8_lossy(&o.stderr));
        dumps.push(std::fs::read_to_string(&dump).unwrap());
    }
    assert!(dumps.windows(2).all(|w| w[0] == w[1]), "dumps differ");
    let mut lines = dumps[0].lines();
    assert_eq!(lines.next(), Some("window_start_ns,src,packets,bytes"));
    let packets: u64 = lines.map(|l| l.split(',').nth(2).unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(packets, 20_000, "every packet of the trace is counted once");
    let o = pktstream(&[
        "run",
        "--app",
        "src-count",
        "--trace",
        t,
        "--topology",
        "rtc",
        "--workers",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("use two-stage"));
}

/// `passthrough` counts every packet once, whatever the topology.
#[test]
fn passthrough_counts_every_packet() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 5_000);
    for (topology, workers) in
        [("two-stage", "1"), ("pipeline", "2"), ("farm", "2"), ("shuffle", "2")]
    {
        let dump = dir.path().join(format!("pass.{topology}.csv"));
        let o = pktstream(&[
            "run",
            "--app",
            "passthrough",
            "--trace",
            trace.to_str().unwrap(),
            "--topology",
            topology,
            "--workers",
            workers,
            "--pin",
            "none",
            "--dump",
            dump.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{topology}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read_to_string(&dump).unwrap(), "window_start_ns,packets\n0,5000\n");
    }
}
