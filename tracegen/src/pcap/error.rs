//! Why a capture file could not be read.
//!
//! Every message is one line that names the file, the byte offset where reading stopped and what
//! the reader expected there, so the command line can print it as is (and exit with status 2).

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use super::MAX_CAPLEN;

/// A capture file that cannot be read, or can be read only in part where that is an error.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The file is missing or cannot be read.
    #[error("{}: cannot read the file at byte offset {offset}: {source} (expected a readable pcap file)", path.display())]
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
    #[error("{file}: empty file at byte offset 0: expected a 24-byte pcap file header")]
    Empty {
        /// The file.
        file: String,
    },

    /// The file does not start with a pcap magic number.
    #[error(
        "{file}: bad magic number {} at byte offset 0: expected a pcap file \
         (a1b2c3d4 or a1b23c4d, in either byte order)",
        hex4(found)
    )]
    BadMagic {
        /// The file.
        file: String,
        /// The first four bytes of the file, as found.
        found: [u8; 4],
    },

    /// The file is a pcapng file, which this reader does not read yet.
    #[error(
        "{file}: pcapng file (magic 0a0d0d0a at byte offset 0): pcapng is not read yet; \
         expected a classic pcap file (convert with `editcap -F pcap`)"
    )]
    Pcapng {
        /// The file.
        file: String,
    },

    /// The file ends inside the 24-byte file header.
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

    /// A record claims more captured bytes than any pcap reader accepts; the rest of the file
    /// cannot be trusted.
    #[error(
        "{file}: record {record} at byte offset {offset} claims {caplen} captured bytes: \
         expected at most {max} (the rest of the file cannot be trusted)",
        max = MAX_CAPLEN
    )]
    RecordTooLarge {
        /// The file.
        file: String,
        /// Offset of the record header.
        offset: u64,
        /// One-based number of the record.
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
}

impl CaptureError {
    /// The byte offset the message names: where reading stopped.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Io { offset, .. } => *offset,
            Self::Empty { .. } | Self::BadMagic { .. } | Self::Pcapng { .. } => 0,
            Self::UnsupportedVersion { .. } => 4,
            Self::TruncatedHeader { offset, .. }
            | Self::RecordTooLarge { offset, .. }
            | Self::Truncated { offset, .. } => *offset,
        }
    }
}

fn hex4(b: &[u8; 4]) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}
