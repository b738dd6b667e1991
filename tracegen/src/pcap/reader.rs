//! Reading a classic pcap file, whole, into one [`FrameBuffer`].
//!
//! One pass: the file header is checked once, then records are cut out of the input and copied
//! into the frame buffer, which is reserved from the file size up front. [`read_file`] streams the
//! file through a fixed chunk buffer (so memory holds the capture once, not twice);
//! [`read_bytes`] reads a capture already in memory. Both share `RecordCutter`, so they accept
//! and refuse exactly the same inputs.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};
use wire::{FrameBuffer, LinkType};

use super::{
    CaptureError, FILE_HEADER_LEN, MAGIC_MICRO, MAGIC_NANO, MAGIC_PCAPNG, MAX_CAPLEN,
    RECORD_HEADER_LEN, TsResolution,
};

/// How to read a capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// Make a capture that ends inside a record an error ([`CaptureError::Truncated`]) instead
    /// of a warning.
    pub strict: bool,
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
    /// The link type from the file header (its low 16 bits).
    pub link: LinkType,
    /// The snapshot length from the file header.
    pub snaplen: u32,
    /// Resolution of the file's timestamps (frame timestamps are in nanoseconds either way).
    pub resolution: TsResolution,
    /// Offset of the incomplete record where the capture ends inside one, else `None`.
    pub truncated_at_offset: Option<u64>,
    /// One line per oddity found (truncation, records longer than the snaplen, `orig_len`
    /// shorter than the captured length, FCS bits in the link type), each naming the file.
    pub warnings: Vec<String>,
    /// Bytes read from the file.
    pub file_bytes: u64,
}

/// Reads the pcap file at `path`, whole.
///
/// # Errors
/// A missing or unreadable, empty, non-pcap (or pcapng) file, a truncated file header, a record
/// longer than [`MAX_CAPLEN`](super::MAX_CAPLEN), and, with `opts.strict`, a capture that ends
/// inside a record.
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<Capture, CaptureError> {
    let io_error = |offset: u64, source: io::Error| CaptureError::Io {
        path: path.to_path_buf(),
        offset,
        source,
    };
    let name = path.display().to_string();
    let mut file = File::open(path).map_err(|e| io_error(0, e))?;
    // The size is only a capacity hint: the file is read to its end whatever it says.
    let size_hint = file.metadata().map(|m| m.len()).unwrap_or(0);

    let mut chunk = vec![0u8; CHUNK_LEN];
    let mut end = fill(&mut file, &mut chunk, 0).map_err(|e| io_error(0, e))?;
    let mut eof = end < chunk.len();
    let mut warnings = Vec::new();
    let header = FileHeader::parse(&name, &chunk[..end], &mut warnings)?;
    let mut cutter = RecordCutter::new(&name, &header, size_hint.max(end as u64));

    // `base` is the file offset of `chunk[0]`; `chunk[start..end]` is not yet consumed.
    let mut base = 0u64;
    let mut start = FILE_HEADER_LEN;
    loop {
        start += cutter.cut(&chunk[start..end], base + start as u64)?;
        if eof {
            break;
        }
        // What is left is less than one record, and a record fits in a chunk: move it to the
        // front and read on.
        chunk.copy_within(start..end, 0);
        base += start as u64;
        end -= start;
        start = 0;
        let filled =
            fill(&mut file, &mut chunk, end).map_err(|e| io_error(base + end as u64, e))?;
        eof = filled < chunk.len();
        end = filled;
    }
    cutter.finish(&chunk[start..end], base + start as u64, base + end as u64, opts, warnings)
}

/// Reads a pcap capture held in memory; `name` stands for the file in messages.
///
/// # Errors
/// As [`read_file`], less the I/O errors.
pub fn read_bytes(name: &str, data: &[u8], opts: &ReadOptions) -> Result<Capture, CaptureError> {
    let mut warnings = Vec::new();
    let header = FileHeader::parse(name, data, &mut warnings)?;
    let mut cutter = RecordCutter::new(name, &header, data.len() as u64);
    let body = data.get(FILE_HEADER_LEN..).unwrap_or_default();
    let used = cutter.cut(body, FILE_HEADER_LEN as u64)?;
    let rest = body.get(used..).unwrap_or_default();
    let offset = (FILE_HEADER_LEN + used) as u64;
    cutter.finish(rest, offset, data.len() as u64, opts, warnings)
}

/// Size of the buffer [`read_file`] streams the file through: several records of the largest
/// size the reader accepts, so a partial record always fits after the consumed part is dropped.
const CHUNK_LEN: usize = 1 << 20;
const _: () = assert!(CHUNK_LEN >= RECORD_HEADER_LEN + MAX_CAPLEN as usize);

/// Reads into `buf[from..]` until it is full or the file ends; returns the new end.
fn fill(file: &mut File, buf: &mut [u8], mut from: usize) -> io::Result<usize> {
    while from < buf.len() {
        match file.read(&mut buf[from..]) {
            Ok(0) => break,
            Ok(n) => from += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(from)
}

/// What the 24-byte file header says.
#[derive(Clone, Copy, Debug)]
struct FileHeader {
    big_endian: bool,
    resolution: TsResolution,
    snaplen: u32,
    link: LinkType,
}

impl FileHeader {
    /// Checks the file header at the start of `data` (the whole file, or at least its first
    /// [`FILE_HEADER_LEN`] bytes where it has that many).
    fn parse(name: &str, data: &[u8], warnings: &mut Vec<String>) -> Result<Self, CaptureError> {
        let file = || name.to_owned();
        if data.is_empty() {
            return Err(CaptureError::Empty { file: file() });
        }
        let truncated =
            || CaptureError::TruncatedHeader { file: file(), offset: data.len() as u64 };
        let magic: [u8; 4] = data.get(..4).and_then(|m| m.try_into().ok()).ok_or_else(truncated)?;
        let (big_endian, resolution) = match u32::from_le_bytes(magic) {
            MAGIC_MICRO => (false, TsResolution::Micro),
            MAGIC_NANO => (false, TsResolution::Nano),
            MAGIC_PCAPNG => return Err(CaptureError::Pcapng { file: file() }),
            m if m.swap_bytes() == MAGIC_MICRO => (true, TsResolution::Micro),
            m if m.swap_bytes() == MAGIC_NANO => (true, TsResolution::Nano),
            _ => return Err(CaptureError::BadMagic { file: file(), found: magic }),
        };
        let h: &[u8; FILE_HEADER_LEN] =
            data.get(..FILE_HEADER_LEN).and_then(|h| h.try_into().ok()).ok_or_else(truncated)?;
        let u16_at = |i: usize| {
            let b = [h[i], h[i + 1]];
            if big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) }
        };
        let u32_at = |i: usize| read_u32(big_endian, [h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (major, minor) = (u16_at(4), u16_at(6));
        if major != 2 {
            return Err(CaptureError::UnsupportedVersion { file: file(), major, minor });
        }
        if minor != 4 {
            warnings.push(format!(
                "{name}: pcap version 2.{minor} at byte offset 4 (expected 2.4); read as 2.4"
            ));
        }
        let snaplen = u32_at(16);
        let linktype_field = u32_at(20);
        let link = LinkType::from_linktype(linktype_field & LINKTYPE_MASK);
        if linktype_field & !LINKTYPE_MASK != 0 {
            warnings.push(linktype_warning(name, linktype_field));
        }
        Ok(Self { big_endian, resolution, snaplen, link })
    }
}

/// The link type proper: the low 16 bits of the header's link type field (libpcap's
/// `LT_LINKTYPE`). The upper bits carry the FCS length (`LT_FCS_LENGTH_PRESENT`, bit 26;
/// `LT_FCS_LENGTH`, bits 28-31, in 16-bit words) and reserved bits.
const LINKTYPE_MASK: u32 = 0x0000_ffff;
const FCS_LENGTH_PRESENT: u32 = 0x0400_0000;

fn linktype_warning(name: &str, field: u32) -> String {
    let low = field & LINKTYPE_MASK;
    if field & FCS_LENGTH_PRESENT != 0 {
        let fcs_bytes = (field >> 28) * 2;
        format!(
            "{name}: link type field {field:#010x} at byte offset 20 says frames end with a \
             {fcs_bytes}-byte FCS; link type {low}, FCS kept in the frame bytes"
        )
    } else {
        format!(
            "{name}: link type field {field:#010x} at byte offset 20 has upper bits set without \
             the FCS flag; using link type {low}"
        )
    }
}

#[inline(always)]
fn read_u32(big_endian: bool, b: [u8; 4]) -> u32 {
    if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
}

/// How many records had one oddity, and where the first was.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    count: u64,
    first_record: u64,
    first_offset: u64,
}

impl Tally {
    #[cold]
    fn note(&mut self, record: u64, offset: u64) {
        if self.count == 0 {
            self.first_record = record;
            self.first_offset = offset;
        }
        self.count += 1;
    }
}

/// Cuts records out of the bytes after the file header, into one frame buffer.
struct RecordCutter<'a> {
    name: &'a str,
    header: FileHeader,
    frames: FrameBuffer,
    /// Records cut so far.
    records: u64,
    over_snaplen: Tally,
    orig_short: Tally,
}

impl<'a> RecordCutter<'a> {
    /// A cutter whose frame buffer is reserved for a file of `file_len` bytes: the captured
    /// bytes can never exceed the file's body, and the offset table is sized for frames of at
    /// least 60 bytes (the Ethernet minimum), or the snaplen where that is smaller.
    fn new(name: &'a str, header: &FileHeader, file_len: u64) -> Self {
        let body = file_len.saturating_sub(FILE_HEADER_LEN as u64);
        let min_record = RECORD_HEADER_LEN as u64 + u64::from(header.snaplen.min(60));
        let frames = FrameBuffer::with_capacity(
            usize::try_from(body / min_record).unwrap_or(0),
            usize::try_from(body).unwrap_or(0),
        );
        Self {
            name,
            header: *header,
            frames,
            records: 0,
            over_snaplen: Tally::default(),
            orig_short: Tally::default(),
        }
    }

    /// Cuts every complete record from `data`, which starts at file offset `base`; returns the
    /// bytes consumed (what is left is less than one record).
    fn cut(&mut self, data: &[u8], base: u64) -> Result<usize, CaptureError> {
        // One copy of the loop per byte order, so the hot loop does not test it per field.
        if self.header.big_endian {
            self.cut_in::<true>(data, base)
        } else {
            self.cut_in::<false>(data, base)
        }
    }

    #[inline(always)]
    fn cut_in<const BIG: bool>(&mut self, data: &[u8], base: u64) -> Result<usize, CaptureError> {
        let ns_per_unit = u64::from(self.header.resolution.ns_per_unit());
        let snaplen = self.header.snaplen;
        let link = self.header.link;
        let mut pos = 0usize;
        while let Some(h) = data.get(pos..pos + RECORD_HEADER_LEN) {
            let h: &[u8; RECORD_HEADER_LEN] = match h.try_into() {
                Ok(h) => h,
                Err(_) => break,
            };
            let ts_sec = read_u32(BIG, [h[0], h[1], h[2], h[3]]);
            let ts_frac = read_u32(BIG, [h[4], h[5], h[6], h[7]]);
            let caplen = read_u32(BIG, [h[8], h[9], h[10], h[11]]);
            let orig_len = read_u32(BIG, [h[12], h[13], h[14], h[15]]);
            let record = self.records + 1;
            let offset = base + pos as u64;
            if caplen > MAX_CAPLEN {
                return Err(CaptureError::RecordTooLarge {
                    file: self.name.to_owned(),
                    offset,
                    record,
                    caplen,
                });
            }
            let start = pos + RECORD_HEADER_LEN;
            let Some(bytes) = data.get(start..start + caplen as usize) else { break };
            if caplen > snaplen {
                self.over_snaplen.note(record, offset);
            }
            if orig_len < caplen {
                self.orig_short.note(record, offset);
            }
            let ts_ns = u64::from(ts_sec)
                .saturating_mul(1_000_000_000)
                .saturating_add(u64::from(ts_frac).saturating_mul(ns_per_unit));
            self.frames.push(bytes, ts_ns, orig_len, link);
            self.records = record;
            pos = start + caplen as usize;
        }
        Ok(pos)
    }

    /// Ends the read: `rest` is what is left after the last complete record (empty for a
    /// capture that ends cleanly), starting at file offset `offset`.
    fn finish(
        self,
        rest: &[u8],
        offset: u64,
        file_bytes: u64,
        opts: &ReadOptions,
        mut warnings: Vec<String>,
    ) -> Result<Capture, CaptureError> {
        let name = self.name;
        let snaplen = self.header.snaplen;
        let t = self.over_snaplen;
        if t.count > 0 {
            warnings.push(format!(
                "{name}: {} record(s) have more captured bytes than the snaplen {snaplen} (first: \
                 record {} at byte offset {}); kept as captured",
                t.count, t.first_record, t.first_offset
            ));
        }
        let t = self.orig_short;
        if t.count > 0 {
            warnings.push(format!(
                "{name}: {} record(s) have orig_len smaller than the captured length (first: \
                 record {} at byte offset {}); wire length kept as orig_len",
                t.count, t.first_record, t.first_offset
            ));
        }
        let mut truncated_at_offset = None;
        if !rest.is_empty() {
            let record = self.records + 1;
            let found = rest.len() as u64;
            let expected = match rest.get(8..12).and_then(|b| b.try_into().ok()) {
                Some(b) if rest.len() >= RECORD_HEADER_LEN => {
                    RECORD_HEADER_LEN as u64 + u64::from(read_u32(self.header.big_endian, b))
                }
                _ => RECORD_HEADER_LEN as u64,
            };
            if opts.strict {
                return Err(CaptureError::Truncated {
                    file: name.to_owned(),
                    offset,
                    record,
                    expected,
                    found,
                });
            }
            warnings.push(format!(
                "{name}: truncated at byte offset {offset}: record {record} needs {expected} bytes \
                 but the file has {found} left; kept the {} complete records before it",
                self.records
            ));
            truncated_at_offset = Some(offset);
        }
        Ok(Capture {
            frames: self.frames,
            link: self.header.link,
            snaplen,
            resolution: self.header.resolution,
            truncated_at_offset,
            warnings,
            file_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                let cap = read_bytes("hand.pcap", &data, &ReadOptions { strict: true }).unwrap();
                let unit = if nano { 1 } else { 1000 };
                assert_eq!(
                    cap.resolution,
                    if nano { TsResolution::Nano } else { TsResolution::Micro }
                );
                assert_eq!(cap.link, LinkType::Ethernet);
                assert_eq!(cap.snaplen, 65535);
                assert!(cap.warnings.is_empty(), "{:?}", cap.warnings);
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
            assert_eq!(cap.link, LinkType::RawIp);
            assert_eq!(cap.warnings.len(), 1);
            assert!(cap.warnings[0].contains("2-byte FCS"), "{}", cap.warnings[0]);
            let data = file(big, false, 65535, 0x3000_0001, RECS);
            let cap = read_bytes("bits.pcap", &data, &ReadOptions::default()).unwrap();
            assert_eq!(cap.link, LinkType::Ethernet);
            assert_eq!(cap.warnings.len(), 1);
        }
    }

    #[test]
    fn caplen_over_snaplen_and_short_orig_len_warn_once_each() {
        let recs: &[(u32, u32, u32, &[u8])] =
            &[(0, 0, 2, &[1, 2, 3]), (0, 0, 1, &[1, 2, 3, 4]), (0, 0, 9, &[1])];
        let cap =
            read_bytes("odd.pcap", &file(false, true, 2, 1, recs), &ReadOptions { strict: true })
                .unwrap();
        assert_eq!(cap.frames.len(), 3);
        assert_eq!(cap.frames.metas()[1].wire_len, 1);
        assert_eq!(cap.warnings.len(), 2, "{:?}", cap.warnings);
        assert!(cap.warnings[0].contains("2 record(s)") && cap.warnings[0].contains("snaplen 2"));
        assert!(cap.warnings[1].contains("orig_len") && cap.warnings[1].contains("byte offset 24"));
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
            assert_eq!(cap.truncated_at_offset, Some(third as u64));
            assert!(cap.warnings[0].contains(&format!("byte offset {third}")));
            let err = read_bytes("cut.pcap", data, &ReadOptions { strict: true }).unwrap_err();
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
        assert!(data.len() > 3 * CHUNK_LEN);
        assert_eq!(from_file.frames, from_mem.frames);
        assert_eq!(from_file.frames.len(), 199);
        assert_eq!(from_file.truncated_at_offset, from_mem.truncated_at_offset);
        assert_eq!(from_file.file_bytes, data.len() as u64);
        let last = from_file.frames.get(198).unwrap();
        assert_eq!(last.bytes, payloads[198].as_slice());
    }
}
