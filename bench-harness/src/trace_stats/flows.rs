//! Flows: lengths of directional flows and of connections, top talkers, the largest flows and
//! the Zipf slope of flow sizes.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use wire::{FlowKey, PacketRecord};

use super::dist::{Distribution, ratio, top_n};
use crate::results::schema::{FlowLengths, LargestFlow, TopTalker};

/// How many top talkers and largest flows the statistics list.
pub(super) const TOP: usize = 10;
/// How many of the largest flows the Zipf slope is fitted over.
const ZIPF_RANKS: usize = 1000;
/// Flows of at most this many packets count as short.
const SHORT_FLOW: u64 = 10;

/// Packets per directional flow and packets and bytes per source address.
#[derive(Default)]
pub(super) struct FlowCounter {
    flows: HashMap<FlowKey, u64>,
    sources: HashMap<IpAddr, (u64, u64)>,
}

impl FlowCounter {
    /// Counts one parsed packet of `wire_len` bytes.
    pub(super) fn add(&mut self, r: &PacketRecord, wire_len: u32) {
        *self.flows.entry(r.flow_key()).or_default() += 1;
        let source = self.sources.entry(r.src_ip()).or_default();
        source.0 += 1;
        source.1 += u64::from(wire_len);
    }

    /// Distinct directional flows.
    pub(super) fn flows(&self) -> u64 {
        self.flows.len() as u64
    }

    /// Packets of the largest directional flow.
    pub(super) fn largest(&self) -> u64 {
        self.flows.values().copied().max().unwrap_or(0)
    }

    /// Lengths of the directional flows.
    pub(super) fn directional_lengths(&self) -> Distribution {
        Distribution::from_samples(self.flows.values().copied())
    }

    /// Lengths of the connections: both directions of a 5-tuple together.
    pub(super) fn connection_lengths(&self) -> Distribution {
        let mut connections: HashMap<FlowKey, u64> = HashMap::with_capacity(self.flows.len());
        for (key, &packets) in &self.flows {
            *connections.entry(key.canonical()).or_default() += packets;
        }
        Distribution::from_samples(connections.into_values())
    }

    /// The [`TOP`] sources with most packets; `parsed` is the share's denominator.
    pub(super) fn top_talkers(&self, parsed: u64) -> Vec<TopTalker> {
        top_n(&self.sources, TOP, |(addr, (packets, _))| (Reverse(*packets), **addr))
            .into_iter()
            .map(|(addr, &(packets, bytes))| TopTalker {
                addr: addr.to_string(),
                packets,
                bytes,
                share: ratio(packets, parsed),
            })
            .collect()
    }

    /// The [`TOP`] directional flows with most packets; `parsed` is the share's denominator.
    pub(super) fn largest_flows(&self, parsed: u64) -> Vec<LargestFlow> {
        top_n(&self.flows, TOP, |(key, packets)| (Reverse(**packets), **key))
            .into_iter()
            .map(|(key, &packets)| LargestFlow {
                flow: flow_text(key),
                packets,
                share: ratio(packets, parsed),
            })
            .collect()
    }
}

/// Summary figures of a distribution of flow lengths in packets.
pub(super) fn flow_lengths(lengths: &Distribution) -> FlowLengths {
    let (count, packets) = (lengths.total(), lengths.sum());
    let (single, _) = lengths.count_and_sum_between(1, 1);
    let (short, short_packets) = lengths.count_and_sum_between(0, SHORT_FLOW);
    FlowLengths {
        count,
        mean_packets: ratio(packets, count),
        single_packet_share: ratio(single, count),
        at_most_10_share: ratio(short, count),
        at_most_10_packet_share: ratio(short_packets, packets),
        p50: lengths.percentile(50),
        p90: lengths.percentile(90),
        p99: lengths.percentile(99),
        max: lengths.max(),
    }
}

/// Least-squares slope of `ln(packets)` against `ln(rank)` over the flows ranked 1 to
/// `min(1000, flows)` by packets, largest first; `None` with fewer than two flows.
pub(super) fn zipf_slope(lengths: &Distribution) -> Option<f64> {
    let points: Vec<(f64, f64)> = lengths
        .descending()
        .take(ZIPF_RANKS)
        .enumerate()
        .map(|(i, packets)| (((i + 1) as f64).ln(), (packets as f64).ln()))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    Some(sxy / sxx)
}

/// A 5-tuple as `src:sport>dst:dport/proto`, IPv6 addresses in brackets.
pub(super) fn flow_text(key: &FlowKey) -> String {
    match key {
        FlowKey::V4(k) => format!(
            "{}:{}>{}:{}/{}",
            Ipv4Addr::from(k.src),
            k.sport,
            Ipv4Addr::from(k.dst),
            k.dport,
            k.proto
        ),
        FlowKey::V6(k) => format!(
            "[{}]:{}>[{}]:{}/{}",
            Ipv6Addr::from(k.src),
            k.sport,
            Ipv6Addr::from(k.dst),
            k.dport,
            k.proto
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_slope_of_an_exact_power_law() {
        // packets = 1200 / rank^2 for ranks 1..5 is a line of slope -2 in log-log.
        let d = Distribution::from_samples([1200, 300, 133, 75, 48]);
        let slope = zipf_slope(&d).unwrap();
        assert!((slope + 2.0).abs() < 0.01, "{slope}");
        assert_eq!(zipf_slope(&Distribution::from_samples([5, 5, 5])), Some(0.0));
        assert_eq!(zipf_slope(&Distribution::from_samples([9])), None);
    }

    #[test]
    fn flow_text_brackets_ipv6() {
        let v6 = FlowKey::V6(wire::FlowKeyV6 { src: 1, dst: 2, sport: 3, dport: 4, proto: 17 });
        assert_eq!(flow_text(&v6), "[::1]:3>[::2]:4/17");
        let v4 = FlowKey::V4(wire::FlowKeyV4 {
            src: 0x0a00_0001,
            dst: 0x0a00_0002,
            sport: 1,
            dport: 80,
            proto: 6,
        });
        assert_eq!(flow_text(&v4), "10.0.0.1:1>10.0.0.2:80/6");
    }
}
