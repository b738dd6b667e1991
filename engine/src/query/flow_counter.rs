//! The flow counter of Fais et al.: packets and bytes per 5-tuple.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use wire::{FlowKey, PacketRecord};

use super::App;
use crate::state::flow_table::Counters;
use crate::state::{FlowEstimate, FlowTable};

/// One query thread's flow counter.
pub struct FlowCounter {
    table: FlowTable,
}

impl FlowCounter {
    /// A counter whose table holds the estimated flows without growing.
    pub fn with_estimate(flows: FlowEstimate) -> Self {
        Self { table: FlowTable::with_estimate(flows) }
    }
}

impl App for FlowCounter {
    #[inline]
    fn on_batch(&mut self, records: &[PacketRecord]) {
        self.table.update_batch(records);
    }

    fn finish(self: Box<Self>) -> FlowCounts {
        let mut out = FlowCounts { table_grows: self.table.grows(), ..Default::default() };
        for (k, c) in self.table.iter() {
            out.add(k, c);
        }
        out
    }
}

/// The flow counter's output: counters per 5-tuple, in key order (one window spanning the run,
/// whose start is written as 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowCounts {
    /// Counters per flow.
    pub flows: BTreeMap<FlowKey, Counters>,
    /// Times a flow table doubled during the run (a cost inside the measurement).
    pub table_grows: u32,
}

impl FlowCounts {
    /// Adds counters to a flow.
    pub fn add(&mut self, k: FlowKey, c: Counters) {
        let e = self.flows.entry(k).or_default();
        e.packets += c.packets;
        e.bytes += c.bytes;
    }

    /// Merges another partial into this one.
    pub fn merge(&mut self, other: FlowCounts) {
        self.table_grows += other.table_grows;
        if self.flows.is_empty() {
            self.flows = other.flows;
            return;
        }
        for (k, c) in other.flows {
            self.add(k, c);
        }
    }

    /// Total packets over all flows.
    pub fn packets(&self) -> u64 {
        self.flows.values().map(|c| c.packets).sum()
    }

    /// The `--dump` CSV: header, then `window_start_ns,src,dst,sport,dport,proto,packets,bytes`
    /// sorted by window then key (addresses as text, IPv6 canonical; ports 0 where the packet
    /// has none).
    pub fn to_csv(&self) -> String {
        let mut s = String::with_capacity(64 * (self.flows.len() + 1));
        s.push_str("window_start_ns,src,dst,sport,dport,proto,packets,bytes\n");
        for (k, c) in &self.flows {
            // Writing to a String cannot fail.
            let _ = writeln!(s, "0,{k},{},{}", c.packets, c.bytes);
        }
        s
    }
}
