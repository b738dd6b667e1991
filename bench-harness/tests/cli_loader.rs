//! `--loader` end to end: every loader reads the same statistics and says so in the results;
//! a loader that cannot work falls back to `read` with one line on stderr; an unknown name
//! lists the valid ones.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

fn generate(dir: &Path) -> String {
    let out = dir.join("t.pcap").to_string_lossy().into_owned();
    let o = pktstream(&["gen", "--profile", "caida-like", "--packets", "20000", "--out", &out]);
    assert!(o.status.success(), "gen failed: {}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn every_loader_gives_the_same_statistics_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate(dir.path());
    let mut summaries = Vec::new();
    for loader in ["io_uring", "mmap", "read"] {
        let json = dir.path().join(format!("{loader}.json")).to_string_lossy().into_owned();
        let o = pktstream(&["trace-stats", &trace, "--loader", loader, "--json", &json]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{loader}: {err}");
        assert!(!err.contains("unavailable"), "{loader} fell back: {err}");
        summaries.push(String::from_utf8_lossy(&o.stdout).into_owned());
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(v["config"]["loader"], loader);
        assert!(v["config"].get("loader_fallback_reason").is_none());
    }
    assert!(summaries.windows(2).all(|w| w[0] == w[1]), "{summaries:#?}");
}

#[test]
fn a_loader_that_cannot_read_a_fifo_falls_back_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let trace = generate(dir.path());
    let bytes = std::fs::read(&trace).unwrap();
    let fifo = dir.path().join("fifo.pcap");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo touches no memory of ours.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let fifo_s = fifo.to_string_lossy().into_owned();
    for loader in ["io_uring", "mmap"] {
        let writer = {
            let (fifo, bytes) = (fifo.clone(), bytes.clone());
            std::thread::spawn(move || {
                let mut f = std::fs::File::options().write(true).open(fifo).unwrap();
                f.write_all(&bytes).unwrap();
            })
        };
        let o = pktstream(&["trace-stats", &fifo_s, "--loader", loader]);
        writer.join().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{loader}: {err}");
        let want = format!(
            "pktstream: {fifo_s}: loader {loader} unavailable (not a regular file); reading with read"
        );
        assert_eq!(err.lines().filter(|l| l.contains("unavailable")).collect::<Vec<_>>(), [want]);
        assert!(String::from_utf8_lossy(&o.stdout).contains("20000"), "{loader}");
    }
}

#[test]
fn an_unknown_loader_lists_the_valid_ones() {
    for cmd in [
        &["trace-stats", "x.pcap", "--loader", "uring"][..],
        &["run", "--app", "flow-counter", "--trace", "x.pcap", "--topology", "rtc"][..],
    ] {
        let mut args = cmd.to_vec();
        if cmd[0] == "run" {
            args.extend(["--workers", "1", "--loader", "uring"]);
        }
        let o = pktstream(&args);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("expected one of io_uring, mmap, read"), "{err}");
    }
}
