//! pcapng block framing: block types, each type's least total length, the checks every block
//! header gets, and reading fields in a byte order fixed at compile time.

use super::super::{CaptureError, MAGIC_PCAPNG, MAX_BLOCK_LEN};

/// Block type of the section header block (the file's magic number).
pub(super) const BLOCK_SHB: u32 = MAGIC_PCAPNG;
/// Block type of the interface description block.
pub(super) const BLOCK_IDB: u32 = 1;
/// Block type of the obsolete packet block.
pub(super) const BLOCK_PB: u32 = 2;
/// Block type of the simple packet block.
pub(super) const BLOCK_SPB: u32 = 3;
/// Block type of the enhanced packet block.
pub(super) const BLOCK_EPB: u32 = 6;
/// The section header block's byte-order magic, as written in the section's byte order.
pub(super) const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// Block type and total length.
pub(super) const BLOCK_HEADER_LEN: usize = 8;
/// A section header block's type, total length and byte-order magic: what it takes to know
/// its length.
pub(super) const SHB_HEADER_LEN: usize = 12;
/// The smallest section header block: header, version, section length, trailing length.
pub(super) const MIN_SHB_LEN: u32 = 28;
/// Offset of the packet data in enhanced and obsolete packet blocks.
pub(super) const PACKET_DATA_AT: usize = 28;
/// Offset of the packet data in simple packet blocks.
pub(super) const SIMPLE_DATA_AT: usize = 12;
/// What a block of `block_type` is called in messages, with its type number.
pub(crate) fn block_name(block_type: u32) -> String {
    let name = match block_type {
        BLOCK_SHB => "section header block",
        BLOCK_IDB => "interface description block",
        BLOCK_PB => "obsolete packet block",
        BLOCK_SPB => "simple packet block",
        4 => "name resolution block",
        5 => "interface statistics block",
        BLOCK_EPB => "enhanced packet block",
        9 => "systemd journal export block",
        10 => "decryption secrets block",
        0x0000_0bad | 0x4000_0bad => "custom block",
        _ => "block",
    };
    if block_type <= 0xff {
        format!("{name} (type {block_type})")
    } else {
        format!("{name} (type {block_type:#010x})")
    }
}

/// The least total length of a block of `block_type`: its fixed fields and the framing.
pub(super) fn min_block_len(block_type: u32) -> u32 {
    match block_type {
        BLOCK_SHB => MIN_SHB_LEN,
        BLOCK_IDB => 20,
        BLOCK_EPB | BLOCK_PB => 32,
        BLOCK_SPB => 16,
        _ => 12,
    }
}

/// Checks a block's total length; returns the bytes the block occupies (the length rounded up
/// to a multiple of 4).
#[inline(always)]
pub(super) fn check_block_len(
    name: &str,
    block_type: u32,
    total: u32,
    at: u64,
) -> Result<usize, CaptureError> {
    let min = min_block_len(block_type);
    if total < min {
        return Err(CaptureError::BlockTooShort {
            file: name.to_owned(),
            offset: at,
            block_type,
            length: total,
            min,
        });
    }
    if total > MAX_BLOCK_LEN {
        return Err(CaptureError::BlockTooLong {
            file: name.to_owned(),
            offset: at,
            block_type,
            length: total,
        });
    }
    Ok((total as usize + 3) & !3)
}

/// A 32-bit field at `at` of `b` in the byte order `BIG`; 0 past the end (callers check
/// lengths first).
#[inline(always)]
pub(super) fn rd32<const BIG: bool>(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4).and_then(|s| <[u8; 4]>::try_from(s).ok()) {
        Some(v) if BIG => u32::from_be_bytes(v),
        Some(v) => u32::from_le_bytes(v),
        None => 0,
    }
}

/// A 16-bit field, as [`rd32`].
#[inline(always)]
pub(super) fn rd16<const BIG: bool>(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2).and_then(|s| <[u8; 2]>::try_from(s).ok()) {
        Some(v) if BIG => u16::from_be_bytes(v),
        Some(v) => u16::from_le_bytes(v),
        None => 0,
    }
}

/// A 32-bit field in a byte order known only at run time.
pub(super) fn rd32_dyn(big: bool, b: &[u8], at: usize) -> u32 {
    if big { rd32::<true>(b, at) } else { rd32::<false>(b, at) }
}

/// A validated block header.
#[derive(Clone, Copy, Debug)]
pub(super) struct BlockHeader {
    pub(super) total: u32,
    /// Bytes the block occupies: `total` rounded up to a multiple of 4.
    pub(super) padded: usize,
    /// The block's byte order: a section header block's own, else its section's.
    pub(super) big_endian: bool,
}

/// Reads and checks the header of the block `b` starts with (at file offset `at`), in the
/// byte order `big` (a section header block says its own); `None` where `b` is too short to
/// tell. [`PcapngDecoder::unit_len`] and the decoding loops apply the same checks in the same
/// order, so a read in chunks fails exactly as a whole read does.
pub(super) fn block_header(
    name: &str,
    b: &[u8],
    at: u64,
    big: bool,
) -> Result<Option<BlockHeader>, CaptureError> {
    if b.len() < BLOCK_HEADER_LEN {
        return Ok(None);
    }
    let block_type = rd32_dyn(big, b, 0);
    // A section header block's type reads the same in both byte orders.
    let big_endian = if block_type == BLOCK_SHB {
        let Some(magic) = b.get(8..SHB_HEADER_LEN).and_then(|m| <[u8; 4]>::try_from(m).ok()) else {
            return Ok(None);
        };
        match u32::from_le_bytes(magic) {
            BYTE_ORDER_MAGIC => false,
            m if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
            _ => {
                return Err(CaptureError::BadByteOrderMagic {
                    file: name.to_owned(),
                    offset: at + 8,
                    found: magic,
                });
            }
        }
    } else {
        big
    };
    let total = rd32_dyn(big_endian, b, 4);
    let padded = check_block_len(name, block_type, total, at)?;
    Ok(Some(BlockHeader { total, padded, big_endian }))
}
