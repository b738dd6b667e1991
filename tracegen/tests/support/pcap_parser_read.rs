//! Reading a capture held in memory with the `pcap-parser` crate into the same
//! [`FrameBuffer`] our reader makes (each packet's bytes copied once, timestamp in nanoseconds,
//! original length, link type), for the `capture_read` bench and the test that checks the two
//! agree.
//!
//! Included with `#[path = "../tests/support/pcap_parser_read.rs"] mod pcap_parser_read;` (from
//! `benches/`) or `#[path = "support/pcap_parser_read.rs"]` (from `tests/`).
//!
//! It uses the crate's in-memory iterators, its fastest way over a slice: `LegacyPcapSlice`
//! (classic pcap, which it reads as little-endian only) and `PcapNGSlice` (pcapng, both byte
//! orders), both zero-copy over the input. Timestamps follow each interface's `if_tsresol`
//! (10^-n only: the crate's `build_ts_resolution` refuses 2^-n) and `if_tsoffset`; a simple
//! packet block takes the previous packet's timestamp, as our reader does.

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{LegacyPcapSlice, PcapBlockOwned, PcapNGSlice};
use wire::{FrameBuffer, LinkType};

/// The frames of a classic pcap capture; `None` where the crate refuses it.
pub fn read_pcap(data: &[u8]) -> Option<FrameBuffer> {
    let mut out = FrameBuffer::new();
    read_pcap_into(data, &mut out)?;
    Some(out)
}

/// The frames of a classic pcap capture, appended to `out`.
pub fn read_pcap_into(data: &[u8], out: &mut FrameBuffer) -> Option<()> {
    let slice = LegacyPcapSlice::from_slice(data).ok()?;
    let ns_per_unit: u64 = if slice.header.is_nanosecond_precision() { 1 } else { 1_000 };
    let link = LinkType::from_linktype(slice.header.network.0 as u32 & 0xffff);
    for block in slice {
        match block.ok()? {
            PcapBlockOwned::Legacy(b) => {
                let ts_ns =
                    u64::from(b.ts_sec) * 1_000_000_000 + u64::from(b.ts_usec) * ns_per_unit;
                out.push(b.data, ts_ns, b.origlen, link);
            }
            _ => return None,
        }
    }
    Some(())
}

/// One interface: its link type, units per second, and offset in seconds.
#[derive(Clone, Copy)]
struct Interface {
    link: LinkType,
    units_per_sec: u64,
    offset_s: i64,
}

/// The frames of a pcapng capture; `None` where the crate refuses it.
pub fn read_pcapng(data: &[u8]) -> Option<FrameBuffer> {
    let mut out = FrameBuffer::new();
    read_pcapng_into(data, &mut out)?;
    Some(out)
}

/// The frames of a pcapng capture, appended to `out`.
pub fn read_pcapng_into(data: &[u8], out: &mut FrameBuffer) -> Option<()> {
    let slice = PcapNGSlice::from_slice(data).ok()?;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut last_ts_ns = 0u64;
    for block in slice {
        let PcapBlockOwned::NG(block) = block.ok()? else { return None };
        match block {
            Block::SectionHeader(_) => interfaces.clear(),
            Block::InterfaceDescription(idb) => interfaces.push(Interface {
                link: LinkType::from_linktype(idb.linktype.0 as u32),
                units_per_sec: pcap_parser::build_ts_resolution(idb.if_tsresol)?,
                offset_s: idb.if_tsoffset,
            }),
            Block::EnhancedPacket(epb) => {
                let i = *interfaces.get(epb.if_id as usize)?;
                let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let (secs, frac) = (units / i.units_per_sec, units % i.units_per_sec);
                let ns = u128::from(secs) * 1_000_000_000
                    + u128::from(frac) * 1_000_000_000 / u128::from(i.units_per_sec);
                let ns = (ns as i128 + i128::from(i.offset_s) * 1_000_000_000)
                    .clamp(0, i128::from(u64::MAX)) as u64;
                out.push(epb.packet_data(), ns, epb.orig_len(), i.link);
                last_ts_ns = ns;
            }
            Block::SimplePacket(spb) => {
                let i = *interfaces.first()?;
                out.push(spb.packet_data(), last_ts_ns, spb.orig_len(), i.link);
            }
            _ => {}
        }
    }
    Some(())
}
