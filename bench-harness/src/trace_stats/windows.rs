//! Host fan-out and fan-in per 1 s tumbling window (`wire::sonata::window_start`).
//!
//! Each window keeps the set of distinct (source, destination) pairs it has seen, and is
//! reduced to its fan-out and fan-in maxima right after its last frame, found by a first pass
//! over the timestamps. So memory holds the pairs of the windows that are open at once (one for
//! a capture in time order) and the result does not depend on frames arriving in order.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use wire::sonata::{WINDOW_NS, window_start};
use wire::{FrameBuffer, PacketRecord};

use crate::results::schema::{HostWindowMax, WindowFan};

/// A candidate maximum: count, window start, host.
type Candidate = (u64, u64, IpAddr);

/// Collects the distinct host pairs of each window and reduces closed windows to maxima.
pub(super) struct WindowCounter {
    /// Pairs of the windows seen but not yet closed, by window start.
    open: HashMap<u64, HashSet<(IpAddr, IpAddr)>>,
    /// `(index of the window's last frame, window start)`, by index.
    closes: Vec<(usize, u64)>,
    /// The next entry of `closes` to reach.
    next_close: usize,
    /// Windows closed with at least one parsed packet.
    windows: u64,
    fan_out: Option<Candidate>,
    fan_in: Option<Candidate>,
}

impl WindowCounter {
    /// A counter for the frames of `frames`, which it scans once for the last frame of each
    /// window.
    pub(super) fn new(frames: &FrameBuffer) -> Self {
        let mut last: HashMap<u64, usize> = HashMap::new();
        for (i, meta) in frames.metas().iter().enumerate() {
            last.insert(window_start(meta.ts_ns), i);
        }
        let mut closes: Vec<(usize, u64)> = last.into_iter().map(|(w, i)| (i, w)).collect();
        closes.sort_unstable();
        Self {
            open: HashMap::new(),
            closes,
            next_close: 0,
            windows: 0,
            fan_out: None,
            fan_in: None,
        }
    }

    /// Counts the parsed packet of a frame stamped `ts_ns`.
    pub(super) fn add(&mut self, ts_ns: u64, r: &PacketRecord) {
        let pairs = self.open.entry(window_start(ts_ns)).or_default();
        pairs.insert((r.src_ip(), r.dst_ip()));
    }

    /// Tells the counter frame `index` is done: a window whose last frame it was closes.
    pub(super) fn frame_done(&mut self, index: usize) {
        while let Some(&(last, window)) = self.closes.get(self.next_close) {
            if last != index {
                break;
            }
            self.next_close += 1;
            if let Some(pairs) = self.open.remove(&window) {
                self.close(window, &pairs);
            }
        }
    }

    /// Folds one window's pairs into the maxima.
    fn close(&mut self, window: u64, pairs: &HashSet<(IpAddr, IpAddr)>) {
        self.windows += 1;
        let mut out_degree: HashMap<IpAddr, u64> = HashMap::new();
        let mut in_degree: HashMap<IpAddr, u64> = HashMap::new();
        for &(src, dst) in pairs {
            *out_degree.entry(src).or_default() += 1;
            *in_degree.entry(dst).or_default() += 1;
        }
        for (host, n) in out_degree {
            keep_larger(&mut self.fan_out, (n, window, host));
        }
        for (host, n) in in_degree {
            keep_larger(&mut self.fan_in, (n, window, host));
        }
    }

    /// The window statistics, closing any window left open.
    pub(super) fn finish(mut self) -> WindowFan {
        let mut left: Vec<(u64, HashSet<(IpAddr, IpAddr)>)> = self.open.drain().collect();
        left.sort_unstable_by_key(|(w, _)| *w);
        for (window, pairs) in left {
            self.close(window, &pairs);
        }
        WindowFan {
            window_ns: WINDOW_NS,
            count: self.windows,
            max_fan_out: to_max(self.fan_out),
            max_fan_in: to_max(self.fan_in),
        }
    }
}

/// Keeps the larger count; ties go to the earlier window, then the lower address.
fn keep_larger(best: &mut Option<Candidate>, c: Candidate) {
    let rank = |&(n, w, host): &Candidate| (Reverse(n), w, host);
    if best.as_ref().is_none_or(|b| rank(&c) < rank(b)) {
        *best = Some(c);
    }
}

fn to_max(c: Option<Candidate>) -> HostWindowMax {
    c.map_or_else(HostWindowMax::default, |(count, window_start_ns, host)| HostWindowMax {
        host: host.to_string(),
        window_start_ns,
        count,
    })
}
