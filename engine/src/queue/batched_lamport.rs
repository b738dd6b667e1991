//! The `batched-lamport` queue design (BLQ): Lamport's ring with private indices on each side,
//! published once per batch.
//!
//! [`Producer::push_from`] writes the whole prefix that fits and publishes `tail` once;
//! [`Consumer::pop_into`] reads up to `max` items and publishes `head` once. Each side re-reads
//! the other side's index only when its cached copy shows too little room (or too few items)
//! for the whole batch. Single-item [`Producer::try_push`] and [`Consumer::try_pop`] still
//! publish on every call, as the traits demand. Storage, padding and end of stream live in
//! [`super::ring`].

use super::ring::LamportRing;
use super::sync::{Arc, Ordering};
use super::{Consumer, Producer};

/// The sending half of a `batched-lamport` queue (built by [`spsc`](super::spsc)).
#[derive(Debug)]
pub struct BatchedLamportProducer<T> {
    ring: Arc<LamportRing<T>>,
    /// Items pushed so far: the producer's private index, published after each call.
    tail: usize,
    /// The consumer's `head` as last read; never ahead of the shared one.
    cached_head: usize,
}

/// The receiving half of a `batched-lamport` queue (built by [`spsc`](super::spsc)).
#[derive(Debug)]
pub struct BatchedLamportConsumer<T> {
    ring: Arc<LamportRing<T>>,
    /// Items popped so far: the consumer's private index, published after each call.
    head: usize,
    /// The producer's `tail` as last read; never ahead of the shared one.
    cached_tail: usize,
}

/// Builds a batched Lamport queue holding `capacity` items (`capacity >= 1`, checked by the
/// caller).
pub(crate) fn batched_lamport_queue<T>(
    capacity: usize,
) -> (BatchedLamportProducer<T>, BatchedLamportConsumer<T>) {
    let ring = Arc::new(LamportRing::new(capacity));
    (
        BatchedLamportProducer { ring: ring.clone(), tail: 0, cached_head: 0 },
        BatchedLamportConsumer { ring, head: 0, cached_tail: 0 },
    )
}

impl<T> BatchedLamportProducer<T> {
    /// Free slots for up to `wanted` items, re-reading the consumer's `head` only when the
    /// cached copy shows fewer than `wanted`.
    #[inline]
    fn free_slots_for(&mut self, wanted: usize) -> usize {
        let free = self.ring.free_slots(self.cached_head, self.tail);
        if free >= wanted {
            return free;
        }
        // Acquire: pairs with the consumer's release store of `head`, so its reads of the slots
        // it freed happen before we overwrite them.
        self.cached_head = self.ring.head.load(Ordering::Acquire);
        self.ring.free_slots(self.cached_head, self.tail)
    }

    /// Publishes the private `tail`. Release: every slot written since the last publish happens
    /// before the consumer sees the new tail.
    #[inline]
    fn publish(&self) {
        self.ring.tail.store(self.tail, Ordering::Release);
    }
}

impl<T: Send> Producer<T> for BatchedLamportProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        if self.free_slots_for(1) == 0 {
            return Err(item);
        }
        // SAFETY: we are the only producer; the slot is free (checked against an acquired
        // `head`, stale copies only under-count); `tail` is unpublished.
        unsafe { self.ring.write(self.tail, item) };
        self.tail = self.tail.wrapping_add(1);
        self.publish();
        Ok(())
    }

    fn push_from(&mut self, items: &mut Vec<T>) -> usize {
        if items.is_empty() {
            return 0;
        }
        let count = self.free_slots_for(items.len()).min(items.len());
        if count == 0 {
            return 0;
        }
        // SAFETY: as in `try_push`: `count` slots from `tail` on are free and unpublished, and
        // `count <= items.len()`.
        unsafe { self.ring.write_from(self.tail, items, count) };
        self.tail = self.tail.wrapping_add(count);
        self.publish();
        count
    }

    fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.is_consumer_gone()
    }
}

impl<T> Drop for BatchedLamportProducer<T> {
    fn drop(&mut self) {
        self.ring.mark_producer_gone();
    }
}

impl<T> BatchedLamportConsumer<T> {
    /// Items ready to pop, up to `wanted`, re-reading the producer's `tail` only when the
    /// cached copy shows fewer than `wanted`.
    #[inline]
    fn ready_items_for(&mut self, wanted: usize) -> usize {
        let ready = self.cached_tail.wrapping_sub(self.head);
        if ready >= wanted {
            return ready;
        }
        // Acquire: pairs with the producer's release store of `tail`, so the items up to it are
        // visible.
        self.cached_tail = self.ring.tail.load(Ordering::Acquire);
        self.cached_tail.wrapping_sub(self.head)
    }

    /// Publishes the private `head`. Release: our reads of every slot freed since the last
    /// publish happen before the producer reuses them.
    #[inline]
    fn publish(&self) {
        self.ring.head.store(self.head, Ordering::Release);
    }
}

impl<T: Send> Consumer<T> for BatchedLamportConsumer<T> {
    #[inline]
    fn try_pop(&mut self) -> Option<T> {
        if self.ready_items_for(1) == 0 {
            return None;
        }
        // SAFETY: we are the only consumer; the slot is full (checked against an acquired
        // `tail`, stale copies only under-count); `head + 1` is unpublished.
        let item = unsafe { self.ring.read(self.head) };
        self.head = self.head.wrapping_add(1);
        self.publish();
        Some(item)
    }

    fn pop_into(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        if max == 0 {
            return 0;
        }
        let count = self.ready_items_for(max).min(max);
        if count == 0 {
            return 0;
        }
        // SAFETY: as in `try_pop`: `count` slots from `head` on are full and unpublished.
        unsafe { self.ring.read_into(self.head, out, count) };
        self.head = self.head.wrapping_add(count);
        self.publish();
        count
    }

    fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.is_producer_gone()
    }
}

impl<T> Drop for BatchedLamportConsumer<T> {
    fn drop(&mut self) {
        self.ring.mark_consumer_gone();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn batches_move_the_prefix_that_fits_across_the_wrap() {
        let (mut p, mut c) = batched_lamport_queue::<u64>(4);
        assert_eq!(p.push_from(&mut vec![1, 2, 3]), 3);
        let mut out = Vec::new();
        assert_eq!(c.pop_into(&mut out, 2), 2);
        let mut items = vec![4, 5, 6, 7];
        assert_eq!(p.push_from(&mut items), 3, "three free slots, wrapping around");
        assert_eq!(items, vec![7]);
        assert_eq!(p.push_from(&mut items), 0);
        assert_eq!(c.pop_into(&mut out, 100), 4);
        assert_eq!(out, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!((c.pop_into(&mut out, 100), c.pop_into(&mut out, 0)), (0, 0));
        assert_eq!(p.push_from(&mut Vec::new()), 0);
    }

    #[test]
    fn block_copies_move_owned_items_across_the_wrap() {
        // Strings, so that a double drop or a leak shows under Miri.
        let strings = |range: std::ops::Range<u32>| -> Vec<String> {
            range.map(|i| format!("item {i}")).collect()
        };
        let (mut p, mut c) = batched_lamport_queue::<String>(4);
        let mut out = Vec::new();
        for round in 0..3 {
            // Five in each round: the runs start at slots 0, 1 and 2, and the last two wrap.
            let mut items = strings(round * 3..round * 3 + 5);
            assert_eq!(p.push_from(&mut items), 4);
            assert_eq!(items, strings(round * 3 + 4..round * 3 + 5), "the refused one stays");
            assert_eq!(c.pop_into(&mut out, 3), 3);
            assert_eq!(c.pop_into(&mut out, 1), 1);
            assert_eq!(out, strings(round * 3..round * 3 + 4));
            out.clear();
            assert_eq!(p.push_from(&mut items), 1);
            assert_eq!(c.pop_into(&mut out, 9), 1);
            out.clear();
        }
        // Two left in the ring when both halves drop.
        assert_eq!(p.push_from(&mut strings(0..2)), 2);
    }
}
