//! The emulated NIC: one receive ring per worker, filled by RSS before the clock, released by
//! the release clock.
//!
//! As a NIC's RSS does in hardware, [`RxRings::fill`] hashes every frame's flow once, before the
//! measurement, and assigns it to a ring. Frames that give no flow (unparsable, non-IP) go to
//! ring 0, as NICs send what they cannot hash to their default queue. A worker then takes
//! frames from its ring against the release clock:
//! - [`Release::TopSpeed`]: a frame is released when its worker asks for it; nothing is dropped.
//! - [`Release::Scheduled`]: frame `i` arrives at its release time (ns after the clock started,
//!   plus one trace span per loop). Arrivals go into a ring of fixed size (default 4096 frames);
//!   a frame that arrives while its ring is full is lost and counted `rx_ring_full`. There is no
//!   pacer thread: a worker's poll moves everything that has arrived since its last poll into
//!   the ring (as the NIC's DMA would have) and then takes from the ring.

use std::collections::HashSet;
use std::sync::Arc;

use wire::{FlowKey, FrameBuffer, RssFunction, parse_frame, rss};

use crate::state::FlowEstimate;

/// Default receive ring size in frames.
pub const DEFAULT_RING_SIZE: usize = 4096;

/// When frames become visible in their rings.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Release {
    /// Released when the worker asks: a closed loop, no drops.
    #[default]
    TopSpeed,
    /// Frame `i` of the trace arrives `times[i]` ns after the clock started (plus
    /// `loop * span_ns` for later loops).
    Scheduled {
        /// Release time of each frame in the first loop, in trace order, non-decreasing.
        times: Arc<[u64]>,
        /// Time added per loop.
        span_ns: u64,
    },
}

/// Frames split over receive rings by RSS, and what the split learnt.
pub struct RxRings {
    /// Frame indices of each ring, in trace order.
    pub rings: Vec<Vec<u32>>,
    /// Distinct flows of each IP version seen by each ring (sizing that ring's flow table).
    pub flows_per_ring: Vec<FlowEstimate>,
}

impl RxRings {
    /// Splits `frames` over `n` rings with the RSS function `rss` (before the clock).
    pub fn fill(frames: &FrameBuffer, n: usize, rss: RssFunction) -> Self {
        let n = n.max(1);
        let mut rings: Vec<Vec<u32>> =
            (0..n).map(|_| Vec::with_capacity(frames.len() / n + 16)).collect();
        let mut flows: Vec<HashSet<FlowKey>> = (0..n).map(|_| HashSet::new()).collect();
        for (i, f) in frames.iter().enumerate() {
            let ring = match parse_frame(&f, i as u32) {
                Ok(r) => {
                    let ring = rss::ring_of(rss.hash(&r), n);
                    flows[ring].insert(r.flow_key());
                    ring
                }
                Err(_) => 0,
            };
            rings[ring].push(i as u32);
        }
        Self { flows_per_ring: flows.iter().map(estimate).collect(), rings }
    }

    /// Everything in one ring (the `pipeline` and `farm` topologies' single source).
    pub fn single(frames: &FrameBuffer) -> Self {
        let mut flows = HashSet::new();
        for (i, f) in frames.iter().enumerate() {
            if let Ok(r) = parse_frame(&f, i as u32) {
                flows.insert(r.flow_key());
            }
        }
        Self {
            rings: vec![(0..frames.len() as u32).collect()],
            flows_per_ring: vec![estimate(&flows)],
        }
    }

    /// Flows over all rings.
    pub fn total_flows(&self) -> FlowEstimate {
        self.flows_per_ring
            .iter()
            .fold(FlowEstimate::default(), |a, e| FlowEstimate { v4: a.v4 + e.v4, v6: a.v6 + e.v6 })
    }
}

fn estimate(flows: &HashSet<FlowKey>) -> FlowEstimate {
    let v4 = flows.iter().filter(|k| matches!(k, FlowKey::V4(_))).count();
    FlowEstimate { v4, v6: flows.len() - v4 }
}

/// A taken run of frames: indices into the frame buffer, all from one loop.
#[derive(Clone, Copy, Debug)]
pub struct Taken<'a> {
    /// Frame indices.
    pub frames: &'a [u32],
    /// Nanoseconds to add to their timestamps (the loop's shift).
    pub ts_shift_ns: u64,
    /// Release time of the first frame (clock ns): the take time at top speed.
    pub released_ns: u64,
}

/// One worker's view of its receive ring.
pub struct RxRing<'a> {
    order: &'a [u32],
    loops: u64,
    span_ns: u64,
    /// Next frame to take: loop and position in `order`.
    loop_idx: u64,
    pos: usize,
    release: Release,
    ring_size: usize,
    /// Scheduled mode: frames that arrived and fit, as (loop, position), oldest first.
    arrived: std::collections::VecDeque<(u64, usize)>,
    /// Scheduled mode: next frame not yet arrived.
    next_arrival: (u64, usize),
    taken_buf: Vec<u32>,
    /// Frames lost because the ring was full.
    pub dropped_ring_full: u64,
}

impl<'a> RxRing<'a> {
    /// A ring over `order`, replayed `loops` times with timestamps shifted by `span_ns` per loop.
    pub fn new(
        order: &'a [u32],
        loops: u64,
        span_ns: u64,
        release: Release,
        ring_size: usize,
    ) -> Self {
        Self {
            order,
            loops,
            span_ns,
            loop_idx: 0,
            pos: 0,
            release,
            ring_size: ring_size.max(1),
            arrived: std::collections::VecDeque::with_capacity(ring_size.max(1)),
            next_arrival: (0, 0),
            taken_buf: Vec::new(),
            dropped_ring_full: 0,
        }
    }

    /// Frames this ring will offer over all loops.
    pub fn total(&self) -> u64 {
        self.order.len() as u64 * self.loops
    }

    /// Whether every frame has been taken or dropped.
    pub fn is_done(&self) -> bool {
        match self.release {
            Release::TopSpeed => self.loop_idx >= self.loops || self.order.is_empty(),
            Release::Scheduled { .. } => {
                (self.next_arrival.0 >= self.loops || self.order.is_empty())
                    && self.arrived.is_empty()
            }
        }
    }

    /// Takes up to `max` frames released by `now_ns`; an empty run when none is ready.
    pub fn take(&mut self, max: usize, now_ns: u64) -> Taken<'_> {
        match &self.release {
            Release::TopSpeed => {
                if self.loop_idx >= self.loops || self.order.is_empty() {
                    return Taken { frames: &[], ts_shift_ns: 0, released_ns: now_ns };
                }
                let start = self.pos;
                let end = (start + max).min(self.order.len());
                let shift = self.loop_idx * self.span_ns;
                self.pos = end;
                if end == self.order.len() {
                    self.pos = 0;
                    self.loop_idx += 1;
                }
                Taken { frames: &self.order[start..end], ts_shift_ns: shift, released_ns: now_ns }
            }
            Release::Scheduled { times, span_ns } => {
                let (times, span) = (times.clone(), *span_ns);
                self.admit(&times, span, now_ns);
                // Take a run from one loop.
                self.taken_buf.clear();
                let Some(&(lp, first)) = self.arrived.front() else {
                    return Taken { frames: &[], ts_shift_ns: 0, released_ns: now_ns };
                };
                let released = times[self.order[first] as usize] + lp * span;
                while self.taken_buf.len() < max {
                    match self.arrived.front() {
                        Some(&(l, p)) if l == lp => {
                            self.taken_buf.push(self.order[p]);
                            self.arrived.pop_front();
                        }
                        _ => break,
                    }
                }
                Taken {
                    frames: &self.taken_buf,
                    ts_shift_ns: lp * self.span_ns,
                    released_ns: released,
                }
            }
        }
    }

    /// Moves every frame released by `now_ns` into the ring, dropping what does not fit.
    fn admit(&mut self, times: &[u64], span: u64, now_ns: u64) {
        while self.next_arrival.0 < self.loops && !self.order.is_empty() {
            let (lp, p) = self.next_arrival;
            let t = times[self.order[p] as usize] + lp * span;
            if t > now_ns {
                break;
            }
            if self.arrived.len() < self.ring_size {
                self.arrived.push_back((lp, p));
            } else {
                self.dropped_ring_full += 1;
            }
            self.next_arrival = if p + 1 == self.order.len() { (lp + 1, 0) } else { (lp, p + 1) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_speed_takes_everything_in_order_across_loops() {
        let order = [3u32, 5, 7];
        let mut r = RxRing::new(&order, 2, 100, Release::TopSpeed, 4);
        let a = r.take(2, 0);
        assert_eq!((a.frames, a.ts_shift_ns), (&[3u32, 5][..], 0));
        let b = r.take(2, 0);
        assert_eq!(b.frames, &[7]);
        let c = r.take(5, 0);
        assert_eq!((c.frames, c.ts_shift_ns), (&[3u32, 5, 7][..], 100));
        assert!(r.is_done());
        assert!(r.take(5, 0).frames.is_empty());
        assert_eq!(r.dropped_ring_full, 0);
    }

    #[test]
    fn scheduled_burst_overflows_a_small_ring() {
        let order: Vec<u32> = (0..10).collect();
        let times: Arc<[u64]> = vec![0u64; 10].into();
        let mut r = RxRing::new(&order, 1, 1, Release::Scheduled { times, span_ns: 1 }, 4);
        let a = r.take(100, 0);
        assert_eq!(a.frames, &[0, 1, 2, 3]);
        assert_eq!(r.dropped_ring_full, 6);
        assert!(r.is_done());
    }

    #[test]
    fn scheduled_frames_wait_for_their_time() {
        let order: Vec<u32> = (0..4).collect();
        let times: Arc<[u64]> = vec![0u64, 10, 20, 30].into();
        let mut r = RxRing::new(&order, 2, 40, Release::Scheduled { times, span_ns: 40 }, 8);
        assert_eq!(r.take(8, 15).frames, &[0, 1]);
        assert_eq!(r.take(8, 15).frames, &[] as &[u32]);
        let t = r.take(8, 45);
        assert_eq!((t.frames, t.released_ns), (&[2u32, 3][..], 20));
        let t = r.take(8, 1000);
        assert_eq!((t.frames, t.ts_shift_ns, t.released_ns), (&[0u32, 1, 2, 3][..], 40, 40));
        assert!(r.is_done());
        assert_eq!(r.dropped_ring_full, 0);
    }
}
