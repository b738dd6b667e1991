//! The emulated NIC: one receive ring per worker, filled by RSS before the clock, released by
//! the release clock.
//!
//! As a NIC's RSS does in hardware, [`RxRings::fill`] hashes every frame's flow once, before the
//! measurement, and assigns it to a ring; and as the NIC's DMA does, it copies each ring's frames
//! into that ring's own contiguous buffer, so a worker streams through its own memory and never
//! through its neighbours' frames. Frames that give no flow (unparsable, non-IP) go to ring 0, as
//! NICs send what they cannot hash to their default queue. Each ring keeps every frame's index in
//! the original trace: records carry it as their sequence number. A worker then takes frames from
//! its ring against the release clock:
//! - [`Release::TopSpeed`]: a frame is released when its worker asks for it; nothing is dropped.
//! - [`Release::Scheduled`]: frame `i` arrives at its release time (ns after the clock started,
//!   plus one trace span per loop). Arrivals go into a ring of fixed size (default 4096 frames);
//!   a frame that arrives while its ring is full is lost and counted `rx_ring_full`. There is no
//!   pacer thread: a worker's poll moves everything that has arrived since its last poll into
//!   the ring (as the NIC's DMA would have) and then takes from the ring.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
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

/// One ring's frames: its own buffer, and each frame's index in the original trace.
pub struct RingFrames<'a> {
    /// The ring's frames, in trace order (borrowed when one ring takes the whole trace).
    pub buffer: Cow<'a, FrameBuffer>,
    /// For each frame of `buffer`, its index in the original trace.
    pub trace_index: Vec<u32>,
    /// Distinct flows of each IP version (sizing the ring's flow table).
    pub flows: FlowEstimate,
}

/// Frames split over receive rings by RSS.
pub struct RxRings<'a> {
    /// The rings.
    pub rings: Vec<RingFrames<'a>>,
}

impl<'a> RxRings<'a> {
    /// Splits `frames` over `n` rings with the RSS function `rss` (before the clock). One ring
    /// borrows the trace as it is.
    pub fn fill(frames: &'a FrameBuffer, n: usize, rss: RssFunction) -> Self {
        let n = n.max(1);
        let mut order: Vec<Vec<u32>> =
            (0..n).map(|_| Vec::with_capacity(frames.len() / n + 16)).collect();
        let mut flows: Vec<HashSet<FlowKey>> = (0..n).map(|_| HashSet::new()).collect();
        for (i, f) in frames.iter().enumerate() {
            let ring = match parse_frame(&f, i as u32) {
                Ok(r) => {
                    let ring = if n == 1 { 0 } else { rss::ring_of(rss.hash(&r), n) };
                    flows[ring].insert(r.flow_key());
                    ring
                }
                Err(_) => 0,
            };
            order[ring].push(i as u32);
        }
        // Each ring's copy carries the event times (a sorted trace's one ring borrows it).
        let times = event_times(frames);
        let rings = order
            .into_iter()
            .zip(&flows)
            .map(|(trace_index, flows)| {
                let buffer = if n == 1 && times.is_none() {
                    Cow::Borrowed(frames)
                } else {
                    let bytes: usize = trace_index
                        .iter()
                        .map(|&i| frames.metas()[i as usize].cap_len as usize)
                        .sum();
                    let mut b = FrameBuffer::with_capacity(trace_index.len(), bytes);
                    for &i in &trace_index {
                        let f = frames.view(&frames.metas()[i as usize]);
                        let ts = times.as_ref().map_or(f.ts_ns, |t| t[i as usize]);
                        b.push(f.bytes, ts, f.wire_len, f.link);
                    }
                    Cow::Owned(b)
                };
                RingFrames { buffer, trace_index, flows: estimate(flows) }
            })
            .collect();
        Self { rings }
    }

    /// Flows over all rings.
    pub fn total_flows(&self) -> FlowEstimate {
        self.rings.iter().fold(FlowEstimate::default(), |a, r| FlowEstimate {
            v4: a.v4 + r.flows.v4,
            v6: a.v6 + r.flows.v6,
        })
    }
}

/// Each frame's event time: its capture time, raised to the largest capture time before it in
/// the trace, so event times never go back (as a NIC's arrival stamps do not). Windows use
/// event times, and a source's watermark (the time of the last record it passed on) then
/// promises that none of its later records is earlier. `None` when the capture times already
/// never go back (most traces): then event time is capture time.
pub fn event_times(frames: &FrameBuffer) -> Option<Vec<u64>> {
    let metas = frames.metas();
    let sorted = metas.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns);
    if sorted {
        return None;
    }
    let mut max = 0;
    Some(
        metas
            .iter()
            .map(|m| {
                max = max.max(m.ts_ns);
                max
            })
            .collect(),
    )
}

fn estimate(flows: &HashSet<FlowKey>) -> FlowEstimate {
    let v4 = flows.iter().filter(|k| matches!(k, FlowKey::V4(_))).count();
    FlowEstimate { v4, v6: flows.len() - v4 }
}

/// A taken run of frames: positions in the ring's buffer, all from one loop.
#[derive(Clone, Copy, Debug)]
pub struct Taken<'a> {
    /// Position in the ring's buffer of the first frame; the others follow it.
    pub first: usize,
    /// The frames' indices in the original trace (their sequence numbers).
    pub frames: &'a [u32],
    /// Nanoseconds to add to their timestamps (the loop's shift).
    pub ts_shift_ns: u64,
    /// The loop the frames belong to (0 first): `--unique-ip` rewrites the addresses of loops
    /// 1, 2, ... after parsing.
    pub loop_idx: u64,
    /// Release time of the first frame (clock ns): the take time at top speed.
    pub released_ns: u64,
}

impl Taken<'_> {
    /// An empty run: nothing released by `now_ns`.
    fn none(now_ns: u64) -> Self {
        Self { first: 0, frames: &[], ts_shift_ns: 0, loop_idx: 0, released_ns: now_ns }
    }
}

/// One worker's view of its receive ring.
pub struct RxRing<'a> {
    buffer: &'a FrameBuffer,
    /// Each frame's index in the original trace (release times are indexed by it).
    order: &'a [u32],
    loops: u64,
    span_ns: u64,
    /// Next frame to take: loop and position in `order`.
    loop_idx: u64,
    pos: usize,
    release: Release,
    /// Scheduled mode: what sits in the ring.
    slots: RingSlots,
}

impl<'a> RxRing<'a> {
    /// A ring over `frames`, replayed `loops` times with timestamps shifted by `span_ns` per
    /// loop.
    pub fn new(
        frames: &'a RingFrames<'_>,
        loops: u64,
        span_ns: u64,
        release: Release,
        ring_size: usize,
    ) -> Self {
        Self {
            buffer: &frames.buffer,
            order: &frames.trace_index,
            loops,
            span_ns,
            loop_idx: 0,
            pos: 0,
            release,
            slots: RingSlots {
                size: ring_size.max(1),
                arrived: VecDeque::with_capacity(ring_size.max(1)),
                next_arrival: (0, 0),
                dropped: 0,
            },
        }
    }

    /// Frames lost because the ring was full.
    pub fn dropped_ring_full(&self) -> u64 {
        self.slots.dropped
    }

    /// The ring's frames.
    pub fn buffer(&self) -> &'a FrameBuffer {
        self.buffer
    }

    /// Whether every frame has been taken or dropped.
    pub fn is_done(&self) -> bool {
        match self.release {
            Release::TopSpeed => self.loop_idx >= self.loops || self.order.is_empty(),
            Release::Scheduled { .. } => {
                (self.slots.next_arrival.0 >= self.loops || self.order.is_empty())
                    && self.slots.arrived.is_empty()
            }
        }
    }

    /// The release time of the frame with trace index `trace_index` in loop `loop_idx`; at top
    /// speed, `taken_ns`, the time its take asked for it.
    pub fn release_of(&self, trace_index: u32, loop_idx: u64, taken_ns: u64) -> u64 {
        match &self.release {
            Release::TopSpeed => taken_ns,
            Release::Scheduled { times, span_ns } => {
                times.get(trace_index as usize).map_or(taken_ns, |t| t + loop_idx * span_ns)
            }
        }
    }

    /// When the next frame not yet in the ring is released (clock ns): an idle worker need
    /// not wait longer. `None` at top speed (a frame is released when asked for) and once every
    /// frame has arrived.
    pub fn next_release_ns(&self) -> Option<u64> {
        match &self.release {
            Release::TopSpeed => None,
            Release::Scheduled { times, span_ns } => {
                let (lp, p) = self.slots.next_arrival;
                if lp >= self.loops || self.order.is_empty() {
                    return None;
                }
                Some(times[self.order[p] as usize] + lp * span_ns)
            }
        }
    }

    /// Takes up to `max` frames released by `now_ns`; an empty run when none is ready.
    pub fn take(&mut self, max: usize, now_ns: u64) -> Taken<'a> {
        let order: &'a [u32] = self.order;
        match &self.release {
            Release::TopSpeed => {
                if self.loop_idx >= self.loops || self.order.is_empty() {
                    return Taken::none(now_ns);
                }
                let start = self.pos;
                let end = (start + max).min(self.order.len());
                let loop_idx = self.loop_idx;
                let shift = loop_idx * self.span_ns;
                self.pos = end;
                if end == self.order.len() {
                    self.pos = 0;
                    self.loop_idx += 1;
                }
                Taken {
                    first: start,
                    frames: &order[start..end],
                    ts_shift_ns: shift,
                    loop_idx,
                    released_ns: now_ns,
                }
            }
            Release::Scheduled { times, span_ns } => {
                let span = *span_ns;
                self.slots.admit(times, span, order, self.loops, now_ns);
                // Take a run from one loop: consecutive positions of the ring's buffer.
                let Some(&(lp, first)) = self.slots.arrived.front() else {
                    return Taken::none(now_ns);
                };
                let released = times[order[first] as usize] + lp * span;
                let mut n = 0;
                while n < max && self.slots.arrived.front() == Some(&(lp, first + n)) {
                    self.slots.arrived.pop_front();
                    n += 1;
                }
                Taken {
                    first,
                    frames: &order[first..first + n],
                    ts_shift_ns: lp * self.span_ns,
                    loop_idx: lp,
                    released_ns: released,
                }
            }
        }
    }
}

/// The receive ring's slots in scheduled mode: the frames that arrived and fit, the next frame
/// to arrive, and what was lost.
struct RingSlots {
    size: usize,
    /// Frames that arrived and fit, as (loop, position), oldest first.
    arrived: VecDeque<(u64, usize)>,
    /// Next frame not yet arrived, as (loop, position).
    next_arrival: (u64, usize),
    /// Frames lost because the ring was full.
    dropped: u64,
}

impl RingSlots {
    /// Moves every frame released by `now_ns` into the ring, dropping what does not fit.
    fn admit(&mut self, times: &[u64], span: u64, order: &[u32], loops: u64, now_ns: u64) {
        while self.next_arrival.0 < loops && !order.is_empty() {
            let (lp, p) = self.next_arrival;
            if times[order[p] as usize] + lp * span > now_ns {
                break;
            }
            if self.arrived.len() < self.size {
                self.arrived.push_back((lp, p));
            } else {
                self.dropped += 1;
            }
            self.next_arrival = if p + 1 == order.len() { (lp + 1, 0) } else { (lp, p + 1) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(trace_index: Vec<u32>) -> RingFrames<'static> {
        let mut buffer = FrameBuffer::new();
        for &i in &trace_index {
            buffer.push(&[i as u8], u64::from(i), 60, wire::LinkType::Ethernet);
        }
        RingFrames { buffer: Cow::Owned(buffer), trace_index, flows: FlowEstimate::default() }
    }

    #[test]
    fn top_speed_takes_everything_in_order_across_loops() {
        let frames = ring(vec![3, 5, 7]);
        let mut r = RxRing::new(&frames, 2, 100, Release::TopSpeed, 4);
        let a = r.take(2, 0);
        assert_eq!((a.first, a.frames, a.ts_shift_ns), (0, &[3u32, 5][..], 0));
        let b = r.take(2, 0);
        assert_eq!((b.first, b.frames), (2, &[7u32][..]));
        let c = r.take(5, 0);
        assert_eq!((c.frames, c.ts_shift_ns, c.loop_idx), (&[3u32, 5, 7][..], 100, 1));
        assert!(r.is_done());
        assert!(r.take(5, 0).frames.is_empty());
        assert_eq!(r.dropped_ring_full(), 0);
    }

    #[test]
    fn rss_split_keeps_every_frame_once_in_its_own_buffer() {
        let mut trace = FrameBuffer::new();
        for i in 0..50u8 {
            // Raw IPv4 headers with distinct sources: a few flows.
            let mut ip = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, i % 7, 10, 0, 0, 1];
            ip[3] = 20;
            trace.push(&ip, u64::from(i), 20, wire::LinkType::RawIp);
        }
        let rings = RxRings::fill(&trace, 3, RssFunction::Toeplitz);
        let mut seen: Vec<u32> = rings.rings.iter().flat_map(|r| r.trace_index.clone()).collect();
        seen.sort();
        assert_eq!(seen, (0..50).collect::<Vec<u32>>());
        for r in &rings.rings {
            assert_eq!(r.buffer.len(), r.trace_index.len());
            for (f, &i) in r.buffer.iter().zip(&r.trace_index) {
                assert_eq!(f.bytes, trace.get(i as usize).unwrap().bytes);
            }
        }
        assert_eq!(rings.total_flows().v4, 7);
    }

    #[test]
    fn scheduled_burst_overflows_a_small_ring() {
        let frames = ring((0..10).collect());
        let times: Arc<[u64]> = vec![0u64; 10].into();
        let mut r = RxRing::new(&frames, 1, 1, Release::Scheduled { times, span_ns: 1 }, 4);
        let a = r.take(100, 0);
        assert_eq!(a.frames, &[0, 1, 2, 3]);
        assert_eq!(r.dropped_ring_full(), 6);
        assert!(r.is_done());
    }

    #[test]
    fn scheduled_frames_wait_for_their_time() {
        let frames = ring((0..4).collect());
        let times: Arc<[u64]> = vec![0u64, 10, 20, 30].into();
        let mut r = RxRing::new(&frames, 2, 40, Release::Scheduled { times, span_ns: 40 }, 8);
        assert_eq!(r.take(8, 15).frames, &[0, 1]);
        assert_eq!(r.take(8, 15).frames, &[] as &[u32]);
        let t = r.take(8, 45);
        assert_eq!((t.frames, t.released_ns), (&[2u32, 3][..], 20));
        let t = r.take(8, 1000);
        assert_eq!((t.frames, t.ts_shift_ns, t.released_ns), (&[0u32, 1, 2, 3][..], 40, 40));
        assert_eq!(t.loop_idx, 1);
        assert!(r.is_done());
        assert_eq!(r.dropped_ring_full(), 0);
    }
}
