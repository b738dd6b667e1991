//! pcapng decoding ([draft-ietf-opsawg-pcapng]): blocks, each framed by its type and its total
//! length (at both ends), in sections that each start with a section header block.
//!
//! What is read:
//! - section header blocks (type 0a0d0d0a): the byte-order magic sets the section's byte order
//!   (either); major version 1 (any minor; other than 0 or 2, a warning); the section length is
//!   not used (-1 is fine). A new section forgets the previous one's interfaces.
//! - interface description blocks (type 1): link type, snaplen, and the options `if_tsresol`
//!   (10^-n or 2^-n seconds, 10^-6 when absent), `if_tsoffset` (seconds added to every
//!   timestamp) and `if_fcslen` (a warning: the FCS stays in the frame bytes). Link types the
//!   parser does not read are kept as [`LinkType::Other`]; the engine counts their frames
//!   `unparsed` (`unsupported_link_type`).
//! - enhanced packet blocks (type 6) and obsolete packet blocks (type 2): interface, 64-bit
//!   timestamp, captured and original length, the data (padded to 32 bits); their options are
//!   not read.
//! - simple packet blocks (type 3), on interface 0: no timestamp, so a frame of one takes the
//!   previous frame's timestamp (0 before the first frame of the file), which keeps replay time
//!   monotonic; captured length = min(original length, interface 0's snaplen where not 0, the
//!   bytes in the block).
//! - every other block (name resolution, interface statistics, decryption secrets, custom, ...)
//!   is skipped, and counted by type in one warning.
//!
//! Timestamps become nanoseconds with integer arithmetic (rounded down, saturating at 0 and
//! `u64::MAX`). As Wireshark does, a total length that is not a multiple of 4 is read as the
//! next multiple of 4 (a warning says how many blocks had one), and the trailing length may
//! be either.
//!
//! Refused, each with a typed [`CaptureError`] naming the file and the byte offset: a total
//! length below the block type's minimum or above [`MAX_BLOCK_LEN`], a trailing length that
//! differs from the leading one, a bad byte-order magic, a major version other than 1, a packet
//! block whose captured length exceeds [`MAX_CAPLEN`] or the block, a packet on an interface the
//! section has not described, an option that runs past its block or a known option of the wrong
//! length. A capture that ends inside a block is truncation, as for classic pcap.
//!
//! The block loop runs once per byte order (a const parameter), so reading a field costs no
//! test of the byte order; each block is one `match` on its type, and each packet's bytes are
//! copied once, straight from the input into the caller's [`FrameBuffer`].
//!
//! [draft-ietf-opsawg-pcapng]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/

mod block;
mod interface;

use wire::FrameBuffer;

use super::decode::{DecodeSummary, UnitDecoder};
use super::pcap_decoder::Tally;
use super::{CaptureError, CaptureFormat, InterfaceInfo, MAX_CAPLEN};
pub(crate) use block::block_name;
use block::{
    BLOCK_EPB, BLOCK_HEADER_LEN, BLOCK_IDB, BLOCK_PB, BLOCK_SHB, BLOCK_SPB, MIN_SHB_LEN,
    PACKET_DATA_AT, SHB_HEADER_LEN, SIMPLE_DATA_AT, block_header, check_block_len, rd16, rd32,
    rd32_dyn,
};
use interface::Interface;

/// The section being read.
#[derive(Debug)]
struct Section {
    big_endian: bool,
    /// Interfaces described so far, by id.
    interfaces: Vec<Interface>,
}

/// The pcapng decoder: a section header block first, then blocks.
#[derive(Debug)]
pub(crate) struct PcapngDecoder {
    name: String,
    /// `None` until the first section header block has been decoded.
    section: Option<Section>,
    first_interface: Option<InterfaceInfo>,
    /// Frames decoded so far.
    frames: u64,
    /// Timestamp of the last frame, for simple packet blocks.
    last_ts_ns: u64,
    /// Blocks skipped, by type, in order of first appearance.
    skipped: Vec<(u32, u64)>,
    simple_packets: Tally,
    over_snaplen: Tally,
    orig_short: Tally,
    unaligned: Tally,
    warnings: Vec<String>,
}

impl PcapngDecoder {
    /// A decoder for the file `name` (used in messages), before its first block.
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            section: None,
            first_interface: None,
            frames: 0,
            last_ts_ns: 0,
            skipped: Vec::new(),
            simple_packets: Tally::default(),
            over_snaplen: Tally::default(),
            orig_short: Tally::default(),
            unaligned: Tally::default(),
            warnings: Vec::new(),
        }
    }

    /// Decodes the blocks of one section at the start of `data` (at file offset `base`) until
    /// the data ends, a block is incomplete, or a section header block starts (returned as
    /// `true`, undecoded). Returns the bytes consumed.
    #[inline(always)]
    fn decode_blocks<const BIG: bool>(
        &mut self,
        data: &[u8],
        base: u64,
        out: &mut FrameBuffer,
    ) -> Result<(usize, bool), CaptureError> {
        let mut pos = 0usize;
        while let Some(h) = data.get(pos..pos + BLOCK_HEADER_LEN) {
            let block_type = rd32::<BIG>(h, 0);
            if block_type == BLOCK_SHB {
                return Ok((pos, true));
            }
            let total = rd32::<BIG>(h, 4);
            let at = base + pos as u64;
            let padded = check_block_len(&self.name, block_type, total, at)?;
            let Some(block) = data.get(pos..pos + padded) else { break };
            let trailing = rd32::<BIG>(block, padded - 4);
            if trailing != total {
                self.odd_trailer(block_type, total, trailing, padded, at)?;
            }
            if !total.is_multiple_of(4) {
                self.unaligned.note(self.frames + 1, at);
            }
            match block_type {
                BLOCK_EPB | BLOCK_PB => self.packet::<BIG>(block_type, block, at, out)?,
                BLOCK_SPB => self.simple_packet::<BIG>(block, at, out)?,
                BLOCK_IDB => self.interface_description::<BIG>(block, at)?,
                other => self.skip(other),
            }
            pos += padded;
        }
        Ok((pos, false))
    }

    /// A trailing length that differs from the leading one: fine where the leading one is not
    /// a multiple of 4 and the trailing one is it rounded up (Wireshark reads both).
    #[cold]
    fn odd_trailer(
        &self,
        block_type: u32,
        leading: u32,
        trailing: u32,
        padded: usize,
        at: u64,
    ) -> Result<(), CaptureError> {
        if trailing as usize == padded {
            return Ok(());
        }
        Err(CaptureError::BlockLengthMismatch {
            file: self.name.clone(),
            offset: at,
            block_type,
            leading,
            trailing,
        })
    }

    /// An enhanced or obsolete packet block (the same layout, but for the width of the
    /// interface id).
    #[inline(always)]
    fn packet<const BIG: bool>(
        &mut self,
        block_type: u32,
        block: &[u8],
        at: u64,
        out: &mut FrameBuffer,
    ) -> Result<(), CaptureError> {
        let interface = if block_type == BLOCK_PB {
            u32::from(rd16::<BIG>(block, 8))
        } else {
            rd32::<BIG>(block, 8)
        };
        let units = (u64::from(rd32::<BIG>(block, 12)) << 32) | u64::from(rd32::<BIG>(block, 16));
        let caplen = rd32::<BIG>(block, 20);
        let orig_len = rd32::<BIG>(block, 24);
        let record = self.frames + 1;
        if caplen > MAX_CAPLEN {
            return Err(self.too_large(at, caplen));
        }
        // The data ends where the trailing length starts.
        let room = block.len() - 4 - PACKET_DATA_AT;
        let start = PACKET_DATA_AT;
        let Some(bytes) =
            block.get(start..start + caplen as usize).filter(|_| caplen as usize <= room)
        else {
            return Err(self.beyond_block(block_type, at, caplen, room));
        };
        let Some(&iface) = self.section.as_ref().and_then(|s| s.interfaces.get(interface as usize))
        else {
            return Err(self.undefined_interface(block_type, at, interface));
        };
        if iface.snaplen != 0 && caplen > iface.snaplen {
            self.over_snaplen.note(record, at);
        }
        if orig_len < caplen {
            self.orig_short.note(record, at);
        }
        let ts_ns = iface.ts_ns(units);
        out.push(bytes, ts_ns, orig_len, iface.link);
        self.last_ts_ns = ts_ns;
        self.frames = record;
        Ok(())
    }

    /// A simple packet block: interface 0, no timestamp, the captured length inferred.
    fn simple_packet<const BIG: bool>(
        &mut self,
        block: &[u8],
        at: u64,
        out: &mut FrameBuffer,
    ) -> Result<(), CaptureError> {
        let orig_len = rd32::<BIG>(block, 8);
        let Some(&iface) = self.section.as_ref().and_then(|s| s.interfaces.first()) else {
            return Err(self.undefined_interface(BLOCK_SPB, at, 0));
        };
        let room = block.len() - 4 - SIMPLE_DATA_AT;
        let mut caplen = orig_len.min(u32::try_from(room).unwrap_or(u32::MAX));
        if iface.snaplen != 0 {
            caplen = caplen.min(iface.snaplen);
        }
        if caplen > MAX_CAPLEN {
            return Err(self.too_large(at, caplen));
        }
        let start = SIMPLE_DATA_AT;
        let Some(bytes) = block.get(start..start + caplen as usize) else {
            return Err(self.beyond_block(BLOCK_SPB, at, caplen, room));
        };
        let record = self.frames + 1;
        self.simple_packets.note(record, at);
        out.push(bytes, self.last_ts_ns, orig_len, iface.link);
        self.frames = record;
        Ok(())
    }

    /// An interface description block: adds an interface to the section.
    fn interface_description<const BIG: bool>(
        &mut self,
        block: &[u8],
        at: u64,
    ) -> Result<(), CaptureError> {
        let id = self.section.as_ref().map_or(0, |s| s.interfaces.len());
        let (interface, info) =
            interface::describe::<BIG>(&self.name, block, at, id, &mut self.warnings)?;
        self.first_interface.get_or_insert(info);
        if let Some(s) = self.section.as_mut() {
            s.interfaces.push(interface);
        }
        Ok(())
    }

    #[cold]
    fn skip(&mut self, block_type: u32) {
        match self.skipped.iter_mut().find(|(t, _)| *t == block_type) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((block_type, 1)),
        }
    }

    /// A section header block at the start of `data` (at file offset `at`): starts a section.
    /// Returns the bytes it occupies, or `None` where it is incomplete.
    fn section_header(&mut self, data: &[u8], at: u64) -> Result<Option<usize>, CaptureError> {
        let Some(h) = block_header(&self.name, data, at, false)? else { return Ok(None) };
        let Some(block) = data.get(..h.padded) else { return Ok(None) };
        let big = h.big_endian;
        let trailing = rd32_dyn(big, block, h.padded - 4);
        if trailing != h.total {
            self.odd_trailer(BLOCK_SHB, h.total, trailing, h.padded, at)?;
        }
        if !h.total.is_multiple_of(4) {
            self.unaligned.note(self.frames + 1, at);
        }
        let (major, minor) = if big {
            (rd16::<true>(block, 12), rd16::<true>(block, 14))
        } else {
            (rd16::<false>(block, 12), rd16::<false>(block, 14))
        };
        if major != 1 {
            return Err(CaptureError::UnsupportedPcapngVersion {
                file: self.name.clone(),
                offset: at + 12,
                major,
                minor,
            });
        }
        if minor != 0 && minor != 2 {
            self.warnings.push(format!(
                "{}: pcapng version 1.{minor} at byte offset {} (expected 1.0); read as 1.0",
                self.name,
                at + 12
            ));
        }
        match &mut self.section {
            Some(s) => {
                s.big_endian = big;
                s.interfaces.clear();
            }
            None => self.section = Some(Section { big_endian: big, interfaces: Vec::new() }),
        }
        Ok(Some(h.padded))
    }

    #[cold]
    fn too_large(&self, at: u64, caplen: u32) -> CaptureError {
        CaptureError::RecordTooLarge {
            file: self.name.clone(),
            offset: at,
            record: self.frames + 1,
            caplen,
        }
    }

    #[cold]
    fn beyond_block(&self, block_type: u32, at: u64, caplen: u32, room: usize) -> CaptureError {
        CaptureError::PacketBeyondBlock {
            file: self.name.clone(),
            offset: at,
            block_type,
            caplen,
            room: u32::try_from(room).unwrap_or(u32::MAX),
        }
    }

    #[cold]
    fn undefined_interface(&self, block_type: u32, at: u64, interface: u32) -> CaptureError {
        CaptureError::UndefinedInterface {
            file: self.name.clone(),
            offset: at,
            block_type,
            interface,
            defined: self.section.as_ref().map_or(0, |s| s.interfaces.len()),
        }
    }

    /// The warnings the tallies add at the end.
    fn tally_warnings(&mut self) {
        let name = &self.name;
        let t = self.over_snaplen;
        if t.count > 0 {
            self.warnings.push(format!(
                "{name}: {} packet(s) have more captured bytes than their interface's snaplen \
                 (first: packet {} in the block at byte offset {}); kept as captured",
                t.count, t.first_record, t.first_offset
            ));
        }
        let t = self.orig_short;
        if t.count > 0 {
            self.warnings.push(format!(
                "{name}: {} packet(s) have an original length smaller than the captured length \
                 (first: packet {} in the block at byte offset {}); wire length kept as the \
                 original length",
                t.count, t.first_record, t.first_offset
            ));
        }
        let t = self.simple_packets;
        if t.count > 0 {
            self.warnings.push(format!(
                "{name}: {} packet(s) come from simple packet blocks, which have no timestamp \
                 (first: packet {} at byte offset {}); each takes the previous packet's \
                 timestamp (0 before the first)",
                t.count, t.first_record, t.first_offset
            ));
        }
        let t = self.unaligned;
        if t.count > 0 {
            self.warnings.push(format!(
                "{name}: {} block(s) have a total length that is not a multiple of 4 (first at \
                 byte offset {}); read as rounded up to one, as Wireshark does",
                t.count, t.first_offset
            ));
        }
        if !self.skipped.is_empty() {
            let total: u64 = self.skipped.iter().map(|(_, n)| n).sum();
            let each: Vec<String> =
                self.skipped.iter().map(|&(t, n)| format!("{n} {}", block_name(t))).collect();
            self.warnings.push(format!(
                "{name}: skipped {total} block(s) that carry no packets: {}",
                each.join(", ")
            ));
        }
    }
}

impl UnitDecoder for PcapngDecoder {
    fn unit_len(&self, prefix: &[u8], offset: u64) -> Result<Option<usize>, CaptureError> {
        let big = self.section.as_ref().is_some_and(|s| s.big_endian);
        Ok(block_header(&self.name, prefix, offset, big)?.map(|h| h.padded))
    }

    fn decode(
        &mut self,
        data: &[u8],
        offset: u64,
        out: &mut FrameBuffer,
    ) -> Result<usize, CaptureError> {
        let mut pos = 0usize;
        loop {
            if let Some(big) = self.section.as_ref().map(|s| s.big_endian) {
                let rest = data.get(pos..).unwrap_or_default();
                let base = offset + pos as u64;
                // One copy of the loop per byte order.
                let (used, at_section_header) = if big {
                    self.decode_blocks::<true>(rest, base, out)?
                } else {
                    self.decode_blocks::<false>(rest, base, out)?
                };
                pos += used;
                if !at_section_header {
                    return Ok(pos);
                }
            }
            let rest = data.get(pos..).unwrap_or_default();
            match self.section_header(rest, offset + pos as u64)? {
                Some(used) => pos += used,
                None => return Ok(pos),
            }
        }
    }

    fn finish(
        mut self,
        rest: &[u8],
        offset: u64,
        strict: bool,
    ) -> Result<(DecodeSummary, Option<u64>), CaptureError> {
        let big = match &self.section {
            Some(s) => s.big_endian,
            None => {
                let expected = block_header(&self.name, rest, offset, false)?
                    .map_or(u64::from(MIN_SHB_LEN), |h| h.padded as u64);
                return Err(CaptureError::TruncatedSectionHeader {
                    file: self.name,
                    offset: offset + rest.len() as u64,
                    expected,
                });
            }
        };
        self.tally_warnings();
        let mut truncated_at_offset = None;
        if !rest.is_empty() {
            let found = rest.len() as u64;
            let expected = match block_header(&self.name, rest, offset, big)? {
                Some(h) => h.padded as u64,
                None if rest.get(..4) == Some(&BLOCK_SHB.to_le_bytes()) => SHB_HEADER_LEN as u64,
                None => BLOCK_HEADER_LEN as u64,
            };
            if strict {
                return Err(CaptureError::TruncatedBlock {
                    file: self.name,
                    offset,
                    expected,
                    found,
                    frames: self.frames,
                });
            }
            self.warnings.push(format!(
                "{}: truncated at byte offset {offset}: the block there needs {expected} bytes \
                 but the file has {found} left; kept the {} complete frames before it",
                self.name, self.frames
            ));
            truncated_at_offset = Some(offset);
        }
        let summary = DecodeSummary {
            format: CaptureFormat::Pcapng,
            first_interface: self.first_interface,
            frames: self.frames,
            warnings: self.warnings,
        };
        Ok((summary, truncated_at_offset))
    }
}

#[cfg(test)]
pub(super) mod testfile;

#[cfg(test)]
mod tests;
