//! Classic pcap capture files: reading a whole file into one [`wire::FrameBuffer`], and writing.
//!
//! The reader takes both byte orders and both timestamp resolutions (magic `a1b2c3d4` for
//! microseconds, `a1b23c4d` for nanoseconds), keeps the link type from the file header (its low
//! 16 bits; the upper bits carry FCS information, reported as a warning), and converts every
//! timestamp to nanoseconds. It makes one pass over the file and copies every record's bytes once,
//! into a buffer reserved from the file size.
//!
//! A capture that ends inside a record yields every complete record, a warning and
//! [`Capture::truncated_at_offset`]; with [`ReadOptions::strict`] that is
//! [`CaptureError::Truncated`]. A missing, empty or non-pcap file is an error whose message names
//! the file and the byte offset. pcapng files are recognised and refused with their own error.
//!
//! The writer ([`PcapWriter`], [`write_file`]) writes little-endian files, nanosecond resolution
//! by default.

mod error;
mod reader;
mod writer;

use serde::{Deserialize, Serialize};

pub use error::CaptureError;
pub use reader::{Capture, ReadOptions, read_bytes, read_file};
pub use writer::{PcapWriter, write_file};

/// The largest captured length of a record the reader accepts (libpcap's and Wireshark's
/// limit); a record claiming more means the rest of the file cannot be trusted.
pub const MAX_CAPLEN: u32 = 262_144;

/// The snapshot length [`write_file`] writes in the file header (tcpdump's default).
pub const DEFAULT_SNAPLEN: u32 = MAX_CAPLEN;

/// Length of the pcap file header.
pub const FILE_HEADER_LEN: usize = 24;

/// Length of a pcap record header.
pub const RECORD_HEADER_LEN: usize = 16;

/// Magic number of microsecond-resolution pcap files.
pub const MAGIC_MICRO: u32 = 0xa1b2_c3d4;

/// Magic number of nanosecond-resolution pcap files.
pub const MAGIC_NANO: u32 = 0xa1b2_3c4d;

/// Magic number (block type of the section header block) of pcapng files.
pub const MAGIC_PCAPNG: u32 = 0x0a0d_0d0a;

/// Resolution of the timestamps in a pcap file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TsResolution {
    /// Microseconds (magic `a1b2c3d4`).
    Micro,
    /// Nanoseconds (magic `a1b23c4d`), the default for files pktstream writes.
    #[default]
    Nano,
}

impl TsResolution {
    /// The magic number of files with this resolution.
    pub fn magic(self) -> u32 {
        match self {
            Self::Micro => MAGIC_MICRO,
            Self::Nano => MAGIC_NANO,
        }
    }

    /// Nanoseconds per unit of the file's sub-second timestamp field.
    pub fn ns_per_unit(self) -> u32 {
        match self {
            Self::Micro => 1_000,
            Self::Nano => 1,
        }
    }
}
