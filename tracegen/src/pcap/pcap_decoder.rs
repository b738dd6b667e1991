//! Classic pcap decoding: the 24-byte file header, then records of a 16-byte header and the
//! captured bytes.
//!
//! Both byte orders and both timestamp resolutions (magic `a1b2c3d4` for microseconds,
//! `a1b23c4d` for nanoseconds) are read; every timestamp becomes nanoseconds. The link type is
//! the header's field's low 16 bits (the upper bits carry FCS information, reported as a
//! warning). Records are copied once, into the caller's [`FrameBuffer`].

use wire::{FrameBuffer, LinkType};

use super::decode::{DecodeSummary, UnitDecoder};
use super::{
    CaptureError, CaptureFormat, FILE_HEADER_LEN, InterfaceInfo, MAGIC_MICRO, MAGIC_NANO,
    MAX_CAPLEN, RECORD_HEADER_LEN, TsResolution,
};

/// What the 24-byte file header says.
#[derive(Clone, Copy, Debug)]
struct FileHeader {
    big_endian: bool,
    resolution: TsResolution,
    snaplen: u32,
    link: LinkType,
}

impl FileHeader {
    /// Checks the file header, `h` (the magic number is known to be a pcap one).
    fn parse(
        name: &str,
        h: &[u8; FILE_HEADER_LEN],
        warnings: &mut Vec<String>,
    ) -> Result<Self, CaptureError> {
        let file = || name.to_owned();
        let magic = [h[0], h[1], h[2], h[3]];
        let (big_endian, resolution) = match u32::from_le_bytes(magic) {
            MAGIC_MICRO => (false, TsResolution::Micro),
            MAGIC_NANO => (false, TsResolution::Nano),
            m if m.swap_bytes() == MAGIC_MICRO => (true, TsResolution::Micro),
            m if m.swap_bytes() == MAGIC_NANO => (true, TsResolution::Nano),
            _ => return Err(CaptureError::BadMagic { file: file(), found: magic }),
        };
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
pub(super) struct Tally {
    pub(super) count: u64,
    pub(super) first_record: u64,
    pub(super) first_offset: u64,
}

impl Tally {
    #[cold]
    pub(super) fn note(&mut self, record: u64, offset: u64) {
        if self.count == 0 {
            self.first_record = record;
            self.first_offset = offset;
        }
        self.count += 1;
    }
}

/// The classic pcap decoder: the file header first, then records.
#[derive(Debug)]
pub(crate) struct PcapDecoder {
    name: String,
    /// `None` until the file header has been decoded.
    header: Option<FileHeader>,
    /// Records decoded so far.
    records: u64,
    over_snaplen: Tally,
    orig_short: Tally,
    warnings: Vec<String>,
}

impl PcapDecoder {
    /// A decoder for the file `name` (used in messages), before its header.
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            header: None,
            records: 0,
            over_snaplen: Tally::default(),
            orig_short: Tally::default(),
            warnings: Vec::new(),
        }
    }

    #[inline(always)]
    fn decode_records<const BIG: bool>(
        &mut self,
        header: FileHeader,
        data: &[u8],
        base: u64,
        out: &mut FrameBuffer,
    ) -> Result<usize, CaptureError> {
        let ns_per_unit = u64::from(header.resolution.ns_per_unit());
        let snaplen = header.snaplen;
        let link = header.link;
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
                return Err(self.too_large(offset, caplen));
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
            out.push(bytes, ts_ns, orig_len, link);
            self.records = record;
            pos = start + caplen as usize;
        }
        Ok(pos)
    }

    #[cold]
    fn too_large(&self, offset: u64, caplen: u32) -> CaptureError {
        CaptureError::RecordTooLarge {
            file: self.name.clone(),
            offset,
            record: self.records + 1,
            caplen,
        }
    }
}

impl UnitDecoder for PcapDecoder {
    fn unit_len(&self, prefix: &[u8], offset: u64) -> Result<Option<usize>, CaptureError> {
        let Some(header) = self.header else { return Ok(Some(FILE_HEADER_LEN)) };
        let Some(b) = prefix.get(8..12).and_then(|b| b.try_into().ok()) else { return Ok(None) };
        let caplen = read_u32(header.big_endian, b);
        if caplen > MAX_CAPLEN {
            return Err(self.too_large(offset, caplen));
        }
        Ok(Some(RECORD_HEADER_LEN + caplen as usize))
    }

    fn decode(
        &mut self,
        data: &[u8],
        offset: u64,
        out: &mut FrameBuffer,
    ) -> Result<usize, CaptureError> {
        let (header, skip) = match self.header {
            Some(h) => (h, 0),
            None => {
                let Some(h) = data.get(..FILE_HEADER_LEN).and_then(|h| h.try_into().ok()) else {
                    return Ok(0);
                };
                let h = FileHeader::parse(&self.name, h, &mut self.warnings)?;
                self.header = Some(h);
                (h, FILE_HEADER_LEN)
            }
        };
        let body = &data[skip..];
        let base = offset + skip as u64;
        // One copy of the loop per byte order, so the hot loop does not test it per field.
        let used = if header.big_endian {
            self.decode_records::<true>(header, body, base, out)?
        } else {
            self.decode_records::<false>(header, body, base, out)?
        };
        Ok(skip + used)
    }

    fn finish(
        mut self,
        rest: &[u8],
        offset: u64,
        strict: bool,
    ) -> Result<(DecodeSummary, Option<u64>), CaptureError> {
        let name = self.name.clone();
        let Some(header) = self.header else {
            return Err(CaptureError::TruncatedHeader {
                file: name,
                offset: offset + rest.len() as u64,
            });
        };
        let snaplen = header.snaplen;
        let t = self.over_snaplen;
        if t.count > 0 {
            self.warnings.push(format!(
                "{name}: {} record(s) have more captured bytes than the snaplen {snaplen} (first: \
                 record {} at byte offset {}); kept as captured",
                t.count, t.first_record, t.first_offset
            ));
        }
        let t = self.orig_short;
        if t.count > 0 {
            self.warnings.push(format!(
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
                    RECORD_HEADER_LEN as u64 + u64::from(read_u32(header.big_endian, b))
                }
                _ => RECORD_HEADER_LEN as u64,
            };
            if strict {
                return Err(CaptureError::Truncated {
                    file: name,
                    offset,
                    record,
                    expected,
                    found,
                });
            }
            self.warnings.push(format!(
                "{name}: truncated at byte offset {offset}: record {record} needs {expected} bytes \
                 but the file has {found} left; kept the {} complete records before it",
                self.records
            ));
            truncated_at_offset = Some(offset);
        }
        let summary = DecodeSummary {
            format: CaptureFormat::Pcap,
            first_interface: Some(InterfaceInfo {
                link: header.link,
                snaplen,
                resolution: header.resolution,
            }),
            frames: self.records,
            warnings: self.warnings,
        };
        Ok((summary, truncated_at_offset))
    }
}
