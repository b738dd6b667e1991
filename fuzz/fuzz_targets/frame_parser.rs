//! Fuzz target: the frame parser over arbitrary bytes. Input: one byte choosing the link type
//! (`sel % 8` of the eight the parser reads below 224; from 224 an unsupported one, numbers 147
//! to 178), four bytes of wire length (little-endian, any value: above, equal to or below the
//! captured length), then the frame's bytes. `wire::parse_frame` and `parse_frame_into` agree and
//! never panic; they refuse only for link- or IP-level reasons (`unsupported_link_type` exactly
//! for the unsupported link types); a record keeps the frame's time, wire length and sequence
//! number, its payload offset lies within the captured bytes, its flags, protocol, ports and
//! addresses are consistent and its RSS hashes symmetric; the payload of a UDP record to or from
//! port 53 is read by `wire::dns::DnsView` (name text well-formed, answer walk bounded). Frames of
//! an unsupported link type, which the parser refuses at once, go to `DnsView` whole. The checks
//! live in `tracegen/tests/support/capture_checks.rs`, shared with the stable test
//! `tracegen/tests/reader_never_panics.rs`.

#![no_main]

#[path = "../../tracegen/tests/support/capture_checks.rs"]
mod capture_checks;

use libfuzzer_sys::fuzz_target;
use wire::{Frame, LinkType};

/// The link types the parser reads, in the order the selector byte picks them (`sel % 8`).
const SUPPORTED: [LinkType; 8] = LinkType::SUPPORTED;

/// Selector bytes from this one on pick an unsupported link type.
const FIRST_OTHER: u8 = 224;

fn link_of(sel: u8) -> LinkType {
    if sel < FIRST_OTHER {
        SUPPORTED[usize::from(sel % 8)]
    } else {
        // 147..=178: DLT_USER0..15 and the numbers after them, none of which the parser reads.
        let link = LinkType::from_linktype(147 + u32::from(sel - FIRST_OTHER));
        assert!(!link.is_supported());
        link
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Some((wire_len, bytes)) = rest.split_first_chunk::<4>() else { return };
    let wire_len = u32::from_le_bytes(*wire_len);
    let link = link_of(sel);
    let ts_ns = (u64::from(wire_len) << 24) | u64::from(sel);
    let frame = Frame { bytes, ts_ns, wire_len, link };
    let _ = capture_checks::check_frame(&frame, wire_len.rotate_left(16));
    if !link.is_supported() {
        capture_checks::check_dns(bytes);
    }
});
