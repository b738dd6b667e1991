//! Capture files: reading classic pcap and pcapng in streaming batches or whole; writing both.
//!
//! Reading is three layers, each in its own file:
//! - [`load`]: how the bytes arrive ([`Loader`]): chunks of the file in order;
//! - `decode`: one decoder per format cuts units (headers, records, blocks) out of those chunks
//!   into a [`wire::FrameBuffer`], with every timestamp in nanoseconds and every frame's link
//!   type. The format comes from the magic number: `pcap_decoder` reads classic pcap (either
//!   byte order, microseconds or nanoseconds); `pcapng_decoder` reads pcapng (sections in
//!   either byte order, any number of interfaces of any link types and `if_tsresol`,
//!   enhanced, simple and obsolete packet blocks; other blocks skipped and counted). Frames of
//!   link types the parser does not read keep their number ([`wire::LinkType::Other`]) and are
//!   counted `unparsed` downstream;
//! - `reader`: [`CaptureReader`] joins the two (a unit split across chunks is gathered in a
//!   carry of at most one unit), and [`read_file`] / [`read_bytes`] read a whole capture.
//!
//! A capture that ends inside a record (a pcapng block) yields every complete record, a warning
//! and [`CaptureInfo::truncated_at_offset`]; with [`ReadOptions::strict`] that is
//! [`CaptureError::Truncated`] ([`CaptureError::TruncatedBlock`] for pcapng). A missing, empty
//! or unrecognised file, and a record or block whose lengths cannot be trusted, is an error
//! whose message names the file and the byte offset.
//!
//! Two writers, both little-endian and nanosecond resolution by default:
//!
//! - classic pcap: [`PcapWriter`], and [`write_file`] for a whole [`wire::FrameBuffer`];
//! - pcapng ([draft-ietf-opsawg-pcapng]): [`PcapngWriter`] writes one section header block (with
//!   the application and an optional comment from [`CaptureMeta`]), one interface description
//!   block (link type, snaplen, `if_tsresol`) and one enhanced packet block per frame.
//!
//! [`write_capture`] writes a whole buffer in either [`CaptureFormat`] (chosen by name, or from
//! the file name with [`CaptureFormat::from_path`]); like [`write_file`] it replaces the file
//! atomically.
//!
//! [draft-ietf-opsawg-pcapng]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/

mod decode;
mod error;
pub mod load;
mod pcap_decoder;
mod pcapng_decoder;
mod pcapng_writer;
mod reader;
mod writer;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wire::LinkType;

pub use error::CaptureError;
pub use load::{ByteSource, Loader, LoaderUsed};
pub use pcapng_writer::PcapngWriter;
pub use reader::{Capture, CaptureInfo, CaptureReader, ReadOptions, read_bytes, read_file};
pub use writer::{PcapWriter, write_capture, write_file};

/// The largest captured length of a record the reader accepts (libpcap's and Wireshark's
/// limit); a record claiming more means the rest of the file cannot be trusted.
pub const MAX_CAPLEN: u32 = 262_144;

/// The largest total length of a pcapng block the reader accepts (16 MiB): it holds at most one
/// block in memory at a time, and a packet block never needs more than [`MAX_CAPLEN`] plus its
/// options. A block claiming more means the rest of the file cannot be trusted.
pub const MAX_BLOCK_LEN: u32 = 16 * 1024 * 1024;

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

/// Resolution of the timestamps in a capture file.
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

    /// Nanoseconds per unit of the file's sub-second timestamp field (of a pcapng timestamp).
    pub fn ns_per_unit(self) -> u32 {
        match self {
            Self::Micro => 1_000,
            Self::Nano => 1,
        }
    }

    /// The value of the pcapng `if_tsresol` option for this resolution: the unit as a negative
    /// power of ten (6 for microseconds, 9 for nanoseconds).
    pub fn pcapng_tsresol(self) -> u8 {
        match self {
            Self::Micro => 6,
            Self::Nano => 9,
        }
    }
}

/// What an interface (the file header, for classic pcap) says of its frames.
///
/// For a pcapng interface, `resolution` is [`TsResolution::Micro`] where its `if_tsresol` unit is
/// a whole number of microseconds (10^-n or 2^-n s with n <= 6), else
/// [`TsResolution::Nano`]: the coarser of the two that loses nothing of what the interface
/// records (frames carry nanoseconds either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceInfo {
    /// Link type of its frames.
    pub link: LinkType,
    /// Its snapshot length.
    pub snaplen: u32,
    /// Resolution of its timestamps (frames carry nanoseconds either way).
    pub resolution: TsResolution,
}

/// The format of a capture file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptureFormat {
    /// Classic pcap (libpcap's format): one file header, then one record per frame.
    #[default]
    Pcap,
    /// pcapng: blocks in sections; the writer makes one section header block, one interface
    /// description block, then one enhanced packet block per frame.
    Pcapng,
}

impl CaptureFormat {
    /// Every format, in the order error messages list them.
    pub const ALL: [CaptureFormat; 2] = [CaptureFormat::Pcap, CaptureFormat::Pcapng];

    /// The format's name, as [`FromStr`] takes it: `pcap` or `pcapng`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pcap => "pcap",
            Self::Pcapng => "pcapng",
        }
    }

    /// The format a file name asks for: [`Pcapng`](Self::Pcapng) where the extension is
    /// `pcapng` (in any case), else [`Pcap`](Self::Pcap).
    pub fn from_path(path: &Path) -> Self {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("pcapng") => Self::Pcapng,
            _ => Self::Pcap,
        }
    }
}

impl fmt::Display for CaptureFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CaptureFormat {
    type Err = UnknownCaptureFormat;

    /// Parses a format name (exactly as [`CaptureFormat::name`] writes it).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownCaptureFormat { given: s.to_owned() })
    }
}

/// A capture format name [`CaptureFormat::from_str`] does not know; the message lists the
/// valid names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCaptureFormat {
    /// The name given.
    pub given: String,
}

impl fmt::Display for UnknownCaptureFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown capture format {:?}: expected one of ", self.given)?;
        for (i, format) in CaptureFormat::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(format.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownCaptureFormat {}

/// What a capture file says about itself, where its format has room for it: pcapng writes both
/// fields into its section header block; classic pcap has no place for them and ignores them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaptureMeta {
    /// The application that wrote the file (pcapng `shb_userappl`), e.g. `pktstream 0.3.0`;
    /// empty writes no such option.
    pub application: String,
    /// A comment on the whole capture (pcapng `opt_comment` of the section header block).
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_format_from_path_goes_by_extension() {
        for (path, want) in [
            ("out.pcapng", CaptureFormat::Pcapng),
            ("dir/OUT.PCAPNG", CaptureFormat::Pcapng),
            ("a.b.PcapNg", CaptureFormat::Pcapng),
            ("out.pcap", CaptureFormat::Pcap),
            ("out", CaptureFormat::Pcap),
            ("pcapng", CaptureFormat::Pcap),
            ("out.pcapng.gz", CaptureFormat::Pcap),
            (".pcapng", CaptureFormat::Pcap),
        ] {
            assert_eq!(CaptureFormat::from_path(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn capture_format_names_round_trip_and_unknown_names_list_valid_ones() {
        for f in CaptureFormat::ALL {
            assert_eq!(f.name().parse::<CaptureFormat>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        let err = "PCAPNG2".parse::<CaptureFormat>().unwrap_err();
        assert_eq!(err.given, "PCAPNG2");
        assert_eq!(
            err.to_string(),
            "unknown capture format \"PCAPNG2\": expected one of pcap, pcapng"
        );
        assert!("".parse::<CaptureFormat>().is_err());
    }

    #[test]
    fn default_format_is_pcap_and_tsresol_is_the_power_of_ten() {
        assert_eq!(CaptureFormat::default(), CaptureFormat::Pcap);
        assert_eq!(TsResolution::Micro.pcapng_tsresol(), 6);
        assert_eq!(TsResolution::Nano.pcapng_tsresol(), 9);
    }
}
