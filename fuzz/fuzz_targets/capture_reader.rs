//! Fuzz target: the capture reader over arbitrary bytes. `tracegen::pcap::read_bytes`, lax and
//! strict, returns `Ok` or a typed one-line error naming the file at an offset within the input,
//! never panics; strict and lax agree (strict refuses exactly the truncation lax reports); a
//! classic pcap read tiles the input with its records (each frame's bytes, wire length and
//! timestamp are its record's, the last ends at the truncation offset or the input's end). Then
//! every frame read goes through `wire::parse_frame` and the record checks of `frame_parser`.
//! The checks live in `tracegen/tests/support/capture_checks.rs`, shared with the stable test
//! `tracegen/tests/reader_never_panics.rs`.

#![no_main]

#[path = "../../tracegen/tests/support/capture_checks.rs"]
mod capture_checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    capture_checks::check_capture(data);
});
