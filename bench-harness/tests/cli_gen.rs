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

fn sum_u64(v: &serde_json::Value, list: &str, field: &str) -> u64 {
    v[list].as_array().unwrap().iter().map(|b| b[field].as_u64().unwrap()).sum()
}

/// The distribution figures of `trace-stats` on a generated trace: present in the JSON, adding
/// up, and in plausible ranges; the generator sidecar copied when there is one.
#[test]
fn trace_stats_reports_distributions_and_the_generator_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    // 20 000 packets of about 800 B at 100 Mb/s span about 1.3 s: two or three windows.
    let trace = generate_trace(dir.path(), "t.pcap", 20_000, 5, &["--mbps", "100"]);
    let sidecar = dir.path().join("t.pcap.gen.json");
    let _ = std::fs::remove_file(&sidecar);
    let json = dir.path().join("stats.json");
    let args = ["trace-stats", trace.to_str().unwrap(), "--json", json.to_str().unwrap()];
    let o = pktstream(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    for line in ["wire sizes:", "flows:", "connections:", "protocols:", "top talkers:", "windows:"]
    {
        assert!(stdout.contains(line), "summary lacks {line:?}: {stdout}");
    }
    assert!(!stdout.contains("generator version"), "{stdout}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let (packets, flows) = (v["packets"].as_u64().unwrap(), v["flows"].as_u64().unwrap());
    let parsed = packets - v["unparsed"].as_u64().unwrap();

    let bins = v["size_histogram"].as_array().unwrap();
    assert_eq!(bins.len(), 8);
    assert_eq!(sum_u64(&v, "size_histogram", "count"), packets, "histogram counts sum to packets");
    let shares: f64 = bins.iter().map(|b| b["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-9, "histogram shares sum to {shares}");
    let w: Vec<u64> =
        ["p10", "p50", "p90", "p99"].map(|p| v["wire_len"][p].as_u64().unwrap()).into();
    assert!(w[0] >= 60 && w.windows(2).all(|p| p[0] <= p[1]), "wire-length percentiles {w:?}");

    let f = &v["flow_lengths"];
    assert_eq!(f["count"], flows);
    let mean = f["mean_packets"].as_f64().unwrap();
    assert!((mean * flows as f64 - parsed as f64).abs() < 1e-6 * parsed as f64, "mean {mean}");
    let c = &v["connection_lengths"];
    let connections = c["count"].as_u64().unwrap();
    assert!(connections <= flows && 2 * connections >= flows, "{connections} of {flows}");
    for d in [f, c] {
        let p: Vec<u64> = ["p50", "p90", "p99", "max"].map(|k| d[k].as_u64().unwrap()).into();
        assert!(p[0] >= 1 && p.windows(2).all(|x| x[0] <= x[1]), "flow-length percentiles {p:?}");
        let single = d["single_packet_share"].as_f64().unwrap();
        let short = d["at_most_10_share"].as_f64().unwrap();
        assert!((0.0..=short).contains(&single) && short <= 1.0, "{single} {short}");
    }
    assert_eq!(f["max"], v["largest_flows"][0]["packets"]);
    let zipf = v["zipf_slope"].as_f64().unwrap();
    assert!(zipf < 0.0 && zipf > -5.0, "zipf slope {zipf}");

    for list in ["top_talkers", "largest_flows"] {
        let l = v[list].as_array().unwrap();
        assert_eq!(l.len(), 10, "{list}");
        let p: Vec<u64> = l.iter().map(|e| e["packets"].as_u64().unwrap()).collect();
        assert!(p.windows(2).all(|x| x[0] >= x[1]), "{list} by packets: {p:?}");
        assert!(l.iter().all(|e| e["share"].as_f64().unwrap() > 0.0));
    }
    assert_eq!(v["largest_flows"][0]["share"], v["largest_flow_share"]);
    let first = v["largest_flows"][0]["flow"].as_str().unwrap();
    assert!(first.contains('>') && first.contains('/') && first.contains(':'), "{first}");
    let top = &v["top_talkers"][0];
    assert!(top["bytes"].as_u64().unwrap() >= 60 * top["packets"].as_u64().unwrap());

    let p = &v["protocols"];
    let s = |k: &str| p[k].as_f64().unwrap();
    assert!((s("ipv4_share") + s("ipv6_share") - 1.0).abs() < 1e-9);
    let transports = s("tcp_share") + s("udp_share") + s("icmp_share") + s("other_share");
    assert!((transports - 1.0).abs() < 1e-9 && s("ipv6_share") > 0.0 && s("tcp_share") > 0.5);
    for k in ["syn_only", "syn_ack", "fin", "rst"] {
        assert!(v["tcp_flags"][k].as_u64().unwrap() <= parsed, "tcp_flags.{k}");
    }

    let win = &v["windows"];
    assert_eq!(win["window_ns"], 1_000_000_000u64);
    let count = win["count"].as_u64().unwrap();
    let duration = v["duration_s"].as_f64().unwrap();
    assert!(count >= 1 && count as f64 <= duration + 2.0, "{count} windows over {duration} s");
    for k in ["max_fan_out", "max_fan_in"] {
        let m = &win[k];
        assert!(m["count"].as_u64().unwrap() >= 1 && !m["host"].as_str().unwrap().is_empty());
        assert_eq!(m["window_start_ns"].as_u64().unwrap() % 1_000_000_000, 0, "{k}");
    }
    assert!(v["generator"].is_null());

    // A sidecar beside the capture is copied whole; a broken one is a warning.
    let gen_json = serde_json::json!({"generator_version": 7, "profile": "caida-like", "seed": 5});
    std::fs::write(&sidecar, gen_json.to_string()).unwrap();
    let o = pktstream(&args);
    assert!(String::from_utf8_lossy(&o.stdout).contains("generator version 7"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["generator"], gen_json);
    std::fs::write(&sidecar, "{}").unwrap();
    let o = pktstream(&args);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning"));
}
