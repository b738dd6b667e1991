//! DNS messages (RFC 1035): a builder for the trace generator and tests, and a bounded,
//! never-panicking view for the queries that read DNS payloads.
//!
//! [`DnsMessage::write`] writes a message with one question and any number of answer records
//! (class IN). Names are written as labels; an answer whose name equals the question's (ASCII
//! case aside) points back to it with a compression pointer, as servers do.
//!
//! [`DnsView::new_checked`] checks that the 12-byte header is captured; every accessor after that
//! is total. [`DnsView::question`] reads the first question, following compression pointers at
//! most [`MAX_POINTER_HOPS`] times; [`DnsView::answer_types`] walks the answer section as far as
//! the capture goes (captures are often cut short) and yields the type of every answer record
//! whose type field was captured. Neither allocates, and neither panics on any input.

/// Length of the DNS header.
pub const HEADER_LEN: usize = 12;
/// The most bytes a name takes on the wire, length octets and the root label included.
pub const MAX_NAME_LEN: usize = 255;
/// The longest label.
pub const MAX_LABEL_LEN: usize = 63;
/// How many compression pointers the view follows in one name before it gives up (a loop).
pub const MAX_POINTER_HOPS: usize = 16;
/// The standard DNS port.
pub const PORT: u16 = 53;

/// Record type A: an IPv4 address.
pub const TYPE_A: u16 = 1;
/// Record type NS: a name server.
pub const TYPE_NS: u16 = 2;
/// Record type CNAME: a canonical name.
pub const TYPE_CNAME: u16 = 5;
/// Record type TXT: text strings.
pub const TYPE_TXT: u16 = 16;
/// Record type AAAA: an IPv6 address.
pub const TYPE_AAAA: u16 = 28;
/// Record type RRSIG: a DNSSEC signature (RFC 4034).
pub const TYPE_RRSIG: u16 = 46;
/// Class IN, the only class the builder writes.
pub const CLASS_IN: u16 = 1;

/// Response codes.
pub mod rcode {
    /// No error.
    pub const NOERROR: u8 = 0;
    /// Format error.
    pub const FORMERR: u8 = 1;
    /// Server failure.
    pub const SERVFAIL: u8 = 2;
    /// Non-existent domain.
    pub const NXDOMAIN: u8 = 3;
    /// Not implemented.
    pub const NOTIMP: u8 = 4;
    /// Refused.
    pub const REFUSED: u8 = 5;
}

// Header flag bits.
const QR: u16 = 0x8000;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;

mod build;
#[cfg(test)]
mod tests;
mod view;

pub use build::*;
pub use view::*;
