//! The `lazy-lamport` queue design (LLQ): Lamport's ring where each side keeps a private copy
//! of the other side's index and re-reads the shared one only when the copy says "full" (for
//! the producer) or "empty" (for the consumer).
//!
//! While the queue is neither nearly full nor nearly empty, a push touches only the producer's
//! own line and the slot, and a pop only the consumer's: the other side's index line moves once
//! per refresh rather than once per item. Every successful call still publishes its own index
//! (one release per item); the batch calls are the trait's item-by-item defaults. Storage,
//! padding and end of stream live in [`super::ring`].

use super::ring::LamportRing;
use super::sync::{Arc, Ordering};
use super::{Consumer, Producer};

/// The sending half of a `lazy-lamport` queue (built by [`spsc`](super::spsc)).
#[derive(Debug)]
pub struct LazyLamportProducer<T> {
    ring: Arc<LamportRing<T>>,
    /// Items pushed so far: the producer's own copy of the shared `tail`.
    tail: usize,
    /// The consumer's `head` as last read; never ahead of the shared one.
    cached_head: usize,
}

/// The receiving half of a `lazy-lamport` queue (built by [`spsc`](super::spsc)).
#[derive(Debug)]
pub struct LazyLamportConsumer<T> {
    ring: Arc<LamportRing<T>>,
    /// Items popped so far: the consumer's own copy of the shared `head`.
    head: usize,
    /// The producer's `tail` as last read; never ahead of the shared one.
    cached_tail: usize,
}

/// Builds a lazy Lamport queue holding `capacity` items (`capacity >= 1`, checked by the
/// caller).
pub(crate) fn lazy_lamport_queue<T>(
    capacity: usize,
) -> (LazyLamportProducer<T>, LazyLamportConsumer<T>) {
    let ring = Arc::new(LamportRing::new(capacity));
    (
        LazyLamportProducer { ring: ring.clone(), tail: 0, cached_head: 0 },
        LazyLamportConsumer { ring, head: 0, cached_tail: 0 },
    )
}

impl<T: Send> Producer<T> for LazyLamportProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        if self.ring.free_slots(self.cached_head, self.tail) == 0 {
            // Acquire: pairs with the consumer's release store of `head`, so its reads of the
            // slots it freed happen before we overwrite them.
            self.cached_head = self.ring.head.load(Ordering::Acquire);
            if self.ring.free_slots(self.cached_head, self.tail) == 0 {
                return Err(item);
            }
        }
        // SAFETY: we are the only producer; the slot is free, since a stale `cached_head` only
        // under-counts free slots and was acquired when it was read; `tail` is unpublished.
        unsafe { self.ring.write(self.tail, item) };
        self.tail = self.tail.wrapping_add(1);
        // Release: the slot write happens before the consumer sees the new tail.
        self.ring.tail.store(self.tail, Ordering::Release);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.is_consumer_gone()
    }
}

impl<T> Drop for LazyLamportProducer<T> {
    fn drop(&mut self) {
        self.ring.mark_producer_gone();
    }
}

impl<T: Send> Consumer<T> for LazyLamportConsumer<T> {
    #[inline]
    fn try_pop(&mut self) -> Option<T> {
        if self.head == self.cached_tail {
            // Acquire: pairs with the producer's release store of `tail`, so the items up to
            // it are visible.
            self.cached_tail = self.ring.tail.load(Ordering::Acquire);
            if self.head == self.cached_tail {
                return None;
            }
        }
        // SAFETY: we are the only consumer; the slot is full, since a stale `cached_tail` only
        // under-counts full slots and was acquired when it was read; `head + 1` is unpublished.
        let item = unsafe { self.ring.read(self.head) };
        self.head = self.head.wrapping_add(1);
        // Release: our read of the slot happens before the producer reuses it.
        self.ring.head.store(self.head, Ordering::Release);
        Some(item)
    }

    fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.is_producer_gone()
    }
}

impl<T> Drop for LazyLamportConsumer<T> {
    fn drop(&mut self) {
        self.ring.mark_consumer_gone();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn stale_cached_indices_are_refreshed_when_they_say_full_or_empty() {
        let (mut p, mut c) = lazy_lamport_queue::<u64>(2);
        assert_eq!(c.try_pop(), None);
        assert_eq!((p.try_push(1), p.try_push(2), p.try_push(3)), (Ok(()), Ok(()), Err(3)));
        // The consumer's cache still says "empty": the pop must refresh it.
        assert_eq!(c.try_pop(), Some(1));
        // The producer's cache still says "full": the push must refresh it.
        assert_eq!(p.try_push(3), Ok(()));
        assert_eq!((c.try_pop(), c.try_pop(), c.try_pop()), (Some(2), Some(3), None));
    }
}
