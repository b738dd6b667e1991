//! `pktstream gen` and `trace-stats` end to end: determinism, tshark's reading of a generated
//! trace, the results JSON, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tracegen::pcap::{ReadOptions, read_file};
use wire::parse_frame;

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn generate_trace(dir: &Path, name: &str, packets: u64, seed: u64, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let (packets, seed) = (packets.to_string(), seed.to_string());
    let mut args = vec!["gen", "--profile", "caida-like", "--packets", &packets, "--seed", &seed];
    let out_s = out.to_string_lossy().into_owned();
    args.extend(["--out", &out_s]);
    args.extend(extra);
    let o = pktstream(&args);
    assert!(o.status.success(), "gen failed: {}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn gen_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read(generate_trace(dir.path(), "a.pcap", 5000, 42, &[])).unwrap();
    let b = std::fs::read(generate_trace(dir.path(), "b.pcap", 5000, 42, &[])).unwrap();
    let c = std::fs::read(generate_trace(dir.path(), "c.pcap", 5000, 43, &[])).unwrap();
    assert_eq!(a, b, "same seed, same bytes");
    assert_ne!(a, c, "different seeds differ");
    let micro = std::fs::read(generate_trace(dir.path(), "m.pcap", 10, 42, &["--micro"])).unwrap();
    assert_eq!(&micro[..4], &0xa1b2_c3d4u32.to_le_bytes());
    assert_eq!(&a[..4], &0xa1b2_3c4du32.to_le_bytes());
}

#[test]
fn unknown_profile_lists_the_valid_ones() {
    let o = pktstream(&["gen", "--profile", "nope", "--packets", "1", "--out", "/dev/null"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("caida-like"), "{err}");
}

/// One line per frame: ip version, src, dst, proto, sport, dport (ports empty when absent).
fn our_view(path: &Path) -> Vec<String> {
    let cap = read_file(path, &ReadOptions::default()).unwrap();
    cap.frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let r = parse_frame(&f, i as u32).expect("generated frames parse");
            let ports = if r.proto == 6 || r.proto == 17 {
                format!("{}\t{}", r.sport, r.dport)
            } else {
                "\t".into()
            };
            format!("{}\t{}\t{}\t{}\t{}", r.ip_version(), r.src_ip(), r.dst_ip(), r.proto, ports)
        })
        .collect()
}

#[test]
fn tshark_reads_generated_traces_alike() {
    if Command::new("tshark").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must install tshark (.ci/run does)");
        eprintln!("skipping: tshark is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), "t.pcap", 3000, 7, &[]);
    let o = Command::new("tshark")
        .args(["-n", "-o", "ip.check_checksum:TRUE", "-r"])
        .arg(&trace)
        .args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"])
        .args(["-e", "ip.version", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst"])
        .args(["-e", "ipv6.dst", "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "tcp.srcport"])
        .args(["-e", "udp.srcport", "-e", "tcp.dstport", "-e", "udp.dstport"])
        .args(["-e", "ip.checksum.status"])
        .output()
        .unwrap();
    assert!(o.status.success(), "tshark: {}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let ours = our_view(&trace);
    let theirs: Vec<&str> = text.lines().collect();
    assert_eq!(theirs.len(), ours.len(), "packet count");
    let mut v6 = 0;
    for (i, (line, mine)) in theirs.iter().zip(&ours).enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 12, "frame {}: {line}", i + 1);
        let (ver, src, dst, proto) = if f[0] == "4" {
            // ip.checksum.status: 1 is "good" (0 bad, 2 unverified).
            assert_eq!(f[11], "1", "frame {}: IPv4 header checksum status", i + 1);
            ("4", f[1], f[3], f[5])
        } else {
            v6 += 1;
            ("6", f[2], f[4], f[6])
        };
        let sport = if f[7].is_empty() { f[8] } else { f[7] };
        let dport = if f[9].is_empty() { f[10] } else { f[9] };
        let theirs = format!("{ver}\t{src}\t{dst}\t{proto}\t{sport}\t{dport}");
        assert_eq!(&theirs, mine, "frame {}", i + 1);
    }
    assert!(v6 > 0, "the trace holds some IPv6");
}

#[test]
fn trace_stats_writes_the_results_schema() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate_trace(dir.path(), "t.pcap", 20_000, 3, &["--mbps", "1000"]);
    let json = dir.path().join("stats.json");
    let o = pktstream(&["trace-stats", trace.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["schema_version"], 1);
    for k in ["git_commit", "cpu_model", "cores", "kernel", "rustc", "date_utc", "machine_id"] {
        assert!(!v["provenance"][k].is_null(), "provenance.{k}");
    }
    assert_eq!(v["provenance"]["generator_version"], tracegen::GENERATOR_VERSION);
    assert_eq!(v["provenance"]["trace_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["packets"], 20_000);
    let mean = v["mean_wire_len"].as_f64().unwrap();
    assert!((700.0..900.0).contains(&mean), "mean wire size {mean}");
    let share = v["largest_flow_share"].as_f64().unwrap();
    assert!(share > 0.0 && share <= 0.015, "largest flow share {share}");
    let gbps = v["gbps"].as_f64().unwrap();
    assert!((gbps - 1.0).abs() < 0.01, "paced at 1000 Mb/s, measured {gbps} Gb/s");
    assert_eq!(v["unparsed"], 0);
    assert_eq!(v["link_types"]["ethernet"], 20_000);
}

/// Every bad input exits 2 with one line on stderr that names the file and the byte offset.
#[test]
fn bad_input_is_one_line_with_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("text.pcap");
    std::fs::write(&text, b"this is not a capture file at all\n").unwrap();
    let missing = dir.path().join("missing.pcap");
    for (path, offset) in [(&empty, "offset 0"), (&text, "offset 0"), (&missing, "")] {
        let o = pktstream(&["trace-stats", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", path.display());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(path.file_name().unwrap().to_str().unwrap()), "{err}");
        assert!(err.contains(offset), "{err}");
    }
    // Cut short inside the last record: every complete record, a warning, the offset.
    let trace = generate_trace(dir.path(), "t.pcap", 100, 1, &[]);
    let mut bytes = std::fs::read(&trace).unwrap();
    bytes.truncate(bytes.len() - 10);
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes).unwrap();
    let o = pktstream(&["trace-stats", cut.to_str().unwrap()]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("99 packets"), "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning"));
    let o = pktstream(&["trace-stats", "--strict", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}
