//! The bounded multi-producer/single-consumer baseline of a fan-in: every producer pushes into
//! one shared crossbeam [`ArrayQueue`] (Vyukov's array queue: a compare-and-swap on the shared
//! tail per push), and the consumer pops from it. [`fan_in`](super::fan_in) builds it; the
//! stream ends when the last producer is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_queue::ArrayQueue;

use super::{Consumer, Producer};

/// What the producers and the consumer of a [`SharedQueue`] share.
#[derive(Debug)]
struct Shared<T> {
    queue: ArrayQueue<T>,
    /// Producers not dropped yet.
    live_producers: AtomicUsize,
    consumer_gone: AtomicBool,
}

/// One producer of a bounded multi-producer queue.
#[derive(Debug)]
pub struct SharedQueueProducer<T> {
    shared: Arc<Shared<T>>,
}

/// The consumer of a bounded multi-producer queue.
#[derive(Debug)]
pub struct SharedQueueConsumer<T> {
    shared: Arc<Shared<T>>,
}

/// A bounded queue of `capacity` items shared by `producers` producers and one consumer.
/// The caller checked `capacity >= 1`.
pub(crate) fn shared_queue<T: Send>(
    producers: usize,
    capacity: usize,
) -> (Vec<SharedQueueProducer<T>>, SharedQueueConsumer<T>) {
    let shared = Arc::new(Shared {
        queue: ArrayQueue::new(capacity),
        live_producers: AtomicUsize::new(producers),
        consumer_gone: AtomicBool::new(false),
    });
    let senders = (0..producers).map(|_| SharedQueueProducer { shared: shared.clone() }).collect();
    (senders, SharedQueueConsumer { shared })
}

impl<T: Send> Producer<T> for SharedQueueProducer<T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        self.shared.queue.push(item)
    }

    fn capacity(&self) -> usize {
        self.shared.queue.capacity()
    }

    fn is_abandoned(&self) -> bool {
        // Acquire: pairs with the consumer's release store in its drop.
        self.shared.consumer_gone.load(Ordering::Acquire)
    }
}

impl<T: Send> Consumer<T> for SharedQueueConsumer<T> {
    #[inline]
    fn try_pop(&mut self) -> Option<T> {
        self.shared.queue.pop()
    }

    fn capacity(&self) -> usize {
        self.shared.queue.capacity()
    }

    /// True once every producer has been dropped.
    fn is_abandoned(&self) -> bool {
        // Acquire: reading 0 synchronises with the release decrement of every producer's drop
        // (a release sequence on one counter), so all their pushes are visible to later pops.
        self.shared.live_producers.load(Ordering::Acquire) == 0
    }
}

impl<T> Drop for SharedQueueProducer<T> {
    fn drop(&mut self) {
        // Release: this producer's pushes happen before the consumer's acquire load that
        // sees the count reach 0.
        self.shared.live_producers.fetch_sub(1, Ordering::Release);
    }
}

impl<T> Drop for SharedQueueConsumer<T> {
    fn drop(&mut self) {
        // Release: pairs with the producers' acquire loads in `is_abandoned`.
        self.shared.consumer_gone.store(true, Ordering::Release);
    }
}
