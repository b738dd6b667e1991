//! `pktstream gen`'s options end to end: scenarios and their truth file, the metadata sidecar,
//! profile files, pcapng output, durations, and clear errors for bad flags.

use std::path::Path;
use std::process::{Command, Output};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn ok(args: &[&str]) -> String {
    let o = pktstream(args);
    assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fails_with(args: &[&str], want: &str) {
    let o = pktstream(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} should fail");
    assert!(err.contains(want), "{args:?}: expected '{want}' in: {err}");
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn scenarios_write_a_truth_file_and_a_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("attack.pcap");
    let text = ok(&[
        "gen",
        "--profile",
        "caida-like",
        "--duration",
        "4",
        "--pps",
        "20000",
        "--seed",
        "9",
        "--out",
        &s(&out),
        "--scenario",
        "syn-flood",
        "--scenario",
        "ddos:sources=100",
    ]);
    assert!(text.contains("ground truth: 2 attacks"), "{text}");
    let truth = std::fs::read_to_string(dir.path().join("attack.pcap.truth.csv")).unwrap();
    let lines: Vec<&str> = truth.lines().collect();
    assert_eq!(lines[0], "row,kind,window_start_ns,key,attacker,victim,start_ns,end_ns,packets");
    assert!(lines[1].starts_with("attack,syn-flood,,,"), "{}", lines[1]);
    assert!(lines[2].starts_with("attack,ddos,,,"), "{}", lines[2]);
    let attack_packets: u64 = lines[1].rsplit(',').next().unwrap().parse().unwrap();
    assert!(attack_packets > 10_000, "{}", lines[1]);
    // The victims are 10.0.0.1 and 10.1.0.1; each main rule fires in at least two windows.
    let count = |alarm: &str, key: &str| {
        lines
            .iter()
            .filter(|l| {
                l.starts_with(&format!("alarm,{alarm},")) && l.contains(&format!(",{key},"))
            })
            .count()
    };
    assert!(count("sonata-syn-flood", "10.0.0.1") >= 2, "{truth}");
    assert!(count("sonata-ddos", "10.1.0.1") >= 2, "{truth}");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("attack.pcap.gen.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["generator_version"], tracegen::GENERATOR_VERSION);
    assert_eq!(meta["config"]["scenarios"][1], "ddos:sources=100");
    assert_eq!(meta["config"]["duration_ns"], 4_000_000_000u64);
    // trace-stats takes the file's generator version from the sidecar.
    let json = dir.path().join("stats.json");
    ok(&["trace-stats", &s(&out), "--json", &s(&json)]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["provenance"]["generator_version"], tracegen::GENERATOR_VERSION);
    assert_eq!(v["generator"]["config"]["seed"], 9);
}

#[test]
fn profile_files_and_pcapng_output() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("p.toml");
    std::fs::write(
        &toml,
        "base = \"caida-like\"\nipv6_share = 0.0\n[flow_length]\ndist = \"geometric\"\np = 0.1\n",
    )
    .unwrap();
    let out = dir.path().join("t.pcapng");
    let text =
        ok(&["gen", "--profile", &s(&toml), "--packets", "5000", "--out", &s(&out), "--vlan", "7"]);
    assert!(text.contains("p.toml"), "{text}");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], &[0x0a, 0x0d, 0x0d, 0x0a], "a pcapng section header");
    let meta = std::fs::read_to_string(dir.path().join("t.pcapng.gen.json")).unwrap();
    assert!(meta.contains("p.toml") && meta.contains("\"vlans\": [\n      7\n    ]"), "{meta}");
    // --format overrides the extension.
    let classic = dir.path().join("c.pcapng");
    ok(&[
        "gen",
        "--profile",
        "imix",
        "--packets",
        "100",
        "--out",
        &s(&classic),
        "--format",
        "pcap",
    ]);
    assert_eq!(&std::fs::read(&classic).unwrap()[..4], &0xa1b2_3c4du32.to_le_bytes());
}

#[test]
fn a_duration_bounds_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.pcap");
    ok(&["gen", "--profile", "min64", "--duration", "0.01", "--pps", "1000000", "--out", &s(&out)]);
    let cap = tracegen::pcap::read_file(&out, &Default::default()).unwrap();
    assert_eq!(cap.frames.len(), 10_000);
}

#[test]
fn bad_flags_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("x.pcap"));
    let base = ["gen", "--profile", "caida-like", "--packets", "100", "--out", &out];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }
    fails_with(&with(&base, &["--scenario", "meteor"]), "valid scenarios: syn-flood, port-scan");
    fails_with(&with(&base, &["--scenario", "ddos:sources=x"]), "ddos");
    fails_with(&with(&base, &["--scenario", "dns-reflection"]), "--full-payload");
    fails_with(&with(&base, &["--burst", "10"]), "ON_US:OFF_US");
    fails_with(&with(&base, &["--ipv6", "1.5"]), "IPv6 share 1.5");
    fails_with(&with(&base, &["--vlan", "5000"]), "VLAN");
    fails_with(&with(&base, &["--format", "cap"]), "pcap, pcapng");
    fails_with(&["gen", "--profile", "nope.toml", "--packets", "1", "--out", &out], "nope.toml");
    assert!(!dir.path().join("x.pcap").exists(), "no capture is left behind by a refused run");
}

/// `largest_flow_share` of `trace-stats --json` on a capture.
fn largest_flow_share(capture: &Path, json: &Path) -> f64 {
    ok(&["trace-stats", &s(capture), "--json", &s(json)]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    v["largest_flow_share"].as_f64().expect("largest_flow_share")
}

#[test]
fn flow_skew_concentrates_packets_in_the_largest_flow() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, skewed) = (dir.path().join("plain.pcap"), dir.path().join("skewed.pcap"));
    let base = ["gen", "--profile", "caida-like", "--packets", "20000", "--seed", "1"];
    ok(&[&base[..], &["--out", &s(&plain)]].concat());
    ok(&[&base[..], &["--flow-skew", "1.4", "--out", &s(&skewed)]].concat());
    let plain_share = largest_flow_share(&plain, &dir.path().join("plain.json"));
    let skewed_share = largest_flow_share(&skewed, &dir.path().join("skewed.json"));
    // Zipf 1.4 over 2500 flows gives the top connection about a third of the packets (a
    // directional flow, more than half of that); the profile keeps every flow under 1%.
    assert!(plain_share < 0.01, "{plain_share}");
    assert!(skewed_share > 0.1 && skewed_share > 10.0 * plain_share, "{skewed_share}");
    // The sidecar records the skew; a trace without it has no such field.
    let meta = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    assert_eq!(meta("skewed.pcap.gen.json")["config"]["flow_skew"], 1.4);
    assert!(meta("plain.pcap.gen.json")["config"].get("flow_skew").is_none());
}

#[test]
fn bad_flow_skews_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("x.pcap"));
    let base = ["gen", "--profile", "caida-like", "--packets", "100", "--out", &out];
    for bad in ["0", "-1", "nan", "inf"] {
        fails_with(&[&base[..], &["--flow-skew", bad]].concat(), "--flow-skew");
    }
    fails_with(&[&base[..], &["--flow-skew", "0"]].concat(), "above 0");
    assert!(!dir.path().join("x.pcap").exists(), "no capture is left behind by a refused run");
}
