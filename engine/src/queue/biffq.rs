//! The `biffq` queue design: batched improved FastForward (BIFFQ, Maffione, Lettieri and Rizzo
//! 2019): [IFFQ](super::iffq) with producer-side batching.
//!
//! Slots, lines, lazy clearing by the consumer, the free line and the capacity are IFFQ's. The
//! difference is [`push_from`](Producer::push_from): it reserves room for the whole batch (a
//! line-ahead check per line), writes every item and sets every flag but the batch's first, and
//! sets that first flag last. The consumer reads slots in order, so it sees nothing of a batch
//! until all of it is in place, and does not pull the batch's cache lines back and forth while
//! the producer is still writing them. The paper's BIFFQ buffers items privately until a batch
//! is complete; here the caller's `Vec` is that buffer.

use super::Producer;
use super::iffq::{ImprovedFastForwardConsumer, ImprovedFastForwardProducer, iffq_queue_with_line};
use super::slot_ring::line_slots_for;

/// The sending half of a batched improved FastForward queue: IFFQ's producer with a batch
/// `push_from`.
pub struct BatchedImprovedFastForwardProducer<T>(ImprovedFastForwardProducer<T>);

/// The receiving half of a batched improved FastForward queue: IFFQ's consumer, unchanged.
pub type BatchedImprovedFastForwardConsumer<T> = ImprovedFastForwardConsumer<T>;

/// Builds a batched improved FastForward queue holding at least `capacity` items
/// (`capacity >= 1`), in lines of one cache line.
pub(crate) fn biffq_queue<T>(
    capacity: usize,
) -> (BatchedImprovedFastForwardProducer<T>, BatchedImprovedFastForwardConsumer<T>) {
    biffq_queue_with_line(capacity, line_slots_for::<T>())
}

/// Builds a batched improved FastForward queue holding at least `capacity` items in lines of
/// `line` slots (tests and loom models use short lines).
pub(crate) fn biffq_queue_with_line<T>(
    capacity: usize,
    line: usize,
) -> (BatchedImprovedFastForwardProducer<T>, BatchedImprovedFastForwardConsumer<T>) {
    let (producer, consumer) = iffq_queue_with_line(capacity, line);
    (BatchedImprovedFastForwardProducer(producer), consumer)
}

impl<T: Send> Producer<T> for BatchedImprovedFastForwardProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        self.0.try_push(item)
    }

    fn push_from(&mut self, items: &mut Vec<T>) -> usize {
        let core = self.0.line_producer();
        let n = core.reserve(items.len());
        let mut first = None;
        for item in items.drain(..n) {
            // SAFETY: `reserve` reserved `n` slots and each is written once.
            let index = unsafe { core.write_reserved(item) };
            if first.is_none() {
                // The batch's first slot is published last, below.
                first = Some(index);
            } else {
                core.ring().publish(index);
            }
        }
        if let Some(first) = first {
            // The consumer reads in order, so it sees none of the batch until this flag is set,
            // and then the whole batch: it does not chase the producer through the batch's lines
            // while they are being written.
            core.ring().publish(first);
        }
        n
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.0.is_abandoned()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::Consumer;
    use crate::queue::slot_ring_tests as checks;

    #[test]
    fn a_batch_fills_all_but_one_line_and_publishes_whole() {
        // Lines of 2 slots, 4 lines: capacity 6.
        let (mut p, mut c) = biffq_queue_with_line::<u64>(6, 2);
        assert_eq!((Producer::capacity(&p), Consumer::capacity(&c)), (6, 6));
        let mut items: Vec<u64> = (0..10).collect();
        assert_eq!(p.push_from(&mut items), 6);
        assert_eq!(items, vec![6, 7, 8, 9]);
        let mut out = Vec::new();
        assert_eq!(c.pop_into(&mut out, 3), 3);
        // Line 0 is cleared, line 1 is not: one more line of room.
        assert_eq!(p.push_from(&mut items), 2);
        assert_eq!(c.pop_into(&mut out, 100), 5);
        assert_eq!(out, (0..8).collect::<Vec<_>>());
        assert_eq!(p.push_from(&mut Vec::new()), 0);
    }

    #[test]
    fn matches_a_model_queue() {
        checks::matches_a_model_queue(|capacity| {
            let line = 1 + capacity % 3;
            let (p, c) = biffq_queue_with_line::<u64>(capacity, line);
            ((Box::new(p), Box::new(c)), line)
        });
    }

    #[test]
    fn drops_what_is_left_and_sees_abandonment() {
        checks::drops_what_is_left_and_sees_abandonment(|capacity| {
            let (p, c) = biffq_queue_with_line(capacity, 2);
            (Box::new(p), Box::new(c))
        });
    }

    #[test]
    fn a_million_items_cross_threads_in_order() {
        checks::a_million_items_cross_threads_in_order(|capacity| {
            let (p, c) = biffq_queue::<u64>(capacity);
            (Box::new(p), Box::new(c))
        });
    }
}
