//! Where the replayer's frames come from: one pass over the trace per loop, in batches.
//!
//! [`PreloadedSource`] hands out a buffer already in memory, whole, once per loop;
//! [`super::StreamingSource`] reads a capture file in bounded batches during the replay.

use std::time::Duration;

use thiserror::Error;
use wire::FrameBuffer;

use crate::pcap::CaptureError;

/// Why a frame source could not give its frames.
#[derive(Debug, Error)]
pub enum SourceError {
    /// The capture could not be read (its message names the file and the offset).
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The thread reading ahead ended without saying why (it panicked).
    #[error("the capture reader thread ended unexpectedly")]
    ReaderGone,
}

/// How long a source spent reading its file, and how much it read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Time spent inside reads.
    pub busy: Duration,
    /// Bytes read from the file (headers included).
    pub bytes: u64,
}

/// A trace the replayer can pass over once per loop.
///
/// The replayer calls [`start_loop`](Self::start_loop) with 0, 1, 2, ... in order, and after
/// each, [`next_batch`](Self::next_batch) until it returns `None` (or the replay stops early).
/// Every pass must give the same frames in the same order.
pub trait FrameSource {
    /// Starts pass `loop_idx` over the trace.
    ///
    /// # Errors
    /// The trace cannot be (re)opened.
    fn start_loop(&mut self, loop_idx: u64) -> Result<(), SourceError>;

    /// The next frames of the current pass (at least one), or `None` at its end.
    ///
    /// # Errors
    /// The trace cannot be read.
    fn next_batch(&mut self) -> Result<Option<&FrameBuffer>, SourceError>;

    /// Time spent reading and bytes read so far (nothing for a buffer loaded before the replay).
    fn read_stats(&self) -> ReadStats {
        ReadStats::default()
    }
}

/// A trace preloaded into one buffer: each pass is the whole buffer as one batch.
#[derive(Clone, Copy, Debug)]
pub struct PreloadedSource<'a> {
    frames: &'a FrameBuffer,
    given: bool,
}

impl<'a> PreloadedSource<'a> {
    /// A source over `frames`.
    pub fn new(frames: &'a FrameBuffer) -> Self {
        Self { frames, given: false }
    }
}

impl FrameSource for PreloadedSource<'_> {
    fn start_loop(&mut self, _loop_idx: u64) -> Result<(), SourceError> {
        self.given = false;
        Ok(())
    }

    fn next_batch(&mut self) -> Result<Option<&FrameBuffer>, SourceError> {
        if self.given || self.frames.is_empty() {
            return Ok(None);
        }
        self.given = true;
        Ok(Some(self.frames))
    }
}
