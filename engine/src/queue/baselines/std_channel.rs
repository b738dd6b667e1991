//! The `std-sync-channel` baseline: [`std::sync::mpsc::sync_channel`], the standard library's
//! bounded multi-producer channel (crossbeam's array flavour since Rust 1.67), used through its
//! non-blocking `try_send`/`try_recv`.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use super::{BaselineConsumer, BaselineProducer, RecvHalf, SendHalf, baseline_pair};

/// The sending half of a `std-sync-channel` queue.
pub type StdSender<T> = BaselineProducer<SizedSender<T>, T>;
/// The receiving half of a `std-sync-channel` queue.
pub type StdReceiver<T> = BaselineConsumer<SizedReceiver<T>, T>;

/// A [`SyncSender`] with the capacity it was built with (std does not report it).
#[derive(Debug)]
pub struct SizedSender<T> {
    inner: SyncSender<T>,
    capacity: usize,
}

/// A [`Receiver`] with the capacity its channel was built with.
#[derive(Debug)]
pub struct SizedReceiver<T> {
    inner: Receiver<T>,
    capacity: usize,
}

/// Builds a `std-sync-channel` queue of `capacity` items (at least 1; the caller checked, and
/// 0 would make a rendezvous channel).
pub(crate) fn std_sync_channel_queue<T: Send>(capacity: usize) -> (StdSender<T>, StdReceiver<T>) {
    let (send, recv) = sync_channel(capacity);
    baseline_pair(SizedSender { inner: send, capacity }, SizedReceiver { inner: recv, capacity })
}

impl<T: Send> SendHalf<T> for SizedSender<T> {
    #[inline]
    fn try_send(&mut self, item: T) -> Result<(), T> {
        self.inner.try_send(item).map_err(|e| match e {
            TrySendError::Full(item) | TrySendError::Disconnected(item) => item,
        })
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}

impl<T: Send> RecvHalf<T> for SizedReceiver<T> {
    #[inline]
    fn try_recv(&mut self) -> Option<T> {
        // Empty and disconnected alike mean nothing to pop now; the end of the stream is told
        // by `is_abandoned`, as for every design.
        self.inner.try_recv().ok()
    }

    fn capacity(&self) -> usize {
        self.capacity
    }
}
