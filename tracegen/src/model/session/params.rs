//! Parameters of the flow model: flow lengths, data sizes, protocol mix, gaps, hosts.

use rand::{Rng, RngExt};

use crate::model::dist::Sampler;
use crate::model::hosts::AddressPlan;
use crate::model::lengths::FlowLengths;
use crate::model::sizes::SizeMixture;

/// Planned flow lengths: the built-in plan, or a user's distribution.
#[derive(Clone, Debug)]
pub enum Lengths {
    /// The body-and-tail plan of the built-in profiles.
    Plan(FlowLengths),
    /// A user's distribution (rounded, at least 1), with its mean.
    Custom {
        /// The distribution.
        sampler: Sampler,
        /// Its mean (it must have one: flows arrive at one per mean length slots).
        mean: f64,
    },
}

impl Lengths {
    /// The mean length.
    pub fn mean(&self) -> f64 {
        match self {
            Lengths::Plan(p) => p.mean(),
            Lengths::Custom { mean, .. } => *mean,
        }
    }

    /// Draws a length.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Lengths::Plan(p) => p.sample(rng),
            Lengths::Custom { sampler, .. } => sampler.sample(rng).round().max(1.0) as u64,
        }
    }

    /// Draws a length biased by length (flows in progress at the start). A user's
    /// distribution is resampled: one of 32 draws, picked with probability proportional to its
    /// length.
    pub fn sample_length_biased<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Lengths::Plan(p) => p.sample_length_biased(rng),
            Lengths::Custom { .. } => {
                let draws: [u64; 32] = std::array::from_fn(|_| self.sample(rng));
                let total: u64 = draws.iter().sum();
                let mut u = rng.random_range(0..total.max(1));
                for d in draws {
                    if u < d {
                        return d;
                    }
                    u -= d;
                }
                draws[31]
            }
        }
    }
}

/// Wire sizes of data packets: a built-in mixture or a user's distribution.
#[derive(Clone, Debug)]
pub enum Sizes {
    /// A built-in mixture.
    Mixture(SizeMixture),
    /// A user's distribution, rounded and held to 60..=1514 bytes.
    Custom(Sampler),
}

impl Sizes {
    /// Draws a wire length.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        match self {
            Sizes::Mixture(m) => m.sample(rng),
            Sizes::Custom(s) => s.sample(rng).round().clamp(60.0, 1514.0) as u32,
        }
    }
}

/// Parameters of the flow model.
#[derive(Clone, Debug)]
pub struct FlowParams {
    /// Planned flow lengths.
    pub lengths: Lengths,
    /// Smallest mean gap between a flow's packets, in slots.
    pub gap_min: f64,
    /// Largest mean gap between a flow's packets, in slots.
    pub gap_max: f64,
    /// Wire sizes of data packets.
    pub sizes: Sizes,
    /// Share of flows that are IPv6.
    pub ipv6_share: f64,
    /// Share of flows that are DNS exchanges (UDP port 53, then a TCP connection).
    pub dns_share: f64,
    /// Share of flows that are other UDP.
    pub udp_share: f64,
    /// Share of flows that are ICMP echo.
    pub icmp_share: f64,
    /// TCP server ports and their weights.
    pub tcp_ports: Vec<(u16, f64)>,
    /// UDP server ports (other than DNS) and their weights.
    pub udp_ports: Vec<(u16, f64)>,
    /// Share of data packets going from server to client.
    pub download_share: f64,
    /// Share of TCP flows closed by a RST rather than FINs.
    pub rst_share: f64,
    /// Where addresses come from.
    pub addresses: AddressPlan,
    /// Share of new flows the most popular server receives (Zipf popularity of servers).
    pub server_top_share: f64,
    /// Packets per 1 s window the trace is expected to carry (sizes the host pools).
    pub packets_per_window: f64,
    /// Timestamp of the trace's first packet: flows in progress at the start count in its
    /// window.
    pub start_ns: u64,
}

impl FlowParams {
    /// The mean gap of a flow, in slots (log-uniform between the bounds).
    pub fn mean_gap(&self) -> f64 {
        if self.gap_max > self.gap_min {
            (self.gap_max - self.gap_min) / (self.gap_max / self.gap_min).ln()
        } else {
            self.gap_min
        }
    }
}
