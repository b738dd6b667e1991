//! The replay schedule: when each frame is released, in nanoseconds after the clock starts.
//!
//! A [`ReleaseSchedule`] takes one loop's frames one at a time (so it works on a stream as well
//! as on a preloaded buffer) and gives each its release time within the loop:
//!
//! - [`Pacing::Original`]: `(ts - first_ts) / multiplier`, never going backwards (a timestamp
//!   earlier than the previous frame's is released with the previous frame);
//! - [`Pacing::Mbps`]: the bits of the wire lengths (`orig_len`, as `DESIGN.md`'s gbps counts) of
//!   every earlier frame of the loop over the rate: the first frame at 0, each next one when
//!   the previous one's bits have gone out (tcpreplay's way);
//! - [`Pacing::Pps`]: frame `i` at `i / rate`;
//! - [`Pacing::TopSpeed`]: 0 for every frame (released when asked).
//!
//! After a loop's last frame, [`ReleaseSchedule::loop_span_ns`] is the time the next loop starts
//! after this one: for rates exactly the loop's total (its bits, or frames, over the rate); for
//! original timing the timestamp span (first to last, plus one mean gap, as
//! `engine::runtime::trace_span_ns` computes it) over the multiplier; 0 at top speed.
//! [`ReleaseSchedule::timestamp_span_ns`] is that timestamp span itself: what loop `k`'s
//! timestamps are shifted by (`DESIGN.md`, step 2).
//!
//! [`schedule_buffer`] schedules a whole preloaded [`FrameBuffer`] at once, for the engine's
//! `Release::Scheduled`.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use wire::FrameBuffer;

/// How replayed frames are spaced in time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pacing {
    /// The capture's own timing, sped up by `multiplier` (2: twice as fast).
    Original {
        /// Speed-up factor, > 0.
        multiplier: f64,
    },
    /// A constant rate of wire bits, in Mb/s (10^6 bits per second).
    Mbps(f64),
    /// A constant rate of packets per second.
    Pps(f64),
    /// As fast as the sink takes frames: every release time is 0.
    TopSpeed,
}

impl Default for Pacing {
    /// The capture's own timing (multiplier 1), as tcpreplay replays by default.
    fn default() -> Self {
        Pacing::Original { multiplier: 1.0 }
    }
}

impl fmt::Display for Pacing {
    /// `original x1`, `10000 Mb/s`, `1000000 pps`, `top speed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pacing::Original { multiplier } => write!(f, "original x{multiplier}"),
            Pacing::Mbps(r) => write!(f, "{r} Mb/s"),
            Pacing::Pps(r) => write!(f, "{r} pps"),
            Pacing::TopSpeed => f.write_str("top speed"),
        }
    }
}

impl Pacing {
    /// Checks that the rate or multiplier is finite and above 0.
    ///
    /// # Errors
    /// [`PacingError`] naming the flag and the value.
    pub fn validate(&self) -> Result<(), PacingError> {
        let (what, value) = match *self {
            Pacing::Original { multiplier } => ("--multiplier", multiplier),
            Pacing::Mbps(r) => ("--mbps", r),
            Pacing::Pps(r) => ("--pps", r),
            Pacing::TopSpeed => return Ok(()),
        };
        if value.is_finite() && value > 0.0 { Ok(()) } else { Err(PacingError { what, value }) }
    }

    /// Whether frames wait for release times (every pacing but top speed).
    pub fn is_paced(&self) -> bool {
        !matches!(self, Pacing::TopSpeed)
    }
}

/// A rate or multiplier that is not a finite number above 0.
#[derive(Clone, Copy, Debug, PartialEq, Error)]
#[error("invalid {what} {value}: expected a finite number above 0")]
pub struct PacingError {
    /// The flag (`--mbps`, `--pps`, `--multiplier`).
    pub what: &'static str,
    /// The value given.
    pub value: f64,
}

/// Gives each frame of one loop its release time, one frame at a time.
#[derive(Clone, Debug)]
pub struct ReleaseSchedule {
    pacing: Pacing,
    /// Nanoseconds per bit (Mb/s), per packet (pps), or per timestamp ns (original timing).
    ns_per_unit: f64,
    frames: u64,
    /// Wire bits of the frames scheduled so far.
    bits: u64,
    first_ts: u64,
    min_ts: u64,
    max_ts: u64,
    last_release: u64,
}

impl ReleaseSchedule {
    /// A schedule for one loop.
    ///
    /// # Errors
    /// A rate or multiplier that is not finite and above 0.
    pub fn new(pacing: Pacing) -> Result<Self, PacingError> {
        pacing.validate()?;
        let ns_per_unit = match pacing {
            Pacing::Original { multiplier } => 1.0 / multiplier,
            Pacing::Mbps(r) => 1e3 / r,
            Pacing::Pps(r) => 1e9 / r,
            Pacing::TopSpeed => 0.0,
        };
        Ok(Self {
            pacing,
            ns_per_unit,
            frames: 0,
            bits: 0,
            first_ts: 0,
            min_ts: u64::MAX,
            max_ts: 0,
            last_release: 0,
        })
    }

    /// The pacing.
    pub fn pacing(&self) -> Pacing {
        self.pacing
    }

    /// The release time (ns after the loop starts) of the next frame, whose timestamp is `ts_ns`
    /// and wire length `wire_len`. Never less than the previous frame's.
    #[inline]
    pub fn next(&mut self, ts_ns: u64, wire_len: u32) -> u64 {
        if self.frames == 0 {
            self.first_ts = ts_ns;
        }
        self.min_ts = self.min_ts.min(ts_ns);
        self.max_ts = self.max_ts.max(ts_ns);
        let release = match self.pacing {
            Pacing::TopSpeed => 0,
            Pacing::Pps(_) => scale(self.frames, self.ns_per_unit),
            Pacing::Mbps(_) => scale(self.bits, self.ns_per_unit),
            Pacing::Original { .. } => {
                scale(ts_ns.saturating_sub(self.first_ts), self.ns_per_unit).max(self.last_release)
            }
        };
        self.frames += 1;
        self.bits += u64::from(wire_len) * 8;
        self.last_release = release;
        release
    }

    /// Frames scheduled so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Sum of the wire lengths of the frames scheduled so far.
    pub fn wire_bytes(&self) -> u64 {
        self.bits / 8
    }

    /// Timestamp of the loop's first frame (0 before any frame).
    pub fn first_ts_ns(&self) -> u64 {
        self.first_ts
    }

    /// The span of the frames' timestamps: last minus first (largest minus smallest) plus one
    /// mean gap, at least 1 ns; exactly `engine::runtime::trace_span_ns` of the same frames.
    /// 1 before any frame.
    pub fn timestamp_span_ns(&self) -> u64 {
        if self.frames == 0 {
            return 1;
        }
        let span = self.max_ts - self.min_ts;
        let gap = if self.frames > 1 { span / (self.frames - 1) } else { 0 };
        (span + gap).max(1)
    }

    /// Time from this loop's start to the next loop's, once every frame of the loop was
    /// scheduled: the total bits (Mb/s) or frames (pps) over the rate, the timestamp span over
    /// the multiplier (original timing, at least 1 ns), 0 at top speed.
    pub fn loop_span_ns(&self) -> u64 {
        match self.pacing {
            Pacing::TopSpeed => 0,
            Pacing::Pps(_) => scale(self.frames, self.ns_per_unit),
            Pacing::Mbps(_) => scale(self.bits, self.ns_per_unit),
            Pacing::Original { .. } => {
                scale(self.timestamp_span_ns(), self.ns_per_unit).max(self.last_release).max(1)
            }
        }
    }
}

/// `units * ns_per_unit`, rounded to the nearest ns (saturating).
#[inline(always)]
fn scale(units: u64, ns_per_unit: f64) -> u64 {
    // `as` saturates for floats out of range.
    (units as f64 * ns_per_unit).round() as u64
}

/// Release times of every frame of a preloaded buffer (one loop) and the loop span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BufferSchedule {
    /// Release time of frame `i`, ns after the loop starts; non-decreasing.
    pub times: Vec<u64>,
    /// Time added per loop ([`ReleaseSchedule::loop_span_ns`]).
    pub span_ns: u64,
}

/// Schedules every frame of `frames` with `pacing`.
///
/// # Errors
/// A rate or multiplier that is not finite and above 0.
pub fn schedule_buffer(
    frames: &FrameBuffer,
    pacing: Pacing,
) -> Result<BufferSchedule, PacingError> {
    let mut s = ReleaseSchedule::new(pacing)?;
    let times = frames.metas().iter().map(|m| s.next(m.ts_ns, m.wire_len)).collect();
    Ok(BufferSchedule { times, span_ns: s.loop_span_ns() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::LinkType;

    fn buffer(frames: &[(u64, u32)]) -> FrameBuffer {
        let mut b = FrameBuffer::new();
        for &(ts, len) in frames {
            b.push(&[0; 4], ts, len, LinkType::Ethernet);
        }
        b
    }

    #[test]
    fn original_timing_is_relative_scaled_and_never_goes_back() {
        let b = buffer(&[(1000, 60), (1100, 60), (1050, 60), (1400, 60)]);
        let s = schedule_buffer(&b, Pacing::Original { multiplier: 1.0 }).unwrap();
        assert_eq!(s.times, vec![0, 100, 100, 400]);
        // Span 400 plus one mean gap (400 / 3).
        assert_eq!(s.span_ns, 533);
        let s = schedule_buffer(&b, Pacing::Original { multiplier: 2.0 }).unwrap();
        assert_eq!(s.times, vec![0, 50, 50, 200]);
        assert_eq!(s.span_ns, 267);
    }

    #[test]
    fn mbps_counts_the_bits_of_earlier_frames() {
        // 1000 Mb/s: one bit per ns.
        let b = buffer(&[(0, 100), (5, 60), (9, 1514)]);
        let s = schedule_buffer(&b, Pacing::Mbps(1000.0)).unwrap();
        assert_eq!(s.times, vec![0, 800, 1280]);
        assert_eq!(s.span_ns, (100 + 60 + 1514) * 8);
        let s = schedule_buffer(&b, Pacing::Mbps(10_000.0)).unwrap();
        assert_eq!(s.times, vec![0, 80, 128]);
    }

    #[test]
    fn pps_spaces_frames_evenly_and_top_speed_is_zero() {
        let b = buffer(&[(0, 60); 4]);
        let s = schedule_buffer(&b, Pacing::Pps(1e6)).unwrap();
        assert_eq!((s.times, s.span_ns), (vec![0, 1000, 2000, 3000], 4000));
        let s = schedule_buffer(&b, Pacing::TopSpeed).unwrap();
        assert_eq!((s.times, s.span_ns), (vec![0; 4], 0));
    }

    #[test]
    fn timestamp_span_matches_the_engines_definition() {
        let mut r = ReleaseSchedule::new(Pacing::TopSpeed).unwrap();
        assert_eq!(r.timestamp_span_ns(), 1);
        r.next(50, 60);
        assert_eq!(r.timestamp_span_ns(), 1);
        for ts in [20, 110, 80] {
            r.next(ts, 60);
        }
        // Smallest 20, largest 110: 90 plus 90 / 3.
        assert_eq!(r.timestamp_span_ns(), 120);
        assert_eq!(r.first_ts_ns(), 50);
        assert_eq!(r.frames(), 4);
    }

    #[test]
    fn bad_rates_are_refused_by_name() {
        for (p, what) in [
            (Pacing::Mbps(0.0), "--mbps"),
            (Pacing::Pps(-1.0), "--pps"),
            (Pacing::Pps(f64::NAN), "--pps"),
            (Pacing::Original { multiplier: f64::INFINITY }, "--multiplier"),
        ] {
            let e = ReleaseSchedule::new(p).unwrap_err();
            assert_eq!(e.what, what);
            assert!(e.to_string().contains("above 0"), "{e}");
        }
        assert!(Pacing::TopSpeed.validate().is_ok());
    }

    #[test]
    fn display_and_serde_names() {
        assert_eq!(Pacing::default().to_string(), "original x1");
        assert_eq!(Pacing::Mbps(10_000.0).to_string(), "10000 Mb/s");
        assert_eq!(Pacing::TopSpeed.to_string(), "top speed");
        assert!(!Pacing::TopSpeed.is_paced() && Pacing::Pps(1.0).is_paced());
    }
}
