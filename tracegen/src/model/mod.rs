//! Traffic models: where packets come from before they are timed and written.
//!
//! A [`TrafficModel`] describes packets one at a time as [`PacketSpec`]s; the generator
//! ([`crate::generator`]) gives them timestamps from the pacing and writes them. Models own
//! their random streams, seeded from the run's seed, so the same seed and generator version give
//! the same packets.
//!
//! - [`session`]: flows with life cycles, arrivals and host caps (`caida-like`, `fais-like`,
//!   `datacenter`), built from [`lengths`], [`sizes`], [`hosts`] and [`zipf`];
//! - [`simple`]: packet-level stress traffic (`imix`, `min64`, `flow-flood`);
//! - [`skew`]: any model's packets regrouped into flows of Zipf popularity (`--flow-skew`);
//! - [`dist`]: distributions by name and parameters, or empirical CDF files, for user profiles.

pub mod dist;
pub mod hosts;
pub mod lengths;
pub mod session;
pub mod simple;
pub mod sizes;
pub mod skew;
pub mod zipf;

use wire::build::PacketSpec;

/// A source of packets.
pub trait TrafficModel {
    /// Overwrites `spec` with the next packet, which the generator will stamp `now_ns` (models
    /// that keep per-window budgets read the window from it).
    fn next_packet(&mut self, spec: &mut PacketSpec, now_ns: u64);

    /// Whether the packet [`next_packet`](Self::next_packet) wrote last goes from its flow's
    /// client (the side that opened it) to its server; wrappers that move packets to other
    /// flows ([`skew`]) read it to keep directions. Models whose flows go one way keep the
    /// default, `true`.
    fn last_from_client(&self) -> bool {
        true
    }
}
