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
//! The victim is `10.i.0.1`; other hosts are taken in order from `10.i.1.0` on ("pool host k" is
//! `10.i.1.0 + k`).
//!
//! Timing: every kind takes `start` (seconds after the trace's first packet, default 0.5),
//! `duration` (seconds, default 3: any 3 s span holds two whole 1 s windows) and `jitter`
//! (largest delay of a step, as a share of the spacing between steps, default 0.2, seeded).
//! Attack steps are evenly spaced over `[start, start + duration)`; replies follow what they
//! answer by a fraction of a millisecond. The kinds, their own parameters (defaults) and the
//! main rule's count per whole window with the defaults (threshold in brackets):
//!
//! | kind | parameters | main rule per window |
//! |---|---|---|
//! | `syn-flood` | `rate` SYN/s (2000), `sources` spoofed (1000), `port` (80) | `sonata-syn-flood` on the victim: ~4000 SYN + SYN-ACK (40) |
//! | `port-scan` | `rate` probes/s (400), `first_port` (1), `ports` (1024) | `sonata-port-scan` on pool host 0: 400 ports (40) |
//! | `superspreader` | `rate` SYN/s (400), `destinations` (1000), `port` (445) | `sonata-superspreader` on pool host 0: 400 destinations (40) |
//! | `ddos` | `rate` datagrams/s (2000), `sources` (500), `port` (80), `size` (512) | `sonata-ddos` on the victim: 500 sources (45) |
//! | `ssh-brute` | `rate` logins/s (200), `sources` (200), `size` login bytes (100) | `sonata-ssh-brute` on the victim: 200 sources (40) |
//! | `slowloris` | `connections` (200), `sources` (1), `interval` s (1), `port` (80) | `sonata-slowloris` on the victim: 200 connections (5), 10 200 B (500), 51 B each (< 90) |
//! | `dns-reflection` | `rate` answers/s (1000), `resolvers` (200), `size` DNS bytes (1200) | `sonata-dns-reflection` on the victim: 200 resolvers (40) |
//! | `dns-tunnel` | `rate` queries/s (200), `bytes` per name (60), `answer` TXT bytes (120) | `sonata-dns-tunnel` on pool host 0: 200 answers (40) |
//! | `zorro` | `rate` connections/s (200), `sources` (1), `commands` /s (4) | `sonata-zorro` on the victim: 200 connections (40), 4 `zorro` packets |
//! | `heavy-hitter` | `share` of benign bytes/s (0.05) or `rate` frames/s, `port` (5201) | `heavy-hitter` on pool host 0 -> victim: 4.8% of the bytes (1%) |
//!
//! `slowloris` opens its connections over the first 80 ms after `start` and sends its header
//! lines over the `duration` from `start + 0.1 s`: a window holding the openings is not slow
//! (SYN, ACK and request line cost 141 bytes per connection). The kinds raise other rules too,
//! as the rules are worded (a server answering many clients is a `sonata-superspreader` and a
//! `sonata-port-scan` of their ports): the truth lists whatever holds.

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
    /// [`SpecError::NeedsPayload`]. The parameters of each kind are in the module doc.
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
