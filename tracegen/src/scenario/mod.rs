//! Labelled attack scenarios injected into generated traffic, and their ground truth.
//!
//! `pktstream gen --scenario KIND[:k=v,...]` (repeatable) adds one attack per flag on top of the
//! profile's benign traffic. Each scenario is a [`Scenario`]: a time-ordered source of packets
//! with absolute timestamps, merged with the benign stream by time (benign pacing is unchanged;
//! attack packets come on top of it). The generator feeds every attack packet to a
//! [`TruthCounter`], which evaluates the alarm rules of [`wire::sonata`] on them per window (and
//! the window byte totals of all packets, for `heavy-hitter`), so at the end it knows which
//! (window, alarm, key) rows the attacks should trigger ([`TruthRow`]); each scenario reports
//! what it did ([`AttackRow`]). The truth file is `F.truth.csv` beside the capture (see
//! [`write_truth`]).
//!
//! Addresses: scenario number `i` (0-based, in flag order) uses only addresses in `10.i.0.0/16`,
//! which benign profiles never use, so the counts its truth is built from are the trace's counts.

mod common;
mod ddos;
mod dns_reflection;
mod dns_tunnel;
mod heavy_hitter;
mod port_scan;
mod slowloris;
mod spec;
mod ssh_brute;
mod superspreader;
mod syn_flood;
#[cfg(test)]
mod testkit;
mod truth;
mod truth_counter;
mod zorro;

pub use spec::{ScenarioKind, ScenarioSpec, SpecError};
pub use truth::{AttackRow, TruthRow, truth_path, write_truth};
pub use truth_counter::{TruthCounter, flow_key_text};

use wire::build::PacketSpec;

/// What every scenario is built from.
#[derive(Clone, Debug)]
pub struct ScenarioEnv {
    /// Position of the scenario among the `--scenario` flags (0-based): its address block is
    /// `10.index.0.0/16`.
    pub index: u8,
    /// Seed of the run; a scenario derives its own stream from it and its index.
    pub seed: u64,
    /// Timestamp of the trace's first packet (ns since the Unix epoch).
    pub trace_start_ns: u64,
    /// Whether frames are captured whole (`--full-payload`); DNS and payload scenarios need it.
    pub full_payload: bool,
    /// Mean wire bytes per second of the benign traffic (for rates relative to it, such as
    /// `heavy-hitter`'s share).
    pub benign_bytes_per_s: f64,
}

/// A source of attack packets.
pub trait Scenario {
    /// Time of the next packet (ns since the Unix epoch), or `None` when the attack is over.
    fn next_time(&self) -> Option<u64>;
    /// Overwrites `spec` with the packet due at [`Scenario::next_time`] and moves on. Called
    /// only while `next_time` is `Some`; the generator stamps the packet with that time.
    fn emit(&mut self, spec: &mut PacketSpec);
    /// What the attack did so far.
    fn attack(&self) -> AttackRow;
}

impl ScenarioSpec {
    /// The scenario this flag describes, in the address block and time frame of `env`.
    /// Checks the parameters: an unknown key gives [`SpecError::UnknownParam`], a bad value
    /// [`SpecError::BadValue`], and a payload kind without `env.full_payload`
    /// [`SpecError::NeedsPayload`]. Each kind's parameters and defaults are in its module doc;
    /// every kind takes `start` (seconds after the trace start, default 0.5), `duration`
    /// (seconds, default 3) and `jitter` (largest delay of a packet, as a share of the spacing
    /// between packets, default 0.2).
    pub fn build(&self, env: &ScenarioEnv) -> Result<Box<dyn Scenario>, SpecError> {
        match self.kind {
            ScenarioKind::SynFlood => syn_flood::build(self, env),
            ScenarioKind::PortScan => port_scan::build(self, env),
            ScenarioKind::Superspreader => superspreader::build(self, env),
            ScenarioKind::Ddos => ddos::build(self, env),
            ScenarioKind::SshBrute => ssh_brute::build(self, env),
            ScenarioKind::Slowloris => slowloris::build(self, env),
            ScenarioKind::DnsReflection => dns_reflection::build(self, env),
            ScenarioKind::DnsTunnel => dns_tunnel::build(self, env),
            ScenarioKind::Zorro => zorro::build(self, env),
            ScenarioKind::HeavyHitter => heavy_hitter::build(self, env),
        }
    }
}
