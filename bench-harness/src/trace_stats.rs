//! Statistics of a capture: packets, bytes, flows, sizes, rate, link types, unparsed reasons.

use std::collections::{BTreeMap, HashMap};

use tracegen::pcap::Capture;
use wire::{FlowKey, parse_frame};

use crate::results::schema::TraceStats;

/// Computes the statistics of a loaded capture.
pub fn compute(capture: &Capture) -> TraceStats {
    let mut flows: HashMap<FlowKey, u64> = HashMap::new();
    let mut link_types: BTreeMap<String, u64> = BTreeMap::new();
    let mut unparsed_by_reason: BTreeMap<String, u64> = BTreeMap::new();
    let (mut bytes, mut parsed) = (0u64, 0u64);
    let (mut first, mut last) = (u64::MAX, 0u64);
    for (i, frame) in capture.frames.iter().enumerate() {
        bytes += u64::from(frame.wire_len);
        first = first.min(frame.ts_ns);
        last = last.max(frame.ts_ns);
        *link_types.entry(frame.link.name()).or_default() += 1;
        match parse_frame(&frame, i as u32) {
            Ok(r) => {
                parsed += 1;
                *flows.entry(r.flow_key()).or_default() += 1;
            }
            Err(reason) => *unparsed_by_reason.entry(reason.name().to_string()).or_default() += 1,
        }
    }
    let packets = capture.frames.len() as u64;
    let duration_s = if last > first { (last - first) as f64 / 1e9 } else { 0.0 };
    let largest = flows.values().copied().max().unwrap_or(0);
    TraceStats {
        packets,
        bytes,
        flows: flows.len() as u64,
        mean_wire_len: if packets > 0 { bytes as f64 / packets as f64 } else { 0.0 },
        gbps: if duration_s > 0.0 { bytes as f64 * 8.0 / duration_s / 1e9 } else { 0.0 },
        duration_s,
        largest_flow_share: if parsed > 0 { largest as f64 / parsed as f64 } else { 0.0 },
        link_types,
        unparsed: unparsed_by_reason.values().sum(),
        unparsed_by_reason,
        truncated_at_offset: capture.truncated_at_offset,
    }
}

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
    out.push_str(&format!("\n  link types: {}", links.join(", ")));
    if s.unparsed > 0 {
        let reasons: Vec<String> =
            s.unparsed_by_reason.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.push_str(&format!("\n  unparsed: {} ({})", s.unparsed, reasons.join(", ")));
    }
    if let Some(off) = s.truncated_at_offset {
        out.push_str(&format!("\n  capture cut short inside the record at byte offset {off}"));
    }
    out
}
