//! `pktstream run` with the query library's apps: their parameters as flags (`--threshold`,
//! `--share`, `--vip`), a DNS query over a generated attack, and bad parameters.

use std::path::Path;
use std::process::{Command, Output};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `app` on `trace` (two-stage, 2 workers) with `extra` flags; returns the dump.
fn dump(dir: &Path, trace: &Path, app: &str, extra: &[&str]) -> String {
    let out = dir.join(format!("{app}.csv"));
    let (t, d) = (trace.to_str().unwrap(), out.to_str().unwrap());
    let args = ["run", "--app", app, "--trace", t, "--topology", "two-stage", "--workers", "2"];
    ok(&pktstream(&[&args[..], &["--pin", "none", "--dump", d], extra].concat()));
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn dns_reflection_finds_the_victim_and_thresholds_are_flags() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.pcap");
    let t = trace.to_str().unwrap();
    ok(&pktstream(&[
        "gen",
        "--profile",
        "caida-like",
        "--pps",
        "5000",
        "--duration",
        "3",
        "--full-payload",
        "--scenario",
        "dns-reflection",
        "--out",
        t,
    ]));
    let truth = std::fs::read_to_string(dir.path().join("t.pcap.truth.csv")).unwrap();
    let expected: Vec<String> = truth
        .lines()
        .filter(|l| l.starts_with("alarm,sonata-dns-reflection,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{}", f[2], f[3])
        })
        .collect();
    assert!(!expected.is_empty(), "the attack raises alarms: {truth}");
    let got = dump(dir.path(), &trace, "sonata-dns-reflection", &[]);
    let mut lines = got.lines();
    assert_eq!(lines.next(), Some("window_start_ns,dst,resolvers"));
    let rows: Vec<String> =
        lines.map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect::<Vec<_>>();
    assert_eq!(rows, expected, "the dump's (window, host) rows are the truth's");
    // At a threshold above the attack's 200 resolvers nothing is reported.
    let high = dump(dir.path(), &trace, "sonata-dns-reflection", &["--threshold", "1000"]);
    assert_eq!(high, "window_start_ns,dst,resolvers\n");
    // A lower heavy-hitter share reports more flows; lb-profile takes a VIP set.
    let hh = |share: &str| dump(dir.path(), &trace, "heavy-hitter", &["--share", share]);
    assert!(hh("0.001").lines().count() > hh("0.05").lines().count());
    let lb =
        dump(dir.path(), &trace, "lb-profile", &["--vip", "10.0.0.0/16", "--vip", "10.0.1.0/24"]);
    let mut lb = lb.lines();
    assert_eq!(lb.next(), Some("window_start_ns,dst,packets,bytes,conns,set_bytes,share_pct"));
    assert!(lb.all(|l| l.split(',').nth(1).unwrap().starts_with("10.0.")));
}

#[test]
fn bad_parameters_fail_naming_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.pcap");
    let t = trace.to_str().unwrap();
    ok(&pktstream(&["gen", "--profile", "imix", "--packets", "100", "--out", t]));
    let run = |extra: &[&str]| {
        let args = ["run", "--trace", t, "--topology", "two-stage", "--workers", "1"];
        pktstream(&[&args[..], extra].concat())
    };
    let o = run(&["--app", "heavy-hitter", "--share", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("between 0 and 1"));
    let o = run(&["--app", "lb-profile", "--vip", "10.0.0.0/99"]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("query.filter[0]") && e.contains("10.0.0.0/99"), "{e}");
    let o = run(&["--app", "sonata-nope"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("sonata-dns-reflection"));
    let farm = ["run", "--trace", t, "--app", "tcp-seq", "--topology", "farm", "--workers", "2"];
    let o = pktstream(&farm);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("out_of_order"));
}

/// `examples/syn_flood.toml` writes `sonata-syn-flood` out as a query file (outer and left
/// joins, a computed column and a threshold on it): the same dump as the app's.
#[test]
fn the_syn_flood_query_file_is_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.pcap");
    let t = trace.to_str().unwrap();
    let generate = ["gen", "--profile", "caida-like", "--pps", "5000", "--duration", "3"];
    ok(&pktstream(&[&generate[..], &["--scenario", "syn-flood", "--out", t]].concat()));
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/syn_flood.toml");
    let from_file = dump(dir.path(), &trace, "flow-counter", &["--config", example]);
    let app = dump(dir.path(), &trace, "sonata-syn-flood", &[]);
    assert_eq!(from_file, app);
    assert!(app.starts_with("window_start_ns,host,syns,synacks,acks,half_open\n"));
    assert!(app.lines().count() > 1, "the flood raises alarms: {app}");
}
