//! `pktstream replay` end to end: every pacing releases every packet exactly once and in order
//! (checked on the capture `--out` writes), loops and `--unique-ip` included; `--limit` and
//! `--duration` stop at exact counts; the JSON has DESIGN.md's fields; bad input fails cleanly.
//! And `pktstream run` with a rate and `--unique-ip`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tracegen::pcap::{ReadOptions, read_file};
use tracegen::replay::{Pacing, schedule_buffer};
use wire::{FlowKey, FrameBuffer, parse_frame, unique_ip};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn ok(args: &[&str]) -> Output {
    let o = pktstream(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn generate_trace(dir: &Path, packets: u64) -> PathBuf {
    let out = dir.join("t.pcap");
    let n = packets.to_string();
    ok(&["gen", "--profile", "caida-like", "--packets", &n, "--seed", "4", "--out", s(&out)]);
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(path: &Path) -> FrameBuffer {
    read_file(path, &ReadOptions { strict: true, ..Default::default() }).unwrap().frames
}

/// The capture `--out` wrote holds `loops` copies of the input, in order, each frame's bytes
/// and wire length as they were, with the timestamps of its release.
fn assert_replayed(input: &FrameBuffer, got: &FrameBuffer, loops: usize, pacing: Pacing) {
    let n = input.len();
    assert_eq!(got.len(), n * loops, "{pacing}");
    let sched = schedule_buffer(input, pacing).unwrap();
    let ts_span = engine::runtime::trace_span_ns(input);
    let first_ts = input.metas()[0].ts_ns;
    for (i, g) in got.iter().enumerate() {
        let (k, j) = ((i / n) as u64, i % n);
        let f = input.get(j).unwrap();
        assert_eq!((g.bytes, g.wire_len), (f.bytes, f.wire_len), "{pacing}: frame {i}");
        let want = if pacing.is_paced() {
            first_ts + k * sched.span_ns + sched.times[j]
        } else {
            f.ts_ns + k * ts_span
        };
        assert_eq!(g.ts_ns, want, "{pacing}: timestamp of frame {i}");
    }
}

#[test]
fn every_pacing_replays_every_packet_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 3000);
    let input = read(&trace);
    let out = dir.path().join("out.pcap");
    let cases: [(&[&str], Pacing); 5] = [
        (&[], Pacing::Original { multiplier: 1.0 }),
        (&["--multiplier", "20"], Pacing::Original { multiplier: 20.0 }),
        (&["--mbps", "40000"], Pacing::Mbps(40_000.0)),
        (&["--pps", "5000000"], Pacing::Pps(5e6)),
        (&["--topspeed"], Pacing::TopSpeed),
    ];
    for (flags, pacing) in cases {
        for preload in [true, false] {
            let mut args = vec!["replay", s(&trace), "--loop", "3", "--out", s(&out)];
            args.extend(flags);
            if preload {
                args.push("--preload");
            }
            let o = ok(&args);
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(stdout.contains("9000 packets"), "{stdout}");
            assert_replayed(&input, &read(&out), 3, pacing);
        }
    }
}

#[test]
fn unique_ip_loops_carry_new_flows() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 2000);
    let input = read(&trace);
    let out = dir.path().join("u.pcap");
    ok(&["replay", s(&trace), "--topspeed", "--loop", "3", "--unique-ip", "--out", s(&out)]);
    let got = read(&out);
    assert_eq!(got.len(), 6000);
    let mut flows_per_loop: Vec<HashSet<FlowKey>> = vec![HashSet::new(); 3];
    for (i, g) in got.iter().enumerate() {
        let (k, j) = (i / 2000, i % 2000);
        let f = input.get(j).unwrap();
        assert_eq!(g.wire_len, f.wire_len);
        let want = parse_frame(&f, 0).map(|mut r| {
            unique_ip::rewrite_record(&mut r, k as u64);
            r
        });
        let have = parse_frame(&wire::Frame { ts_ns: f.ts_ns, ..g }, 0);
        assert_eq!(have, want, "frame {i}");
        if let Ok(r) = have {
            flows_per_loop[k].insert(r.flow_key());
        }
    }
    assert!(flows_per_loop[0].len() > 100);
    for k in 1..3 {
        assert_eq!(flows_per_loop[k].len(), flows_per_loop[0].len());
        for j in 0..k {
            assert!(flows_per_loop[k].is_disjoint(&flows_per_loop[j]), "loops {j} and {k}");
        }
    }
}

#[test]
fn limit_and_duration_stop_with_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 1000);
    let input = read(&trace);
    let out = dir.path().join("l.pcapng");
    let json = dir.path().join("l.json");
    let outp = dir.path().join("l.pcap");
    for (flags, want) in [
        (&["--limit", "2500", "--pps", "4000000"][..], 2500),
        (&["--limit", "2500", "--topspeed"][..], 2500),
        // Paced, the duration releases exactly the frames scheduled before it.
        (&["--duration", "0.002", "--pps", "1000000"][..], 2000),
    ] {
        let mut args = vec!["replay", s(&trace), "--loop", "0", "--out", s(&outp)];
        args.extend(["--json", s(&json)]);
        args.extend(flags);
        ok(&args);
        let got = read(&outp);
        assert_eq!(got.len(), want, "{flags:?}");
        for (i, g) in got.iter().enumerate() {
            assert_eq!(g.bytes, input.get(i % 1000).unwrap().bytes);
        }
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(v["packets"], want as u64);
        assert_eq!(v["loops"], (want / 1000) as u64);
    }
    // pcapng by extension, and a pcapng capture replays like the pcap it came from.
    ok(&["replay", s(&trace), "--loop", "0", "--limit", "1500", "--topspeed", "--out", s(&out)]);
    assert_eq!(&std::fs::read(&out).unwrap()[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
    let got = read(&out);
    assert_eq!(got.len(), 1500);
    let again = dir.path().join("again.pcap");
    ok(&["replay", s(&out), "--topspeed", "--out", s(&again)]);
    assert_eq!(read(&again), got);
}

#[test]
fn json_has_the_schema_fields() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 2000);
    let json = dir.path().join("r.json");
    let o = ok(&[
        "replay",
        s(&trace),
        "--mbps",
        "20000",
        "--loop",
        "2",
        "--preload",
        "--stats",
        "0.0005",
        "--json",
        s(&json),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("pps") && stderr.contains("drops 0"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for k in [
        "schema_version",
        "provenance",
        "config",
        "packets",
        "bytes",
        "duration_s",
        "achieved_pps",
        "achieved_gbps",
        "departure_error_ns",
        "load_s",
        "load_gbytes_per_s",
        "pacing",
        "target_pps",
        "target_gbps",
        "loops",
        "late",
        "dropped",
        "truncated_at_offset",
    ] {
        assert!(v.get(k).is_some(), "missing field {k}");
    }
    for k in ["p50", "p99", "max"] {
        assert!(v["departure_error_ns"][k].is_u64(), "departure_error_ns.{k}");
    }
    assert_eq!(v["departure_error_ns"]["samples"], 4000);
    assert_eq!(v["packets"], 4000);
    assert_eq!(v["target_gbps"], 20.0);
    assert_eq!(v["config"]["pacing"]["mbps"], 20000.0);
    assert_eq!(v["config"]["preload"], true);
    assert!(v["provenance"]["trace_sha256"].as_str().unwrap().len() == 64);
    assert!(v["load_s"].as_f64().unwrap() > 0.0);
}

/// Bad input: exit status 2, one line naming what is wrong, no panic.
#[test]
fn bad_input_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 50);
    let t = s(&trace);
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"hello, not a capture").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["/nonexistent/x.pcap"], "x.pcap"),
        (vec![s(&empty), "--preload"], "empty.pcap"),
        (vec![s(&empty)], "offset 0"),
        (vec![s(&text)], "notes.txt"),
        (vec![t, "--loop", "0"], "--duration or --limit"),
        (vec![t, "--mbps", "0"], "--mbps"),
        (vec![t, "--pps=-3"], "--pps"),
        (vec![t, "--duration", "0"], "--duration"),
        (vec![t, "--stats=-1"], "--stats"),
        (vec![t, "--mbps", "10", "--pps", "10"], "cannot be used with"),
        (vec![t, "--topspeed", "--multiplier", "2"], "cannot be used with"),
    ];
    for (extra, expect) in cases {
        let mut args = vec!["replay"];
        args.extend(&extra);
        let o = pktstream(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(expect), "{extra:?}: expected '{expect}' in: {err}");
        assert!(!err.contains("panicked"), "{err}");
        if !expect.contains("cannot be used") {
            assert_eq!(err.trim_end().lines().count(), 1, "{extra:?}: {err}");
        }
    }
}

#[test]
fn run_paced_with_unique_ip_offers_its_rate_and_keeps_workers() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), 5000);
    let run = |extra: &[&str], json: &Path| {
        let mut args = vec!["run", "--app", "flow-counter", "--trace", s(&trace)];
        args.extend(["--topology", "rtc", "--workers", "2", "--pin", "none"]);
        args.extend(["--json", s(json)]);
        args.extend(extra);
        ok(&args);
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(json).unwrap()).unwrap()
    };
    let once = run(&[], &dir.path().join("a.json"));
    assert_eq!(once["offered_mpps"], serde_json::Value::Null);
    let paced = run(
        &["--loop", "2", "--unique-ip", "--pps", "10000000", "--ring-size", "65536"],
        &dir.path().join("b.json"),
    );
    assert!((paced["offered_mpps"].as_f64().unwrap() - 10.0).abs() < 1e-9, "{paced}");
    assert_eq!(paced["conservation_ok"], true);
    assert_eq!(paced["processed"], 10_000);
    assert_eq!(paced["config"]["unique_ip"], true);
    let workers = |v: &serde_json::Value| -> Vec<u64> {
        v["per_worker"].as_array().unwrap().iter().map(|w| w["packets"].as_u64().unwrap()).collect()
    };
    let doubled: Vec<u64> = workers(&once).iter().map(|p| 2 * p).collect();
    assert_eq!(workers(&paced), doubled, "each packet keeps its worker in every loop");
    let o = pktstream(&["run", "--app", "flow-counter", "--trace", s(&trace), "--topology"]);
    assert_eq!(o.status.code(), Some(2));
    let o = pktstream(&[
        "run",
        "--app",
        "flow-counter",
        "--trace",
        s(&trace),
        "--topology",
        "rtc",
        "--workers",
        "1",
        "--mbps=-1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--mbps"));
}
