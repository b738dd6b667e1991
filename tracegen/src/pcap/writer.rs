//! Writing classic pcap files (little-endian, nanosecond resolution by default), and the
//! file-level API for both formats ([`write_file`], [`write_capture`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use wire::{FrameBuffer, LinkType};

use super::{
    CaptureFormat, CaptureMeta, FILE_HEADER_LEN, MAX_CAPLEN, PcapngWriter, RECORD_HEADER_LEN,
    TsResolution,
};

/// Writes a classic pcap stream: the file header on creation, then one record per frame.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    resolution: TsResolution,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the little-endian file header (version 2.4, the magic of `resolution`) to `out`.
    ///
    /// # Errors
    /// Whatever `out` returns.
    pub fn new(
        mut out: W,
        link: LinkType,
        snaplen: u32,
        resolution: TsResolution,
    ) -> io::Result<Self> {
        let mut h = [0u8; FILE_HEADER_LEN];
        h[0..4].copy_from_slice(&resolution.magic().to_le_bytes());
        h[4..6].copy_from_slice(&2u16.to_le_bytes());
        h[6..8].copy_from_slice(&4u16.to_le_bytes());
        // thiszone and sigfigs stay 0.
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&link.to_linktype().to_le_bytes());
        out.write_all(&h)?;
        Ok(Self { out, resolution })
    }

    /// Writes one record. With microsecond resolution the timestamp is truncated to whole
    /// microseconds.
    ///
    /// # Errors
    /// `InvalidInput` where the frame has more than [`MAX_CAPLEN`](super::MAX_CAPLEN) bytes
    /// (no reader would take it back) or its timestamp is past what pcap's 32-bit seconds hold
    /// (2106); else whatever the output returns.
    pub fn write_frame(&mut self, ts_ns: u64, wire_len: u32, bytes: &[u8]) -> io::Result<()> {
        let caplen =
            u32::try_from(bytes.len()).ok().filter(|&n| n <= MAX_CAPLEN).ok_or_else(|| {
                invalid(format!("frame of {} bytes exceeds {MAX_CAPLEN}", bytes.len()))
            })?;
        let ts_sec = u32::try_from(ts_ns / 1_000_000_000)
            .map_err(|_| invalid(format!("timestamp {ts_ns} ns is past pcap's 32-bit seconds")))?;
        // The remainder is below 10^9, so it fits in u32.
        let ts_frac = ((ts_ns % 1_000_000_000) / u64::from(self.resolution.ns_per_unit())) as u32;
        let mut h = [0u8; RECORD_HEADER_LEN];
        h[0..4].copy_from_slice(&ts_sec.to_le_bytes());
        h[4..8].copy_from_slice(&ts_frac.to_le_bytes());
        h[8..12].copy_from_slice(&caplen.to_le_bytes());
        h[12..16].copy_from_slice(&wire_len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(bytes)
    }

    /// The resolution timestamps are written with.
    pub fn resolution(&self) -> TsResolution {
        self.resolution
    }

    /// The underlying writer (not flushed: flush it, or a `BufWriter` inside it, yourself).
    pub fn into_inner(self) -> W {
        self.out
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Writes every frame of `frames` to a pcap file at `path`, atomically: into a temporary file in
/// the same directory, then renamed over `path`, so a reader never sees a half-written file. The
/// header's snaplen is `snaplen` (64 for header-only traces; [`DEFAULT_SNAPLEN`](super::DEFAULT_SNAPLEN) for full
/// frames).
///
/// The same as [`write_capture`] with [`CaptureFormat::Pcap`], whatever the extension of `path`.
///
/// # Errors
/// `InvalidInput` where a frame's link type differs from `link` (a pcap file holds one) or a
/// frame cannot be written (see [`PcapWriter::write_frame`]; the message names the frame's
/// index); I/O errors otherwise. On error the temporary file is removed and `path` is left as it
/// was.
pub fn write_file(
    path: &Path,
    frames: &FrameBuffer,
    link: LinkType,
    snaplen: u32,
    resolution: TsResolution,
) -> io::Result<()> {
    write_capture(
        path,
        frames,
        link,
        snaplen,
        resolution,
        CaptureFormat::Pcap,
        &CaptureMeta::default(),
    )
}

/// Writes every frame of `frames` to a capture file of `format` at `path`, atomically like
/// [`write_file`]: into a temporary file in the same directory, synced, then renamed over
/// `path`.
///
/// Classic pcap ignores `meta`; pcapng writes it into the section header block (see
/// [`PcapngWriter::new`]) and writes one interface of link type `link` and snaplen `snaplen`
/// (0: no limit) with timestamps in units of `resolution`. Use
/// [`CaptureFormat::from_path`] to choose the format by the file's extension.
///
/// # Errors
/// `InvalidInput` where a frame's link type differs from `link` (the file holds one), where
/// `meta` cannot be written (pcapng; see [`PcapngWriter::new`]) or a frame cannot be written
/// (see [`PcapWriter::write_frame`] and [`PcapngWriter::write_frame`]: pcapng also refuses
/// frames longer than a non-zero `snaplen` or with a wire length below their captured length;
/// the message names the frame's index); I/O errors otherwise. On error the temporary file is
/// removed and `path` is left as it was.
pub fn write_capture(
    path: &Path,
    frames: &FrameBuffer,
    link: LinkType,
    snaplen: u32,
    resolution: TsResolution,
    format: CaptureFormat,
    meta: &CaptureMeta,
) -> io::Result<()> {
    if let Some(f) = frames.iter().find(|f| f.link != link) {
        let holds = match format {
            CaptureFormat::Pcap => "a pcap file holds one link type",
            CaptureFormat::Pcapng => "the pcapng writer writes one interface, so one link type",
        };
        return Err(invalid(format!(
            "{}: {holds}; asked for {}, a frame has {}",
            path.display(),
            link.name(),
            f.link.name()
        )));
    }
    let tmp = temp_path(path)?;
    let written = (|| {
        let file = File::options().write(true).create_new(true).open(&tmp)?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let out = match format {
            CaptureFormat::Pcap => {
                let mut w = PcapWriter::new(out, link, snaplen, resolution)?;
                for (i, f) in frames.iter().enumerate() {
                    w.write_frame(f.ts_ns, f.wire_len, f.bytes).map_err(|e| in_frame(i, e))?;
                }
                w.into_inner()
            }
            CaptureFormat::Pcapng => {
                let mut w = PcapngWriter::new(out, link, snaplen, resolution, meta)?;
                for (i, f) in frames.iter().enumerate() {
                    w.write_frame(f.ts_ns, f.wire_len, f.bytes).map_err(|e| in_frame(i, e))?;
                }
                w.into_inner()
            }
        };
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Names the frame in an error about its contents; I/O errors pass as they are.
fn in_frame(index: usize, e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::InvalidInput { invalid(format!("frame {index}: {e}")) } else { e }
}

/// A fresh temporary name next to `path`: `.NAME.tmp.PID.N`.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name =
        path.file_name().ok_or_else(|| invalid(format!("{}: not a file path", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(path.with_file_name(tmp_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::DEFAULT_SNAPLEN;
    use crate::pcap::{ReadOptions, read_bytes, read_file};

    fn sample(link: LinkType) -> FrameBuffer {
        let mut b = FrameBuffer::new();
        b.push(&[0xaa; 60], 1_700_000_000_123_456_789, 60, link);
        b.push(&[], 1_700_000_001_000_000_001, 0, link);
        b.push(&[1, 2, 3, 4, 5], 42, 1514, link);
        b.push(&vec![7u8; 9000], 1_700_000_002_999_999_999, 9000, link);
        b
    }

    fn to_micro(ts_ns: u64) -> u64 {
        ts_ns / 1_000 * 1_000
    }

    #[test]
    fn round_trip_both_resolutions_in_memory() {
        for res in [TsResolution::Nano, TsResolution::Micro] {
            let frames = sample(LinkType::Ethernet);
            let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet, 65535, res).unwrap();
            for f in frames.iter() {
                w.write_frame(f.ts_ns, f.wire_len, f.bytes).unwrap();
            }
            let bytes = w.into_inner();
            let cap =
                read_bytes("mem.pcap", &bytes, &ReadOptions { strict: true, ..Default::default() })
                    .unwrap();
            assert_eq!(cap.info.first_interface.expect("an interface").resolution, res);
            assert_eq!(cap.info.first_interface.expect("an interface").link, LinkType::Ethernet);
            assert_eq!(cap.info.first_interface.expect("an interface").snaplen, 65535);
            assert_eq!(cap.info.truncated_at_offset, None);
            assert!(cap.info.warnings.is_empty(), "{:?}", cap.info.warnings);
            assert_eq!(cap.info.file_bytes, bytes.len() as u64);
            assert_eq!(cap.frames.len(), frames.len());
            for (a, b) in cap.frames.iter().zip(frames.iter()) {
                assert_eq!(a.bytes, b.bytes);
                assert_eq!(a.wire_len, b.wire_len);
                let want = if res == TsResolution::Micro { to_micro(b.ts_ns) } else { b.ts_ns };
                assert_eq!(a.ts_ns, want);
            }
        }
    }

    #[test]
    fn write_file_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcap");
        let frames = sample(LinkType::RawIp);
        write_file(&path, &frames, LinkType::RawIp, DEFAULT_SNAPLEN, TsResolution::default())
            .unwrap();
        // Overwriting an existing file works too.
        write_file(&path, &frames, LinkType::RawIp, DEFAULT_SNAPLEN, TsResolution::default())
            .unwrap();
        let names: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.pcap")]);
        let cap = read_file(&path, &ReadOptions::default()).unwrap();
        assert_eq!(cap.info.first_interface.expect("an interface").resolution, TsResolution::Nano);
        assert_eq!(cap.info.first_interface.expect("an interface").link, LinkType::RawIp);
        assert_eq!(cap.info.first_interface.expect("an interface").snaplen, DEFAULT_SNAPLEN);
        assert_eq!(cap.frames, frames);
    }

    #[test]
    fn write_file_refuses_mixed_link_types_and_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcap");
        fs::write(&path, b"old").unwrap();
        let mut frames = sample(LinkType::Ethernet);
        frames.push(&[0x45], 1, 1, LinkType::RawIp);
        let err =
            write_file(&path, &frames, LinkType::Ethernet, DEFAULT_SNAPLEN, TsResolution::Nano)
                .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn meta() -> CaptureMeta {
        CaptureMeta { application: "pktstream test".into(), comment: Some("a comment".into()) }
    }

    #[test]
    fn write_capture_pcap_is_write_file_and_ignores_meta() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pcap"), dir.path().join("b.pcapng"));
        let frames = sample(LinkType::Ethernet);
        write_file(&a, &frames, LinkType::Ethernet, 65535, TsResolution::Micro).unwrap();
        write_capture(
            &b,
            &frames,
            LinkType::Ethernet,
            65535,
            TsResolution::Micro,
            CaptureFormat::Pcap,
            &meta(),
        )
        .unwrap();
        assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    }

    #[test]
    fn write_capture_pcapng_replaces_the_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcapng");
        fs::write(&path, b"old").unwrap();
        let frames = sample(LinkType::Ethernet);
        let format = CaptureFormat::from_path(&path);
        assert_eq!(format, CaptureFormat::Pcapng);
        write_capture(&path, &frames, LinkType::Ethernet, 0, TsResolution::Nano, format, &meta())
            .unwrap();
        let names: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.pcapng")]);
        let bytes = fs::read(&path).unwrap();
        let mut w =
            PcapngWriter::new(Vec::new(), LinkType::Ethernet, 0, TsResolution::Nano, &meta())
                .unwrap();
        for f in frames.iter() {
            w.write_frame(f.ts_ns, f.wire_len, f.bytes).unwrap();
        }
        assert_eq!(bytes, w.into_inner());
    }

    #[test]
    fn write_capture_pcapng_errors_name_the_problem_and_keep_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcapng");
        fs::write(&path, b"old").unwrap();
        let write = |frames: &FrameBuffer, snaplen: u32, meta: &CaptureMeta| {
            write_capture(
                &path,
                frames,
                LinkType::Ethernet,
                snaplen,
                TsResolution::Nano,
                CaptureFormat::Pcapng,
                meta,
            )
            .unwrap_err()
        };
        let mut mixed = sample(LinkType::Ethernet);
        mixed.push(&[0x45], 1, 1, LinkType::RawIp);
        let err = write(&mixed, 0, &meta());
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("one interface"), "{err}");
        assert!(err.to_string().contains("raw-ip"), "{err}");
        // The sample's 9000-byte frame is over a 1500-byte snaplen: frame 3.
        let err = write(&sample(LinkType::Ethernet), 1500, &meta());
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().starts_with("frame 3: "), "{err}");
        let bad_meta = CaptureMeta { application: "a\0".into(), comment: None };
        let err = write(&sample(LinkType::Ethernet), 0, &bad_meta);
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_frame_refuses_what_cannot_be_read_back() {
        let mut w =
            PcapWriter::new(Vec::new(), LinkType::Ethernet, 65535, TsResolution::Nano).unwrap();
        let big = vec![0u8; MAX_CAPLEN as usize + 1];
        assert_eq!(w.write_frame(0, 0, &big).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let past_2106 = (u64::from(u32::MAX) + 1) * 1_000_000_000;
        assert_eq!(
            w.write_frame(past_2106, 1, &[0]).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert_eq!(w.into_inner().len(), FILE_HEADER_LEN);
    }

    #[test]
    fn header_is_little_endian_with_resolution_magic() {
        let w =
            PcapWriter::new(Vec::new(), LinkType::LinuxSll2, 1234, TsResolution::Micro).unwrap();
        let h = w.into_inner();
        assert_eq!(&h[0..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(&h[4..8], &[2, 0, 4, 0]);
        assert_eq!(&h[16..20], &1234u32.to_le_bytes());
        assert_eq!(&h[20..24], &276u32.to_le_bytes());
        let w = PcapWriter::new(Vec::new(), LinkType::Ethernet, 1, TsResolution::Nano).unwrap();
        assert_eq!(&w.into_inner()[0..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
    }
}
