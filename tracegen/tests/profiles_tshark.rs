//! Every profile's traces read by tshark: the expected number of frames, TCP, UDP and ICMP
//! packets; valid IPv4 header checksums; valid TCP and UDP checksums on full-payload traces;
//! and no malformed header (payloads are zeros, which application dissectors may call
//! malformed: those are not counted). A test prints "skipped: tshark not installed" and returns only where
//! tshark is missing (CI installs it).

use std::io;
use std::process::Command;

use tracegen::generator::FULL_PAYLOAD_SNAPLEN;
use tracegen::pcap::{TsResolution, write_file};
use tracegen::{GenConfig, Pacing, Profile, generate};
use wire::{LinkType, parse_frame};

/// tshark's fields for every frame, tab-separated; `None` where tshark is not installed.
fn tshark_fields(path: &std::path::Path, fields: &[&str]) -> Option<Vec<Vec<String>>> {
    let mut args: Vec<String> =
        ["-r", path.to_str().expect("utf-8 path"), "-n"].iter().map(|s| s.to_string()).collect();
    for proto in ["ip", "tcp", "udp"] {
        args.push("-o".into());
        args.push(format!("{proto}.check_checksum:TRUE"));
    }
    args.extend(["-T", "fields", "-E", "separator=\t"].map(String::from));
    for f in fields {
        args.push("-e".into());
        args.push((*f).into());
    }
    let out = match Command::new("tshark").args(&args).output() {
        Ok(o) => o,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            println!("skipped: tshark not installed");
            return None;
        }
        Err(e) => panic!("cannot run tshark: {e}"),
    };
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    Some(text.lines().map(|l| l.split('\t').map(String::from).collect()).collect())
}

const FIELDS: [&str; 6] = [
    "ip.checksum.status",
    "tcp.checksum.status",
    "udp.checksum.status",
    "frame.protocols",
    "_ws.malformed",
    "_ws.expert.severity",
];

fn check(profile: Profile, full_payload: bool) {
    let packets = 20_000;
    let mut cfg = GenConfig::new(profile, packets, 5);
    cfg.pacing = Pacing::Pps(100_000.0);
    if full_payload {
        cfg.snaplen = FULL_PAYLOAD_SNAPLEN;
    }
    let frames = generate(&cfg).expect("generate");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.pcap");
    write_file(&path, &frames, LinkType::Ethernet, cfg.snaplen, TsResolution::Nano).expect("write");
    let Some(rows) = tshark_fields(&path, &FIELDS) else { return };
    assert_eq!(rows.len(), packets as usize, "{profile}: frames");
    let (mut ours_tcp, mut ours_udp, mut ours_icmp) = (0, 0, 0);
    for (i, f) in frames.iter().enumerate() {
        match parse_frame(&f, i as u32).expect("parses").proto {
            6 => ours_tcp += 1,
            17 => ours_udp += 1,
            _ => ours_icmp += 1,
        }
    }
    let (mut tcp, mut udp, mut icmp) = (0, 0, 0);
    for (i, r) in rows.iter().enumerate() {
        let get = |k: usize| r.get(k).map_or("", |s| s.as_str());
        // Status 1 is "good", 0 "bad", 2 "unverified" (a checksum over bytes not captured).
        assert_ne!(get(0), "0", "{profile}: frame {} has a bad IPv4 header checksum", i + 1);
        if full_payload {
            assert_ne!(get(1), "0", "{profile}: frame {}: bad TCP checksum", i + 1);
            assert_ne!(get(2), "0", "{profile}: frame {}: bad UDP checksum", i + 1);
            assert!(get(1) != "2" && get(2) != "2", "{profile}: frame {} unverified", i + 1);
        }
        // Payload bytes are zeros; application dissectors (MySQL, TLS, ...) may call that
        // malformed, which says nothing of the headers we build. Headers and DNS must be sound.
        let ours = ["Ethernet", "802.1Q", "IPv4", "IPv6", "TCP", "UDP", "ICMP", "DNS"];
        let bad_header = get(4)
            .split(',')
            .filter_map(|m| m.strip_prefix("[Malformed Packet: "))
            .any(|m| ours.iter().any(|o| m.starts_with(o)));
        assert!(!bad_header, "{profile}: frame {} malformed: {}", i + 1, get(4));
        let protos = get(3);
        if protos.contains(":tcp") {
            tcp += 1;
        } else if protos.contains(":udp") {
            udp += 1;
        } else if protos.contains(":icmp") {
            icmp += 1;
        }
    }
    assert_eq!((tcp, udp, icmp), (ours_tcp, ours_udp, ours_icmp), "{profile}: protocol counts");
    println!(
        "{profile} (full payload {full_payload}): {tcp} tcp, {udp} udp, {icmp} icmp: all good"
    );
}

#[test]
fn every_profile_header_only_is_read_by_tshark() {
    for (_, p) in Profile::ALL {
        check(p, false);
    }
}

#[test]
fn every_profile_full_payload_has_valid_checksums() {
    for (_, p) in Profile::ALL {
        check(p, true);
    }
}
