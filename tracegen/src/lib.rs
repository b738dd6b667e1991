//! Traffic out: traffic models and profiles, the trace generator, capture reading and writing.
//!
//! - [`model`]: traffic models ([`model::TrafficModel`]) and their building blocks;
//! - [`profile`]: the named profiles `pktstream gen --profile` accepts;
//! - [`generator`]: timing and writing a profile's packets into a frame buffer;
//! - [`pcap`]: classic pcap reading (into one preloaded buffer); classic pcap and pcapng writing.

pub mod generator;
pub mod model;
pub mod pcap;
pub mod profile;
pub mod profile_file;
pub mod replay;
pub mod scenario;

pub use generator::{
    GENERATOR_VERSION, GenConfig, Generator, Pacing, generate, generate_with_truth,
};
pub use profile::Profile;
