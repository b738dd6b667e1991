//! The `lamport` queue design (LQ): Lamport's single-producer/single-consumer ring, the
//! reference design of Maffione et al.
//!
//! Every push reads the consumer's shared `head` and every pop reads the producer's shared
//! `tail`, so the cache line of the other side's index bounces between the two cores on every
//! operation: that is what makes LQ slow, and what the lazy and batched designs avoid. The batch
//! calls are the trait's item-by-item defaults (one publish per item). Storage, padding and
//! end of stream live in [`super::ring`].

use super::ring::LamportRing;
use super::sync::{Arc, Ordering};
use super::{Consumer, Producer};

/// The sending half of a `lamport` queue (built by [`spsc`](super::spsc)).
#[derive(Debug)]
pub struct LamportProducer<T> {
    ring: Arc<LamportRing<T>>,
}

/// The receiving half of a `lamport` queue (built by [`spsc`](super::spsc)).
#[derive(Debug)]
pub struct LamportConsumer<T> {
    ring: Arc<LamportRing<T>>,
}

/// Builds a Lamport queue holding `capacity` items (`capacity >= 1`, checked by the caller).
pub(crate) fn lamport_queue<T>(capacity: usize) -> (LamportProducer<T>, LamportConsumer<T>) {
    let ring = Arc::new(LamportRing::new(capacity));
    (LamportProducer { ring: ring.clone() }, LamportConsumer { ring })
}

impl<T: Send> Producer<T> for LamportProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        // Relaxed: only this thread stores `tail`.
        let tail = self.ring.tail.load(Ordering::Relaxed);
        // Acquire: pairs with the consumer's release store of `head`, so its read of the slot
        // we are about to reuse happens before our write.
        let head = self.ring.head.load(Ordering::Acquire);
        if self.ring.free_slots(head, tail) == 0 {
            return Err(item);
        }
        // SAFETY: we are the only producer, the slot is free (checked against an acquired
        // `head`), and `tail` is not published yet.
        unsafe { self.ring.write(tail, item) };
        // Release: the slot write happens before the consumer sees the new tail.
        self.ring.tail.store(tail.wrapping_add(1), Ordering::Release);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.is_consumer_gone()
    }
}

impl<T> Drop for LamportProducer<T> {
    fn drop(&mut self) {
        self.ring.mark_producer_gone();
    }
}

impl<T: Send> Consumer<T> for LamportConsumer<T> {
    #[inline]
    fn try_pop(&mut self) -> Option<T> {
        // Relaxed: only this thread stores `head`.
        let head = self.ring.head.load(Ordering::Relaxed);
        // Acquire: pairs with the producer's release store of `tail`, so the slot's item is
        // visible.
        let tail = self.ring.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        // SAFETY: we are the only consumer, the slot is full (checked against an acquired
        // `tail`), and `head + 1` is not published yet.
        let item = unsafe { self.ring.read(head) };
        // Release: our read of the slot happens before the producer reuses it.
        self.ring.head.store(head.wrapping_add(1), Ordering::Release);
        Some(item)
    }

    fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.ring.is_producer_gone()
    }
}

impl<T> Drop for LamportConsumer<T> {
    fn drop(&mut self) {
        self.ring.mark_consumer_gone();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn single_items_in_order_until_full_across_the_wrap() {
        let (mut p, mut c) = lamport_queue::<u64>(3);
        assert_eq!((Producer::capacity(&p), Consumer::capacity(&c)), (3, 3));
        for round in 0..5 {
            let base = round * 10;
            assert_eq!(p.try_push(base), Ok(()));
            assert_eq!(p.try_push(base + 1), Ok(()));
            assert_eq!(p.try_push(base + 2), Ok(()));
            assert_eq!(p.try_push(base + 3), Err(base + 3), "holds exactly 3");
            assert_eq!(c.try_pop(), Some(base));
            assert_eq!(c.try_pop(), Some(base + 1));
            assert_eq!(c.try_pop(), Some(base + 2));
            assert_eq!(c.try_pop(), None);
        }
    }
}
