//! The `iffq` queue design: improved FastForward (IFFQ, Maffione, Lettieri and Rizzo 2019).
//!
//! Like FastForward, slot contents mark full and empty and there is no shared index, but the
//! producer and the consumer never work in the same cache line:
//! - the producer keeps a private `limit` a line ahead: when it reaches `limit` it checks only
//!   the first slot of the line *after* the next one, and if that is empty it writes the whole
//!   next line without looking at its flags;
//! - the consumer leaves flags set as it reads and clears a whole line once it has moved past it
//!   (the line's first flag last, with release ordering).
//!
//! # Capacity and slack
//! The ring has `N = (ceil(capacity / H) + 1) * H` slots in lines of `H` slots (`H` =
//! [`line_slots_for`](super::slot_ring::line_slots_for), 4 for 8-byte items). One line is always
//! left free, so [`capacity`](Producer::capacity) reports `N - H` (at least what was asked for):
//! the most items the queue holds at once. Because clearing is lazy, a push may be refused
//! while the queue holds more than `N - 2H` items (the consumer has not yet left its line); it
//! always succeeds below that.

use super::Producer;
use super::slot_ring::{LineProducer, SlotConsumer, SlotRing, line_slots_for, slot_consumer_impl};

/// The sending half of an improved FastForward queue.
pub struct ImprovedFastForwardProducer<T>(LineProducer<T>);

/// The receiving half of an improved FastForward queue.
pub struct ImprovedFastForwardConsumer<T>(SlotConsumer<T>);

/// Slots in a ring that holds at least `capacity` items in lines of `line` slots plus one free line.
pub(crate) fn ring_slots(capacity: usize, line: usize) -> usize {
    (capacity.div_ceil(line) + 1) * line
}

/// Builds an improved FastForward queue holding at least `capacity` items (`capacity >= 1`), in
/// lines of one cache line.
pub(crate) fn iffq_queue<T>(
    capacity: usize,
) -> (ImprovedFastForwardProducer<T>, ImprovedFastForwardConsumer<T>) {
    iffq_queue_with_line(capacity, line_slots_for::<T>())
}

/// Builds an improved FastForward queue holding at least `capacity` items in lines of `line`
/// slots (tests and loom models use short lines).
pub(crate) fn iffq_queue_with_line<T>(
    capacity: usize,
    line: usize,
) -> (ImprovedFastForwardProducer<T>, ImprovedFastForwardConsumer<T>) {
    let ring = SlotRing::new(ring_slots(capacity, line), line);
    (
        ImprovedFastForwardProducer(LineProducer::new(ring.clone())),
        ImprovedFastForwardConsumer(SlotConsumer::new(ring)),
    )
}

impl<T> ImprovedFastForwardProducer<T> {
    /// The line producer underneath, for [`biffq`](super::biffq)'s batch push.
    pub(crate) fn line_producer(&mut self) -> &mut LineProducer<T> {
        &mut self.0
    }
}

impl<T: Send> Producer<T> for ImprovedFastForwardProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        if self.0.reserve(1) == 0 {
            return Err(item);
        }
        // SAFETY: `reserve` just reserved one slot.
        let index = unsafe { self.0.write_reserved(item) };
        self.0.ring().publish(index);
        Ok(())
    }

    fn push_from(&mut self, items: &mut Vec<T>) -> usize {
        let n = self.0.reserve(items.len());
        for item in items.drain(..n) {
            // SAFETY: `reserve` reserved `n` slots and each is written once.
            let index = unsafe { self.0.write_reserved(item) };
            // IFFQ publishes item by item; the batched design publishes after the batch.
            self.0.ring().publish(index);
        }
        n
    }

    fn capacity(&self) -> usize {
        self.0.ring().len() - self.0.ring().line()
    }

    fn is_abandoned(&self) -> bool {
        self.0.ring().consumer_is_gone()
    }
}

slot_consumer_impl!(ImprovedFastForwardConsumer, |ring| ring.len() - ring.line());

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::Consumer;
    use crate::queue::slot_ring_tests as checks;

    #[test]
    fn one_line_stays_free_and_clearing_is_by_line() {
        // Lines of 2 slots, 3 lines: capacity 4.
        let (mut p, mut c) = iffq_queue_with_line::<u64>(4, 2);
        assert_eq!((Producer::capacity(&p), Consumer::capacity(&c)), (4, 4));
        for i in 0..4 {
            assert_eq!(p.try_push(i), Ok(()));
        }
        assert_eq!(p.try_push(4), Err(4));
        // Reading one item of line 0 does not clear it; reading both does.
        assert_eq!(c.try_pop(), Some(0));
        assert_eq!(p.try_push(4), Err(4));
        assert_eq!(c.try_pop(), Some(1));
        assert_eq!((p.try_push(4), p.try_push(5), p.try_push(6)), (Ok(()), Ok(()), Err(6)));
        let mut out = Vec::new();
        assert_eq!(c.pop_into(&mut out, 10), 4);
        assert_eq!(out, vec![2, 3, 4, 5]);
    }

    #[test]
    fn line_length_follows_the_item_size() {
        assert_eq!(line_slots_for::<u64>(), 4);
        assert_eq!(line_slots_for::<[u8; 64]>(), 1);
        let (p, _c) = iffq_queue::<u64>(8);
        assert_eq!(Producer::capacity(&p), 8);
    }

    #[test]
    fn matches_a_model_queue() {
        checks::matches_a_model_queue(|capacity| {
            let line = 1 + capacity % 3;
            let (p, c) = iffq_queue_with_line::<u64>(capacity, line);
            ((Box::new(p), Box::new(c)), line)
        });
    }

    #[test]
    fn drops_what_is_left_and_sees_abandonment() {
        checks::drops_what_is_left_and_sees_abandonment(|capacity| {
            let (p, c) = iffq_queue_with_line(capacity, 2);
            (Box::new(p), Box::new(c))
        });
    }

    #[test]
    fn a_million_items_cross_threads_in_order() {
        checks::a_million_items_cross_threads_in_order(|capacity| {
            let (p, c) = iffq_queue::<u64>(capacity);
            (Box::new(p), Box::new(c))
        });
    }
}
