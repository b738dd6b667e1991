//! Zipf skew of flow popularity (`pktstream gen --flow-skew S`): a wrapper that regroups a
//! profile's packets into a fixed population of flows whose popularity follows Zipf's law.
//!
//! [`SkewedModel`] keeps everything a profile says about packets and changes only which flow
//! each packet belongs to. Every packet still comes from the profile's model (its size, its
//! protocol, its direction, its DNS message or ICMP type), then is moved to a flow of the
//! population: the `k`-th most popular flow carries a share `k^-S / H(N, S)` of the packets,
//! where `N` is the population size and `H(N, S) = sum_{k=1..N} k^-S`.
//!
//! **The population.** [`population_size`] gives one flow per [`PACKETS_PER_FLOW`] expected
//! packets, from [`MIN_FLOWS`] to [`MAX_FLOWS`] (a 200 000-packet trace has 25 000 flows), so the
//! mean flow length stays fixed as traces grow, as in real captures. The wrapper first reads
//! `max(N, 16 384)` packets of the profile (not written to the trace): they give the share of
//! packets of each *class* (IP version and TCP, UDP, DNS or ICMP) and the endpoints of the
//! population's flows, in the profile's address style (hosts and server ports as the profile
//! draws them, with popular servers in many flows); each flow gets a fresh client port (ICMP:
//! echo identifier), so the `N` flows are distinct 5-tuples.
//!
//! **Ranks and classes.** A packet can only move to a flow of its own class (a TCP segment
//! does not become an ICMP echo). Ranks `1..=N` are dealt to classes in order, each to the class
//! with the largest unfilled share (relative to its target) among those that the rank's weight
//! fits, so that each class's flows together carry its packet share: the most popular flows
//! go to the dominant class, small classes take ranks where their weight fits. A packet of
//! class `c` then draws a flow of `c` with probability `k^-S / W_c` (`W_c` the class's weight;
//! an alias table makes the draw O(1), where a binary search over a large population would
//! miss the cache at every step): overall, flow `k` gets `k^-S / H(N, S)` up to the
//! sampling error of the class shares, so the protocol mix and packet sizes are the profile's
//! exactly and popularity is Zipf across all flows. A packet of a class the read-ahead never
//! saw keeps its own flow.
//!
//! **Plausible flows.** Flows of the population are connections established before the trace:
//! each TCP segment carries ACK (and PSH with a payload), the next sequence number of its
//! direction and the next one expected from the other side, so every flow's sequence numbers
//! advance by its payloads; handshake and close segments of the profile become bare ACKs. ICMP
//! echoes count their sequence numbers per flow; DNS queries go from the client's port to port
//! 53 (an answer may land on another flow than its query). Skewed benign traffic is not held
//! below the alarm rules of [`wire::sonata`]: its top flows are heavy hitters by design.

use std::collections::HashSet;
use std::net::IpAddr;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;
use wire::build::{PacketSpec, Transport};
use wire::record::tcp_flags;

use super::TrafficModel;

/// Expected benign packets per flow of the population.
pub const PACKETS_PER_FLOW: u64 = 8;
/// Smallest population.
pub const MIN_FLOWS: usize = 1024;
/// Largest population (about 60 MiB of flows and draw tables).
pub const MAX_FLOWS: usize = 1 << 20;
/// Packets read ahead at least, so that class shares are measured well in small traces.
const MIN_SAMPLE: usize = 16_384;
/// Random stream of the skew (models and the clock use 3 to 6, scenarios far above).
const STREAM: u64 = 7;
/// Classes: TCP, UDP, DNS, ICMP, times IPv4 and IPv6.
const CLASSES: usize = 8;
/// Client ports (and ICMP identifiers) of the population's flows.
const CLIENT_PORTS: std::ops::RangeInclusive<u16> = 1024..=65535;

/// The population size for a trace of `packets` benign packets: one flow per
/// [`PACKETS_PER_FLOW`], at least [`MIN_FLOWS`], at most [`MAX_FLOWS`].
pub fn population_size(packets: u64) -> usize {
    (packets / PACKETS_PER_FLOW).clamp(MIN_FLOWS as u64, MAX_FLOWS as u64) as usize
}

/// A skew exponent that is not a finite number above 0.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("flow skew {0}: expected a finite Zipf exponent above 0 (0.8 to 1.4 is typical)")]
pub struct InvalidSkew(pub f64);

/// The class of a packet: which flows it may move to.
fn class_of(spec: &PacketSpec) -> usize {
    let proto = match spec.transport {
        Transport::Tcp { .. } => 0,
        Transport::Udp { sport: 53, .. } | Transport::Udp { dport: 53, .. } => 2,
        Transport::Udp { .. } => 1,
        Transport::Icmp { .. } => 3,
    };
    proto + 4 * usize::from(spec.is_v6())
}

/// A flow of the population.
#[derive(Clone, Copy, Debug)]
struct PopulationFlow {
    client: IpAddr,
    server: IpAddr,
    /// Client port; ICMP: the echo identifier.
    cport: u16,
    /// Server port (0 for ICMP).
    sport: u16,
    /// Next TCP sequence number per direction (client to server, server to client); ICMP:
    /// the last echo sequence number in `[0]`.
    seq: [u32; 2],
}

/// The endpoints of a packet read ahead: client, server, server port.
type Endpoints = (IpAddr, IpAddr, u16);

fn endpoints(spec: &PacketSpec, from_client: bool) -> Endpoints {
    let (client, server) = if from_client { (spec.src, spec.dst) } else { (spec.dst, spec.src) };
    let sport =
        match spec.transport {
            Transport::Tcp { sport, dport, .. } | Transport::Udp { sport, dport } => {
                if from_client { dport } else { sport }
            }
            Transport::Icmp { .. } => 0,
        };
    (client, server, sport)
}

/// The flows of one class, most popular first, and the draw among them (`None`: no flows,
/// packets of the class keep their own).
#[derive(Debug, Default)]
struct ClassFlows {
    flows: Vec<PopulationFlow>,
    pick: Option<WeightedAliasIndex<f64>>,
}

/// Deals ranks `1..=n` (weights `k^-s`) to classes whose packet shares are `shares` (summing to
/// 1), so that each class's ranks weigh its share: each rank goes to the class with the largest
/// unfilled part of its share, relative to the share, among the classes it fits in (else to
/// the class with the largest unfilled part). Returns the class of each rank and its weight.
fn deal_ranks(n: usize, s: f64, shares: &[f64; CLASSES]) -> Vec<(usize, f64)> {
    let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    let target = shares.map(|p| p * total);
    let mut unfilled = target;
    let live: Vec<usize> = (0..CLASSES).filter(|&c| target[c] > 0.0).collect();
    weights
        .into_iter()
        .map(|w| {
            let fits = live.iter().copied().filter(|&c| unfilled[c] >= w).max_by(|&a, &b| {
                let key = |c: usize| (unfilled[c] / target[c], target[c]);
                key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
            });
            let c = fits
                .or_else(|| {
                    live.iter().copied().max_by(|&a, &b| unfilled[a].total_cmp(&unfilled[b]))
                })
                .unwrap_or(0);
            unfilled[c] -= w;
            (c, w)
        })
        .collect()
}

/// A traffic model whose packets are regrouped into a Zipf-popular population of flows.
pub struct SkewedModel {
    inner: Box<dyn TrafficModel>,
    classes: [ClassFlows; CLASSES],
    rng: ChaCha8Rng,
    from_client: bool,
}

impl SkewedModel {
    /// Wraps `inner`: reads ahead `max(flows, 16 384)` of its packets (stamped `start_ns`) to
    /// build a population of `flows` flows with Zipf exponent `exponent`, drawing from `seed`
    /// (sub-stream 7).
    ///
    /// # Errors
    /// [`InvalidSkew`] where `exponent` is not a finite number above 0.
    pub fn new(
        mut inner: Box<dyn TrafficModel>,
        exponent: f64,
        flows: usize,
        seed: u64,
        start_ns: u64,
    ) -> Result<Self, InvalidSkew> {
        if !(exponent.is_finite() && exponent > 0.0) {
            return Err(InvalidSkew(exponent));
        }
        let flows = flows.max(1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(STREAM);
        // Read ahead: class shares and endpoints, in the profile's order.
        let mut samples: [Vec<Endpoints>; CLASSES] = Default::default();
        let mut spec = PacketSpec::default();
        let read = flows.max(MIN_SAMPLE);
        for _ in 0..read {
            inner.next_packet(&mut spec, start_ns);
            samples[class_of(&spec)].push(endpoints(&spec, inner.last_from_client()));
        }
        let shares = std::array::from_fn(|c| samples[c].len() as f64 / read as f64);
        let mut classes: [ClassFlows; CLASSES] = Default::default();
        let mut weights: [Vec<f64>; CLASSES] = Default::default();
        let mut taken = HashSet::new();
        for (c, w) in deal_ranks(flows, exponent, &shares) {
            let class = &mut classes[c];
            let Some(&(client, server, sport)) =
                samples[c].get(class.flows.len() % samples[c].len().max(1))
            else {
                continue;
            };
            let cport = fresh_port(&mut rng, &mut taken, (client, server, sport, c));
            let seq = [rng.random(), rng.random()];
            class.flows.push(PopulationFlow { client, server, cport, sport, seq });
            weights[c].push(w);
        }
        for (class, w) in classes.iter_mut().zip(weights) {
            // Weights that all underflow (a huge exponent) leave the class's flows equal.
            let n = w.len();
            class.pick =
                WeightedAliasIndex::new(w).or_else(|_| WeightedAliasIndex::new(vec![1.0; n])).ok();
        }
        Ok(Self { inner, classes, rng, from_client: true })
    }

    /// Flows of the population (those of classes the read-ahead saw).
    pub fn flows(&self) -> usize {
        self.classes.iter().map(|c| c.flows.len()).sum()
    }
}

/// A client port not yet used by a flow between the same endpoints (after a few tries, any).
fn fresh_port<R: Rng + ?Sized>(
    rng: &mut R,
    taken: &mut HashSet<(IpAddr, IpAddr, u16, usize, u16)>,
    (client, server, sport, class): (IpAddr, IpAddr, u16, usize),
) -> u16 {
    let mut port = rng.random_range(CLIENT_PORTS);
    for _ in 0..16 {
        if taken.insert((client, server, sport, class, port)) {
            break;
        }
        port = rng.random_range(CLIENT_PORTS);
    }
    port
}

/// Moves `spec` (sent by the client when `from_client`) onto flow `f`.
fn move_to(spec: &mut PacketSpec, f: &mut PopulationFlow, from_client: bool) {
    (spec.src, spec.dst) = if from_client { (f.client, f.server) } else { (f.server, f.client) };
    let (sp, dp) = if from_client { (f.cport, f.sport) } else { (f.sport, f.cport) };
    let payload = spec.payload_len;
    match &mut spec.transport {
        Transport::Tcp { sport, dport, seq, ack, flags, .. } => {
            let dir = usize::from(!from_client);
            (*sport, *dport) = (sp, dp);
            *seq = f.seq[dir];
            *ack = f.seq[1 - dir];
            *flags = if payload > 0 { tcp_flags::ACK | tcp_flags::PSH } else { tcp_flags::ACK };
            f.seq[dir] = f.seq[dir].wrapping_add(payload as u32);
        }
        Transport::Udp { sport, dport } => (*sport, *dport) = (sp, dp),
        Transport::Icmp { rest, .. } => {
            // A request starts the next exchange; a reply answers the last one.
            if from_client {
                f.seq[0] = f.seq[0].wrapping_add(1);
            }
            *rest = (u32::from(f.cport) << 16) | (f.seq[0] & 0xffff);
        }
    }
}

impl TrafficModel for SkewedModel {
    fn next_packet(&mut self, spec: &mut PacketSpec, now_ns: u64) {
        self.inner.next_packet(spec, now_ns);
        self.from_client = self.inner.last_from_client();
        let class = &mut self.classes[class_of(spec)];
        let Some(pick) = &class.pick else { return };
        let i = pick.sample(&mut self.rng);
        if let Some(flow) = class.flows.get_mut(i) {
            move_to(spec, flow, self.from_client);
        }
    }

    fn last_from_client(&self) -> bool {
        self.from_client
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::zipf::harmonic;

    #[test]
    fn population_scales_with_packets() {
        assert_eq!(population_size(0), MIN_FLOWS);
        assert_eq!(population_size(200_000), 25_000);
        assert_eq!(population_size(u64::MAX), MAX_FLOWS);
    }

    #[test]
    fn dealt_ranks_weigh_each_class_share() {
        let mut shares = [0.0; CLASSES];
        for (c, p) in [(0, 0.81), (1, 0.075), (3, 0.009), (4, 0.09), (5, 0.008), (6, 0.006)] {
            shares[c] = p;
        }
        let sum: f64 = shares.iter().sum();
        let shares = shares.map(|p| p / sum);
        for s in [0.8, 1.0, 1.2, 1.4] {
            let n = 25_000;
            let dealt = deal_ranks(n, s, &shares);
            let total: f64 = dealt.iter().map(|d| d.1).sum();
            assert!((total - harmonic(n as u64, s)).abs() / total < 1e-6);
            for (c, &p) in shares.iter().enumerate() {
                let w: f64 = dealt.iter().filter(|d| d.0 == c).map(|d| d.1).sum::<f64>() / total;
                assert!((w - p).abs() < 1e-4, "s={s} class {c}: {w} vs {p}");
            }
            // The most popular flow goes to the dominant class.
            assert_eq!(dealt[0].0, 0, "s={s}");
        }
    }

    #[test]
    fn the_population_has_the_asked_size_and_distinct_flows() {
        let inner = Box::new(crate::model::simple::StressModel::new(
            &crate::model::simple::IMIX,
            Some(64),
            0.0,
            1,
        ));
        let m = SkewedModel::new(inner, 1.0, 4096, 1, 0).expect("valid exponent");
        assert_eq!(m.flows(), 4096);
        let keys: HashSet<_> =
            m.classes[1].flows.iter().map(|f| (f.client, f.cport, f.server, f.sport)).collect();
        assert_eq!(keys.len(), 4096, "UDP over IPv4 holds every flow, each its own 5-tuple");
    }

    #[test]
    fn exponents_must_be_finite_and_positive() {
        for s in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let inner = Box::new(crate::model::simple::StressModel::new(
                &crate::model::simple::MIN64,
                Some(16),
                0.0,
                1,
            ));
            let e = SkewedModel::new(inner, s, 1024, 1, 0).err().map(|e| e.to_string());
            assert!(e.is_some_and(|e| e.contains("flow skew")), "{s}");
        }
    }
}
