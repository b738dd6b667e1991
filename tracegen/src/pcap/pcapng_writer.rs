//! Writing pcapng files ([draft-ietf-opsawg-pcapng]): little-endian, one section, one interface.
//!
//! A file is a Section Header Block (byte-order magic, version 1.0, section length -1 for
//! "not given", options `shb_userappl` and `opt_comment`), one Interface Description Block (link
//! type, snaplen, option `if_tsresol`), then one Enhanced Packet Block per frame (interface 0,
//! the 64-bit timestamp in units of the chosen resolution split into upper and lower 32 bits, no
//! options). Every block starts and ends with its total length, a multiple of 4; option values
//! and packet data are padded with zeros to 32 bits; every option list ends with
//! `opt_endofopt`.
//!
//! [draft-ietf-opsawg-pcapng]: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/

use std::io::{self, Write};

use wire::LinkType;

use super::{CaptureMeta, MAGIC_PCAPNG, MAX_CAPLEN, TsResolution};

/// The byte-order magic of the section header block, written in the section's byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
/// Block type of the interface description block.
const BLOCK_IDB: u32 = 0x0000_0001;
/// Block type of the enhanced packet block.
const BLOCK_EPB: u32 = 0x0000_0006;
/// Option code that ends an option list.
const OPT_ENDOFOPT: u16 = 0;
/// Option code of a comment, valid in every block.
const OPT_COMMENT: u16 = 1;
/// Section header block option: the application that wrote the section.
const SHB_USERAPPL: u16 = 4;
/// Interface description block option: the resolution of timestamps.
const IF_TSRESOL: u16 = 9;
/// Block type, leading and trailing block total length.
const BLOCK_OVERHEAD: usize = 12;
/// Enhanced packet block up to its packet data: block type, total length, interface id,
/// timestamp (two words), captured length, original length.
const EPB_HEADER_LEN: usize = 28;

/// Writes a pcapng stream: the section header and interface description blocks on creation,
/// then one enhanced packet block per frame.
#[derive(Debug)]
pub struct PcapngWriter<W: Write> {
    out: W,
    resolution: TsResolution,
    snaplen: u32,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the little-endian section header block (with `meta.application` as
    /// `shb_userappl`, unless empty, and `meta.comment` as `opt_comment`) and the interface
    /// description block of interface 0 (`link`, `snaplen`, `if_tsresol` of `resolution`) to
    /// `out`. A `snaplen` of 0 means "no limit" in pcapng.
    ///
    /// # Errors
    /// `InvalidInput`, with nothing written, where `link`'s number does not fit pcapng's 16-bit
    /// link type field, or the application or comment is longer than an option holds
    /// (65535 bytes) or contains a NUL byte (pcapng readers end strings there); else whatever
    /// `out` returns.
    pub fn new(
        mut out: W,
        link: LinkType,
        snaplen: u32,
        resolution: TsResolution,
        meta: &CaptureMeta,
    ) -> io::Result<Self> {
        let linktype = u16::try_from(link.to_linktype()).map_err(|_| {
            invalid(format!(
                "link type {} does not fit the 16-bit link type field of a pcapng interface",
                link.to_linktype()
            ))
        })?;

        let mut shb = Vec::with_capacity(64);
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes()); // major version
        shb.extend_from_slice(&0u16.to_le_bytes()); // minor version
        shb.extend_from_slice(&(-1i64).to_le_bytes()); // section length: not given
        let mut opts = Options::default();
        if !meta.application.is_empty() {
            opts.string(SHB_USERAPPL, "the application (shb_userappl)", &meta.application)?;
        }
        if let Some(comment) = &meta.comment {
            opts.string(OPT_COMMENT, "the capture comment (opt_comment)", comment)?;
        }
        opts.finish_into(&mut shb);

        let mut idb = Vec::with_capacity(20);
        idb.extend_from_slice(&linktype.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes()); // reserved
        idb.extend_from_slice(&snaplen.to_le_bytes());
        let mut opts = Options::default();
        opts.push(IF_TSRESOL, &[resolution.pcapng_tsresol()]);
        opts.finish_into(&mut idb);

        write_block(&mut out, MAGIC_PCAPNG, &shb)?;
        write_block(&mut out, BLOCK_IDB, &idb)?;
        Ok(Self { out, resolution, snaplen })
    }

    /// Writes one enhanced packet block on interface 0: the timestamp in units of the
    /// resolution (truncated to whole microseconds with microsecond resolution), the captured
    /// length `bytes.len()`, the original length `wire_len`, and the bytes padded to 32 bits.
    ///
    /// # Errors
    /// `InvalidInput`, with nothing written, where the frame has more than
    /// [`MAX_CAPLEN`](super::MAX_CAPLEN) bytes (no reader would take it back) or more than the
    /// interface's snaplen (when not 0), or where `wire_len` is less than the captured length
    /// (pcapng writers must not write such a block); else whatever the output returns.
    pub fn write_frame(&mut self, ts_ns: u64, wire_len: u32, bytes: &[u8]) -> io::Result<()> {
        let caplen =
            u32::try_from(bytes.len()).ok().filter(|&n| n <= MAX_CAPLEN).ok_or_else(|| {
                invalid(format!("frame of {} bytes exceeds {MAX_CAPLEN}", bytes.len()))
            })?;
        if self.snaplen != 0 && caplen > self.snaplen {
            return Err(invalid(format!(
                "frame of {caplen} captured bytes exceeds the interface's snaplen {}",
                self.snaplen
            )));
        }
        if wire_len < caplen {
            return Err(invalid(format!(
                "frame has wire length {wire_len}, less than its {caplen} captured bytes \
                 (pcapng requires the original length to be at least the captured length)"
            )));
        }
        let units = ts_ns / u64::from(self.resolution.ns_per_unit());
        let pad = padding(bytes.len());
        // At most 28 + 262144 + 3 + 4 bytes: fits u32.
        let total = (EPB_HEADER_LEN + bytes.len() + pad + 4) as u32;
        let mut h = [0u8; EPB_HEADER_LEN];
        h[0..4].copy_from_slice(&BLOCK_EPB.to_le_bytes());
        h[4..8].copy_from_slice(&total.to_le_bytes());
        // Interface id 0: h[8..12] stays 0.
        h[12..16].copy_from_slice(&((units >> 32) as u32).to_le_bytes());
        h[16..20].copy_from_slice(&(units as u32).to_le_bytes());
        h[20..24].copy_from_slice(&caplen.to_le_bytes());
        h[24..28].copy_from_slice(&wire_len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(bytes)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total.to_le_bytes())
    }

    /// The resolution timestamps are written with.
    pub fn resolution(&self) -> TsResolution {
        self.resolution
    }

    /// The snaplen written in the interface description block (0: no limit).
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// The underlying writer (not flushed: flush it, or a `BufWriter` inside it, yourself).
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Zero bytes that pad `len` bytes to a multiple of 4.
fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// An option list being built: options with padded values; [`Options::finish_into`] ends it
/// with `opt_endofopt`.
#[derive(Default)]
struct Options {
    bytes: Vec<u8>,
}

impl Options {
    /// Appends one option; `value` must fit the 16-bit length (checked by the callers).
    fn push(&mut self, code: u16, value: &[u8]) {
        debug_assert!(value.len() <= usize::from(u16::MAX));
        self.bytes.extend_from_slice(&code.to_le_bytes());
        self.bytes.extend_from_slice(&(value.len() as u16).to_le_bytes());
        self.bytes.extend_from_slice(value);
        self.bytes.extend_from_slice(&[0u8; 3][..padding(value.len())]);
    }

    /// Appends a UTF-8 string option, refusing what a reader would not get back: a string
    /// longer than an option holds, or one with a NUL byte (readers end strings there).
    fn string(&mut self, code: u16, what: &str, value: &str) -> io::Result<()> {
        if value.len() > usize::from(u16::MAX) {
            return Err(invalid(format!(
                "{what} is {} bytes long; a pcapng option holds at most {} bytes",
                value.len(),
                u16::MAX
            )));
        }
        if let Some(at) = value.bytes().position(|b| b == 0) {
            return Err(invalid(format!(
                "{what} contains a NUL byte at byte {at}; pcapng readers end strings there"
            )));
        }
        self.push(code, value.as_bytes());
        Ok(())
    }

    /// Appends the list, ended by `opt_endofopt`, to `body`; an empty list appends nothing.
    fn finish_into(self, body: &mut Vec<u8>) {
        if !self.bytes.is_empty() {
            body.extend_from_slice(&self.bytes);
            body.extend_from_slice(&OPT_ENDOFOPT.to_le_bytes());
            body.extend_from_slice(&0u16.to_le_bytes());
        }
    }
}

/// Writes one block: type, total length, `body` (a multiple of 4 bytes), total length.
fn write_block(out: &mut impl Write, block_type: u32, body: &[u8]) -> io::Result<()> {
    debug_assert_eq!(body.len() % 4, 0);
    // Bodies are at most two 64 KiB options and a few fixed fields: fits u32.
    let total = ((BLOCK_OVERHEAD + body.len()) as u32).to_le_bytes();
    out.write_all(&block_type.to_le_bytes())?;
    out.write_all(&total)?;
    out.write_all(body)?;
    out.write_all(&total)
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::{CaptureFormat, ReadOptions, read_bytes};

    fn meta(application: &str, comment: Option<&str>) -> CaptureMeta {
        CaptureMeta { application: application.into(), comment: comment.map(Into::into) }
    }

    fn le32(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn le16(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
    }

    /// Splits a little-endian pcapng stream into (block type, body) pairs, checking the block
    /// framing on the way: both total lengths equal, a multiple of 4, blocks tile the stream.
    fn blocks(b: &[u8]) -> Vec<(u32, &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < b.len() {
            assert!(b.len() - at >= BLOCK_OVERHEAD, "block at {at} shorter than 12 bytes");
            let total = le32(b, at + 4) as usize;
            assert_eq!(total % 4, 0, "block at {at}: total length {total} not a multiple of 4");
            assert!(total >= BLOCK_OVERHEAD && at + total <= b.len(), "block at {at}: {total}");
            assert_eq!(le32(b, at + total - 4), total as u32, "block at {at}: trailing length");
            out.push((le32(b, at), &b[at + 8..at + total - 4]));
            at += total;
        }
        out
    }

    /// Parses an option list to its end, checking padding and the final `opt_endofopt`.
    fn options(b: &[u8]) -> Vec<(u16, &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let (code, len) = (le16(b, at), usize::from(le16(b, at + 2)));
            if code == OPT_ENDOFOPT {
                assert_eq!(len, 0, "opt_endofopt with a length");
                assert_eq!(at + 4, b.len(), "bytes after opt_endofopt");
                return out;
            }
            let value = &b[at + 4..at + 4 + len];
            let padded = len + padding(len);
            assert!(b[at + 4 + len..at + 4 + padded].iter().all(|&x| x == 0), "padding not 0");
            out.push((code, value));
            at += 4 + padded;
        }
    }

    #[test]
    fn header_blocks_byte_for_byte() {
        let w = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            65535,
            TsResolution::Nano,
            &meta("ab", Some("hello")),
        )
        .unwrap();
        let b = w.into_inner();
        #[rustfmt::skip]
        let want: Vec<u8> = [
            // Section header block.
            &[0x0a, 0x0d, 0x0d, 0x0a][..],      // block type
            &[52, 0, 0, 0],                     // block total length
            &[0x4d, 0x3c, 0x2b, 0x1a],          // byte-order magic, little-endian
            &[1, 0, 0, 0],                      // version 1.0
            &[0xff; 8],                         // section length -1
            &[4, 0, 2, 0, b'a', b'b', 0, 0],    // shb_userappl "ab", padded
            &[1, 0, 5, 0, b'h', b'e', b'l', b'l', b'o', 0, 0, 0], // opt_comment "hello"
            &[0, 0, 0, 0],                      // opt_endofopt
            &[52, 0, 0, 0],                     // block total length
            // Interface description block.
            &[1, 0, 0, 0],                      // block type
            &[32, 0, 0, 0],                     // block total length
            &[1, 0, 0, 0],                      // link type 1 (Ethernet), reserved
            &[0xff, 0xff, 0, 0],                // snaplen 65535
            &[9, 0, 1, 0, 9, 0, 0, 0],          // if_tsresol 9, padded
            &[0, 0, 0, 0],                      // opt_endofopt
            &[32, 0, 0, 0],                     // block total length
        ]
        .concat();
        assert_eq!(b, want);
        assert_eq!(le32(&b, 0), MAGIC_PCAPNG);
        assert_eq!(le32(&b, 8), BYTE_ORDER_MAGIC);
    }

    #[test]
    fn enhanced_packet_block_byte_for_byte() {
        let mut w =
            PcapngWriter::new(Vec::new(), LinkType::RawIp, 0, TsResolution::Nano, &meta("", None))
                .unwrap();
        let start = w.out.len();
        let ts: u64 = 0x0001_0203_0405_0607;
        w.write_frame(ts, 1514, &[0x45, 0x01, 0x02, 0x03, 0x04]).unwrap();
        let b = w.into_inner();
        #[rustfmt::skip]
        let want: Vec<u8> = [
            &[6, 0, 0, 0][..],                  // block type
            &[40, 0, 0, 0],                     // block total length: 28 + 8 + 4
            &[0, 0, 0, 0],                      // interface 0
            &[0x03, 0x02, 0x01, 0x00],          // timestamp, upper 32 bits
            &[0x07, 0x06, 0x05, 0x04],          // timestamp, lower 32 bits
            &[5, 0, 0, 0],                      // captured length
            &[0xea, 0x05, 0, 0],                // original length 1514
            &[0x45, 1, 2, 3, 4, 0, 0, 0],       // data, padded to 32 bits
            &[40, 0, 0, 0],                     // block total length
        ]
        .concat();
        assert_eq!(&b[start..], &want[..]);
        // No options at all: the section header block is bare, the interface block has
        // if_tsresol only; link type 101 (raw IP), snaplen 0 (no limit).
        let bl = blocks(&b);
        assert_eq!(bl.len(), 3);
        assert_eq!(bl[0].1.len(), 16);
        assert_eq!(&bl[1].1[..8], &[101, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(options(&bl[1].1[8..]), vec![(IF_TSRESOL, &[9u8][..])]);
    }

    #[test]
    fn every_length_is_padded_to_32_bits_and_framed() {
        for res in [TsResolution::Nano, TsResolution::Micro] {
            let mut w = PcapngWriter::new(
                Vec::new(),
                LinkType::Ethernet,
                262_144,
                res,
                &meta("pktstream test", Some("odd lengths: 0 to 9 bytes")),
            )
            .unwrap();
            let ts0 = 1_700_000_000_123_456_789u64;
            for len in 0..10usize {
                let data: Vec<u8> = (1..=len as u8).collect();
                w.write_frame(ts0 + len as u64 * 1_001, 60 + len as u32, &data).unwrap();
            }
            let b = w.into_inner();
            assert_eq!(b.len() % 4, 0);
            let bl = blocks(&b);
            assert_eq!(bl.len(), 12);
            let (shb_type, shb) = bl[0];
            assert_eq!(shb_type, MAGIC_PCAPNG);
            assert_eq!(le32(shb, 0), BYTE_ORDER_MAGIC);
            assert_eq!((le16(shb, 4), le16(shb, 6)), (1, 0));
            assert_eq!(&shb[8..16], &[0xff; 8]);
            assert_eq!(
                options(&shb[16..]),
                vec![
                    (SHB_USERAPPL, &b"pktstream test"[..]),
                    (OPT_COMMENT, &b"odd lengths: 0 to 9 bytes"[..]),
                ]
            );
            let (idb_type, idb) = bl[1];
            assert_eq!(idb_type, BLOCK_IDB);
            assert_eq!((le16(idb, 0), le16(idb, 2), le32(idb, 4)), (1, 0, 262_144));
            assert_eq!(options(&idb[8..]), vec![(IF_TSRESOL, &[res.pcapng_tsresol()][..])]);
            for (len, &(ty, epb)) in bl[2..].iter().enumerate() {
                assert_eq!(ty, BLOCK_EPB);
                assert_eq!(le32(epb, 0), 0, "interface id");
                let units = (u64::from(le32(epb, 4)) << 32) | u64::from(le32(epb, 8));
                let ts = ts0 + len as u64 * 1_001;
                assert_eq!(units, ts / u64::from(res.ns_per_unit()));
                assert_eq!(le32(epb, 12) as usize, len);
                assert_eq!(le32(epb, 16), 60 + len as u32);
                let data: Vec<u8> = (1..=len as u8).collect();
                assert_eq!(&epb[20..20 + len], &data[..]);
                // Padding, zeros, and nothing else: no options.
                assert_eq!(epb.len(), 20 + len + padding(len));
                assert!(epb[20 + len..].iter().all(|&x| x == 0));
            }
        }
    }

    #[test]
    fn timestamps_past_32_bit_seconds_are_fine() {
        // pcapng has no year-2106 limit: 64-bit units.
        for res in [TsResolution::Nano, TsResolution::Micro] {
            let mut w = PcapngWriter::new(Vec::new(), LinkType::Ethernet, 0, res, &meta("t", None))
                .unwrap();
            w.write_frame(u64::MAX, 1, &[0]).unwrap();
            let b = w.into_inner();
            let epb = blocks(&b)[2].1;
            let units = (u64::from(le32(epb, 4)) << 32) | u64::from(le32(epb, 8));
            assert_eq!(units, u64::MAX / u64::from(res.ns_per_unit()));
        }
    }

    #[test]
    fn write_frame_refuses_what_the_format_forbids_and_writes_nothing() {
        let mut w = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            64,
            TsResolution::Nano,
            &meta("", None),
        )
        .unwrap();
        let header_len = w.out.len();
        let over_snaplen = w.write_frame(0, 100, &[0u8; 65]).unwrap_err();
        assert_eq!(over_snaplen.kind(), io::ErrorKind::InvalidInput);
        assert!(over_snaplen.to_string().contains("snaplen 64"), "{over_snaplen}");
        let short_wire = w.write_frame(0, 3, &[0u8; 4]).unwrap_err();
        assert_eq!(short_wire.kind(), io::ErrorKind::InvalidInput);
        assert!(short_wire.to_string().contains("wire length 3"), "{short_wire}");
        assert_eq!(w.out.len(), header_len);
        w.write_frame(0, 64, &[0u8; 64]).unwrap();

        let mut w = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            0,
            TsResolution::Nano,
            &meta("", None),
        )
        .unwrap();
        let header_len = w.out.len();
        let big = vec![0u8; MAX_CAPLEN as usize + 1];
        let err = w.write_frame(0, u32::MAX, &big).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("262145 bytes exceeds 262144"), "{err}");
        assert_eq!(w.into_inner().len(), header_len);
    }

    #[test]
    fn new_refuses_what_a_reader_would_not_get_back() {
        let nul = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            0,
            TsResolution::Nano,
            &meta("app", Some("a\0b")),
        )
        .unwrap_err();
        assert_eq!(nul.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            nul.to_string(),
            "the capture comment (opt_comment) contains a NUL byte at byte 1; \
             pcapng readers end strings there"
        );
        let long = "x".repeat(65_536);
        let too_long = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            0,
            TsResolution::Nano,
            &meta(&long, None),
        )
        .unwrap_err();
        assert_eq!(too_long.kind(), io::ErrorKind::InvalidInput);
        assert!(too_long.to_string().contains("shb_userappl"), "{too_long}");
        assert!(too_long.to_string().contains("65536 bytes"), "{too_long}");
        // The longest string that fits is written whole.
        let fits = "y".repeat(65_535);
        let w = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            0,
            TsResolution::Nano,
            &meta("app", Some(&fits)),
        )
        .unwrap();
        let b = w.into_inner();
        let shb = blocks(&b)[0].1;
        assert_eq!(options(&shb[16..])[1], (OPT_COMMENT, fits.as_bytes()));
        let wide = PcapngWriter::new(
            Vec::new(),
            LinkType::Other(70_000),
            0,
            TsResolution::Nano,
            &meta("", None),
        )
        .unwrap_err();
        assert_eq!(wide.kind(), io::ErrorKind::InvalidInput);
        assert!(wide.to_string().contains("link type 70000"), "{wide}");
    }

    #[test]
    fn the_reader_reads_the_output_back() {
        let mut w = PcapngWriter::new(
            Vec::new(),
            LinkType::Ethernet,
            0,
            TsResolution::Micro,
            &meta("t", None),
        )
        .unwrap();
        w.write_frame(1_234_567_891, 80, &[1, 2, 3]).unwrap();
        let b = w.into_inner();
        let cap = read_bytes("mem.pcapng", &b, &ReadOptions::default()).unwrap();
        assert_eq!(cap.info.format, CaptureFormat::Pcapng);
        let f = cap.frames.get(0).unwrap();
        assert_eq!((f.ts_ns, f.wire_len, f.bytes), (1_234_567_000, 80, &[1u8, 2, 3][..]));
    }
}
