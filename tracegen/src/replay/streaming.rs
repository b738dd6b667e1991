//! Streaming a capture file through the replay with bounded memory: a reader thread reads
//! ahead in batches of about [`STREAM_BATCH_BYTES`] of frames while the release thread
//! releases the previous ones.
//!
//! The reader thread opens the file once per pass (loop) with a [`CaptureReader`], fills
//! reused [`FrameBuffer`]s (at most [`STREAM_BUFFERS`] exist: two queued, one being filled, one
//! being released) and sends them over a bounded channel; at the end of a pass it sends what
//! [`CaptureReader::finish`] found (truncation, warnings), then goes straight on to the next
//! pass, so a loop boundary costs the release thread no wait. It stops after the number of
//! passes it was opened for, or when the source is dropped. The time it spends inside reads is
//! the streaming replay's `load_s`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wire::FrameBuffer;

use super::source::{FrameSource, ReadStats, SourceError};
use crate::pcap::{CaptureError, CaptureInfo, CaptureReader, ReadOptions};

/// Captured bytes per streamed batch (a batch may pass it by up to one loader chunk).
pub const STREAM_BATCH_BYTES: usize = 4 << 20;

/// Frame buffers a streaming replay uses at most.
pub const STREAM_BUFFERS: usize = 4;

/// Batches the reader may have queued ahead of the release thread.
const BATCHES_AHEAD: usize = STREAM_BUFFERS - 2;

/// What the reader thread sends.
enum Msg {
    /// The next frames of the current pass.
    Batch(FrameBuffer),
    /// The pass ended cleanly; what the read found.
    EndOfPass(Box<CaptureInfo>),
    /// The pass could not be read; the reader has stopped.
    Error(CaptureError),
}

/// Counters the reader thread keeps for [`FrameSource::read_stats`].
///
/// Every access is `Relaxed`: each counter is a statistic on its own, written by the reader
/// thread alone, and publishes no other memory (the frames travel through the channel, whose
/// send and receive order them); a read while the thread runs may see a slightly older value.
#[derive(Default)]
struct ReadCounters {
    busy_ns: AtomicU64,
    bytes: AtomicU64,
}

/// A capture file read during the replay, in bounded batches, by a reader thread.
pub struct StreamingSource {
    batches: Option<Receiver<Msg>>,
    recycle: Option<Sender<FrameBuffer>>,
    reader: Option<JoinHandle<()>>,
    current: Option<FrameBuffer>,
    pass: u64,
    pass_ended: bool,
    first_pass_info: Option<CaptureInfo>,
    counters: Arc<ReadCounters>,
}

impl StreamingSource {
    /// Starts reading `path` ahead for `passes` passes (0: until the source is dropped).
    ///
    /// # Errors
    /// The reader thread cannot be started.
    pub fn open(path: &Path, opts: &ReadOptions, passes: u64) -> std::io::Result<Self> {
        let (tx, batches) = mpsc::sync_channel(BATCHES_AHEAD);
        let (recycle, recycled) = mpsc::channel();
        let counters = Arc::new(ReadCounters::default());
        let job = ReaderJob {
            path: path.to_path_buf(),
            opts: *opts,
            passes,
            tx,
            recycled,
            counters: Arc::clone(&counters),
        };
        let reader =
            std::thread::Builder::new().name("capture-reader".into()).spawn(move || job.run())?;
        Ok(Self {
            batches: Some(batches),
            recycle: Some(recycle),
            reader: Some(reader),
            current: None,
            pass: 0,
            pass_ended: false,
            first_pass_info: None,
            counters,
        })
    }

    /// What the first pass found (truncation, warnings, counts), once it has ended.
    pub fn first_pass_info(&self) -> Option<&CaptureInfo> {
        self.first_pass_info.as_ref()
    }
}

impl FrameSource for StreamingSource {
    fn start_loop(&mut self, loop_idx: u64) -> Result<(), SourceError> {
        // The reader is already on this pass: it goes from one to the next by itself.
        self.pass = loop_idx;
        self.pass_ended = false;
        Ok(())
    }

    fn next_batch(&mut self) -> Result<Option<&FrameBuffer>, SourceError> {
        if let (Some(done), Some(recycle)) = (self.current.take(), &self.recycle) {
            // A reader that has stopped needs no buffer back.
            let _ = recycle.send(done);
        }
        if self.pass_ended {
            return Ok(None);
        }
        let Some(batches) = &self.batches else { return Err(SourceError::ReaderGone) };
        match batches.recv() {
            Ok(Msg::Batch(b)) => Ok(Some(self.current.insert(b))),
            Ok(Msg::EndOfPass(info)) => {
                if self.pass == 0 {
                    self.first_pass_info = Some(*info);
                }
                self.pass_ended = true;
                Ok(None)
            }
            Ok(Msg::Error(e)) => Err(e.into()),
            Err(_) => Err(SourceError::ReaderGone),
        }
    }

    fn read_stats(&self) -> ReadStats {
        ReadStats {
            busy: Duration::from_nanos(self.counters.busy_ns.load(Ordering::Relaxed)),
            bytes: self.counters.bytes.load(Ordering::Relaxed),
        }
    }
}

impl Drop for StreamingSource {
    fn drop(&mut self) {
        // Closing both channels stops a reader waiting to send a batch or for a buffer.
        self.batches = None;
        self.recycle = None;
        if let Some(h) = self.reader.take() {
            // A reader that panicked has already said so on stderr.
            let _ = h.join();
        }
    }
}

/// The reader thread's work.
struct ReaderJob {
    path: PathBuf,
    opts: ReadOptions,
    passes: u64,
    tx: SyncSender<Msg>,
    recycled: Receiver<FrameBuffer>,
    counters: Arc<ReadCounters>,
}

impl ReaderJob {
    fn run(self) {
        let mut allocated = 0;
        let mut held: Option<FrameBuffer> = None;
        let mut pass = 0u64;
        while self.passes == 0 || pass < self.passes {
            let t0 = Instant::now();
            let opened = CaptureReader::open(&self.path, &self.opts);
            self.add_busy(t0);
            let mut reader = match opened {
                Ok(r) => r,
                Err(e) => return self.fail(e),
            };
            let mut counted = 0;
            loop {
                let mut buf = match held.take() {
                    Some(b) => b,
                    None => match self.buffer(&mut allocated) {
                        Some(b) => b,
                        None => return,
                    },
                };
                buf.clear();
                let t0 = Instant::now();
                let got = reader.read_batch(&mut buf, STREAM_BATCH_BYTES);
                self.add_busy(t0);
                self.counters.bytes.fetch_add(reader.bytes_read() - counted, Ordering::Relaxed);
                counted = reader.bytes_read();
                match got {
                    Ok(0) => {
                        held = Some(buf);
                        break;
                    }
                    Ok(_) => {
                        if self.tx.send(Msg::Batch(buf)).is_err() {
                            return;
                        }
                    }
                    Err(e) => return self.fail(e),
                }
            }
            match reader.finish() {
                Ok(info) => {
                    if self.tx.send(Msg::EndOfPass(Box::new(info))).is_err() {
                        return;
                    }
                }
                Err(e) => return self.fail(e),
            }
            pass += 1;
        }
    }

    /// A buffer to fill: a recycled one, or a new one while fewer than [`STREAM_BUFFERS`]
    /// exist; `None` once the source is gone.
    fn buffer(&self, allocated: &mut usize) -> Option<FrameBuffer> {
        if let Ok(b) = self.recycled.try_recv() {
            return Some(b);
        }
        if *allocated < STREAM_BUFFERS {
            *allocated += 1;
            // Room for a batch and one loader chunk past it, frames of 60 bytes or more.
            let bytes = STREAM_BATCH_BYTES + (2 << 20);
            return Some(FrameBuffer::with_capacity(bytes / 76, bytes));
        }
        self.recycled.recv().ok()
    }

    fn add_busy(&self, since: Instant) {
        let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.counters.busy_ns.fetch_add(ns, Ordering::Relaxed);
    }

    fn fail(&self, e: CaptureError) {
        // Nobody left to tell where the source is gone.
        let _ = self.tx.send(Msg::Error(e));
    }
}

/// Reads the start of a capture (its first batch of frames) and says what it is: format, first
/// interface (link type, snaplen), with no truncation check. Errors in the file header (a
/// missing, empty or non-capture file) show here, before a replay starts.
///
/// # Errors
/// As [`CaptureReader::read_batch`] and [`CaptureReader::finish`].
pub fn probe_capture(path: &Path, opts: &ReadOptions) -> Result<CaptureInfo, CaptureError> {
    let mut reader = CaptureReader::open(path, opts)?;
    let mut first = FrameBuffer::new();
    reader.read_batch(&mut first, 1)?;
    reader.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::{TsResolution, write_file};
    use crate::replay::{CollectingSink, Pacing, PreloadedSource, ReplayConfig, replay};
    use crate::{GenConfig, Profile, generate};

    #[test]
    fn streaming_gives_what_preloading_gives_over_several_loops() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.pcap");
        // About 9 MiB of full-payload frames: three batches and a bit per pass.
        let mut gen_cfg = GenConfig::new(Profile::CaidaLike, 12_000, 8);
        gen_cfg.snaplen = crate::generator::FULL_PAYLOAD_SNAPLEN;
        let frames = generate(&gen_cfg).unwrap();
        write_file(&path, &frames, wire::LinkType::Ethernet, 65535, TsResolution::Nano).unwrap();
        let info = probe_capture(&path, &ReadOptions::default()).unwrap();
        assert_eq!(info.first_interface.map(|i| i.link), Some(wire::LinkType::Ethernet));
        for (loops, limit) in [(3, None), (0, Some(30_001))] {
            let cfg = ReplayConfig { pacing: Pacing::TopSpeed, loops, limit, ..Default::default() };
            let mut streamed = CollectingSink::default();
            let mut source = StreamingSource::open(&path, &ReadOptions::default(), loops).unwrap();
            let out = replay(&mut source, &mut streamed, &cfg, &mut |_| {}).unwrap();
            assert!(source.read_stats().bytes >= std::fs::metadata(&path).unwrap().len());
            assert!(source.first_pass_info().is_some_and(|i| i.frames == 12_000));
            let mut preloaded = CollectingSink::default();
            replay(&mut PreloadedSource::new(&frames), &mut preloaded, &cfg, &mut |_| {}).unwrap();
            assert_eq!(streamed, preloaded);
            // The reader may have gone on reading ahead after the replay ended.
            assert!(out.read.bytes <= source.read_stats().bytes);
        }
    }

    #[test]
    fn bad_files_fail_at_the_probe_and_in_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pcap");
        std::fs::write(&empty, b"").unwrap();
        let e = probe_capture(&empty, &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("empty.pcap"), "{e}");
        let cfg = ReplayConfig::default();
        let mut source = StreamingSource::open(&empty, &ReadOptions::default(), 1).unwrap();
        let e = replay(&mut source, &mut CollectingSink::default(), &cfg, &mut |_| {});
        assert!(matches!(e, Err(crate::replay::ReplayError::Source(_))), "{e:?}");
        let missing = dir.path().join("missing.pcap");
        let mut source = StreamingSource::open(&missing, &ReadOptions::default(), 1).unwrap();
        let e = replay(&mut source, &mut CollectingSink::default(), &cfg, &mut |_| {});
        assert!(e.unwrap_err().to_string().contains("missing.pcap"));
    }
}
