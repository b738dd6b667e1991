//! Statistics of a capture: packets, bytes, flows, sizes, rate, link types, unparsed reasons,
//! flow-length distributions, top talkers, protocol mix and per-window host fan-out.
//!
//! [`compute`] reads every frame once (after a pass over the timestamps that finds where each
//! 1 s window ends) and feeds small counters, one per concern: `sizes` (wire-length histogram
//! and percentiles), `flows` (flow and connection lengths, top talkers, largest flows, Zipf
//! slope), `protocols` (IP versions, transports, TCP flags) and `windows` (host fan-out and
//! fan-in per window). Memory grows with distinct flows, source addresses and the host pairs of
//! the windows open at once, not with packets.
//! [`summary()`] prints the result for people; the generator sidecar is read by
//! [`read_generator_sidecar`].

mod dist;
mod flows;
mod generator;
mod protocols;
mod sizes;
mod summary;
#[cfg(test)]
mod tests;
mod windows;

use std::collections::BTreeMap;

use tracegen::pcap::Capture;
use wire::{Frame, Unparsed, parse_frame};

use crate::results::schema::TraceStats;

pub use generator::{generator_sidecar_path, generator_version, read_generator_sidecar};
pub use summary::summary;

/// Computes the statistics of a loaded capture (`generator` is left `None`: it comes from the
/// capture's file, see [`read_generator_sidecar`]).
pub fn compute(capture: &Capture) -> TraceStats {
    let mut totals = Totals::default();
    let mut sizes = sizes::SizeCounter::new();
    let mut flows = flows::FlowCounter::default();
    let mut protocols = protocols::ProtocolCounter::default();
    let mut windows = windows::WindowCounter::new(&capture.frames);
    for (i, frame) in capture.frames.iter().enumerate() {
        totals.add(&frame);
        sizes.add(frame.wire_len);
        match parse_frame(&frame, i as u32) {
            Ok(r) => {
                flows.add(&r, frame.wire_len);
                protocols.add(&r);
                windows.add(frame.ts_ns, &r);
            }
            Err(reason) => totals.unparsed(reason),
        }
        windows.frame_done(i);
    }
    let packets = capture.frames.len() as u64;
    let parsed = protocols.parsed();
    let lengths = sizes.distribution();
    let flow_lengths = flows.directional_lengths();
    let duration_s = totals.duration_s();
    TraceStats {
        packets,
        bytes: totals.bytes,
        flows: flows.flows(),
        mean_wire_len: dist::ratio(totals.bytes, packets),
        gbps: if duration_s > 0.0 { totals.bytes as f64 * 8.0 / duration_s / 1e9 } else { 0.0 },
        duration_s,
        largest_flow_share: dist::ratio(flows.largest(), parsed),
        link_types: totals.link_types,
        unparsed: totals.unparsed_by_reason.values().sum(),
        unparsed_by_reason: totals.unparsed_by_reason,
        truncated_at_offset: capture.info.truncated_at_offset,
        size_histogram: sizes::histogram(&lengths),
        wire_len: sizes::percentiles(&lengths),
        flow_lengths: flows::flow_lengths(&flow_lengths),
        connection_lengths: flows::flow_lengths(&flows.connection_lengths()),
        zipf_slope: flows::zipf_slope(&flow_lengths),
        top_talkers: flows.top_talkers(parsed),
        largest_flows: flows.largest_flows(parsed),
        protocols: protocols.mix(),
        tcp_flags: protocols.flags(),
        windows: windows.finish(),
        generator: None,
    }
}

/// Byte, time, link-type and unparsed totals over all frames.
#[derive(Default)]
struct Totals {
    bytes: u64,
    first_ns: Option<u64>,
    last_ns: u64,
    link_types: BTreeMap<String, u64>,
    unparsed_by_reason: BTreeMap<String, u64>,
}

impl Totals {
    fn add(&mut self, frame: &Frame<'_>) {
        self.bytes += u64::from(frame.wire_len);
        self.first_ns = Some(self.first_ns.map_or(frame.ts_ns, |f| f.min(frame.ts_ns)));
        self.last_ns = self.last_ns.max(frame.ts_ns);
        *self.link_types.entry(frame.link.name()).or_default() += 1;
    }

    fn unparsed(&mut self, reason: Unparsed) {
        *self.unparsed_by_reason.entry(reason.name().to_string()).or_default() += 1;
    }

    /// Last timestamp minus first, in seconds; 0 for fewer than two distinct times.
    fn duration_s(&self) -> f64 {
        match self.first_ns {
            Some(first) if self.last_ns > first => (self.last_ns - first) as f64 / 1e9,
            _ => 0.0,
        }
    }
}
