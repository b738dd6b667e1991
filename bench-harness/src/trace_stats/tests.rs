//! [`compute`] over a small hand-made trace whose every figure is known.
//!
//! The trace: two 1 s windows, 18 frames, one of them unparseable, 17 parsed packets in five
//! directional flows (A = 10.0.0.1, B = 10.0.0.2, C = 10.0.0.3, D and E IPv6):
//! - F1 A:1000 > B:80 TCP, 12 packets (6 per window): SYN, ..., FIN|ACK, ACK;
//! - F2 B:80 > A:1000 TCP, 2 packets in window 1: SYN|ACK, RST|ACK (with F1, one connection);
//! - F3 D > E ICMPv6 echo, 1 packet in window 0;
//! - F4 A:5000 > C:53 UDP and F5 C:6000 > B:53 UDP, 1 packet each in window 1.
//!
//! Window 1 holds the pairs A>B, B>A, A>C, C>B: A reaches 2 destinations, B hears from 2
//! sources; window 0 only A>B and D>E.

use std::net::IpAddr;

use tracegen::pcap::{
    Capture, CaptureFormat, CaptureInfo, InterfaceInfo, LoaderUsed, TsResolution,
};
use wire::build::{PacketSpec, Transport};
use wire::record::tcp_flags::{ACK, FIN, PSH, RST, SYN};
use wire::{FrameBuffer, LinkType};

use super::*;

const W0: u64 = 1_700_000_000_000_000_000;
const W1: u64 = W0 + 1_000_000_000;

fn spec(src: &str, dst: &str, transport: Transport, payload_len: usize) -> PacketSpec {
    PacketSpec {
        link: LinkType::Ethernet,
        vlans: vec![],
        src: src.parse::<IpAddr>().unwrap(),
        dst: dst.parse::<IpAddr>().unwrap(),
        ttl: 64,
        ip_id: 1,
        transport,
        payload_len,
        payload: vec![],
    }
}

fn tcp(src: &str, dst: &str, ports: (u16, u16), flags: u8, payload_len: usize) -> PacketSpec {
    let (sport, dport) = ports;
    let t = Transport::Tcp { sport, dport, seq: 1, ack: 1, flags, window: 1000 };
    spec(src, dst, t, payload_len)
}

fn udp(src: &str, dst: &str, ports: (u16, u16), payload_len: usize) -> PacketSpec {
    spec(src, dst, Transport::Udp { sport: ports.0, dport: ports.1 }, payload_len)
}

/// The frames of the trace in time order: (timestamp, spec), `None` for the unparseable one.
fn frames() -> Vec<(u64, Option<PacketSpec>)> {
    let (a, b, c) = ("10.0.0.1", "10.0.0.2", "10.0.0.3");
    let f1 = |flags, payload| tcp(a, b, (1000, 80), flags, payload);
    let f2 = |flags| tcp(b, a, (80, 1000), flags, 0);
    let icmp = Transport::Icmp { ty: 128, code: 0, rest: 1 };
    let w0 = [
        f1(SYN, 0),
        f1(ACK, 0),
        f1(ACK, 46),
        f1(PSH | ACK, 1460),
        f1(PSH | ACK, 1146),
        f1(ACK, 0),
        spec("2001:db8::1", "2001:db8::2", icmp, 138),
    ];
    let w1 = [
        f2(SYN | ACK),
        f1(ACK, 0),
        f1(ACK, 0),
        f1(ACK, 0),
        f1(ACK, 0),
        f2(RST | ACK),
        f1(FIN | ACK, 0),
        f1(ACK, 0),
        udp(a, c, (5000, 53), 558),
        udp(c, b, (6000, 53), 358),
    ];
    let mut out: Vec<(u64, Option<PacketSpec>)> =
        w0.into_iter().enumerate().map(|(i, s)| (W0 + i as u64 * 1000, Some(s))).collect();
    out.extend(w1.into_iter().enumerate().map(|(i, s)| (W1 + i as u64 * 1000, Some(s))));
    out.push((W1 + 999_999_999, None));
    out
}

fn capture(frames: &[(u64, Option<PacketSpec>)]) -> Capture {
    let mut buf = FrameBuffer::new();
    for (ts, spec) in frames {
        match spec {
            Some(s) => {
                let mut bytes = Vec::new();
                let wire_len = s.write(&mut bytes, usize::MAX);
                buf.push(&bytes, *ts, wire_len, LinkType::Ethernet);
            }
            // An Ethernet header with an EtherType the parser does not read, 2000 B on the wire.
            None => buf.push(&[0u8; 14], *ts, 2000, LinkType::Ethernet),
        }
    }
    let info = CaptureInfo {
        format: CaptureFormat::Pcap,
        first_interface: Some(InterfaceInfo {
            link: LinkType::Ethernet,
            snaplen: 65_535,
            resolution: TsResolution::Nano,
        }),
        frames: buf.len() as u64,
        truncated_at_offset: None,
        warnings: vec![],
        file_bytes: 0,
        loader: LoaderUsed::default(),
    };
    Capture { frames: buf, info }
}

fn share(n: u64, of: u64) -> f64 {
    n as f64 / of as f64
}

#[test]
fn totals_and_sizes() {
    let s = compute(&capture(&frames()));
    assert_eq!((s.packets, s.unparsed, s.flows), (18, 1, 5));
    // 11 frames of 60 B, then 100, 200, 400, 600, 1200, 1514 and the unparsed 2000.
    assert_eq!(s.bytes, 11 * 60 + 100 + 200 + 400 + 600 + 1200 + 1514 + 2000);
    assert_eq!(s.largest_flow_share, share(12, 17));
    let bins: Vec<(&str, u64)> =
        s.size_histogram.iter().map(|b| (b.bin.as_str(), b.count)).collect();
    assert_eq!(
        bins,
        [
            ("<=60", 11),
            ("61-127", 1),
            ("128-255", 1),
            ("256-511", 1),
            ("512-1023", 1),
            ("1024-1513", 1),
            ("1514", 1),
            (">1514", 1)
        ]
    );
    assert_eq!(s.size_histogram[0].share, share(11, 18));
    // Nearest rank over 18 lengths: ranks 2, 9, 17 and 18.
    assert_eq!(
        [s.wire_len.p10, s.wire_len.p50, s.wire_len.p90, s.wire_len.p99],
        [60, 60, 1514, 2000]
    );
}

#[test]
fn flow_and_connection_lengths() {
    let s = compute(&capture(&frames()));
    let f = s.flow_lengths;
    // Directional flows of 12, 2, 1, 1 and 1 packets.
    assert_eq!((f.count, f.mean_packets), (5, 3.4));
    assert_eq!((f.single_packet_share, f.at_most_10_share), (0.6, 0.8));
    assert_eq!(f.at_most_10_packet_share, share(5, 17));
    assert_eq!([f.p50, f.p90, f.p99, f.max], [1, 12, 12, 12]);
    // Connections of 14, 1, 1 and 1 packets.
    let c = s.connection_lengths;
    assert_eq!((c.count, c.mean_packets), (4, 4.25));
    assert_eq!((c.single_packet_share, c.at_most_10_share), (0.75, 0.75));
    assert_eq!(c.at_most_10_packet_share, share(3, 17));
    assert_eq!([c.p50, c.p90, c.p99, c.max], [1, 14, 14, 14]);
    // Least squares of ln(12, 2, 1, 1, 1) on ln(1..=5), worked out apart.
    let z = s.zipf_slope.unwrap();
    assert!((z - -1.586_224_543_141_64).abs() < 1e-9, "{z}");
}

#[test]
fn top_talkers_and_largest_flows() {
    let s = compute(&capture(&frames()));
    let talkers: Vec<(&str, u64, u64, f64)> =
        s.top_talkers.iter().map(|t| (t.addr.as_str(), t.packets, t.bytes, t.share)).collect();
    let a_bytes = 9 * 60 + 100 + 1514 + 1200 + 600;
    assert_eq!(
        talkers,
        [
            ("10.0.0.1", 13, a_bytes, share(13, 17)),
            ("10.0.0.2", 2, 120, share(2, 17)),
            ("10.0.0.3", 1, 400, share(1, 17)),
            ("2001:db8::1", 1, 200, share(1, 17)),
        ]
    );
    let flows: Vec<(&str, u64)> =
        s.largest_flows.iter().map(|f| (f.flow.as_str(), f.packets)).collect();
    assert_eq!(
        flows,
        [
            ("10.0.0.1:1000>10.0.0.2:80/6", 12),
            ("10.0.0.2:80>10.0.0.1:1000/6", 2),
            ("10.0.0.1:5000>10.0.0.3:53/17", 1),
            ("10.0.0.3:6000>10.0.0.2:53/17", 1),
            ("[2001:db8::1]:0>[2001:db8::2]:0/58", 1),
        ]
    );
    assert_eq!(s.largest_flows[0].share, share(12, 17));
}

#[test]
fn protocol_mix_and_tcp_flags() {
    let s = compute(&capture(&frames()));
    let p = s.protocols;
    assert_eq!((p.ipv4_share, p.ipv6_share), (share(16, 17), share(1, 17)));
    assert_eq!((p.tcp_share, p.udp_share), (share(14, 17), share(2, 17)));
    assert_eq!((p.icmp_share, p.other_share), (share(1, 17), 0.0));
    let f = s.tcp_flags;
    assert_eq!([f.syn_only, f.syn_ack, f.fin, f.rst], [1, 1, 1, 1]);
}

#[test]
fn window_fan_out_and_fan_in() {
    let s = compute(&capture(&frames()));
    let w = &s.windows;
    assert_eq!((w.window_ns, w.count), (1_000_000_000, 2));
    let out = &w.max_fan_out;
    assert_eq!((out.host.as_str(), out.window_start_ns, out.count), ("10.0.0.1", W1, 2));
    let fan_in = &w.max_fan_in;
    assert_eq!((fan_in.host.as_str(), fan_in.window_start_ns, fan_in.count), ("10.0.0.2", W1, 2));
}

#[test]
fn frame_order_does_not_change_the_figures() {
    let mut reversed = frames();
    reversed.reverse();
    assert_eq!(compute(&capture(&reversed)), compute(&capture(&frames())));
}

#[test]
fn empty_capture_gives_zeros() {
    let s = compute(&capture(&[]));
    assert_eq!((s.packets, s.flows, s.windows.count, s.zipf_slope), (0, 0, 0, None));
    assert!(s.size_histogram.iter().all(|b| b.count == 0 && b.share == 0.0));
    assert_eq!((s.flow_lengths.count, s.flow_lengths.mean_packets), (0, 0.0));
    assert!(s.top_talkers.is_empty() && s.largest_flows.is_empty());
    assert_eq!(s.windows.max_fan_out.host, "");
    summary("empty", &s);
}

#[test]
fn summary_has_one_line_per_concern() {
    let mut s = compute(&capture(&frames()));
    s.generator = Some(serde_json::json!({"generator_version": 4, "profile": "x"}));
    let text = summary("t.pcap", &s);
    for want in [
        "t.pcap: 18 packets, 6674 bytes, 5 flows",
        "wire sizes: <=60 61.1%, 61-127 5.6%",
        "p10 60, p50 60, p90 1514, p99 2000 B",
        "flows: 5, mean 3.40 packets, 60.0% single-packet, 80.0% of <= 10 packets carrying 29.4%",
        "zipf slope -1.59",
        "connections: 4, mean 4.25 packets",
        "protocols: IPv4 94.1%, IPv6 5.9%; TCP 82.4%, UDP 11.8%, ICMP 5.9%, other 0.0%; \
         TCP SYN 1, SYN-ACK 1, FIN 1, RST 1",
        "top talkers: 10.0.0.1 13 (76.5%), 10.0.0.2 2 (11.8%)",
        "largest flows: 10.0.0.1:1000>10.0.0.2:80/6 12 (70.6%)",
        "windows: 2 of 1 s; max fan-out 10.0.0.1 with 2 destinations in the window from \
         1700000001 s; max fan-in 10.0.0.2 with 2 sources",
        "generator version 4",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}
