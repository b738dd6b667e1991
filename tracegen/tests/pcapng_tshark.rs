//! pcapng files written by [`write_capture`], read back by Wireshark's tools.
//!
//! `capinfos` must call them pcapng and report the packet count, link type, snaplen, timestamp
//! precision, and the section header's application and comment; `tshark` must read every
//! frame with the timestamp (to the file's resolution), the wire length and the captured length
//! it was written with, and, converted by `tshark` to classic pcap, give back the same bytes.
//!
//! A test prints "skipped: tshark not installed" (or capinfos) and returns only where the
//! binary is missing; a tool that is there but fails is a failure.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::{Command, Output};

use tracegen::pcap::{
    CaptureFormat, CaptureMeta, DEFAULT_SNAPLEN, ReadOptions, TsResolution, read_file,
    write_capture,
};
use wire::build::{PacketSpec, Transport};
use wire::{FrameBuffer, LinkType};

/// Runs `tool args`; `None`, with the note printed, where the tool is not installed.
fn run(tool: &str, args: &[&str]) -> Option<Output> {
    match Command::new(tool).args(args).output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            println!("skipped: {tool} not installed");
            None
        }
        Err(e) => panic!("cannot run {tool}: {e}"),
    }
}

/// Runs `tool args` and returns its standard output, failing the test where the tool fails;
/// `None` where it is not installed.
fn stdout_of(tool: &str, args: &[&str]) -> Option<String> {
    let out = run(tool, args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // tshark warns about running as root; anything else on stderr is a complaint about the file.
    let complaints: Vec<&str> = stderr.lines().filter(|l| !l.contains("Running as user")).collect();
    assert!(
        out.status.success() && complaints.is_empty(),
        "{tool} {args:?} failed ({}):\n{stderr}",
        out.status
    );
    Some(String::from_utf8(out.stdout).expect("tool output is UTF-8"))
}

const TS0: u64 = 1_700_000_000_123_456_789;

fn tcp(sport: u16, dport: u16) -> Transport {
    Transport::Tcp { sport, dport, seq: 1, ack: 2, flags: 0x18, window: 512 }
}

/// A few valid frames of `link` (Ethernet or raw IP): TCP and UDP over IPv4 and IPv6, one with a
/// VLAN tag (Ethernet only), captured lengths not multiples of 4, some cut to `snaplen`, and
/// timestamps with every sub-second digit set, one on a whole second.
fn frames(link: LinkType, snaplen: usize) -> FrameBuffer {
    let v4 =
        |a, b| (IpAddr::V4(Ipv4Addr::new(10, 0, a, b)), IpAddr::V4(Ipv4Addr::new(10, 1, b, a)));
    let v6 = |a: u16| {
        (
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, a)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, a + 1)),
        )
    };
    let vlan = if link == LinkType::Ethernet { vec![42] } else { vec![] };
    let specs = [
        (v4(0, 1), vec![], tcp(40_000, 443), 100),
        (v4(0, 2), vec![], Transport::Udp { sport: 31_000, dport: 31_001 }, 1),
        (v6(3), vec![], tcp(443, 40_001), 1400),
        (v6(5), vlan, Transport::Udp { sport: 31_002, dport: 31_003 }, 3),
        (v4(7, 9), vec![], Transport::Icmp { ty: 8, code: 0, rest: 0x0001_0002 }, 37),
        (v6(9), vec![], tcp(1, 2), 0),
    ];
    let ts = [TS0, TS0 + 1, TS0 + 999, TS0 + 1_000_000_001, 1_700_000_005_000_000_000, TS0 + 7];
    let mut b = FrameBuffer::new();
    for (((src, dst), vlans, transport, payload_len), ts) in specs.into_iter().zip(ts) {
        let spec = PacketSpec {
            link,
            vlans,
            src,
            dst,
            ttl: 64,
            ip_id: 1,
            transport,
            payload_len,
            payload: b"pktstream".to_vec(),
        };
        let mut bytes = Vec::new();
        let wire_len = spec.write(&mut bytes, snaplen);
        b.push(&bytes, ts, wire_len, link);
    }
    b
}

struct Case {
    name: &'static str,
    link: LinkType,
    snaplen: u32,
    resolution: TsResolution,
    meta: CaptureMeta,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "ns.pcapng",
            link: LinkType::Ethernet,
            snaplen: DEFAULT_SNAPLEN,
            resolution: TsResolution::Nano,
            meta: CaptureMeta {
                application: "pktstream pcapng test".into(),
                comment: Some("six frames, nanoseconds".into()),
            },
        },
        Case {
            name: "us.pcapng",
            link: LinkType::RawIp,
            snaplen: 64,
            resolution: TsResolution::Micro,
            meta: CaptureMeta { application: "pktstream header-only".into(), comment: None },
        },
    ]
}

/// Writes the case's frames to `dir`; returns the file and the frames.
fn write_case(dir: &Path, c: &Case) -> (std::path::PathBuf, FrameBuffer) {
    let path = dir.join(c.name);
    let frames = frames(c.link, c.snaplen as usize);
    assert_eq!(CaptureFormat::from_path(&path), CaptureFormat::Pcapng);
    write_capture(
        &path,
        &frames,
        c.link,
        c.snaplen,
        c.resolution,
        CaptureFormat::from_path(&path),
        &c.meta,
    )
    .unwrap();
    (path, frames)
}

/// The `Key: value` lines, and the `Key = value` lines of interface infos, of a `capinfos -M`
/// long report.
fn report(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(": ").or_else(|| l.split_once(" = ")))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn value<'a>(report: &'a [(String, String)], key: &str) -> Option<&'a str> {
    report.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn capinfos_reads_pcapng_type_count_and_section_header() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases() {
        let (path, frames) = write_case(dir.path(), &c);
        let p = path.to_str().unwrap();
        let Some(text) = stdout_of("capinfos", &["-M", "-t", "-c", "-E", "-F", "-k", "-I", p])
        else {
            return;
        };
        let r = report(&text);
        let file_type = value(&r, "File type").unwrap_or_default();
        assert!(file_type.ends_with("pcapng"), "{}: file type {file_type:?}:\n{text}", c.name);
        assert_eq!(value(&r, "Number of packets"), Some("6"), "{}:\n{text}", c.name);
        assert_eq!(frames.len(), 6);
        let encapsulation = if c.link == LinkType::Ethernet { "ether" } else { "rawip" };
        assert_eq!(value(&r, "File encapsulation"), Some(encapsulation), "{}:\n{text}", c.name);
        let precision =
            if c.resolution == TsResolution::Nano { "nanoseconds (9)" } else { "microseconds (6)" };
        assert_eq!(value(&r, "File timestamp precision"), Some(precision), "{}:\n{text}", c.name);
        // The interface description block: one interface, its snaplen and if_tsresol.
        assert_eq!(value(&r, "Number of interfaces in file"), Some("1"), "{}:\n{text}", c.name);
        let snaplen = c.snaplen.to_string();
        assert_eq!(value(&r, "Capture length"), Some(&*snaplen), "{}:\n{text}", c.name);
        let tsresol = format!("0x{:02x}", c.resolution.pcapng_tsresol());
        assert_eq!(value(&r, "Time resolution"), Some(&*tsresol), "{}:\n{text}", c.name);
        assert_eq!(
            value(&r, "Capture application"),
            Some(&*c.meta.application),
            "{}:\n{text}",
            c.name
        );
        assert_eq!(value(&r, "Capture comment"), c.meta.comment.as_deref(), "{}:\n{text}", c.name);
    }
}

/// `seconds.fraction` as tshark prints `frame.time_epoch`, in nanoseconds.
fn epoch_ns(s: &str) -> u64 {
    let (sec, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(frac.len() <= 9, "more than nanosecond digits: {s}");
    let frac = format!("{frac:0<9}");
    sec.parse::<u64>().unwrap() * 1_000_000_000 + frac.parse::<u64>().unwrap()
}

#[test]
fn tshark_reads_timestamps_to_the_resolution_and_exact_lengths() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases() {
        let (path, frames) = write_case(dir.path(), &c);
        let p = path.to_str().unwrap();
        let args = [
            "-r",
            p,
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.len",
            "-e",
            "frame.cap_len",
            "-e",
            "frame.interface_id",
        ];
        let Some(text) = stdout_of("tshark", &args) else { return };
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), frames.len(), "{}:\n{text}", c.name);
        let unit = u64::from(c.resolution.ns_per_unit());
        for (i, (row, f)) in rows.iter().zip(frames.iter()).enumerate() {
            assert_eq!(row.len(), 4, "{} frame {i}: {row:?}", c.name);
            assert_eq!(epoch_ns(row[0]), f.ts_ns / unit * unit, "{} frame {i}: {row:?}", c.name);
            assert_eq!(row[1], f.wire_len.to_string(), "{} frame {i}: frame.len", c.name);
            assert_eq!(row[2], f.bytes.len().to_string(), "{} frame {i}: frame.cap_len", c.name);
            assert_eq!(row[3], "0", "{} frame {i}: interface", c.name);
        }
        // The header-only case really cuts frames: captured below wire length.
        if c.snaplen == 64 {
            assert!(frames.iter().any(|f| (f.bytes.len() as u32) < f.wire_len));
            assert!(frames.iter().all(|f| f.bytes.len() <= 64));
        }
    }
}

#[test]
fn tshark_converts_back_to_the_same_frames() {
    let dir = tempfile::tempdir().unwrap();
    for c in cases() {
        let (path, frames) = write_case(dir.path(), &c);
        let back = dir.path().join(format!("{}.back.pcap", c.name));
        let args = ["-r", path.to_str().unwrap(), "-F", "nsecpcap", "-w", back.to_str().unwrap()];
        if stdout_of("tshark", &args).is_none() {
            return;
        }
        let cap = read_file(&back, &ReadOptions { strict: true, ..Default::default() }).unwrap();
        assert!(cap.info.warnings.is_empty(), "{}: {:?}", c.name, cap.info.warnings);
        assert_eq!(cap.info.first_interface.expect("an interface").link, c.link, "{}", c.name);
        assert_eq!(cap.frames.len(), frames.len(), "{}", c.name);
        let unit = u64::from(c.resolution.ns_per_unit());
        for (i, (a, b)) in cap.frames.iter().zip(frames.iter()).enumerate() {
            assert_eq!(a.bytes, b.bytes, "{} frame {i}: bytes", c.name);
            assert_eq!(a.wire_len, b.wire_len, "{} frame {i}: wire length", c.name);
            assert_eq!(a.ts_ns, b.ts_ns / unit * unit, "{} frame {i}: timestamp", c.name);
        }
    }
}

#[test]
fn tshark_dissects_the_frames_with_valid_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let c = &cases()[0];
    let (path, _) = write_case(dir.path(), c);
    let args = [
        "-r",
        path.to_str().unwrap(),
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "occurrence=f",
        "-e",
        "ip.src",
        "-e",
        "ipv6.src",
        "-e",
        "tcp.srcport",
        "-e",
        "udp.srcport",
        "-e",
        "vlan.id",
        "-e",
        "tcp.checksum.status",
        "-e",
        "udp.checksum.status",
        "-e",
        "_ws.malformed",
    ];
    let Some(text) = stdout_of("tshark", &args) else { return };
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    // Source address, ports, VLAN as built; TCP and UDP checksums verified good (1); nothing
    // malformed (the UDP ports have no dissector that would read the payload).
    let want: [[&str; 8]; 6] = [
        ["10.0.0.1", "", "40000", "", "", "1", "", ""],
        ["10.0.0.2", "", "", "31000", "", "", "1", ""],
        ["", "2001:db8::3", "443", "", "", "1", "", ""],
        ["", "2001:db8::5", "", "31002", "42", "", "1", ""],
        ["10.0.7.9", "", "", "", "", "", "", ""],
        ["", "2001:db8::9", "1", "", "", "1", "", ""],
    ];
    assert_eq!(rows.len(), want.len(), "{text}");
    for (i, (row, want)) in rows.iter().zip(want).enumerate() {
        assert_eq!(row[..], want[..], "frame {i}:\n{text}");
    }
}

#[test]
fn capinfos_reads_an_empty_pcapng_capture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.pcapng");
    let meta = CaptureMeta { application: "pktstream".into(), comment: None };
    write_capture(
        &path,
        &FrameBuffer::new(),
        LinkType::Ethernet,
        0,
        TsResolution::Nano,
        CaptureFormat::Pcapng,
        &meta,
    )
    .unwrap();
    let Some(text) = stdout_of("capinfos", &["-M", "-t", "-c", "-F", path.to_str().unwrap()])
    else {
        return;
    };
    let r = report(&text);
    assert!(value(&r, "File type").unwrap_or_default().ends_with("pcapng"), "{text}");
    assert_eq!(value(&r, "Number of packets"), Some("0"), "{text}");
    assert_eq!(value(&r, "Capture application"), Some("pktstream"), "{text}");
}
