//! Where released frames go: nowhere ([`NullSink`]), a capture file ([`CaptureSink`]), or a
//! buffer a test reads back ([`CollectingSink`]).
//!
//! A sink takes each frame with the timestamp it leaves with: the trace's first timestamp plus
//! the frame's scheduled release time when paced, its own timestamp plus the loop's shift at top
//! speed (see [`super::replay`]). A sink may refuse one frame ([`SinkError::Refused`]: the
//! replayer counts it as a drop and goes on) or fail ([`SinkError::Io`]: the replay stops).

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use thiserror::Error;
use wire::{Frame, FrameBuffer, LinkType};

use crate::pcap::{CaptureFormat, CaptureMeta, PcapWriter, PcapngWriter, TsResolution};

/// Why a sink did not take a frame.
#[derive(Debug, Error)]
pub enum SinkError {
    /// This frame cannot go to the sink (the replay goes on; the frame counts as a drop).
    #[error("frame refused: {0}")]
    Refused(String),
    /// The sink failed (the replay stops).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// Takes the frames the replayer releases.
pub trait ReplaySink {
    /// Takes one released frame, to go out with timestamp `ts_ns` (ns since the Unix epoch).
    ///
    /// # Errors
    /// [`SinkError::Refused`] for a frame this sink cannot take, [`SinkError::Io`] when it
    /// fails.
    fn accept(&mut self, frame: &Frame<'_>, ts_ns: u64) -> Result<(), SinkError>;
}

/// Consumes frames and keeps nothing but two sums, through [`std::hint::black_box`], so the
/// release loop cannot be optimised away. Never refuses a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NullSink {
    /// Frames taken.
    pub frames: u64,
    /// Sum of their captured lengths and first bytes (a value that depends on every frame).
    pub digest: u64,
}

impl ReplaySink for NullSink {
    #[inline(always)]
    fn accept(&mut self, frame: &Frame<'_>, _ts_ns: u64) -> Result<(), SinkError> {
        let bytes = std::hint::black_box(frame.bytes);
        self.frames += 1;
        self.digest = self
            .digest
            .wrapping_add(bytes.len() as u64)
            .wrapping_add(u64::from(bytes.first().copied().unwrap_or(0)));
        Ok(())
    }
}

/// Keeps every frame it takes, with the timestamp it left with, in a [`FrameBuffer`]: what a
/// test compares with the input. Never refuses a frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectingSink {
    /// The frames taken, in order, with their outgoing timestamps.
    pub frames: FrameBuffer,
}

impl ReplaySink for CollectingSink {
    fn accept(&mut self, frame: &Frame<'_>, ts_ns: u64) -> Result<(), SinkError> {
        self.frames.push(frame.bytes, ts_ns, frame.wire_len, frame.link);
        Ok(())
    }
}

enum CaptureWriter {
    Pcap(PcapWriter<BufWriter<File>>),
    Pcapng(PcapngWriter<BufWriter<File>>),
}

/// Writes the re-timed frames to a capture file (classic pcap or pcapng, nanosecond
/// timestamps) of one link type. The file appears at its path only when
/// [`finish`](Self::finish) succeeds: until then it is written under a temporary name beside
/// it, removed if the sink is dropped unfinished.
pub struct CaptureSink {
    path: PathBuf,
    tmp: PathBuf,
    link: LinkType,
    writer: Option<CaptureWriter>,
    /// The file was moved to its path: nothing temporary is left.
    finished: bool,
}

impl CaptureSink {
    /// Starts a capture of `format` at `path` for frames of link type `link`, with snapshot
    /// length `snaplen` in its header (pcapng: 0 means no limit) and `meta` where the format
    /// has room for it.
    ///
    /// # Errors
    /// The temporary file cannot be created or its header written; the link type or `meta`
    /// cannot be written in `format` (see [`PcapngWriter::new`]).
    pub fn create(
        path: &Path,
        format: CaptureFormat,
        link: LinkType,
        snaplen: u32,
        meta: &CaptureMeta,
    ) -> Result<Self, SinkError> {
        let name = path.file_name().ok_or_else(|| SinkError::Io {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a file path"),
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".replay.tmp.{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let io_err = |source| SinkError::Io { path: path.to_path_buf(), source };
        let file = File::create(&tmp).map_err(io_err)?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let res = TsResolution::Nano;
        let writer = match format {
            CaptureFormat::Pcap => {
                PcapWriter::new(out, link, snaplen, res).map(CaptureWriter::Pcap)
            }
            CaptureFormat::Pcapng => {
                PcapngWriter::new(out, link, snaplen, res, meta).map(CaptureWriter::Pcapng)
            }
        };
        let mut sink = Self { path: path.to_path_buf(), tmp, link, writer: None, finished: false };
        // On error, `sink` is dropped here and removes the temporary file.
        sink.writer = Some(writer.map_err(io_err)?);
        Ok(sink)
    }

    /// Flushes the file, syncs it and moves it to its path.
    ///
    /// # Errors
    /// Writing, syncing or renaming fails (the temporary file is then removed).
    pub fn finish(mut self) -> Result<(), SinkError> {
        let io_err = |source| SinkError::Io { path: self.path.clone(), source };
        let out = match self.writer.take() {
            Some(CaptureWriter::Pcap(w)) => w.into_inner(),
            Some(CaptureWriter::Pcapng(w)) => w.into_inner(),
            None => return Ok(()),
        };
        let file = out.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        fs::rename(&self.tmp, &self.path).map_err(io_err)?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for CaptureSink {
    fn drop(&mut self) {
        if !self.finished {
            // Unfinished (or failed while finishing): leave no temporary file behind. Best
            // effort: the error that matters, if any, was returned already.
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

impl ReplaySink for CaptureSink {
    fn accept(&mut self, frame: &Frame<'_>, ts_ns: u64) -> Result<(), SinkError> {
        if frame.link != self.link {
            return Err(SinkError::Refused(format!(
                "a {} frame in a capture of link type {} (the file holds one link type)",
                frame.link.name(),
                self.link.name()
            )));
        }
        let written = match &mut self.writer {
            Some(CaptureWriter::Pcap(w)) => w.write_frame(ts_ns, frame.wire_len, frame.bytes),
            Some(CaptureWriter::Pcapng(w)) => w.write_frame(ts_ns, frame.wire_len, frame.bytes),
            None => return Ok(()),
        };
        written.map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidInput {
                SinkError::Refused(e.to_string())
            } else {
                SinkError::Io { path: self.path.clone(), source: e }
            }
        })
    }
}

impl CaptureSink {
    /// The file the capture goes to.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A sink over a mutable reference is that sink.
impl<S: ReplaySink + ?Sized> ReplaySink for &mut S {
    #[inline(always)]
    fn accept(&mut self, frame: &Frame<'_>, ts_ns: u64) -> Result<(), SinkError> {
        (**self).accept(frame, ts_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::{ReadOptions, read_file};

    fn frames() -> FrameBuffer {
        let mut b = FrameBuffer::new();
        b.push(&[1; 60], 5, 60, LinkType::Ethernet);
        b.push(&[2; 70], 6, 1514, LinkType::Ethernet);
        b
    }

    #[test]
    fn capture_sink_writes_retimed_frames_and_refuses_other_links() {
        let dir = tempfile::tempdir().unwrap();
        for (written, name) in [(1, "out.pcap"), (2, "out.pcapng")] {
            let path = dir.path().join(name);
            let format = CaptureFormat::from_path(&path);
            let mut sink =
                CaptureSink::create(&path, format, LinkType::Ethernet, 0, &CaptureMeta::default())
                    .unwrap();
            assert!(!path.exists(), "the file appears when finished");
            for (i, f) in frames().iter().enumerate() {
                sink.accept(&f, 1_000 + i as u64).unwrap();
            }
            let raw = Frame { bytes: &[0x45], ts_ns: 0, wire_len: 1, link: LinkType::RawIp };
            assert!(matches!(sink.accept(&raw, 0), Err(SinkError::Refused(_))));
            sink.finish().unwrap();
            if format == CaptureFormat::Pcap {
                let cap =
                    read_file(&path, &ReadOptions { strict: true, ..Default::default() }).unwrap();
                let got: Vec<_> = cap.frames.iter().map(|f| (f.bytes.len(), f.ts_ns)).collect();
                assert_eq!(got, vec![(60, 1_000), (70, 1_001)]);
            }
            // No temporary file is left beside the captures written so far.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), written);
        }
    }

    #[test]
    fn an_unfinished_capture_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pcap");
        let sink = CaptureSink::create(
            &path,
            CaptureFormat::Pcap,
            LinkType::Ethernet,
            0,
            &CaptureMeta::default(),
        )
        .unwrap();
        drop(sink);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn null_and_collecting_sinks_take_everything() {
        let (mut null, mut collect) = (NullSink::default(), CollectingSink::default());
        for f in frames().iter() {
            null.accept(&f, 9).unwrap();
            collect.accept(&f, f.ts_ns + 1).unwrap();
        }
        assert_eq!(null.frames, 2);
        assert_eq!(null.digest, 60 + 1 + 70 + 2);
        assert_eq!(collect.frames.metas().iter().map(|m| m.ts_ns).collect::<Vec<_>>(), [6, 7]);
    }
}
