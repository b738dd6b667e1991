//! `--unique-ip`: the per-loop address rewrite that makes every loop of a replayed trace carry
//! new flows.
//!
//! Loop 0 is left as it is. Loop `k >= 1` maps every IPv4 address `a` (read as a big-endian
//! `u32`) to `a + k * G mod 2^32`, with the odd constant [`UNIQUE_IP_STEP`] `G = 0x9E3779B1`
//! (the 32-bit golden-ratio constant); an IPv6 address gets the same map on its low 32 bits
//! (bytes 12..16) and keeps its upper 96 bits. The same map applies to source and destination,
//! so the two directions of a connection stay one connection, and a flow keeps its ports and
//! protocol.
//!
//! What it guarantees:
//! - within one loop the map is a bijection (adding a constant mod 2^32), so distinct flows stay
//!   distinct;
//! - a flow `(a, b)` of loop `k` equals a flow `(a', b')` of loop `j` only where both
//!   `a' - a` and `b' - b` are the same multiple `(k - j) * G` (mod 2^32): a coincidence in
//!   both addresses at once, which does not occur in generated traces (nor, by chance, in real
//!   ones short of about 2^16 hosts spaced by multiples of `G`). Loops `k` and `k + 2^32` map
//!   alike.
//!
//! Two entry points:
//! - record level, [`rewrite_record`]: the engine's parse stage rewrites the addresses of a
//!   parsed [`PacketRecord`] (IPv4 is stored IPv4-mapped, so both versions change bytes 12..16);
//! - frame level, [`rewrite_frame`]: the replayer rewrites the addresses in a copy of a frame's
//!   bytes, found with the same link-layer and IP views the parser uses, and fixes the IPv4
//!   header checksum and the TCP, UDP and ICMPv6 checksums incrementally (RFC 1624) wherever
//!   their two bytes were captured. It never panics: a frame the parser cannot read is left
//!   as it is.
//!
//! The two agree: `parse(rewrite_frame(f, k)) == rewrite_record(parse(f), k)` (checksums are not
//! part of a record). Not rewritten: addresses inside ICMP error payloads, IPv6 routing headers
//! and tunnelled packets (the parser reads none of them).

use crate::checksum;
use crate::frames::Frame;
use crate::linktype::LinkType;
use crate::parse::network_layer;
use crate::proto::ip_proto::{ICMPV6, TCP, UDP};
use crate::proto::ipv4::Ipv4Packet;
use crate::proto::ipv6::{self, Ipv6Packet};
use crate::proto::{NetworkProtocol, ethernet};
use crate::record::PacketRecord;

/// The odd constant `G` added to an address once per loop (the 32-bit golden-ratio constant,
/// so consecutive loops land far apart in the address space).
pub const UNIQUE_IP_STEP: u32 = 0x9E37_79B1;

/// What loop `loop_idx` adds to the low 32 bits of every address: `loop_idx * G mod 2^32`.
#[inline]
pub fn loop_offset(loop_idx: u64) -> u32 {
    // Only loop_idx mod 2^32 matters: the truncation is the modulus.
    (loop_idx as u32).wrapping_mul(UNIQUE_IP_STEP)
}

/// An IPv4 address of loop `loop_idx`.
#[inline]
pub fn rewrite_v4(addr: [u8; 4], loop_idx: u64) -> [u8; 4] {
    u32::from_be_bytes(addr).wrapping_add(loop_offset(loop_idx)).to_be_bytes()
}

/// An IPv6 address of loop `loop_idx` (its low 32 bits moved as [`rewrite_v4`] moves IPv4
/// addresses). Also right for the IPv4-mapped form records store.
#[inline]
pub fn rewrite_v6(addr: [u8; 16], loop_idx: u64) -> [u8; 16] {
    let mut out = addr;
    add_low32(&mut out, loop_offset(loop_idx));
    out
}

#[inline(always)]
fn add_low32(addr: &mut [u8; 16], offset: u32) {
    let low = u32::from_be_bytes([addr[12], addr[13], addr[14], addr[15]]);
    addr[12..16].copy_from_slice(&low.wrapping_add(offset).to_be_bytes());
}

/// Rewrites a parsed record's addresses for loop `loop_idx` (loop 0: unchanged). Records store
/// IPv4 addresses IPv4-mapped, so both versions change their low 32 bits; nothing else of the
/// record changes.
#[inline]
pub fn rewrite_record(rec: &mut PacketRecord, loop_idx: u64) {
    let offset = loop_offset(loop_idx);
    add_low32(&mut rec.src, offset);
    add_low32(&mut rec.dst, offset);
}

/// What [`rewrite_frame`] did to a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameRewrite {
    /// The addresses were rewritten (the frame has a readable IPv4 or IPv6 header).
    pub addresses: bool,
    /// The IPv4 header checksum was updated.
    pub ip_checksum: bool,
    /// A TCP, UDP or ICMPv6 checksum was updated (its two bytes were captured; an IPv4 UDP
    /// checksum of 0, "none", stays 0).
    pub transport_checksum: bool,
}

/// Rewrites, in place, the addresses of the frame `bytes` of link type `link` for loop
/// `loop_idx`, fixing checksums incrementally (see the module documentation). Loop 0 and
/// frames without a readable IP header are left unchanged. Never panics.
pub fn rewrite_frame(link: LinkType, bytes: &mut [u8], loop_idx: u64) -> FrameRewrite {
    let offset = loop_offset(loop_idx);
    if offset == 0 {
        return FrameRewrite::default();
    }
    let net = match link {
        LinkType::Ethernet => ethernet::network_layer(bytes),
        other => network_layer(other, bytes),
    };
    let Ok(net) = net else { return FrameRewrite::default() };
    let Some(ip) = bytes.get_mut(net.offset..) else { return FrameRewrite::default() };
    match net.protocol {
        NetworkProtocol::Ipv4 => rewrite_ipv4(ip, offset),
        NetworkProtocol::Ipv6 => rewrite_ipv6(ip, offset),
    }
}

/// Copies `frame`'s bytes into `out` (cleared first) and rewrites the copy for loop
/// `loop_idx` with [`rewrite_frame`].
pub fn rewrite_frame_into(frame: &Frame<'_>, loop_idx: u64, out: &mut Vec<u8>) -> FrameRewrite {
    out.clear();
    out.extend_from_slice(frame.bytes);
    rewrite_frame(frame.link, out, loop_idx)
}

/// Where, in the transport header of protocol `proto`, its checksum sits; `None` for
/// protocols whose checksum does not cover the addresses.
fn transport_checksum_at(proto: u8, v6: bool) -> Option<usize> {
    match proto {
        TCP => Some(16),
        UDP => Some(6),
        ICMPV6 if v6 => Some(2),
        _ => None,
    }
}

fn rewrite_ipv4(ip: &mut [u8], offset: u32) -> FrameRewrite {
    let Ok(view) = Ipv4Packet::new_checked(&*ip) else { return FrameRewrite::default() };
    let (src, dst) = (view.src_addr(), view.dst_addr());
    let header_len = view.header_len();
    let proto = view.protocol();
    let later_fragment = view.is_later_fragment();
    // The transport's captured bytes, bounded by the total length as the parser bounds them.
    let l4_len = view.payload().len();
    let new_src = u32::from_be_bytes(src).wrapping_add(offset).to_be_bytes();
    let new_dst = u32::from_be_bytes(dst).wrapping_add(offset).to_be_bytes();
    let old = [src, dst].concat();
    let new = [new_src, new_dst].concat();
    ip[12..16].copy_from_slice(&new_src);
    ip[16..20].copy_from_slice(&new_dst);
    let header_checksum = u16::from_be_bytes([ip[10], ip[11]]);
    ip[10..12].copy_from_slice(&adjust(header_checksum, &old, &new).to_be_bytes());
    let mut done = FrameRewrite { addresses: true, ip_checksum: true, transport_checksum: false };
    if !later_fragment && let Some(at) = transport_checksum_at(proto, false) {
        let l4 = ip.get_mut(header_len..header_len + l4_len).unwrap_or_default();
        done.transport_checksum = fix_transport(l4, at, proto == UDP, &old, &new);
    }
    done
}

fn rewrite_ipv6(ip: &mut [u8], offset: u32) -> FrameRewrite {
    let Ok(view) = Ipv6Packet::new_checked(&*ip) else { return FrameRewrite::default() };
    let (src, dst) = (view.src_addr(), view.dst_addr());
    let payload_len = view.payload().len();
    let up = ipv6::skip_extension_headers(view.next_header(), view.payload());
    let (mut new_src, mut new_dst) = (src, dst);
    add_low32(&mut new_src, offset);
    add_low32(&mut new_dst, offset);
    ip[8..24].copy_from_slice(&new_src);
    ip[24..40].copy_from_slice(&new_dst);
    let mut done = FrameRewrite { addresses: true, ..FrameRewrite::default() };
    if up.complete
        && !up.is_later_fragment
        && let Some(at) = transport_checksum_at(up.protocol, true)
    {
        let payload = ip.get_mut(ipv6::HEADER_LEN..ipv6::HEADER_LEN + payload_len);
        let l4 = tail_mut(payload.unwrap_or_default(), up.offset);
        // Only the low 32 bits of each address changed.
        let old = [&src[12..16], &dst[12..16]].concat();
        let new = [&new_src[12..16], &new_dst[12..16]].concat();
        done.transport_checksum = fix_transport(l4, at, false, &old, &new);
    }
    done
}

fn tail_mut(b: &mut [u8], at: usize) -> &mut [u8] {
    b.get_mut(at..).unwrap_or_default()
}

/// Updates the checksum at `at` in the transport bytes `l4`, whose pseudo-header's address
/// words went from `old` to `new`. An IPv4 UDP checksum of 0 means "none" and stays 0; a UDP
/// checksum that comes out 0 is sent as 0xffff (RFC 768). Returns whether it was updated.
fn fix_transport(l4: &mut [u8], at: usize, udp_v4: bool, old: &[u8], new: &[u8]) -> bool {
    let Some(field) = l4.get_mut(at..at + 2) else { return false };
    let current = u16::from_be_bytes([field[0], field[1]]);
    if udp_v4 && current == 0 {
        return false;
    }
    let mut updated = adjust(current, old, new);
    if udp_v4 && updated == 0 {
        updated = 0xffff;
    }
    field.copy_from_slice(&updated.to_be_bytes());
    true
}

/// RFC 1624, equation 3: the checksum `hc` of data in which the 16-bit words `old` became
/// `new` is `~(~hc + sum(~old) + sum(new))`. `old` and `new` have the same even length.
fn adjust(hc: u16, old: &[u8], new: &[u8]) -> u16 {
    let mut acc = u64::from(!hc);
    for (o, n) in old.chunks_exact(2).zip(new.chunks_exact(2)) {
        acc += u64::from(!u16::from_be_bytes([o[0], o[1]]));
        acc += u64::from(u16::from_be_bytes([n[0], n[1]]));
    }
    !(checksum::fold(acc) as u16)
}

#[cfg(test)]
mod tests;
