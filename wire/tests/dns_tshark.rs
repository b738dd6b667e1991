//! The DNS builder and view against tshark: DNS queries and responses (A, AAAA, RRSIG, TXT and
//! CNAME answers) over UDP over IPv4 and IPv6 in Ethernet frames, written to a classic pcap by
//! hand; tshark's question name, answer types and answer count must match what was built and
//! what `wire::dns::DnsView` reads back from the frames. Skipped when tshark is not installed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::Command;

use wire::build::{PacketSpec, Transport};
use wire::dns::{self, DnsMessage, DnsRecord, DnsView, Rrsig};
use wire::{Frame, LinkType, parse_frame};

const TSHARK: &str = "/usr/bin/tshark";

fn rr(name: &str, rtype: u16, rdata: Vec<u8>) -> DnsRecord {
    DnsRecord { name: name.to_string(), rtype, ttl: 3600, rdata }
}

/// The messages of the test, each with whether it goes over IPv6.
fn messages() -> Vec<(DnsMessage, bool)> {
    let v4 = Ipv4Addr::new(192, 0, 2, 10);
    let v6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x53);
    let sig = |covered, owner: &str| Rrsig::new(covered, owner, "example.com").rdata();
    let long = "a".repeat(63);
    vec![
        (DnsMessage::query(1, "www.example.com", dns::TYPE_A), false),
        (
            DnsMessage::response(
                1,
                "www.example.com",
                dns::TYPE_A,
                vec![rr("www.example.com", dns::TYPE_A, dns::a_rdata(v4))],
            ),
            false,
        ),
        (DnsMessage::query(2, "Mail.Example.COM.", dns::TYPE_AAAA), true),
        (
            DnsMessage::response(
                2,
                "mail.example.com",
                dns::TYPE_AAAA,
                vec![
                    rr("mail.example.com", dns::TYPE_AAAA, dns::aaaa_rdata(v6)),
                    rr(
                        "mail.example.com",
                        dns::TYPE_RRSIG,
                        sig(dns::TYPE_AAAA, "mail.example.com"),
                    ),
                ],
            ),
            true,
        ),
        (
            DnsMessage::response(
                3,
                "example.com",
                dns::TYPE_A,
                vec![
                    rr("example.com", dns::TYPE_A, dns::a_rdata(v4)),
                    rr("example.com", dns::TYPE_A, dns::a_rdata(Ipv4Addr::new(192, 0, 2, 11))),
                    rr("example.com", dns::TYPE_RRSIG, sig(dns::TYPE_A, "example.com")),
                    rr("ns1.example.com", dns::TYPE_AAAA, dns::aaaa_rdata(v6)),
                ],
            ),
            false,
        ),
        (
            DnsMessage::response(
                4,
                &format!("{long}.t.example.net"),
                dns::TYPE_TXT,
                vec![
                    rr("alias.example.net", dns::TYPE_CNAME, dns::name_rdata("target.example.net")),
                    rr(
                        &format!("{long}.t.example.net"),
                        dns::TYPE_TXT,
                        dns::txt_rdata(&[b'z'; 300]),
                    ),
                ],
            ),
            false,
        ),
        (
            DnsMessage {
                id: 5,
                response: true,
                rcode: dns::rcode::NXDOMAIN,
                question: ("nope.example.org".into(), dns::TYPE_A),
                answers: vec![],
            },
            true,
        ),
    ]
}

/// The Ethernet frame carrying `m` over UDP, from the client to port 53 for a query and back
/// for a response.
fn frame(m: &DnsMessage, v6: bool) -> (Vec<u8>, u32) {
    let (client, server): (IpAddr, IpAddr) = if v6 {
        ("2001:db8::1".parse().unwrap(), "2001:db8::53".parse().unwrap())
    } else {
        ("10.0.0.1".parse().unwrap(), "10.0.0.53".parse().unwrap())
    };
    let payload = m.to_bytes();
    let (src, dst, sport, dport) =
        if m.response { (server, client, 53, 40000) } else { (client, server, 40000, 53) };
    let spec = PacketSpec {
        link: LinkType::Ethernet,
        vlans: vec![],
        src,
        dst,
        ttl: 64,
        ip_id: m.id,
        transport: Transport::Udp { sport, dport },
        payload_len: payload.len(),
        payload,
    };
    let mut out = Vec::new();
    let wire = spec.write(&mut out, usize::MAX);
    (out, wire)
}

/// A classic little-endian pcap (microseconds, link type 1) of `frames`, one second apart.
fn write_pcap(path: &Path, frames: &[(Vec<u8>, u32)]) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    f.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    f.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    f.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    for (i, (bytes, wire)) in frames.iter().enumerate() {
        f.extend_from_slice(&(1_700_000_000 + i as u32).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        f.extend_from_slice(&wire.to_le_bytes());
        f.extend_from_slice(bytes);
    }
    std::fs::write(path, f).unwrap();
}

/// tshark's `dns.resp.type` as a number (it prints numbers in field mode; names are mapped just
/// in case a version prints them).
fn type_number(s: &str) -> u16 {
    match s {
        "A" => dns::TYPE_A,
        "NS" => dns::TYPE_NS,
        "CNAME" => dns::TYPE_CNAME,
        "TXT" => dns::TYPE_TXT,
        "AAAA" => dns::TYPE_AAAA,
        "RRSIG" => dns::TYPE_RRSIG,
        n => n.parse().unwrap_or_else(|_| panic!("unknown type {n:?}")),
    }
}

#[test]
fn tshark_reads_what_was_built() {
    if !Path::new(TSHARK).exists() {
        eprintln!("skipped: tshark not installed");
        return;
    }
    let msgs = messages();
    let frames: Vec<(Vec<u8>, u32)> = msgs.iter().map(|(m, v6)| frame(m, *v6)).collect();
    let dir = std::env::temp_dir().join(format!("wire-dns-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("dns.pcap");
    write_pcap(&pcap, &frames);
    let out = Command::new(TSHARK)
        .arg("-r")
        .arg(&pcap)
        .args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"])
        .args(["-e", "dns.qry.name", "-e", "dns.resp.type", "-e", "dns.count.answers"])
        .args(["-e", "dns.flags.response", "-e", "dns.id", "-e", "_ws.malformed"])
        .output()
        .expect("tshark runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    eprintln!("tshark:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), msgs.len(), "{text}");

    for (i, (line, (m, _))) in lines.iter().zip(&msgs).enumerate() {
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols.len(), 6, "frame {i}: {line}");
        let want_name = m.question.0.trim_end_matches('.').to_ascii_lowercase();
        let want_types: Vec<u16> = m.answers.iter().map(|a| a.rtype).collect();
        // tshark: as built.
        assert_eq!(cols[0].to_ascii_lowercase(), want_name, "frame {i}: {line}");
        let theirs: Vec<u16> =
            cols[1].split(',').filter(|s| !s.is_empty()).map(type_number).collect();
        assert_eq!(theirs, want_types, "frame {i}: {line}");
        assert_eq!(cols[2], m.answers.len().to_string(), "frame {i}: {line}");
        assert_eq!(cols[3] == "1" || cols[3] == "True", m.response, "frame {i}: {line}");
        assert_eq!(
            u16::from_str_radix(cols[4].trim_start_matches("0x"), 16).unwrap(),
            m.id,
            "frame {i}: {line}"
        );
        assert!(cols[5].is_empty(), "frame {i} malformed: {line}");

        // Our view of the frame: as tshark.
        let (bytes, wire_len) = &frames[i];
        let f = Frame { bytes, ts_ns: 0, wire_len: *wire_len, link: LinkType::Ethernet };
        let rec = parse_frame(&f, i as u32).unwrap();
        let v = DnsView::new_checked(&bytes[usize::from(rec.payload_off())..]).unwrap();
        let q = v.question().unwrap();
        assert_eq!(q.name.as_str(), cols[0].to_ascii_lowercase(), "frame {i}");
        assert_eq!(q.qtype, m.question.1, "frame {i}");
        assert_eq!(v.answer_types().collect::<Vec<_>>(), theirs, "frame {i}");
        assert_eq!(v.ancount().to_string(), cols[2], "frame {i}");
        assert_eq!((v.id(), v.is_response(), v.rcode()), (m.id, m.response, m.rcode), "frame {i}");
    }
}
