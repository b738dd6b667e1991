//! Capture decoding, format by format: a [`UnitDecoder`] cuts a capture's units (file header,
//! records, blocks) out of bytes that arrive in file order, in pieces of any size.
//!
//! The reader ([`super::CaptureReader`]) owns the bytes and hands each decoder a contiguous
//! slice; a decoder never sees a unit split across two slices: where the slice ends inside a
//! unit, it stops before that unit, and the reader asks [`UnitDecoder::unit_len`] how many bytes
//! the unit needs, gathers them, and offers the whole unit again. That keeps every format's hot
//! loop free of buffering logic, and lets a whole file in memory (`read_bytes`, `mmap`) decode in
//! one call with no copy but the frames'.
//!
//! [`CaptureDecoder::detect`] picks the format from the first four bytes.

use wire::FrameBuffer;

use super::pcap_decoder::PcapDecoder;
use super::pcapng_decoder::PcapngDecoder;
use super::{CaptureError, CaptureFormat, InterfaceInfo, MAGIC_MICRO, MAGIC_NANO, MAGIC_PCAPNG};

/// What a decoder knows of its capture once the bytes have ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeSummary {
    /// The capture's format.
    pub(crate) format: CaptureFormat,
    /// The link type, snaplen and timestamp resolution of the capture's first interface (the
    /// only one of a classic pcap file).
    pub(crate) first_interface: Option<InterfaceInfo>,
    /// Frames decoded.
    pub(crate) frames: u64,
    /// One line per oddity found, each naming the file.
    pub(crate) warnings: Vec<String>,
}

/// One capture format's decoder. Offsets are file offsets, used in messages.
pub(crate) trait UnitDecoder {
    /// The length of the unit `prefix` starts with, once `prefix` holds enough of it to tell
    /// (`None` until then).
    ///
    /// # Errors
    /// A unit whose length cannot be trusted (e.g. a record longer than
    /// [`MAX_CAPLEN`](super::MAX_CAPLEN)): the rest of the file cannot be read.
    fn unit_len(&self, prefix: &[u8], offset: u64) -> Result<Option<usize>, CaptureError>;

    /// Decodes every complete unit at the start of `data` (which starts at file offset
    /// `offset`), appending frames to `out`; returns the bytes consumed. Stops before the first
    /// incomplete unit. Frames appended before an error stay in `out`.
    fn decode(
        &mut self,
        data: &[u8],
        offset: u64,
        out: &mut FrameBuffer,
    ) -> Result<usize, CaptureError>;

    /// Ends the capture: `rest` is what follows the last complete unit (empty for a capture
    /// that ends cleanly), starting at file offset `offset`.
    ///
    /// # Errors
    /// With `strict`, a capture that ends inside a unit ([`CaptureError::Truncated`]); a capture
    /// that ends before its first header ([`CaptureError::TruncatedHeader`]).
    fn finish(
        self,
        rest: &[u8],
        offset: u64,
        strict: bool,
    ) -> Result<(DecodeSummary, Option<u64>), CaptureError>;
}

/// The decoder of one of the supported formats.
#[derive(Debug)]
pub(crate) enum CaptureDecoder {
    /// Classic pcap (either byte order and resolution).
    Pcap(PcapDecoder),
    /// pcapng (sections in either byte order, any number of interfaces).
    Pcapng(PcapngDecoder),
}

/// Bytes [`CaptureDecoder::detect`] needs.
pub(crate) const MAGIC_LEN: usize = 4;

impl CaptureDecoder {
    /// The decoder for a capture whose first bytes are `head` (at least [`MAGIC_LEN`] of them,
    /// or the whole file where it is shorter).
    ///
    /// # Errors
    /// An empty file, a file shorter than a magic number, a magic number of no supported format.
    pub(crate) fn detect(name: &str, head: &[u8]) -> Result<Self, CaptureError> {
        let file = || name.to_owned();
        if head.is_empty() {
            return Err(CaptureError::Empty { file: file() });
        }
        let magic: [u8; MAGIC_LEN] = match head.get(..MAGIC_LEN).and_then(|m| m.try_into().ok()) {
            Some(m) => m,
            None => {
                return Err(CaptureError::TruncatedHeader {
                    file: file(),
                    offset: head.len() as u64,
                });
            }
        };
        let le = u32::from_le_bytes(magic);
        match le {
            MAGIC_PCAPNG => Ok(Self::Pcapng(PcapngDecoder::new(name))),
            m if [MAGIC_MICRO, MAGIC_NANO].contains(&m)
                || [MAGIC_MICRO, MAGIC_NANO].contains(&m.swap_bytes()) =>
            {
                Ok(Self::Pcap(PcapDecoder::new(name)))
            }
            _ => Err(CaptureError::BadMagic { file: file(), found: magic }),
        }
    }
}

impl UnitDecoder for CaptureDecoder {
    #[inline]
    fn unit_len(&self, prefix: &[u8], offset: u64) -> Result<Option<usize>, CaptureError> {
        match self {
            Self::Pcap(d) => d.unit_len(prefix, offset),
            Self::Pcapng(d) => d.unit_len(prefix, offset),
        }
    }

    #[inline]
    fn decode(
        &mut self,
        data: &[u8],
        offset: u64,
        out: &mut FrameBuffer,
    ) -> Result<usize, CaptureError> {
        match self {
            Self::Pcap(d) => d.decode(data, offset, out),
            Self::Pcapng(d) => d.decode(data, offset, out),
        }
    }

    fn finish(
        self,
        rest: &[u8],
        offset: u64,
        strict: bool,
    ) -> Result<(DecodeSummary, Option<u64>), CaptureError> {
        match self {
            Self::Pcap(d) => d.finish(rest, offset, strict),
            Self::Pcapng(d) => d.finish(rest, offset, strict),
        }
    }
}
