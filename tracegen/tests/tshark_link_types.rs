//! The reader and the parser against tshark on every link type the parser reads, where the
//! tcpdump captures of `tshark_oracle.rs` have none of some (Linux cooked v2, OpenBSD
//! loopback): one pcapng capture built here, in two sections (little-endian, then big-endian)
//! of one interface per supported link type, each interface at its own timestamp resolution
//! (10^-6, 10^-9, 2^-20, 10^-3 s) and some with a snaplen that cuts frames. tshark must read
//! every frame on the same interface with the same timestamp, lengths, IP version, addresses,
//! protocol and ports as the reader and the parser do. A report per (link type, IP version) is
//! printed.
//!
//! Prints "skipped: tshark not installed" and returns where tshark is missing (CI installs it).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Command;

use tracegen::pcap::{CaptureFormat, ReadOptions, read_file};
use wire::build::{PacketSpec, Transport};
use wire::{LinkType, parse_frame};

const LINKS: [LinkType; 8] = LinkType::SUPPORTED;

/// `if_tsresol` values, by interface.
const TSRESOL: [u8; 4] = [6, 9, 0x80 | 20, 3];

/// A pcapng stream under construction, in one section's byte order at a time.
#[derive(Default)]
struct Blocks {
    bytes: Vec<u8>,
    big: bool,
}

impl Blocks {
    fn u16b(&self, v: u16) -> [u8; 2] {
        if self.big { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    fn u32b(&self, v: u32) -> [u8; 4] {
        if self.big { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    fn block(&mut self, block_type: u32, mut body: Vec<u8>) {
        body.resize(body.len().div_ceil(4) * 4, 0);
        let total = self.u32b(12 + body.len() as u32);
        self.bytes.extend_from_slice(&self.u32b(block_type));
        self.bytes.extend_from_slice(&total);
        self.bytes.extend_from_slice(&body);
        self.bytes.extend_from_slice(&total);
    }

    fn section(&mut self, big: bool) {
        self.big = big;
        let mut b = self.u32b(0x1a2b_3c4d).to_vec();
        b.extend_from_slice(&self.u16b(1));
        b.extend_from_slice(&self.u16b(0));
        b.extend_from_slice(&[0xff; 8]);
        self.block(0x0a0d_0d0a, b);
    }

    fn interface(&mut self, link: LinkType, snaplen: u32, tsresol: u8) {
        let mut b = self.u16b(link.to_linktype() as u16).to_vec();
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&self.u32b(snaplen));
        b.extend_from_slice(&self.u16b(9));
        b.extend_from_slice(&self.u16b(1));
        b.extend_from_slice(&[tsresol, 0, 0, 0, 0, 0, 0, 0]);
        self.block(1, b);
    }

    fn packet(&mut self, interface: u32, units: u64, wire_len: u32, data: &[u8]) {
        let mut b = self.u32b(interface).to_vec();
        b.extend_from_slice(&self.u32b((units >> 32) as u32));
        b.extend_from_slice(&self.u32b(units as u32));
        b.extend_from_slice(&self.u32b(data.len() as u32));
        b.extend_from_slice(&self.u32b(wire_len));
        b.extend_from_slice(data);
        self.block(6, b);
    }
}

/// The link-layer header for an IP packet of `link` (nothing for Ethernet, which the builder
/// writes, and raw IP); the BSD loopback family goes in the section's byte order, as a writer
/// on a host of that order would put it.
fn link_header(link: LinkType, v6: bool, big: bool) -> Vec<u8> {
    let ethertype: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
    let family: u32 = if v6 { 24 } else { 2 };
    match link {
        LinkType::BsdLoopback if big => family.to_be_bytes().to_vec(),
        LinkType::BsdLoopback => family.to_le_bytes().to_vec(),
        LinkType::OpenBsdLoopback => family.to_be_bytes().to_vec(),
        // Packet type 0 (to us), ARPHRD_ETHER, 6-byte address padded to 8, protocol.
        LinkType::LinuxSll => {
            [&[0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 9, 0, 0][..], &ethertype].concat()
        }
        // Protocol, reserved, interface index 3, ARPHRD_ETHER, packet type 4 (outgoing),
        // address length 6, address padded to 8.
        LinkType::LinuxSll2 => {
            [&ethertype[..], &[0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 9, 0, 0]].concat()
        }
        _ => Vec::new(),
    }
}

/// Builds the capture; returns it with each frame's interface id (within its section) and link.
fn build() -> (Vec<u8>, Vec<(u32, LinkType)>) {
    let mut f = Blocks::default();
    let mut frames = Vec::new();
    for (s, big) in [false, true].into_iter().enumerate() {
        f.section(big);
        for (i, &link) in LINKS.iter().enumerate() {
            let snaplen = if i % 3 == 1 { 64 } else { 0 };
            f.interface(link, snaplen, TSRESOL[(i + s) % TSRESOL.len()]);
        }
        for (i, &link) in LINKS.iter().enumerate() {
            let snaplen = if i % 3 == 1 { 64 } else { usize::MAX };
            for (k, v6) in [false, true, false].into_iter().enumerate() {
                if (link == LinkType::RawIpv4 && v6) || (link == LinkType::RawIpv6 && !v6) {
                    continue;
                }
                let n = (s * 100 + i * 10 + k) as u16;
                let (src, dst) = if v6 {
                    (
                        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, n)),
                        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, n)),
                    )
                } else {
                    (
                        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n as u8)),
                        IpAddr::V4(Ipv4Addr::new(10, 9, s as u8, i as u8)),
                    )
                };
                let transport = if k == 1 {
                    Transport::Udp { sport: 5000 + n, dport: 53 }
                } else {
                    let (seq, ack, flags, window) = (1, 2, 0x10, 9);
                    Transport::Tcp { sport: 40_000 + n, dport: 443, seq, ack, flags, window }
                };
                let spec = PacketSpec {
                    link: if link == LinkType::Ethernet { link } else { LinkType::RawIp },
                    src,
                    dst,
                    transport,
                    payload_len: 30 + 200 * k,
                    ..PacketSpec::default()
                };
                let mut data = link_header(link, v6, big);
                let header_len = data.len() as u32;
                let wire_len = spec.write(&mut data, usize::MAX) + header_len;
                data.truncate(snaplen);
                // Timestamps in units of the interface's resolution, with odd low digits.
                let units = 1_700_000_000_000 + u64::from(n) * 7_777 + 1;
                f.packet(i as u32, units, wire_len, &data);
                frames.push((i as u32, link));
            }
        }
    }
    (f.bytes, frames)
}

/// A frame in the oracle's terms: interface id, timestamp (ns), wire length, captured length,
/// IP version, source, destination, protocol, source and destination ports.
type Row = [String; 10];

/// `seconds.fraction` as tshark prints `frame.time_epoch`, in nanoseconds.
fn epoch_ns(s: &str) -> String {
    let (sec, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<9}");
    (sec.parse::<u64>().unwrap() * 1_000_000_000 + frac.parse::<u64>().unwrap()).to_string()
}

/// tshark's line (the fields of `tshark_args`) as a row.
fn tshark_row(line: &str) -> Row {
    let c: Vec<&str> = line.split('\t').collect();
    assert_eq!(c.len(), 14, "tshark line: {line}");
    let pick = |a: &str, b: &str| if a.is_empty() { b.to_string() } else { a.to_string() };
    let ip = if !c[4].is_empty() {
        "4"
    } else if !c[5].is_empty() {
        "6"
    } else {
        "-"
    };
    [
        c[0].into(),
        epoch_ns(c[1]),
        c[2].into(),
        c[3].into(),
        ip.into(),
        pick(c[4], c[5]),
        pick(c[6], c[7]),
        pick(c[8], c[9]),
        pick(c[10], c[11]),
        pick(c[12], c[13]),
    ]
}

const TSHARK_FIELDS: [&str; 14] = [
    "frame.interface_id",
    "frame.time_epoch",
    "frame.len",
    "frame.cap_len",
    "ip.src",
    "ipv6.src",
    "ip.dst",
    "ipv6.dst",
    "ip.proto",
    "ipv6.nxt",
    "tcp.srcport",
    "udp.srcport",
    "tcp.dstport",
    "udp.dstport",
];

#[test]
fn every_supported_link_type_in_pcapng_agrees_with_tshark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("links.pcapng");
    let (bytes, built) = build();
    std::fs::write(&path, bytes).unwrap();
    let cap = read_file(&path, &ReadOptions { strict: true, ..Default::default() }).unwrap();
    assert_eq!(cap.info.format, CaptureFormat::Pcapng);
    assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
    assert_eq!(cap.frames.len(), built.len());
    let mut args = vec!["-n", "-r", path.to_str().unwrap(), "-T", "fields"];
    args.extend(["-E", "separator=/t", "-E", "occurrence=f"]);
    for f in TSHARK_FIELDS {
        args.extend(["-e", f]);
    }
    let out = match Command::new("tshark").args(&args).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(std::env::var_os("CI").is_none(), "CI must install tshark (.ci/run does)");
            println!("skipped: tshark not installed");
            return;
        }
        Err(e) => panic!("cannot run tshark: {e}"),
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let theirs: Vec<Row> = text.lines().map(tshark_row).collect();
    assert_eq!(theirs.len(), built.len(), "{text}");
    let mut per_class: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, ((frame, &(interface, link)), theirs)) in
        cap.frames.iter().zip(&built).zip(&theirs).enumerate()
    {
        assert_eq!(frame.link, link, "frame {i}: link type");
        let r = parse_frame(&frame, i as u32)
            .unwrap_or_else(|e| panic!("frame {i} ({}): unparsed {e:?}", link.name()));
        let ours: Row = [
            interface.to_string(),
            frame.ts_ns.to_string(),
            frame.wire_len.to_string(),
            frame.bytes.len().to_string(),
            r.ip_version().to_string(),
            r.src_ip().to_string(),
            r.dst_ip().to_string(),
            r.proto.to_string(),
            r.sport.to_string(),
            r.dport.to_string(),
        ];
        if &ours != theirs {
            failures.push(format!("frame {i} ({}): ours {ours:?}, tshark {theirs:?}", link.name()));
        }
        *per_class.entry((link.name(), theirs[4].clone())).or_default() += 1;
    }
    println!("tshark, generated pcapng: {} frames compared", theirs.len());
    for ((link, ip), n) in &per_class {
        println!("  {link:<16} ip {ip}: {n} frames compared");
    }
    for link in LINKS {
        assert!(per_class.keys().any(|(l, _)| *l == link.name()), "{} not compared", link.name());
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}
