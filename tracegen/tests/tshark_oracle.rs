//! The parser against tshark: every frame of `../shared/pcaps/tshark_oracle.tsv` (tshark 4.0.17,
//! IP defragmentation and TCP reassembly off) must agree on every field (wire length, captured
//! length, IP version, source, destination, protocol, ports), except rows listed in
//! `tshark_known_differences.tsv` with their reason. Captures are read in both formats (classic
//! pcap and pcapng); frames outside the encapsulations the parser reads (MPLS, PPPoE, ...) are
//! skipped and counted by reason. A report per field and per (link type, IP version) is
//! printed, and every link type the parser reads must have been compared.
//!
//! `PKTSTREAM_ORACLE_PRINT=1` prints every disagreeing row in the known-differences format.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use tracegen::pcap::{ReadOptions, read_file};
use wire::{LinkType, PacketRecord, Unparsed, parse_frame};

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/pcaps");
    p.is_dir().then_some(p)
}

/// One oracle row.
struct Row {
    file: String,
    frame: usize,
    fields: [String; 8], // wire_len cap_len ip src dst proto sport dport
}

const FIELDS: [&str; 8] = ["wire_len", "cap_len", "ip", "src", "dst", "proto", "sport", "dport"];

/// Our view of a frame in the oracle's terms.
fn ours(
    wire_len: u32,
    cap_len: usize,
    r: &Result<PacketRecord, Unparsed>,
    theirs: &[String; 8],
) -> [String; 8] {
    let mut f: [String; 8] = Default::default();
    f[0] = wire_len.to_string();
    f[1] = cap_len.to_string();
    match r {
        Err(_) => {
            f[2] = "-".into();
        }
        Ok(r) => {
            f[2] = r.ip_version().to_string();
            f[3] = r.src_ip().to_string();
            f[4] = r.dst_ip().to_string();
            // The oracle's protocol column for IPv6 names the transport only when it is TCP or
            // UDP (pcaps/README.md); ours always does.
            let tcp_udp_v6 = r.ip_version() == 6 && !(r.proto == 6 || r.proto == 17);
            f[5] = if tcp_udp_v6 { String::new() } else { r.proto.to_string() };
            // tshark leaves ports empty where it has none; ours are 0 there.
            let tcp_udp = r.proto == 6 || r.proto == 17;
            for (i, p) in [(6, r.sport), (7, r.dport)] {
                f[i] = if tcp_udp && !(p == 0 && theirs[i].is_empty()) {
                    p.to_string()
                } else {
                    String::new()
                };
            }
        }
    }
    f
}

/// Why a frame with an IP header (per tshark) is outside what the parser reads, if it is.
fn unsupported_encapsulation(link: LinkType, bytes: &[u8], reason: Unparsed) -> Option<String> {
    if !link.is_supported() {
        return Some(format!("link type {}", link.name()));
    }
    if reason != Unparsed::NonIp {
        return None;
    }
    // The ethertype (or protocol) the link layer ended with, after any VLAN tags.
    let proto = match link {
        LinkType::Ethernet => {
            let mut off = 12;
            let mut et = 0u16;
            while let Some(b) = bytes.get(off..off + 2) {
                et = u16::from_be_bytes([b[0], b[1]]);
                if matches!(et, 0x8100 | 0x88a8 | 0x9100) {
                    off += 4;
                } else {
                    break;
                }
            }
            let name = match et {
                0x8847 | 0x8848 => " (MPLS)",
                0x8863 | 0x8864 => " (PPPoE)",
                0x88e5 => " (MACsec)",
                0x894f => " (NSH)",
                0xd28b => " (Arista timestamp trailer)",
                _ => "",
            };
            if et < 0x0600 {
                "802.3 length field (LLC)".to_string()
            } else {
                format!("ethertype 0x{et:04x}{name}")
            }
        }
        LinkType::LinuxSll => bytes
            .get(14..16)
            .map_or("short".into(), |b| format!("sll protocol 0x{:02x}{:02x}", b[0], b[1])),
        LinkType::LinuxSll2 => bytes
            .get(0..2)
            .map_or("short".into(), |b| format!("sll2 protocol 0x{:02x}{:02x}", b[0], b[1])),
        other => format!("{} family", other.name()),
    };
    Some(proto)
}

#[test]
fn parser_agrees_with_tshark() {
    let Some(dir) = shared() else {
        eprintln!("skipping: ../shared/pcaps not found");
        return;
    };
    let text = std::fs::read_to_string(dir.join("tshark_oracle.tsv")).unwrap();
    let mut rows: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        assert!(c.len() >= 10, "oracle row: {line}");
        let fields: [String; 8] = std::array::from_fn(|i| c[2 + i].to_string());
        rows.entry(c[0].to_string()).or_default().push(Row {
            file: c[0].into(),
            frame: c[1].parse().unwrap(),
            fields,
        });
    }
    let known_text = include_str!("tshark_known_differences.tsv");
    let mut known: BTreeMap<(String, usize), String> = BTreeMap::new();
    for line in known_text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let c: Vec<&str> = line.splitn(3, '\t').collect();
        assert_eq!(c.len(), 3, "known difference row needs file, frame, reason: {line}");
        known.insert((c[0].into(), c[1].parse().unwrap()), c[2].into());
    }
    let print = std::env::var_os("PKTSTREAM_ORACLE_PRINT").is_some();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut field_agree = [0usize; 8];
    let mut per_class: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    // Oracle frames in readable captures, by capture format.
    let mut compared_by_format: BTreeMap<&str, usize> = BTreeMap::new();
    // Link types the parser reads of the frames the oracle lists.
    let mut oracle_links: BTreeSet<String> = BTreeSet::new();
    let (mut compared, mut known_hit) = (0usize, BTreeSet::new());
    let mut failures = Vec::new();
    for (file, frames) in &rows {
        let cap = match read_file(&dir.join(file), &ReadOptions::default()) {
            Ok(c) => c,
            Err(e) => {
                *skipped.entry(format!("capture not readable: {e}")).or_default() += frames.len();
                continue;
            }
        };
        *compared_by_format.entry(cap.info.format.name()).or_default() += frames.len();
        for row in frames {
            if let Some(f) = cap.frames.get(row.frame - 1)
                && f.link.is_supported()
            {
                oracle_links.insert(f.link.name());
            }
            let Some(frame) = cap.frames.get(row.frame - 1) else {
                failures.push(format!(
                    "{file} frame {}: the reader has only {} frames",
                    row.frame,
                    cap.frames.len()
                ));
                continue;
            };
            let parsed = parse_frame(&frame, row.frame as u32);
            if let (Err(reason), true) = (&parsed, row.fields[2] != "-")
                && let Some(why) = unsupported_encapsulation(frame.link, frame.bytes, *reason)
            {
                *skipped.entry(why).or_default() += 1;
                continue;
            }
            compared += 1;
            let mine = ours(frame.wire_len, frame.bytes.len(), &parsed, &row.fields);
            let agree: Vec<bool> = (0..8).map(|i| mine[i] == row.fields[i]).collect();
            for (i, a) in agree.iter().enumerate() {
                field_agree[i] += usize::from(*a);
            }
            let class = per_class.entry((frame.link.name(), row.fields[2].clone())).or_default();
            class.0 += 1;
            let all = agree.iter().all(|a| *a);
            class.1 += usize::from(all);
            let key = (row.file.clone(), row.frame);
            match (all, known.get(&key)) {
                (true, Some(_)) => failures.push(format!(
                    "{file} frame {}: listed as a known difference but agrees now",
                    row.frame
                )),
                (false, Some(_)) => {
                    known_hit.insert(key);
                }
                (false, None) => {
                    let diffs: Vec<String> = (0..8)
                        .filter(|&i| !agree[i])
                        .map(|i| {
                            format!("{}: tshark '{}' ours '{}'", FIELDS[i], row.fields[i], mine[i])
                        })
                        .collect();
                    if print {
                        println!("{file}\t{}\t{}", row.frame, diffs.join("; "));
                    }
                    failures.push(format!(
                        "{file} frame {}: {} ({parsed:?})",
                        row.frame,
                        diffs.join("; ")
                    ));
                }
                (true, None) => {}
            }
        }
    }
    for k in known.keys().filter(|k| !known_hit.contains(*k)) {
        if !failures.iter().any(|f| f.starts_with(&format!("{} frame {}:", k.0, k.1))) {
            failures.push(format!(
                "{} frame {}: listed as a known difference but not compared",
                k.0, k.1
            ));
        }
    }
    eprintln!("tshark oracle: {compared} frames compared, {} known differences", known_hit.len());
    for (i, f) in FIELDS.iter().enumerate() {
        eprintln!("  {f:<9} {:>6} of {compared} agree", field_agree[i]);
    }
    for ((link, ip), (n, ok)) in &per_class {
        eprintln!("  {link:<16} ip {ip}: {ok} of {n} frames agree on every field");
    }
    for (format, n) in &compared_by_format {
        eprintln!("  {format:<8} captures: {n} oracle frames read");
    }
    let total_skipped: usize = skipped.values().sum();
    eprintln!("  skipped {total_skipped} frames:");
    for (why, n) in &skipped {
        eprintln!("    {n:>6}  {why}");
    }
    assert!(compared > 5000, "only {compared} frames compared");
    assert!(
        compared_by_format.get("pcapng").is_some_and(|&n| n > 0),
        "no pcapng capture read: {compared_by_format:?}"
    );
    // Every link type the parser reads that the oracle has frames of was compared.
    let compared_links: BTreeSet<&str> = per_class.keys().map(|(l, _)| l.as_str()).collect();
    let missing: Vec<&String> =
        oracle_links.iter().filter(|l| !compared_links.contains(l.as_str())).collect();
    assert!(missing.is_empty(), "supported link types with no frame compared: {missing:?}");
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}
