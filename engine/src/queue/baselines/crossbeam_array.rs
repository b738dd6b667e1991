//! The `crossbeam-array` baseline: crossbeam's [`ArrayQueue`], Vyukov's bounded
//! multi-producer/multi-consumer array queue (a sequence stamp per slot, a compare-and-swap on
//! the shared head or tail per operation), used here by one producer and one consumer.

use std::sync::Arc;

use crossbeam_queue::ArrayQueue;

use super::{BaselineConsumer, BaselineProducer, RecvHalf, SendHalf, baseline_pair};

/// The sending half of a `crossbeam-array` queue.
pub type ArrayQueueSender<T> = BaselineProducer<ArrayHalf<T>, T>;
/// The receiving half of a `crossbeam-array` queue.
pub type ArrayQueueReceiver<T> = BaselineConsumer<ArrayHalf<T>, T>;

/// One side's handle on the shared [`ArrayQueue`].
#[derive(Debug)]
pub struct ArrayHalf<T>(Arc<ArrayQueue<T>>);

/// Builds a `crossbeam-array` queue of `capacity` items (at least 1; the caller checked).
pub(crate) fn crossbeam_array_queue<T: Send>(
    capacity: usize,
) -> (ArrayQueueSender<T>, ArrayQueueReceiver<T>) {
    let queue = Arc::new(ArrayQueue::new(capacity));
    baseline_pair(ArrayHalf(queue.clone()), ArrayHalf(queue))
}

impl<T: Send> SendHalf<T> for ArrayHalf<T> {
    #[inline]
    fn try_send(&mut self, item: T) -> Result<(), T> {
        self.0.push(item)
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<T: Send> RecvHalf<T> for ArrayHalf<T> {
    #[inline]
    fn try_recv(&mut self) -> Option<T> {
        self.0.pop()
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}
