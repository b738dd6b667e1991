//! Record routing between threads: pending batches per destination, published when full, when
//! the flush timeout passes, or when the sender's watermark passes a window end (then every
//! destination gets a batch, empty if need be, so its watermark moves on).
//!
//! Everything here is non-blocking; the thread loop (`stage`) waits for room or for a free
//! batch, making progress on its inputs meanwhile.

use wire::PacketRecord;

use crate::query::Window;
use crate::queue::FlushPolicy;
use crate::queue::batch::{Batch, BatchSender};

/// Routes records to destination edges in pooled batches.
pub(crate) struct Router {
    pub(crate) senders: Vec<BatchSender>,
    pending: Vec<Option<Box<Batch>>>,
    /// When each pending batch got its first record (clock ns).
    started: Vec<u64>,
    flush: FlushPolicy,
    window: Window,
    /// The sender's watermark and when its record was released.
    pub(crate) wm: u64,
    pub(crate) wm_clock: u64,
    /// The window end whose passing makes every destination get a batch.
    next_end: u64,
    /// Next destination of round-robin dealing.
    pub(crate) turn: usize,
    /// Times a destination had no free batch or no room.
    pub(crate) full_events: u64,
}

impl Router {
    pub(crate) fn new(senders: Vec<BatchSender>, flush: FlushPolicy, window: Window) -> Self {
        let n = senders.len();
        Self {
            senders,
            pending: (0..n).map(|_| None).collect(),
            started: vec![0; n],
            flush,
            window,
            wm: 0,
            wm_clock: 0,
            next_end: window.next_end_after(0),
            turn: 0,
            full_events: 0,
        }
    }

    /// Destinations.
    pub(crate) fn len(&self) -> usize {
        self.senders.len()
    }

    /// Makes sure destination `d` has a pending batch; false when its pool is empty (wait).
    pub(crate) fn ensure_batch(&mut self, d: usize, released_ns: u64, now_ns: u64) -> bool {
        if self.pending[d].is_some() {
            return true;
        }
        match self.senders[d].acquire() {
            Some(mut b) => {
                b.released_ns = released_ns;
                self.started[d] = now_ns;
                self.pending[d] = Some(b);
                true
            }
            None => {
                self.full_events += 1;
                false
            }
        }
    }

    /// Appends a record to `d`'s pending batch (which [`Router::ensure_batch`] made sure of);
    /// true when the batch is now full and must be sent.
    #[inline]
    pub(crate) fn push(&mut self, d: usize, r: PacketRecord) -> bool {
        match &mut self.pending[d] {
            Some(b) => {
                b.push(r);
                b.is_full()
            }
            None => false,
        }
    }

    /// Notes the release time of a latency sample going into `d`'s pending batch (the first
    /// one a batch gets is kept).
    pub(crate) fn note_sample(&mut self, d: usize, released_ns: u64) {
        if let Some(b) = &mut self.pending[d]
            && b.sample_released_ns == 0
        {
            b.sample_released_ns = released_ns;
        }
    }

    /// Appends records to `d`'s pending batch; returns how many fit.
    pub(crate) fn extend(&mut self, d: usize, records: &[PacketRecord]) -> usize {
        self.pending[d].as_mut().map_or(0, |b| b.extend_from_slice(records))
    }

    /// Publishes `d`'s pending batch stamped with the watermark; false when the queue is full
    /// (the batch stays pending: try again).
    pub(crate) fn try_send(&mut self, d: usize) -> bool {
        let Some(mut b) = self.pending[d].take() else { return true };
        b.watermark_ns = self.wm;
        b.watermark_clock_ns = self.wm_clock;
        match self.senders[d].send(b) {
            Ok(()) => true,
            Err(back) => {
                self.pending[d] = Some(back);
                self.full_events += 1;
                false
            }
        }
    }

    /// Whether `d` has a pending batch.
    pub(crate) fn has_pending(&self, d: usize) -> bool {
        self.pending[d].is_some()
    }

    /// Destinations whose pending batch is due (full or past the flush timeout), or all with a
    /// pending batch when `all`.
    pub(crate) fn due(&self, now_ns: u64, all: bool) -> Vec<usize> {
        (0..self.pending.len())
            .filter(|&d| match &self.pending[d] {
                Some(b) => all || self.flush.should_flush(b.len(), self.started[d], now_ns),
                None => false,
            })
            .collect()
    }

    /// When the oldest pending batch falls due (`None`: none pending).
    pub(crate) fn next_deadline_ns(&self) -> Option<u64> {
        let started = self.pending.iter().zip(&self.started);
        started.filter(|(b, _)| b.is_some()).map(|(_, &s)| self.flush.deadline_ns(s)).min()
    }

    /// Moves the watermark; true when it passed a window end, so every destination must get
    /// a batch now (see the module doc).
    pub(crate) fn set_watermark(&mut self, wm: u64, clock: u64) -> bool {
        if wm <= self.wm {
            return false;
        }
        self.wm = wm;
        self.wm_clock = clock;
        if wm >= self.next_end {
            self.next_end = self.window.next_end_after(wm);
            return true;
        }
        false
    }

    /// Whether some destination's receiver has ended early (its thread panicked).
    pub(crate) fn receiver_gone(&self, d: usize) -> bool {
        self.senders[d].is_receiver_gone()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::QueueKind;
    use crate::queue::batch::batch_channel;

    #[test]
    fn the_next_deadline_is_the_oldest_pending_batch_plus_the_timeout() {
        let senders = (0..3).map(|_| batch_channel(QueueKind::Rtrb, 2, 4).unwrap().0).collect();
        let mut router = Router::new(senders, FlushPolicy::new(4, 1_000), Window::Whole);
        assert_eq!(router.next_deadline_ns(), None, "nothing pending");
        assert!(router.ensure_batch(0, 0, 50));
        assert!(router.ensure_batch(2, 0, 30));
        assert_eq!(router.next_deadline_ns(), Some(1_030));
    }

    #[test]
    fn a_watermark_past_a_window_end_asks_for_batches_everywhere() {
        let senders = (0..2).map(|_| batch_channel(QueueKind::Rtrb, 2, 4).unwrap().0).collect();
        let mut router = Router::new(senders, FlushPolicy::new(4, 1_000), Window::tumbling(100));
        assert!(!router.set_watermark(50, 1));
        assert!(router.set_watermark(100, 2));
        assert!(!router.set_watermark(199, 3));
        assert!(router.set_watermark(450, 4));
        assert!(!router.set_watermark(10, 5), "watermarks never go back");
    }
}
