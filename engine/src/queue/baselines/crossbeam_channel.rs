//! The `crossbeam-channel` baseline: a bounded [`crossbeam_channel`] (an array flavour much like
//! `ArrayQueue`, plus the waker bookkeeping that lets a blocked receiver sleep), used through its
//! non-blocking `try_send`/`try_recv`.

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::{BaselineConsumer, BaselineProducer, RecvHalf, SendHalf, baseline_pair};

/// The sending half of a `crossbeam-channel` queue.
pub type CrossbeamSender<T> = BaselineProducer<Sender<T>, T>;
/// The receiving half of a `crossbeam-channel` queue.
pub type CrossbeamReceiver<T> = BaselineConsumer<Receiver<T>, T>;

/// Builds a `crossbeam-channel` queue of `capacity` items (at least 1; the caller checked, and
/// 0 would make a rendezvous channel).
pub(crate) fn crossbeam_channel_queue<T: Send>(
    capacity: usize,
) -> (CrossbeamSender<T>, CrossbeamReceiver<T>) {
    let (send, recv) = bounded(capacity);
    baseline_pair(send, recv)
}

impl<T: Send> SendHalf<T> for Sender<T> {
    #[inline]
    fn try_send(&mut self, item: T) -> Result<(), T> {
        Sender::try_send(self, item).map_err(|e| match e {
            TrySendError::Full(item) | TrySendError::Disconnected(item) => item,
        })
    }

    fn capacity(&self) -> usize {
        Sender::capacity(self).unwrap_or(usize::MAX)
    }
}

impl<T: Send> RecvHalf<T> for Receiver<T> {
    #[inline]
    fn try_recv(&mut self) -> Option<T> {
        // Empty and disconnected alike mean nothing to pop now; the end of the stream is told
        // by `is_abandoned`, as for every design.
        Receiver::try_recv(self).ok()
    }

    fn capacity(&self) -> usize {
        Receiver::capacity(self).unwrap_or(usize::MAX)
    }
}
