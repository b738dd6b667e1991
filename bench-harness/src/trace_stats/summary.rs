//! The human summary of [`TraceStats`]: one headline, then one short line per concern.

use std::fmt::Write;

use super::generator::generator_version;
use crate::results::schema::{FlowLengths, HostWindowMax, TraceStats};

/// Entries of the top-talker and largest-flow lists the summary shows (the JSON holds 10).
const SHOWN: usize = 5;

/// A short human summary.
pub fn summary(name: &str, s: &TraceStats) -> String {
    let mut out = format!(
        "{name}: {} packets, {} bytes, {} flows, mean wire size {:.1} B, {:.3} Gb/s over {:.6} s, \
         largest flow {:.3}% of packets",
        s.packets,
        s.bytes,
        s.flows,
        s.mean_wire_len,
        s.gbps,
        s.duration_s,
        s.largest_flow_share * 100.0
    );
    let links: Vec<String> = s.link_types.iter().map(|(k, v)| format!("{k} {v}")).collect();
    line(&mut out, "link types", &links.join(", "));
    if s.unparsed > 0 {
        let reasons: Vec<String> =
            s.unparsed_by_reason.iter().map(|(k, v)| format!("{k} {v}")).collect();
        line(&mut out, "unparsed", &format!("{} ({})", s.unparsed, reasons.join(", ")));
    }
    if let Some(off) = s.truncated_at_offset {
        out.push_str(&format!("\n  capture cut short inside the record at byte offset {off}"));
    }
    line(&mut out, "wire sizes", &sizes(s));
    let zipf = s.zipf_slope.map_or_else(|| "n/a".into(), |z| format!("{z:.2}"));
    line(&mut out, "flows", &format!("{}; zipf slope {zipf}", lengths(&s.flow_lengths)));
    line(&mut out, "connections", &lengths(&s.connection_lengths));
    line(&mut out, "protocols", &protocols(s));
    let talkers: Vec<String> = s
        .top_talkers
        .iter()
        .take(SHOWN)
        .map(|t| format!("{} {} ({})", t.addr, t.packets, pct(t.share)))
        .collect();
    line(&mut out, "top talkers", &talkers.join(", "));
    let flows: Vec<String> = s
        .largest_flows
        .iter()
        .take(SHOWN)
        .map(|f| format!("{} {} ({})", f.flow, f.packets, pct(f.share)))
        .collect();
    line(&mut out, "largest flows", &flows.join(", "));
    line(&mut out, "windows", &windows(s));
    if let Some(v) = s.generator.as_ref().and_then(generator_version) {
        out.push_str(&format!("\n  generator version {v}"));
    }
    out
}

fn line(out: &mut String, label: &str, text: &str) {
    let _ = write!(out, "\n  {label}: {text}");
}

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn sizes(s: &TraceStats) -> String {
    let bins: Vec<String> =
        s.size_histogram.iter().map(|b| format!("{} {}", b.bin, pct(b.share))).collect();
    let w = &s.wire_len;
    format!("{}; p10 {}, p50 {}, p90 {}, p99 {} B", bins.join(", "), w.p10, w.p50, w.p90, w.p99)
}

fn lengths(f: &FlowLengths) -> String {
    format!(
        "{}, mean {:.2} packets, {} single-packet, {} of <= 10 packets carrying {} of packets; \
         length p50 {}, p90 {}, p99 {}, max {}",
        f.count,
        f.mean_packets,
        pct(f.single_packet_share),
        pct(f.at_most_10_share),
        pct(f.at_most_10_packet_share),
        f.p50,
        f.p90,
        f.p99,
        f.max
    )
}

fn protocols(s: &TraceStats) -> String {
    let (p, f) = (&s.protocols, &s.tcp_flags);
    format!(
        "IPv4 {}, IPv6 {}; TCP {}, UDP {}, ICMP {}, other {}; TCP SYN {}, SYN-ACK {}, FIN {}, \
         RST {}",
        pct(p.ipv4_share),
        pct(p.ipv6_share),
        pct(p.tcp_share),
        pct(p.udp_share),
        pct(p.icmp_share),
        pct(p.other_share),
        f.syn_only,
        f.syn_ack,
        f.fin,
        f.rst
    )
}

fn windows(s: &TraceStats) -> String {
    let w = &s.windows;
    let host = |m: &HostWindowMax, peers: &str| {
        let start_s = m.window_start_ns / 1_000_000_000;
        format!("{} with {} {peers} in the window from {start_s} s", m.host, m.count)
    };
    format!(
        "{} of {} s; max fan-out {}; max fan-in {}",
        w.count,
        w.window_ns as f64 / 1e9,
        host(&w.max_fan_out, "destinations"),
        host(&w.max_fan_in, "sources")
    )
}
