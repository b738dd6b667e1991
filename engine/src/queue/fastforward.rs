//! The `fastforward` queue design (FFQ, Giacomoni, Moseley and Vachharajani 2008): a ring of
//! slots with no shared index. The producer writes slot `write` if its flag says empty; the
//! consumer reads slot `read` if its flag says full and clears the flag at once.
//!
//! The producer and the consumer each keep their index private, so neither reads a cache line
//! the other writes except the slots themselves; the cost is that they share a slot's line
//! whenever the queue is nearly empty. FastForward has no batch publish: `push_from` is the
//! trait's item-by-item default, checking and publishing each slot. See [`slot_ring`](super::slot_ring) for how a generic
//! item's slot marks full and empty, and for the layout.

use super::Producer;
use super::slot_ring::{SlotConsumer, SlotRing, slot_consumer_impl};
use super::sync::Arc;

/// The sending half of a FastForward queue.
pub struct FastForwardProducer<T> {
    ring: Arc<SlotRing<T>>,
    /// The next slot to write; private to the producer.
    write: usize,
}

/// The receiving half of a FastForward queue.
pub struct FastForwardConsumer<T>(SlotConsumer<T>);

/// Builds a FastForward queue of `capacity` slots (`capacity >= 1`); it holds `capacity` items.
pub(crate) fn fastforward_queue<T>(
    capacity: usize,
) -> (FastForwardProducer<T>, FastForwardConsumer<T>) {
    // Lines of one slot: the consumer clears every slot as soon as it reads it.
    let ring = SlotRing::new(capacity, 1);
    (
        FastForwardProducer { ring: ring.clone(), write: 0 },
        FastForwardConsumer(SlotConsumer::new(ring)),
    )
}

impl<T> FastForwardProducer<T> {
    /// Writes and publishes `item` into slot `write`, which `try_push` found empty.
    ///
    /// # Safety
    /// Slot `write` was seen empty (acquire) since it was last written.
    #[inline]
    unsafe fn write_free(&mut self, item: T) {
        // SAFETY: the slot's flag was seen clear with acquire ordering, so the consumer has
        // moved its last item out, and it will not touch the slot until `publish` below.
        unsafe { self.ring.write(self.write, item) };
        self.ring.publish(self.write);
        self.write = self.ring.next(self.write);
    }
}

impl<T: Send> Producer<T> for FastForwardProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        if self.ring.is_full(self.write) {
            return Err(item);
        }
        // SAFETY: `is_full` just saw slot `write` empty.
        unsafe { self.write_free(item) };
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.ring.len()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.consumer_is_gone()
    }
}

impl<T> Drop for FastForwardProducer<T> {
    fn drop(&mut self) {
        self.ring.abandon_by_producer();
    }
}

slot_consumer_impl!(FastForwardConsumer, |ring| ring.len());

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::Consumer;
    use crate::queue::slot_ring_tests as checks;

    #[test]
    fn single_items_in_order_until_full() {
        let (mut p, mut c) = fastforward_queue::<u64>(3);
        assert_eq!((Producer::capacity(&p), Consumer::capacity(&c)), (3, 3));
        assert_eq!(
            (p.try_push(1), p.try_push(2), p.try_push(3), p.try_push(4)),
            (Ok(()), Ok(()), Ok(()), Err(4))
        );
        assert_eq!(c.try_pop(), Some(1));
        assert_eq!(p.try_push(4), Ok(()));
        assert_eq!(
            (c.try_pop(), c.try_pop(), c.try_pop(), c.try_pop()),
            (Some(2), Some(3), Some(4), None)
        );
    }

    #[test]
    fn matches_a_model_queue() {
        checks::matches_a_model_queue(|capacity| {
            let (p, c) = fastforward_queue::<u64>(capacity);
            ((Box::new(p), Box::new(c)), 0)
        });
    }

    #[test]
    fn drops_what_is_left_and_sees_abandonment() {
        checks::drops_what_is_left_and_sees_abandonment(|capacity| {
            let (p, c) = fastforward_queue(capacity);
            (Box::new(p), Box::new(c))
        });
    }

    #[test]
    fn a_million_items_cross_threads_in_order() {
        checks::a_million_items_cross_threads_in_order(|capacity| {
            let (p, c) = fastforward_queue::<u64>(capacity);
            (Box::new(p), Box::new(c))
        });
    }
}
