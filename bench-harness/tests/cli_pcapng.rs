//! `pktstream trace-stats` reads pcapng: the same generated trace written as pcap and as pcapng
//! gives the same statistics, and a pcapng file cut short or damaged is reported as a pcap file
//! is (a warning, or with `--strict` or for a bad block, one line and exit status 2).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn gen_trace(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let args = ["gen", "--profile", "caida-like", "--packets", "5000", "--seed", "11", "--out"];
    let o = pktstream(&[&args[..], &[out.to_str().unwrap()]].concat());
    assert!(o.status.success(), "gen failed: {}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The statistics `trace-stats --json` writes, less what names the file (provenance, config,
/// generator sidecar).
fn stats(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let json = path.with_extension("stats.json");
    let o = pktstream(&["trace-stats", path.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty(), "warnings: {}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let mut m = v.as_object().unwrap().clone();
    for k in ["provenance", "config", "generator"] {
        m.remove(k);
    }
    m
}

#[test]
fn trace_stats_reads_pcapng_like_pcap() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = gen_trace(dir.path(), "t.pcap");
    let pcapng = gen_trace(dir.path(), "t.pcapng");
    assert_eq!(&std::fs::read(&pcapng).unwrap()[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
    let (a, b) = (stats(&pcap), stats(&pcapng));
    assert_eq!(a["packets"], 5000);
    assert!(a.len() > 10, "{a:?}");
    assert_eq!(a, b, "pcap and pcapng statistics differ");
}

#[test]
fn cut_or_damaged_pcapng_is_reported_like_pcap() {
    let dir = tempfile::tempdir().unwrap();
    let trace = gen_trace(dir.path(), "t.pcapng");
    let mut bytes = std::fs::read(&trace).unwrap();
    bytes.truncate(bytes.len() - 10);
    let cut = dir.path().join("cut.pcapng");
    std::fs::write(&cut, &bytes).unwrap();
    let o = pktstream(&["trace-stats", cut.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4999 packets"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning"));
    let o = pktstream(&["trace-stats", "--strict", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // The last block's trailing length changed: an error naming the file and the offset.
    let mut bytes = std::fs::read(&trace).unwrap();
    let n = bytes.len();
    bytes[n - 4] ^= 0x40;
    let bad = dir.path().join("bad.pcapng");
    std::fs::write(&bad, &bytes).unwrap();
    let o = pktstream(&["trace-stats", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains("bad.pcapng") && err.contains("byte offset"), "{err}");
    assert!(err.contains("trailing total length"), "{err}");
}
