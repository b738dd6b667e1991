//! Traffic models: where packets come from before they are timed and written.
//!
//! A [`TrafficModel`] describes packets one at a time as [`PacketSpec`]s; the generator
//! ([`crate::generator`]) gives them timestamps from the pacing and writes them into a frame buffer.
//! Models own their random streams, seeded from the run's seed, so the same seed and generator
//! version give the same packets.

pub mod backbone;
pub mod dist;
pub mod sizes;
pub mod zipf;

use wire::build::PacketSpec;

/// A source of packets.
pub trait TrafficModel {
    /// Overwrites `spec` with the next packet.
    fn next_packet(&mut self, spec: &mut PacketSpec);
}
