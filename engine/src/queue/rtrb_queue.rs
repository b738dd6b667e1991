//! The `rtrb` queue design: [`rtrb::RingBuffer`], a lock-free SPSC array ring with cached
//! indices, behind the engine's [`Producer`] and [`Consumer`] traits.
//!
//! The batch calls use rtrb's chunk API, so [`Producer::push_from`] and
//! [`Consumer::pop_into`] publish (or free) all their items with one atomic store.

use rtrb::chunks::ChunkError;
use rtrb::{PushError, RingBuffer};

use super::{Consumer, Producer};

/// The sending half of an `rtrb` queue.
#[derive(Debug)]
pub struct RtrbProducer<T> {
    inner: rtrb::Producer<T>,
}

/// The receiving half of an `rtrb` queue.
#[derive(Debug)]
pub struct RtrbConsumer<T> {
    inner: rtrb::Consumer<T>,
}

/// Builds an `rtrb` queue holding `capacity` items. The caller has checked `capacity`
/// (rtrb panics above `usize::MAX / 2`).
pub(crate) fn rtrb_queue<T>(capacity: usize) -> (RtrbProducer<T>, RtrbConsumer<T>) {
    let (inner_p, inner_c) = RingBuffer::new(capacity);
    (RtrbProducer { inner: inner_p }, RtrbConsumer { inner: inner_c })
}

impl<T: Send> Producer<T> for RtrbProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        self.inner.push(item).map_err(|PushError::Full(item)| item)
    }

    fn push_from(&mut self, items: &mut Vec<T>) -> usize {
        // Ask for every item first: rtrb checks its cached head, refreshes it only when the
        // cache says "too few", and then reports exactly how many slots are free.
        let chunk = match self.inner.write_chunk_uninit(items.len()) {
            Ok(chunk) => chunk,
            Err(ChunkError::TooFewSlots(0)) => return 0,
            // The free slots can only grow while we hold the producer, so this succeeds.
            Err(ChunkError::TooFewSlots(free)) => match self.inner.write_chunk_uninit(free) {
                Ok(chunk) => chunk,
                Err(_) => return 0,
            },
        };
        let n = chunk.len();
        // `fill_from_iter` moves exactly `n` items (the chunk's length) and commits them with
        // one release store; the drain then shifts the rest of `items` to the front.
        chunk.fill_from_iter(items.drain(..n))
    }

    fn capacity(&self) -> usize {
        self.inner.buffer().capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.inner.is_abandoned()
    }
}

impl<T: Send> Consumer<T> for RtrbConsumer<T> {
    #[inline]
    fn try_pop(&mut self) -> Option<T> {
        self.inner.pop().ok()
    }

    fn pop_into(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let chunk = match self.inner.read_chunk(max) {
            Ok(chunk) => chunk,
            Err(ChunkError::TooFewSlots(0)) => return 0,
            // The filled slots can only grow while we hold the consumer, so this succeeds.
            Err(ChunkError::TooFewSlots(ready)) => match self.inner.read_chunk(ready) {
                Ok(chunk) => chunk,
                Err(_) => return 0,
            },
        };
        let n = chunk.len();
        // Moving every item out of the chunk's iterator frees all `n` slots with one release
        // store when the iterator drops at the end of `extend`.
        out.extend(chunk);
        n
    }

    fn capacity(&self) -> usize {
        self.inner.buffer().capacity()
    }

    fn is_abandoned(&self) -> bool {
        // rtrb 0.4 sets the flag with a release `fetch_or` when the producer drops and reads
        // it with an acquire load here, so everything pushed before the drop is visible.
        self.inner.is_abandoned()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn single_items_in_order_until_full() {
        let (mut p, mut c) = rtrb_queue::<u64>(3);
        assert_eq!(Producer::capacity(&p), 3);
        assert_eq!(Consumer::capacity(&c), 3);
        assert_eq!(p.try_push(1), Ok(()));
        assert_eq!(p.try_push(2), Ok(()));
        assert_eq!(p.try_push(3), Ok(()));
        assert_eq!(p.try_push(4), Err(4));
        assert_eq!(c.try_pop(), Some(1));
        assert_eq!(p.try_push(4), Ok(()));
        assert_eq!(
            (c.try_pop(), c.try_pop(), c.try_pop(), c.try_pop()),
            (Some(2), Some(3), Some(4), None)
        );
    }

    #[test]
    fn batch_calls_move_what_fits_across_the_wrap() {
        let (mut p, mut c) = rtrb_queue::<u64>(4);
        let mut items = vec![1, 2, 3];
        assert_eq!(p.push_from(&mut items), 3);
        let mut out = Vec::new();
        assert_eq!(c.pop_into(&mut out, 2), 2);
        // Three slots are free, one at the end of the array and two at its start: the next push
        // wraps around.
        let mut items = vec![4, 5, 6, 7];
        assert_eq!(p.push_from(&mut items), 3);
        assert_eq!(items, vec![7]);
        assert_eq!(p.push_from(&mut items), 0);
        assert_eq!(items, vec![7]);
        assert_eq!(c.pop_into(&mut out, 100), 4);
        assert_eq!(out, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(c.pop_into(&mut out, 100), 0);
        assert_eq!(p.push_from(&mut Vec::new()), 0);
        assert_eq!(c.pop_into(&mut out, 0), 0);
    }

    #[test]
    fn abandonment_is_seen_on_both_sides() {
        let (mut p, mut c) = rtrb_queue::<String>(2);
        assert!(!Producer::is_abandoned(&p));
        assert!(!Consumer::is_abandoned(&c));
        assert_eq!(p.try_push("last".to_owned()), Ok(()));
        drop(p);
        assert!(Consumer::is_abandoned(&c));
        assert_eq!(c.try_pop().as_deref(), Some("last"));
        assert_eq!(c.try_pop(), None);

        let (p, c) = rtrb_queue::<String>(2);
        drop(c);
        assert!(Producer::is_abandoned(&p));
    }
}
