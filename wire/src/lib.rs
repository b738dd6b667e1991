//! The packet vocabulary both sides of pktstream share.
//!
//! - [`frames`]: frames as views over one preloaded buffer with an offset table;
//! - [`linktype`]: the capture link types the parser reads;
//! - [`parse`]: the never-panicking parser from a frame to a [`PacketRecord`], built on one
//!   validated view per protocol (`ethernet`, `ipv4`, `ipv6`, `tcp`, `udp`, `icmp`, ...);
//! - [`record`]: the fixed-size 64-byte record the engine passes around;
//! - [`flow`]: IPv4 and IPv6 flow keys;
//! - [`rss`]: the symmetric RSS hashes that split frames across receive rings;
//! - [`build`]: packet builders for the trace generator and for tests;
//! - [`dns`]: a DNS message builder and the bounded, never-panicking DNS view the payload
//!   queries read;
//! - [`sonata`]: the alarm rules, thresholds and windows the queries and the ground truth share;
//! - [`unique_ip`]: the per-loop address rewrite of `--unique-ip` (records and frames).

pub mod build;
pub mod checksum;
pub mod dns;
pub mod flow;
pub mod frames;
pub mod linktype;
pub mod parse;
pub mod prefetch;
pub mod proto;
pub mod record;
pub mod rss;
pub mod sonata;
pub mod unique_ip;

pub use flow::{FlowKey, FlowKeyV4, FlowKeyV6};
pub use frames::{Frame, FrameBuffer, FrameMeta};
pub use linktype::LinkType;
pub use parse::{Unparsed, parse_frame, parse_frame_into};
pub use record::PacketRecord;
pub use rss::RssFunction;
