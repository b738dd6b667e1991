//! `pktstream queue-bench` end to end: the JSON fields the suites read, and bad input.

use std::process::{Command, Output};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn fails_with(args: &[&str]) -> String {
    let o = pktstream(args);
    assert!(!o.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn json_has_every_field_the_suites_read() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("q.json");
    let o = pktstream(&[
        "queue-bench",
        "--queue",
        "lamport",
        "--items",
        "20000",
        "--rounds",
        "2000",
        "--pingpong",
        "--item-bytes",
        "64",
        "--batch",
        "16",
        "--touch",
        "--json",
        json.to_str().unwrap(),
        "--machine",
        "test-machine",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("M items/s") && out.contains("round trip"), "{out}");
    assert_eq!(out.lines().count(), 1, "one line: {out}");

    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["schema_version"].as_u64(), Some(1));
    let prov = &v["provenance"];
    for k in ["git_commit", "cpu_model", "kernel", "rustc", "date_utc", "trace_sha256"] {
        assert!(prov[k].is_string(), "provenance.{k}: {v}");
    }
    assert_eq!(prov["machine_id"], "test-machine");
    assert!(prov["cores"].is_u64() && prov["generator_version"].is_u64(), "{v}");

    let cfg = &v["config"];
    assert_eq!(cfg["queue"], "lamport");
    assert_eq!(cfg["batch"].as_u64(), Some(16));
    assert_eq!(cfg["item_bytes"].as_u64(), Some(64));
    assert_eq!(cfg["touch"], true);
    assert_eq!(cfg["pingpong"], true);
    assert_eq!(cfg["items"].as_u64(), Some(20_000));
    assert_eq!(cfg["rounds"].as_u64(), Some(2_000));
    assert_eq!(cfg["capacity"].as_u64(), Some(4096));
    assert_eq!(cfg["cores"], serde_json::json!([0, 1]));

    assert_eq!(v["queue"], "lamport");
    assert_eq!(v["batch"].as_u64(), Some(16));
    assert_eq!(v["item_bytes"].as_u64(), Some(64));
    assert_eq!(v["items"].as_u64(), Some(20_000));
    for k in ["mitems_per_s", "rtt_ns", "atomic_pingpong_rtt_ns", "seconds"] {
        let x = v[k].as_f64().unwrap_or_else(|| panic!("{k} is not a number: {v}"));
        assert!(x > 0.0 && x.is_finite(), "{k} = {x}");
    }
    let pinned = v["pinned"].as_array().expect("pinned is a list");
    assert_eq!(pinned.len(), 2);
    assert!(pinned.iter().all(serde_json::Value::is_boolean), "{v}");
}

#[test]
fn without_pingpong_the_round_trips_are_null() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("q.json");
    let args = ["queue-bench", "--queue", "rtrb", "--items", "5000", "--batch", "1", "--json"];
    let o = pktstream(&[&args[..], &[json.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(v["mitems_per_s"].as_f64().is_some_and(|x| x > 0.0), "{v}");
    assert!(v["rtt_ns"].is_null() && v["atomic_pingpong_rtt_ns"].is_null(), "{v}");
    assert_eq!(v["config"]["pingpong"], false);
}

#[test]
fn an_unknown_queue_fails_listing_valid_names() {
    let err = fails_with(&["queue-bench", "--queue", "lamprey", "--items", "100"]);
    assert!(err.contains("lamprey"), "{err}");
    for name in ["rtrb", "lamport", "lazy-lamport", "batched-lamport", "fastforward", "iffq"] {
        assert!(err.contains(name), "{err} lacks {name}");
    }
}

#[test]
fn a_bad_item_size_fails_listing_valid_sizes() {
    let err = fails_with(&["queue-bench", "--queue", "rtrb", "--item-bytes", "7", "--items", "9"]);
    assert!(err.contains("8, 16, 32, 64, 128, 256"), "{err}");
}

#[test]
fn the_same_core_twice_is_refused() {
    let err = fails_with(&["queue-bench", "--queue", "rtrb", "--cores", "1,1", "--items", "9"]);
    assert!(err.contains("two distinct cores"), "{err}");
}
