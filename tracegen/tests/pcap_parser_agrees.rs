//! Our reader and the `pcap-parser` crate make identical frames: the precondition of the
//! `capture_read` bench, which times the two. Checked on generated traces in both formats and
//! resolutions, and on the tcpdump test suite's pcapng captures (where `../shared/pcaps` is
//! there) that the crate reads.

#[path = "support/pcap_parser_read.rs"]
mod pcap_parser_read;

use std::path::PathBuf;

use tracegen::pcap::{CaptureFormat, CaptureMeta, ReadOptions, TsResolution, read_bytes};
use tracegen::{GenConfig, Profile, generate};
use wire::LinkType;

#[test]
fn generated_traces_read_alike_in_both_formats_and_resolutions() {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, 20_000, 3)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for format in CaptureFormat::ALL {
        for res in [TsResolution::Nano, TsResolution::Micro] {
            let path = dir.path().join(format!("t.{format}"));
            let meta = CaptureMeta::default();
            tracegen::pcap::write_capture(
                &path,
                &frames,
                LinkType::Ethernet,
                0,
                res,
                format,
                &meta,
            )
            .unwrap();
            let data = std::fs::read(&path).unwrap();
            let ours = read_bytes("t", &data, &ReadOptions { strict: true, ..Default::default() })
                .unwrap()
                .frames;
            let theirs = match format {
                CaptureFormat::Pcap => pcap_parser_read::read_pcap(&data),
                CaptureFormat::Pcapng => pcap_parser_read::read_pcapng(&data),
            }
            .expect("pcap-parser reads it");
            assert_eq!(ours.len(), frames.len());
            assert!(ours == theirs, "{format} {res:?}: the readers differ");
        }
    }
}

#[test]
fn tcpdump_pcapng_captures_read_alike() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps/tcpdump");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not found", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    let (mut same, mut refused) = (0, Vec::new());
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "pcapng")) {
        let data = std::fs::read(path).unwrap();
        let ours = read_bytes("t", &data, &ReadOptions::default()).unwrap().frames;
        match pcap_parser_read::read_pcapng(&data) {
            Some(theirs) => {
                assert!(ours == theirs, "{}: the readers differ", path.display());
                same += 1;
            }
            None => refused.push(path.file_name().unwrap().to_string_lossy().into_owned()),
        }
    }
    println!("pcap-parser: {same} tcpdump pcapng captures read alike; it refused {refused:?}");
    assert!(same > 30, "only {same} captures compared");
}
