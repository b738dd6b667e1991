//! Why a capture file could not be read.
//!
//! Every message is one line that names the file, the byte offset where reading stopped and what
//! the reader expected there, so the command line can print it as is (and exit with status 2).
//! The first variants apply to every format; the pcapng ones (from
//! [`UnsupportedPcapngVersion`](CaptureError::UnsupportedPcapngVersion) on) name the block
//! where reading stopped.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use super::pcapng_decoder::block_name;
use super::{MAX_BLOCK_LEN, MAX_CAPLEN};

/// A capture file that cannot be read, or can be read only in part where that is an error.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The file is missing or cannot be read.
    #[error("{}: cannot read the file at byte offset {offset}: {source} (expected a readable capture file)", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// How far reading got before the error.
        offset: u64,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// The file has no bytes at all.
    #[error(
        "{file}: empty file at byte offset 0: expected a pcap file header or a pcapng section \
         header block"
    )]
    Empty {
        /// The file.
        file: String,
    },

    /// The file starts with the magic number of no format the reader knows.
    #[error(
        "{file}: bad magic number {} at byte offset 0: expected a pcap file \
         (a1b2c3d4 or a1b23c4d, in either byte order) or a pcapng file (0a0d0d0a)",
        hex4(found)
    )]
    BadMagic {
        /// The file.
        file: String,
        /// The first four bytes of the file, as found.
        found: [u8; 4],
    },

    /// The file ends inside the 24-byte file header of a classic pcap file, or inside its
    /// first four bytes (too short to name a format).
    #[error(
        "{file}: truncated file header: the file ends at byte offset {offset}, \
         expected a 24-byte pcap file header"
    )]
    TruncatedHeader {
        /// The file.
        file: String,
        /// The file's length, where the header was cut off.
        offset: u64,
    },

    /// The file header's major version is not 2.
    #[error(
        "{file}: unsupported pcap version {major}.{minor} at byte offset 4: expected version 2.x"
    )]
    UnsupportedVersion {
        /// The file.
        file: String,
        /// Major version found.
        major: u16,
        /// Minor version found.
        minor: u16,
    },

    /// A record (a pcapng packet block) claims more captured bytes than any pcap reader
    /// accepts; the rest of the file cannot be trusted.
    #[error(
        "{file}: record {record} at byte offset {offset} claims {caplen} captured bytes: \
         expected at most {max} (the rest of the file cannot be trusted)",
        max = MAX_CAPLEN
    )]
    RecordTooLarge {
        /// The file.
        file: String,
        /// Offset of the record header (of the pcapng block).
        offset: u64,
        /// One-based number of the record (of the frame the block would have been).
        record: u64,
        /// The captured length the record header claims.
        caplen: u32,
    },

    /// The capture ends inside a record, and the reader was asked to be strict.
    #[error(
        "{file}: truncated at byte offset {offset}: record {record} needs {expected} bytes \
         but the file has {found} left ({complete} complete records before it; \
         a non-strict read keeps them)",
        complete = record - 1
    )]
    Truncated {
        /// The file.
        file: String,
        /// Offset of the incomplete record's header.
        offset: u64,
        /// One-based number of the incomplete record.
        record: u64,
        /// Bytes the record needs (header, then header plus data once the header is whole).
        expected: u64,
        /// Bytes the file has from `offset` to its end.
        found: u64,
    },

    /// The file ends inside the section header block that starts a pcapng file.
    #[error(
        "{file}: truncated section header block: the file ends at byte offset {offset}, \
         expected a pcapng section header block of {expected} bytes"
    )]
    TruncatedSectionHeader {
        /// The file.
        file: String,
        /// The file's length, where the block was cut off.
        offset: u64,
        /// Bytes the block needs (its total length, or the 28-byte minimum where the file ends
        /// before the length).
        expected: u64,
    },

    /// A pcapng section header block's major version is not 1.
    #[error(
        "{file}: unsupported pcapng version {major}.{minor} at byte offset {offset}: \
         expected version 1.x"
    )]
    UnsupportedPcapngVersion {
        /// The file.
        file: String,
        /// Offset of the version fields.
        offset: u64,
        /// Major version found.
        major: u16,
        /// Minor version found.
        minor: u16,
    },

    /// A pcapng section header block's byte-order magic is neither 1a2b3c4d nor 4d3c2b1a.
    #[error(
        "{file}: bad byte-order magic {} at byte offset {offset}: expected 1a2b3c4d in either \
         byte order (a pcapng section header block)",
        hex4(found)
    )]
    BadByteOrderMagic {
        /// The file.
        file: String,
        /// Offset of the byte-order magic.
        offset: u64,
        /// The four bytes found there.
        found: [u8; 4],
    },

    /// A pcapng block's total length is below what its type needs.
    #[error(
        "{file}: {block} at byte offset {offset} has total length {length}: expected at least \
         {min} (the rest of the file cannot be trusted)",
        block = block_name(*block_type)
    )]
    BlockTooShort {
        /// The file.
        file: String,
        /// Offset of the block.
        offset: u64,
        /// The block's type.
        block_type: u32,
        /// The total length it claims.
        length: u32,
        /// The least total length of a block of its type.
        min: u32,
    },

    /// A pcapng block's total length is above [`MAX_BLOCK_LEN`]: the reader holds at most one
    /// block in memory, and no sane writer makes such blocks.
    #[error(
        "{file}: {block} at byte offset {offset} has total length {length}: expected at most \
         {max} (the rest of the file cannot be trusted)",
        block = block_name(*block_type),
        max = MAX_BLOCK_LEN
    )]
    BlockTooLong {
        /// The file.
        file: String,
        /// Offset of the block.
        offset: u64,
        /// The block's type.
        block_type: u32,
        /// The total length it claims.
        length: u32,
    },

    /// A pcapng block's trailing total length differs from its leading one.
    #[error(
        "{file}: {block} at byte offset {offset} has leading total length {leading} but \
         trailing total length {trailing}: expected them equal (the rest of the file cannot be \
         trusted)",
        block = block_name(*block_type)
    )]
    BlockLengthMismatch {
        /// The file.
        file: String,
        /// Offset of the block.
        offset: u64,
        /// The block's type.
        block_type: u32,
        /// The total length at the block's start.
        leading: u32,
        /// The total length at the block's end.
        trailing: u32,
    },

    /// A pcapng packet block claims more captured bytes than the block holds.
    #[error(
        "{file}: {block} at byte offset {offset} claims {caplen} captured bytes: expected at \
         most the {room} bytes its total length leaves for packet data",
        block = block_name(*block_type)
    )]
    PacketBeyondBlock {
        /// The file.
        file: String,
        /// Offset of the block.
        offset: u64,
        /// The block's type.
        block_type: u32,
        /// The captured length the block claims.
        caplen: u32,
        /// Bytes the block has for packet data.
        room: u32,
    },

    /// A pcapng packet block names an interface its section has not described.
    #[error(
        "{file}: {block} at byte offset {offset} is on interface {interface}: expected one of \
         the {defined} interface(s) described in its section before it",
        block = block_name(*block_type)
    )]
    UndefinedInterface {
        /// The file.
        file: String,
        /// Offset of the block.
        offset: u64,
        /// The block's type.
        block_type: u32,
        /// The interface id the block names.
        interface: u32,
        /// Interfaces its section had described by then.
        defined: usize,
    },

    /// A pcapng option runs past its block's body, or a known option has the wrong length.
    #[error(
        "{file}: option {code} at byte offset {offset} has length {length}: expected {expected}"
    )]
    BadOption {
        /// The file.
        file: String,
        /// Offset of the option's code.
        offset: u64,
        /// The option code.
        code: u16,
        /// The length the option claims.
        length: u16,
        /// What its length should have been.
        expected: String,
    },

    /// The capture ends inside a pcapng block (after the first section header block), and the
    /// reader was asked to be strict.
    #[error(
        "{file}: truncated at byte offset {offset}: the block there needs {expected} bytes but \
         the file has {found} left ({frames} complete frames before it; a non-strict read \
         keeps them)"
    )]
    TruncatedBlock {
        /// The file.
        file: String,
        /// Offset of the incomplete block.
        offset: u64,
        /// Bytes the block needs (its header, then its total length once the header is whole).
        expected: u64,
        /// Bytes the file has from `offset` to its end.
        found: u64,
        /// Frames read before it.
        frames: u64,
    },
}

impl CaptureError {
    /// The byte offset the message names: where reading stopped.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Io { offset, .. } => *offset,
            Self::Empty { .. } | Self::BadMagic { .. } => 0,
            Self::UnsupportedVersion { .. } => 4,
            Self::TruncatedHeader { offset, .. }
            | Self::RecordTooLarge { offset, .. }
            | Self::Truncated { offset, .. }
            | Self::TruncatedSectionHeader { offset, .. }
            | Self::UnsupportedPcapngVersion { offset, .. }
            | Self::BadByteOrderMagic { offset, .. }
            | Self::BlockTooShort { offset, .. }
            | Self::BlockTooLong { offset, .. }
            | Self::BlockLengthMismatch { offset, .. }
            | Self::PacketBeyondBlock { offset, .. }
            | Self::UndefinedInterface { offset, .. }
            | Self::BadOption { offset, .. }
            | Self::TruncatedBlock { offset, .. } => *offset,
        }
    }
}

fn hex4(b: &[u8; 4]) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}
