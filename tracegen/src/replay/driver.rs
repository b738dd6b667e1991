//! The release loop: frames from a [`FrameSource`], released on schedule into a
//! [`ReplaySink`], loop after loop, until the loops, the limit or the duration end it.
//!
//! Paced, each frame waits for its release time ([`ReleaseClock::wait_until`]: spin, with a
//! sleep first for long waits); the clock read that ends the wait is the frame's actual
//! release, and actual minus scheduled is its departure error, recorded for **every** frame.
//! At top speed nothing waits and no clock is read per frame: frames go out in chunks of
//! [`TOP_SPEED_CHUNK`], and the clock is read once per chunk for `--duration` and the
//! statistics; the departure error is 0 by definition (a frame is released when the sink asks)
//! and the histogram stays empty.

use hdrhistogram::Histogram;
use wire::{Frame, FrameBuffer, FrameMeta, unique_ip};

use super::clock::ReleaseClock;
use super::schedule::ReleaseSchedule;
use super::sink::{ReplaySink, SinkError};
use super::source::FrameSource;
use super::{
    LATE_NS, LoopSummary, ReplayConfig, ReplayError, ReplayOutcome, ReplayStats, StopReason,
};

/// Frames released at top speed between two clock reads.
pub const TOP_SPEED_CHUNK: usize = 1024;

/// Replays `source` into `sink` as `cfg` says, calling `on_stats` every
/// `cfg.stats_interval_ns` (from the release thread, between two frames).
///
/// Frames go out in order, each exactly once per loop; a frame the sink refuses is counted in
/// [`ReplayOutcome::dropped`], never lost silently. The clock starts when this is called.
///
/// # Errors
/// An invalid configuration (checked before anything is read), a source that cannot be read,
/// a sink that fails.
pub fn replay<S, K>(
    source: &mut S,
    sink: &mut K,
    cfg: &ReplayConfig,
    on_stats: &mut dyn FnMut(&ReplayStats),
) -> Result<ReplayOutcome, ReplayError>
where
    S: FrameSource + ?Sized,
    K: ReplaySink + ?Sized,
{
    cfg.validate()?;
    let mut run = Run::new(cfg, on_stats);
    let mut loop_idx = 0u64;
    let stop = 'loops: loop {
        if cfg.loops != 0 && loop_idx >= cfg.loops {
            break StopReason::Loops;
        }
        if run.limit_reached() {
            break StopReason::Limit;
        }
        source.start_loop(loop_idx)?;
        run.loops.started += 1;
        let mut sched = ReleaseSchedule::new(cfg.pacing)?;
        while let Some(batch) = source.next_batch()? {
            if let Some(stop) = run.release_batch(batch, &mut sched, loop_idx, sink)? {
                break 'loops stop;
            }
        }
        if sched.frames() == 0 {
            break StopReason::EmptyTrace;
        }
        run.loops.completed += 1;
        if loop_idx == 0 {
            run.loops.frames_per_loop = Some(sched.frames());
            run.loops.bytes_per_loop = Some(sched.wire_bytes());
            run.loops.span_ns = Some(sched.loop_span_ns());
            run.loops.timestamp_span_ns = Some(sched.timestamp_span_ns());
        }
        run.base_release_ns += sched.loop_span_ns();
        run.ts_shift_ns += sched.timestamp_span_ns();
        loop_idx += 1;
    };
    run.finish(stop, source.read_stats())
}

/// The state of one replay.
struct Run<'a> {
    cfg: &'a ReplayConfig,
    on_stats: &'a mut dyn FnMut(&ReplayStats),
    clock: ReleaseClock,
    departure: Histogram<u64>,
    /// Release time at which the current loop starts (sum of the earlier loops' spans).
    base_release_ns: u64,
    /// What the current loop's timestamps are shifted by at top speed.
    ts_shift_ns: u64,
    /// The trace's first timestamp, once seen: paced frames leave at it plus their release.
    first_ts_ns: Option<u64>,
    /// Frames offered to the sink (taken or refused).
    offered: u64,
    packets: u64,
    bytes: u64,
    dropped: u64,
    first_refusal: Option<String>,
    late: u64,
    last_release_ns: u64,
    loops: LoopSummary,
    scratch: Vec<u8>,
    next_stats_ns: u64,
    last_stats: (u64, u64, u64),
}

enum Flow {
    Go,
    Stop(StopReason),
}

impl<'a> Run<'a> {
    fn new(cfg: &'a ReplayConfig, on_stats: &'a mut dyn FnMut(&ReplayStats)) -> Self {
        Self {
            cfg,
            on_stats,
            clock: ReleaseClock::start_now(),
            departure: departure_histogram(),
            base_release_ns: 0,
            ts_shift_ns: 0,
            first_ts_ns: None,
            offered: 0,
            packets: 0,
            bytes: 0,
            dropped: 0,
            first_refusal: None,
            late: 0,
            last_release_ns: 0,
            loops: LoopSummary::default(),
            scratch: Vec::with_capacity(2048),
            next_stats_ns: cfg.stats_interval_ns.unwrap_or(u64::MAX),
            last_stats: (0, 0, 0),
        }
    }

    fn limit_reached(&self) -> bool {
        self.cfg.limit.is_some_and(|l| self.offered >= l)
    }

    /// Releases the frames of one batch; `Some` when the replay must stop.
    fn release_batch<K: ReplaySink + ?Sized>(
        &mut self,
        batch: &FrameBuffer,
        sched: &mut ReleaseSchedule,
        loop_idx: u64,
        sink: &mut K,
    ) -> Result<Option<StopReason>, ReplayError> {
        if self.first_ts_ns.is_none() {
            self.first_ts_ns = batch.metas().first().map(|m| m.ts_ns);
        }
        let flow = if self.cfg.pacing.is_paced() {
            self.paced(batch, sched, loop_idx, sink)?
        } else {
            self.top_speed(batch, sched, loop_idx, sink)?
        };
        Ok(match flow {
            Flow::Go => None,
            Flow::Stop(r) => Some(r),
        })
    }

    fn paced<K: ReplaySink + ?Sized>(
        &mut self,
        batch: &FrameBuffer,
        sched: &mut ReleaseSchedule,
        loop_idx: u64,
        sink: &mut K,
    ) -> Result<Flow, ReplayError> {
        let first_ts = self.first_ts_ns.unwrap_or(0);
        for meta in batch.metas() {
            if self.limit_reached() {
                return Ok(Flow::Stop(StopReason::Limit));
            }
            let release =
                self.base_release_ns.saturating_add(sched.next(meta.ts_ns, meta.wire_len));
            if self.cfg.duration_ns.is_some_and(|d| release >= d) {
                return Ok(Flow::Stop(StopReason::Duration));
            }
            let now = self.clock.wait_until(release);
            let error = now - release;
            self.departure.saturating_record(error);
            self.late += u64::from(error > LATE_NS);
            self.last_release_ns = release;
            self.deliver(batch, meta, first_ts.saturating_add(release), loop_idx, sink)?;
            if now >= self.next_stats_ns {
                self.emit_stats(now);
            }
        }
        Ok(Flow::Go)
    }

    fn top_speed<K: ReplaySink + ?Sized>(
        &mut self,
        batch: &FrameBuffer,
        sched: &mut ReleaseSchedule,
        loop_idx: u64,
        sink: &mut K,
    ) -> Result<Flow, ReplayError> {
        let metas = batch.metas();
        let mut start = 0;
        while start < metas.len() {
            let mut end = (start + TOP_SPEED_CHUNK).min(metas.len());
            if let Some(limit) = self.cfg.limit {
                let left = limit.saturating_sub(self.offered);
                if left == 0 {
                    return Ok(Flow::Stop(StopReason::Limit));
                }
                end = end.min(start.saturating_add(usize::try_from(left).unwrap_or(usize::MAX)));
            }
            let shift = self.ts_shift_ns;
            for meta in &metas[start..end] {
                sched.next(meta.ts_ns, meta.wire_len);
                self.deliver(batch, meta, meta.ts_ns.saturating_add(shift), loop_idx, sink)?;
            }
            start = end;
            let now = self.clock.now_ns();
            self.last_release_ns = now;
            if self.cfg.duration_ns.is_some_and(|d| now >= d) {
                return Ok(Flow::Stop(StopReason::Duration));
            }
            if now >= self.next_stats_ns {
                self.emit_stats(now);
            }
        }
        Ok(Flow::Go)
    }

    /// Hands one frame to the sink (rewritten for its loop with `--unique-ip`).
    #[inline(always)]
    fn deliver<K: ReplaySink + ?Sized>(
        &mut self,
        batch: &FrameBuffer,
        meta: &FrameMeta,
        ts_ns: u64,
        loop_idx: u64,
        sink: &mut K,
    ) -> Result<(), ReplayError> {
        let frame = batch.view(meta);
        self.offered += 1;
        let taken = if self.cfg.unique_ip && loop_idx > 0 {
            unique_ip::rewrite_frame_into(&frame, loop_idx, &mut self.scratch);
            sink.accept(&Frame { bytes: &self.scratch, ..frame }, ts_ns)
        } else {
            sink.accept(&frame, ts_ns)
        };
        match taken {
            Ok(()) => {
                self.packets += 1;
                self.bytes += u64::from(frame.wire_len);
                Ok(())
            }
            Err(SinkError::Refused(why)) => {
                self.dropped += 1;
                self.first_refusal.get_or_insert(why);
                Ok(())
            }
            Err(e) => Err(ReplayError::Sink(e)),
        }
    }

    #[cold]
    fn emit_stats(&mut self, now: u64) {
        let (p0, b0, t0) = self.last_stats;
        let dt = now.saturating_sub(t0).max(1) as f64 / 1e9;
        let stats = ReplayStats {
            elapsed_ns: now,
            packets: self.packets,
            bytes: self.bytes,
            pps: (self.packets - p0) as f64 / dt,
            gbps: (self.bytes - b0) as f64 * 8.0 / dt / 1e9,
            dropped: self.dropped,
            late: self.late,
        };
        (self.on_stats)(&stats);
        self.last_stats = (self.packets, self.bytes, now);
        let every = self.cfg.stats_interval_ns.unwrap_or(u64::MAX);
        while self.next_stats_ns <= now {
            self.next_stats_ns = self.next_stats_ns.saturating_add(every);
        }
    }

    /// Ends the run: paced, at the end of what was offered (the last loop's end, the duration,
    /// or the last frame's release under a limit), so a replay on time achieves its target
    /// rate; at top speed, now.
    fn finish(
        self,
        stop: StopReason,
        read: super::source::ReadStats,
    ) -> Result<ReplayOutcome, ReplayError> {
        let end = if self.cfg.pacing.is_paced() {
            let scheduled_end = match stop {
                StopReason::Loops => self.base_release_ns,
                StopReason::Duration => self.cfg.duration_ns.unwrap_or(self.last_release_ns),
                StopReason::Limit | StopReason::EmptyTrace => self.last_release_ns,
            };
            self.clock.wait_until(scheduled_end)
        } else {
            self.clock.now_ns()
        };
        Ok(ReplayOutcome {
            packets: self.packets,
            bytes: self.bytes,
            dropped: self.dropped,
            first_refusal: self.first_refusal,
            duration_ns: end.max(1),
            departure_error_ns: self.departure,
            late: self.late,
            loops: self.loops,
            stop,
            read,
        })
    }
}

/// The histogram departure errors go into: 1 ns to 100 s, 3 significant digits (larger errors
/// are recorded as 100 s).
pub fn departure_histogram() -> Histogram<u64> {
    // The bounds are constants hdrhistogram accepts.
    Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("valid histogram bounds")
}
