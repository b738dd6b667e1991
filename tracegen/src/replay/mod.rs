//! Replay: a trace's frames released on a schedule, loop after loop, into a sink.
//!
//! - [`schedule`]: [`Pacing`] and the [`ReleaseSchedule`] that gives each frame its release time
//!   (original timing with a multiplier, Mb/s, pps, top speed), and [`schedule_buffer`] for the
//!   engine's release clock;
//! - [`clock`]: the calibrated TSC [`ReleaseClock`] and its hybrid sleep-then-spin wait;
//! - [`source`]: where frames come from ([`FrameSource`]; [`PreloadedSource`] for a buffer in
//!   memory);
//! - [`streaming`]: [`StreamingSource`], a capture file read during the replay in bounded
//!   batches by a reader thread;
//! - [`sink`]: where they go ([`NullSink`], [`CaptureSink`], [`CollectingSink`]);
//! - [`driver`]: [`replay`], the release loop.
//!
//! Loops: loop `k` starts when loop `k - 1`'s span has passed (its release times are shifted by
//! the sum of the earlier loops' spans) and its frames leave with timestamps shifted likewise.
//! With [`ReplayConfig::unique_ip`], every frame of loop `k >= 1` has its addresses rewritten by
//! [`wire::unique_ip::rewrite_frame`] (checksums fixed), so each loop carries new flows.
//!
//! `departure_error_ns` (`DESIGN.md`): actual release minus scheduled release, recorded for every
//! paced frame; a frame more than [`LATE_NS`] late counts in [`ReplayOutcome::late`].

pub mod clock;
pub mod driver;
pub mod schedule;
pub mod sink;
pub mod source;
pub mod streaming;

use hdrhistogram::Histogram;
use thiserror::Error;

pub use clock::ReleaseClock;
pub use driver::{departure_histogram, replay};
pub use schedule::{BufferSchedule, Pacing, PacingError, ReleaseSchedule, schedule_buffer};
pub use sink::{CaptureSink, CollectingSink, NullSink, ReplaySink, SinkError};
pub use source::{FrameSource, PreloadedSource, ReadStats, SourceError};
pub use streaming::{StreamingSource, probe_capture};

/// A frame released more than this late (ns) counts as late.
pub const LATE_NS: u64 = 10_000;

/// What to replay, how fast, for how long.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayConfig {
    /// How frames are spaced.
    pub pacing: Pacing,
    /// Passes over the trace; 0: until the limit or the duration ends the replay (one of them
    /// is then required).
    pub loops: u64,
    /// Stop after this many frames (over all loops).
    pub limit: Option<u64>,
    /// Stop after this long (ns). Paced: exactly the frames scheduled before it are released.
    /// At top speed: at the first clock read past it (one read per [`driver::TOP_SPEED_CHUNK`]
    /// frames).
    pub duration_ns: Option<u64>,
    /// Rewrite the addresses of loops 1, 2, ... so that each loop carries new flows.
    pub unique_ip: bool,
    /// Call the statistics callback this often (ns).
    pub stats_interval_ns: Option<u64>,
}

impl Default for ReplayConfig {
    /// One loop in the original timing, no limit, no statistics.
    fn default() -> Self {
        Self {
            pacing: Pacing::default(),
            loops: 1,
            limit: None,
            duration_ns: None,
            unique_ip: false,
            stats_interval_ns: None,
        }
    }
}

impl ReplayConfig {
    /// Checks the pacing, that an endless replay has a limit or a duration, and that the
    /// statistics interval is not 0.
    ///
    /// # Errors
    /// [`ReplayError::Pacing`], [`ReplayError::Endless`], [`ReplayError::StatsInterval`].
    pub fn validate(&self) -> Result<(), ReplayError> {
        self.pacing.validate()?;
        if self.loops == 0 && self.limit.is_none() && self.duration_ns.is_none() {
            return Err(ReplayError::Endless);
        }
        if self.stats_interval_ns == Some(0) {
            return Err(ReplayError::StatsInterval);
        }
        Ok(())
    }
}

/// Why a replay could not run, or stopped before its end.
#[derive(Debug, Error)]
pub enum ReplayError {
    /// A rate or multiplier out of range.
    #[error(transparent)]
    Pacing(#[from] PacingError),
    /// `--loop 0` with neither `--duration` nor `--limit`.
    #[error("--loop 0 replays until --duration or --limit ends it: give one of them")]
    Endless,
    /// A statistics interval of 0.
    #[error("invalid --stats 0: expected an interval above 0 seconds")]
    StatsInterval,
    /// The frames could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The sink failed.
    #[error(transparent)]
    Sink(SinkError),
}

/// Statistics of a replay in progress, for the periodic callback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayStats {
    /// Nanoseconds since the clock started.
    pub elapsed_ns: u64,
    /// Frames released so far.
    pub packets: u64,
    /// Their wire bytes.
    pub bytes: u64,
    /// Frames per second since the previous callback.
    pub pps: f64,
    /// Wire Gb/s since the previous callback.
    pub gbps: f64,
    /// Frames the sink refused so far.
    pub dropped: u64,
    /// Frames released more than [`LATE_NS`] late so far.
    pub late: u64,
}

/// What ended a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Every loop asked for was replayed.
    Loops,
    /// The frame limit was reached.
    Limit,
    /// The duration passed.
    Duration,
    /// The trace holds no frame.
    EmptyTrace,
}

/// The loops of a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopSummary {
    /// Loops begun.
    pub started: u64,
    /// Loops whose every frame was offered to the sink.
    pub completed: u64,
    /// Frames in one whole loop (known once loop 0 completed).
    pub frames_per_loop: Option<u64>,
    /// Wire bytes of one whole loop (known once loop 0 completed).
    pub bytes_per_loop: Option<u64>,
    /// Release time between the starts of two loops (0 at top speed).
    pub span_ns: Option<u64>,
    /// What each loop's timestamps are shifted by relative to the previous loop's.
    pub timestamp_span_ns: Option<u64>,
}

impl LoopSummary {
    /// Packets per second the schedule offers: one loop's frames over its span (`None` at top
    /// speed or before loop 0 completed).
    pub fn offered_pps(&self) -> Option<f64> {
        let span = self.span_ns.filter(|&s| s > 0)?;
        Some(self.frames_per_loop? as f64 / (span as f64 / 1e9))
    }

    /// Wire Gb/s the schedule offers: one loop's bits over its span (as [`Self::offered_pps`]).
    pub fn offered_gbps(&self) -> Option<f64> {
        let span = self.span_ns.filter(|&s| s > 0)?;
        Some(self.bytes_per_loop? as f64 * 8.0 / span as f64)
    }
}

/// What a replay did.
#[derive(Clone, Debug)]
pub struct ReplayOutcome {
    /// Frames the sink took.
    pub packets: u64,
    /// Sum of their wire lengths (`orig_len`).
    pub bytes: u64,
    /// Frames the sink refused (counted, never lost silently).
    pub dropped: u64,
    /// Why the first refused frame was refused.
    pub first_refusal: Option<String>,
    /// From the clock start to the end of what was offered: paced, the scheduled end (the last
    /// loop's end, the duration, or the last release under a limit) or later if the replay fell
    /// behind; at top speed, the last frame's release. At least 1.
    pub duration_ns: u64,
    /// Departure error of every paced frame (empty at top speed).
    pub departure_error_ns: Histogram<u64>,
    /// Frames released more than [`LATE_NS`] late.
    pub late: u64,
    /// The loops.
    pub loops: LoopSummary,
    /// What ended the replay.
    pub stop: StopReason,
    /// Reading the source during the replay (nothing for a preloaded buffer).
    pub read: ReadStats,
}

impl ReplayOutcome {
    /// Frames per second over the duration.
    pub fn achieved_pps(&self) -> f64 {
        self.packets as f64 / (self.duration_ns as f64 / 1e9)
    }

    /// Wire Gb/s (`orig_len` bits) over the duration.
    pub fn achieved_gbps(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.duration_ns as f64
    }
}

#[cfg(test)]
mod tests;
