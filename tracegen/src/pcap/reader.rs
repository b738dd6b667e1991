//! Reading a capture file: streaming, in bounded batches ([`CaptureReader`]), or whole into one
//! [`FrameBuffer`] ([`read_file`], [`read_bytes`]).
//!
//! A [`CaptureReader`] pulls the file's bytes from a loader ([`load`](super::load)) in chunks
//! and hands them to the format's decoder ([`decode`](super::decode)). A unit (record, block)
//! that straddles two chunks is gathered in a small carry buffer (at most one unit) and decoded
//! from there; everything else is decoded straight from the chunk, so each frame's bytes are
//! copied once, into the caller's buffer. Memory is bounded by the batch the caller asks for,
//! the loader's buffers and one unit, whatever the file's size.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wire::FrameBuffer;

use super::decode::{CaptureDecoder, MAGIC_LEN, UnitDecoder};
use super::load::{self, ByteSource, Loader, LoaderUsed};
use super::{CaptureError, CaptureFormat, FILE_HEADER_LEN, InterfaceInfo, RECORD_HEADER_LEN};

/// How to read a capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// Make a capture that ends inside a record or block an error ([`CaptureError::Truncated`],
    /// [`CaptureError::TruncatedBlock`]) instead of a warning.
    pub strict: bool,
    /// How the file's bytes are loaded.
    pub loader: Loader,
}

/// What a read learned of a capture, besides its frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureInfo {
    /// The file's format.
    pub format: CaptureFormat,
    /// Link type, snaplen and timestamp resolution of the first interface (the file header's,
    /// for classic pcap); `None` for a pcapng file that describes no interface. Every frame
    /// carries its own link type.
    pub first_interface: Option<InterfaceInfo>,
    /// Frames read.
    pub frames: u64,
    /// Offset of the incomplete record (or block) where the capture ends inside one.
    pub truncated_at_offset: Option<u64>,
    /// One line per oddity found (truncation, records longer than the snaplen, `orig_len`
    /// shorter than the captured length, FCS bits in the link type, ...), each naming the file.
    pub warnings: Vec<String>,
    /// Bytes read from the file.
    pub file_bytes: u64,
    /// The loader that read it.
    pub loader: LoaderUsed,
}

/// A capture file read into memory.
///
/// `wire_len` of a frame is the record's `orig_len` as the file gives it: in malformed files it
/// may be smaller than the captured length, or zero (a warning says so). Never divide by it
/// without a check.
#[derive(Clone, Debug)]
pub struct Capture {
    /// Every complete record, in file order.
    pub frames: FrameBuffer,
    /// The rest of what the read found.
    pub info: CaptureInfo,
}

/// Reads the capture file at `path` (classic pcap or pcapng), whole.
///
/// # Errors
/// A missing or unreadable, empty or unrecognised file, a truncated file header, a malformed
/// record or block (each [`CaptureError`] variant says which), and, with `opts.strict`, a
/// capture that ends inside a record or block.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<Capture, CaptureError> {
    let mut reader = CaptureReader::open(path, opts)?;
    // The captured bytes can never exceed the file's body; the offset table is sized for
    // frames of at least 60 bytes (the Ethernet minimum). Pages never touched cost nothing.
    let body = reader.source.size_hint().saturating_sub(FILE_HEADER_LEN as u64);
    let min_record = (RECORD_HEADER_LEN + 60) as u64;
    let mut frames = FrameBuffer::with_capacity(
        usize::try_from(body / min_record).unwrap_or(0),
        usize::try_from(body).unwrap_or(0),
    );
    while reader.read_batch(&mut frames, usize::MAX)? > 0 {}
    let info = reader.finish()?;
    Ok(Capture { frames, info })
}

/// Reads a capture held in memory; `name` stands for the file in messages.
///
/// # Errors
/// As [`read_file`], less the I/O errors.
pub fn read_bytes(name: &str, data: &[u8], opts: &ReadOptions) -> Result<Capture, CaptureError> {
    let mut decoder = CaptureDecoder::detect(name, data)?;
    let mut frames = FrameBuffer::new();
    let used = decoder.decode(data, 0, &mut frames)?;
    let rest = data.get(used..).unwrap_or_default();
    let (summary, truncated_at_offset) = decoder.finish(rest, used as u64, opts.strict)?;
    let info = CaptureInfo {
        format: summary.format,
        first_interface: summary.first_interface,
        frames: summary.frames,
        truncated_at_offset,
        warnings: summary.warnings,
        file_bytes: data.len() as u64,
        loader: LoaderUsed::default(),
    };
    Ok(Capture { frames, info })
}

/// Bytes added to an incomplete unit's carry at a time while its length is still unknown:
/// enough for any header that says a unit's length.
const PROBE_LEN: usize = 32;

/// A capture file read in batches of frames, in file order.
pub struct CaptureReader {
    name: String,
    path: PathBuf,
    strict: bool,
    source: Box<dyn ByteSource>,
    loader: LoaderUsed,
    /// `None` until the first bytes named the format.
    decoder: Option<CaptureDecoder>,
    /// An incomplete unit (or the first bytes, before the format is known), and its offset.
    carry: Vec<u8>,
    carry_offset: u64,
    /// File offset of the next chunk.
    next_offset: u64,
    ended: bool,
}

impl CaptureReader {
    /// Opens `path` for reading with `opts.loader`.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Self, CaptureError> {
        let (source, loader) = load::open(path, opts.loader)
            .map_err(|source| CaptureError::Io { path: path.to_path_buf(), offset: 0, source })?;
        Ok(Self::from_source(path, source, loader, opts.strict))
    }

    /// A reader over any source of bytes; `path` names it in messages.
    pub fn from_source(
        path: &Path,
        source: Box<dyn ByteSource>,
        loader: LoaderUsed,
        strict: bool,
    ) -> Self {
        Self {
            name: path.display().to_string(),
            path: path.to_path_buf(),
            strict,
            source,
            loader,
            decoder: None,
            carry: Vec::new(),
            carry_offset: 0,
            next_offset: 0,
            ended: false,
        }
    }

    /// The loader reading the file, and why it is not the one asked for where it is not.
    pub fn loader(&self) -> &LoaderUsed {
        &self.loader
    }

    /// Bytes read from the file so far.
    pub fn bytes_read(&self) -> u64 {
        self.next_offset
    }

    /// Appends complete frames to `out` until it holds at least `min_bytes` captured bytes (and
    /// at least one new frame) or the capture ends; returns the frames appended, 0 only at the
    /// end. A batch may pass `min_bytes` by up to one loader chunk.
    ///
    /// # Errors
    /// As [`read_file`], less truncation (which [`finish`](Self::finish) reports). Frames
    /// appended before an error stay in `out`.
    pub fn read_batch(
        &mut self,
        out: &mut FrameBuffer,
        min_bytes: usize,
    ) -> Result<usize, CaptureError> {
        let before = out.len();
        while !self.ended && (out.len() == before || out.captured_bytes() < min_bytes) {
            let offset = self.next_offset;
            let chunk = match self.source.next_chunk() {
                Ok(Some(c)) => c,
                Ok(None) => {
                    self.ended = true;
                    break;
                }
                Err(source) => {
                    return Err(CaptureError::Io { path: self.path.clone(), offset, source });
                }
            };
            self.next_offset += chunk.len() as u64;
            let decoder = match &mut self.decoder {
                Some(d) => d,
                None => {
                    // The format is named by the first bytes, which may come in pieces.
                    if self.carry.len() + chunk.len() < MAGIC_LEN {
                        self.carry.extend_from_slice(chunk);
                        continue;
                    }
                    let mut head = [0u8; MAGIC_LEN];
                    let (from_carry, from_chunk) = head.split_at_mut(self.carry.len());
                    from_carry.copy_from_slice(&self.carry);
                    from_chunk.copy_from_slice(&chunk[..from_chunk.len()]);
                    self.decoder.insert(CaptureDecoder::detect(&self.name, &head)?)
                }
            };
            consume(decoder, &mut self.carry, &mut self.carry_offset, chunk, offset, out)?;
        }
        Ok(out.len() - before)
    }

    /// Ends the read and says what it found. Called after [`read_batch`](Self::read_batch)
    /// returned 0 (the end), it reports a capture that ends inside a unit (an error with
    /// `strict`); called earlier (a replay that stopped at a limit), it reports what was read
    /// so far, with no truncation check.
    ///
    /// # Errors
    /// A file with no bytes, or too few for the format's header; with `strict`, truncation.
    pub fn finish(self) -> Result<CaptureInfo, CaptureError> {
        let Some(decoder) = self.decoder else {
            // Fewer bytes than a magic number: the detector names the problem.
            return Err(match CaptureDecoder::detect(&self.name, &self.carry) {
                Err(e) => e,
                Ok(_) => CaptureError::Empty { file: self.name },
            });
        };
        let rest: &[u8] = if self.ended { &self.carry } else { &[] };
        let (summary, truncated_at_offset) =
            decoder.finish(rest, self.carry_offset, self.strict)?;
        Ok(CaptureInfo {
            format: summary.format,
            first_interface: summary.first_interface,
            frames: summary.frames,
            truncated_at_offset,
            warnings: summary.warnings,
            file_bytes: self.next_offset,
            loader: self.loader,
        })
    }
}

/// Decodes `chunk` (at file offset `offset`) after whatever `carry` holds: completes the
/// carried unit from the chunk's first bytes, decodes the rest of the chunk in place, and
/// carries its incomplete tail.
fn consume(
    decoder: &mut CaptureDecoder,
    carry: &mut Vec<u8>,
    carry_offset: &mut u64,
    chunk: &[u8],
    offset: u64,
    out: &mut FrameBuffer,
) -> Result<(), CaptureError> {
    let (mut data, mut offset) = (chunk, offset);
    while !carry.is_empty() {
        let take = match decoder.unit_len(carry, *carry_offset)? {
            Some(n) if carry.len() >= n => {
                let used = decoder.decode(carry, *carry_offset, out)?;
                if used == 0 {
                    // A decoder that cannot decode the unit it measured: keep everything in
                    // the carry (reported as truncation at the end) rather than loop.
                    carry.extend_from_slice(data);
                    return Ok(());
                }
                carry.drain(..used);
                *carry_offset += used as u64;
                continue;
            }
            Some(n) => n - carry.len(),
            None => PROBE_LEN,
        };
        let take = take.min(data.len());
        if take == 0 {
            return Ok(());
        }
        carry.extend_from_slice(&data[..take]);
        data = &data[take..];
        offset += take as u64;
    }
    let used = decoder.decode(data, offset, out)?;
    carry.extend_from_slice(&data[used..]);
    *carry_offset = offset + used as u64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::pcapng_decoder::testfile::PcapngFile;
    use crate::pcap::{MAGIC_MICRO, MAGIC_NANO, MAX_CAPLEN, TsResolution};
    use wire::LinkType;

    /// A pcap file built by hand: `big` picks the byte order, `nano` the magic.
    fn file(
        big: bool,
        nano: bool,
        snaplen: u32,
        linktype: u32,
        records: &[(u32, u32, u32, &[u8])],
    ) -> Vec<u8> {
        let u32b = |v: u32| if big { v.to_be_bytes() } else { v.to_le_bytes() };
        let u16b = |v: u16| if big { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut f = Vec::new();
        f.extend_from_slice(&u32b(if nano { MAGIC_NANO } else { MAGIC_MICRO }));
        f.extend_from_slice(&u16b(2));
        f.extend_from_slice(&u16b(4));
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&u32b(snaplen));
        f.extend_from_slice(&u32b(linktype));
        for &(sec, frac, orig, bytes) in records {
            f.extend_from_slice(&u32b(sec));
            f.extend_from_slice(&u32b(frac));
            f.extend_from_slice(&u32b(bytes.len() as u32));
            f.extend_from_slice(&u32b(orig));
            f.extend_from_slice(bytes);
        }
        f
    }

    const RECS: &[(u32, u32, u32, &[u8])] =
        &[(1, 999_999, 60, &[1, 2, 3]), (u32::MAX, 5, 1514, &[]), (7, 0, 4, &[9, 9, 9, 9])];

    #[test]
    fn both_byte_orders_and_resolutions() {
        for big in [false, true] {
            for nano in [false, true] {
                let data = file(big, nano, 65535, 1, RECS);
                let cap = read_bytes(
                    "hand.pcap",
                    &data,
                    &ReadOptions { strict: true, ..Default::default() },
                )
                .unwrap();
                let unit = if nano { 1 } else { 1000 };
                let resolution = if nano { TsResolution::Nano } else { TsResolution::Micro };
                let first = InterfaceInfo { link: LinkType::Ethernet, snaplen: 65535, resolution };
                assert_eq!(cap.info.first_interface, Some(first));
                assert_eq!(cap.info.frames, 3);
                assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
                let got: Vec<_> =
                    cap.frames.iter().map(|f| (f.ts_ns, f.wire_len, f.bytes.to_vec())).collect();
                assert_eq!(
                    got,
                    vec![
                        (1_000_000_000 + 999_999 * unit, 60, vec![1, 2, 3]),
                        (u64::from(u32::MAX) * 1_000_000_000 + 5 * unit, 1514, vec![]),
                        (7_000_000_000, 4, vec![9, 9, 9, 9]),
                    ]
                );
                assert!(cap.frames.iter().all(|f| f.link == LinkType::Ethernet));
            }
        }
    }

    #[test]
    fn fcs_bits_are_masked_off_with_a_warning() {
        for big in [false, true] {
            let data = file(big, false, 65535, 0x1400_0000 | 101, RECS);
            let cap = read_bytes("fcs.pcap", &data, &ReadOptions::default()).unwrap();
            assert_eq!(cap.info.first_interface.map(|i| i.link), Some(LinkType::RawIp));
            assert_eq!(cap.info.warnings.len(), 1);
            assert!(cap.info.warnings[0].contains("2-byte FCS"), "{}", cap.info.warnings[0]);
            let data = file(big, false, 65535, 0x3000_0001, RECS);
            let cap = read_bytes("bits.pcap", &data, &ReadOptions::default()).unwrap();
            assert_eq!(cap.info.first_interface.map(|i| i.link), Some(LinkType::Ethernet));
            assert_eq!(cap.info.warnings.len(), 1);
        }
    }

    #[test]
    fn caplen_over_snaplen_and_short_orig_len_warn_once_each() {
        let recs: &[(u32, u32, u32, &[u8])] =
            &[(0, 0, 2, &[1, 2, 3]), (0, 0, 1, &[1, 2, 3, 4]), (0, 0, 9, &[1])];
        let cap = read_bytes(
            "odd.pcap",
            &file(false, true, 2, 1, recs),
            &ReadOptions { strict: true, ..Default::default() },
        )
        .unwrap();
        assert_eq!(cap.frames.len(), 3);
        assert_eq!(cap.frames.metas()[1].wire_len, 1);
        assert_eq!(cap.info.warnings.len(), 2, "{:?}", cap.info.warnings);
        assert!(
            cap.info.warnings[0].contains("2 record(s)")
                && cap.info.warnings[0].contains("snaplen 2")
        );
        assert!(
            cap.info.warnings[1].contains("orig_len")
                && cap.info.warnings[1].contains("byte offset 24")
        );
    }

    #[test]
    fn truncation_inside_header_and_inside_data() {
        let whole = file(true, false, 65535, 1, RECS);
        // Record 3 starts after the file header, record 1 (16 + 3) and record 2 (16 + 0).
        let third = 24 + 19 + 16;
        for cut in [third + 1, third + 15, third + 16, third + 19] {
            let data = &whole[..cut];
            let cap = read_bytes("cut.pcap", data, &ReadOptions::default()).unwrap();
            assert_eq!(cap.frames.len(), 2);
            assert_eq!(cap.info.truncated_at_offset, Some(third as u64));
            assert!(cap.info.warnings[0].contains(&format!("byte offset {third}")));
            let err =
                read_bytes("cut.pcap", data, &ReadOptions { strict: true, ..Default::default() })
                    .unwrap_err();
            let CaptureError::Truncated { offset, record, expected, found, .. } = err else {
                panic!("wrong error {err}");
            };
            assert_eq!((offset, record, found), (third as u64, 3, (cut - third) as u64));
            assert_eq!(expected, if cut - third < 16 { 16 } else { 20 });
        }
    }

    #[test]
    fn read_file_streams_across_chunk_boundaries() {
        // Records of awkward sizes so several straddle the chunk buffer's end; the last is cut.
        let payloads: Vec<Vec<u8>> =
            (0..200u32).map(|i| vec![i as u8; (i as usize * 7919) % 40_000]).collect();
        let recs: Vec<(u32, u32, u32, &[u8])> = payloads
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32, 0, p.len() as u32, p.as_slice()))
            .collect();
        let mut data = file(false, true, MAX_CAPLEN, 1, &recs);
        data.truncate(data.len() - 3);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pcap");
        std::fs::write(&path, &data).unwrap();
        let from_file = read_file(&path, &ReadOptions::default()).unwrap();
        let from_mem = read_bytes("big.pcap", &data, &ReadOptions::default()).unwrap();
        assert!(data.len() > 3 * super::super::load::READ_CHUNK_LEN);
        assert_eq!(from_file.frames, from_mem.frames);
        assert_eq!(from_file.frames.len(), 199);
        assert_eq!(from_file.info.truncated_at_offset, from_mem.info.truncated_at_offset);
        assert_eq!(from_file.info.file_bytes, data.len() as u64);
        let last = from_file.frames.get(198).unwrap();
        assert_eq!(last.bytes, payloads[198].as_slice());
    }

    /// Serves a buffer in chunks of the given sizes (cycled).
    struct Pieces {
        data: Vec<u8>,
        sizes: Vec<usize>,
        pos: usize,
        k: usize,
    }

    impl ByteSource for Pieces {
        fn next_chunk(&mut self) -> std::io::Result<Option<&[u8]>> {
            if self.pos >= self.data.len() {
                return Ok(None);
            }
            let n = self.sizes[self.k % self.sizes.len()].max(1);
            self.k += 1;
            let end = (self.pos + n).min(self.data.len());
            let chunk = &self.data[self.pos..end];
            self.pos = end;
            Ok(Some(chunk))
        }

        fn size_hint(&self) -> u64 {
            self.data.len() as u64
        }
    }

    fn streamed(
        data: &[u8],
        sizes: Vec<usize>,
        min_bytes: usize,
        strict: bool,
    ) -> Result<Capture, CaptureError> {
        let source = Box::new(Pieces { data: data.to_vec(), sizes, pos: 0, k: 0 });
        let mut r = CaptureReader::from_source(
            Path::new("pieces.pcap"),
            source,
            LoaderUsed::default(),
            strict,
        );
        let mut all = FrameBuffer::new();
        let mut batch = FrameBuffer::new();
        loop {
            batch.clear();
            let n = r.read_batch(&mut batch, min_bytes)?;
            if n == 0 {
                break;
            }
            assert_eq!(n, batch.len());
            for f in batch.iter() {
                all.push(f.bytes, f.ts_ns, f.wire_len, f.link);
            }
        }
        let info = r.finish()?;
        Ok(Capture { frames: all, info })
    }

    proptest::proptest! {
        /// Streaming in chunks of any sizes, in batches of any size, reads exactly what a whole
        /// read in memory does: the same frames, truncation, warnings and errors.
        #[test]
        fn chunked_streaming_equals_a_whole_read(
            lens in proptest::collection::vec(0usize..300, 0..30),
            sizes in proptest::collection::vec(1usize..700, 1..8),
            cut in proptest::option::of(0usize..10_000),
            min_bytes in 1usize..2000,
            strict in proptest::bool::ANY,
        ) {
            let payloads: Vec<Vec<u8>> = lens.iter().enumerate().map(|(i, &n)| vec![i as u8; n]).collect();
            let recs: Vec<(u32, u32, u32, &[u8])> =
                payloads.iter().enumerate().map(|(i, p)| (i as u32, 7, p.len() as u32, p.as_slice())).collect();
            let mut data = file(false, true, 65535, 1, &recs);
            if let Some(c) = cut {
                data.truncate(c.min(data.len()));
            }
            let opts = ReadOptions { strict, ..Default::default() };
            let whole = read_bytes("pieces.pcap", &data, &opts);
            let parts = streamed(&data, sizes, min_bytes, strict);
            match (whole, parts) {
                (Ok(a), Ok(b)) => {
                    proptest::prop_assert_eq!(a.frames, b.frames);
                    proptest::prop_assert_eq!(a.info, b.info);
                }
                (Err(a), Err(b)) => proptest::prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => proptest::prop_assert!(false, "whole {:?} vs streamed {:?}", a.map(|c| c.info), b.map(|c| c.info)),
            }
        }

        /// The same for pcapng: sections in both byte orders, interfaces of several
        /// resolutions, every packet block kind, skipped blocks, lengths that are not a
        /// multiple of 4, and one byte changed anywhere (so errors must match too).
        #[test]
        fn chunked_pcapng_streaming_equals_a_whole_read(
            blocks in proptest::collection::vec((0u8..8, 0usize..300, proptest::num::u8::ANY), 0..30),
            sizes in proptest::collection::vec(1usize..700, 1..8),
            cut in proptest::option::of(0usize..10_000),
            flip in proptest::option::of((0usize..10_000, 1u8..=255)),
            min_bytes in 1usize..2000,
            strict in proptest::bool::ANY,
        ) {
            let data = PcapngFile::from_recipe(&blocks, cut, flip);
            let opts = ReadOptions { strict, ..Default::default() };
            let whole = read_bytes("pieces.pcap", &data, &opts);
            let parts = streamed(&data, sizes, min_bytes, strict);
            match (whole, parts) {
                (Ok(a), Ok(b)) => {
                    proptest::prop_assert_eq!(a.frames, b.frames);
                    proptest::prop_assert_eq!(a.info, b.info);
                }
                (Err(a), Err(b)) => proptest::prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => proptest::prop_assert!(false, "whole {:?} vs streamed {:?}", a.map(|c| c.info), b.map(|c| c.info)),
            }
        }
    }
}
