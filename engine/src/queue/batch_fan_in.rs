//! A fan-in of batch channels: several threads each send pooled [`Batch`]es to one collector,
//! which receives them through a [`FanInReceiver`] (lanes or the shared baseline, see
//! [`fan_in`](super::fan_in())) and returns each to the pool of the thread that sent it.
//!
//! Each sender is an ordinary [`BatchSender`] with its own pool and recycle queue, so a
//! sending thread's code does not change with the fan-in; a batch travels with the number of
//! its sender's lane so the collector knows where to recycle it.

use super::batch::{Batch, BatchSender, checked_pool_size};
use super::fan_in::{FanInKind, FanInPoll, FanInReceiver, MAX_FAN_IN, fan_in};
use super::{Producer, QueueError, QueueKind, spsc};

/// A batch handle with the lane of the sender it came from.
type Tagged = (usize, Box<Batch>);

/// The forward half a [`BatchSender`] of a fan-in pushes to: tags each batch with the lane.
struct LaneTagger {
    lane: usize,
    inner: Box<dyn Producer<Tagged>>,
}

impl Producer<Box<Batch>> for LaneTagger {
    fn try_push(&mut self, batch: Box<Batch>) -> Result<(), Box<Batch>> {
        self.inner.try_push((self.lane, batch)).map_err(|(_, batch)| batch)
    }

    fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    fn is_abandoned(&self) -> bool {
        self.inner.is_abandoned()
    }
}

/// What one [`BatchFanInReceiver::recv`] found.
#[derive(Debug)]
#[must_use]
pub enum FanInRecv {
    /// A batch from the sender of lane `lane`; give it back with
    /// [`BatchFanInReceiver::recycle`].
    Batch {
        /// The sender's lane (its index in the senders [`batch_fan_in`] returned).
        lane: usize,
        /// The batch.
        batch: Box<Batch>,
    },
    /// Nothing right now; some sender is still alive.
    Empty,
    /// Every sender is gone and every batch they sent has been received.
    Finished,
}

/// The collector's end of a [`batch_fan_in`].
pub struct BatchFanInReceiver {
    fan: FanInReceiver<Tagged>,
    recycle: Vec<Box<dyn Producer<Box<Batch>>>>,
    /// The one batch a receive takes out; allocated once.
    got: Vec<Tagged>,
}

impl BatchFanInReceiver {
    /// The oldest batch of the next sender with one waiting (lanes are polled in turn).
    pub fn recv(&mut self) -> FanInRecv {
        match self.fan.pop_into(&mut self.got, 1) {
            FanInPoll::Got(_) => match self.got.pop() {
                Some((lane, batch)) => FanInRecv::Batch { lane, batch },
                None => FanInRecv::Empty,
            },
            FanInPoll::Empty => FanInRecv::Empty,
            FanInPoll::Finished => FanInRecv::Finished,
        }
    }

    /// Returns a batch to the pool of lane `lane`'s sender. A batch that does not fit there
    /// (a foreign one, or a wrong lane) is freed.
    pub fn recycle(&mut self, lane: usize, batch: Box<Batch>) {
        if let Some(recycle) = self.recycle.get_mut(lane) {
            // A refused batch can only be a foreign one; dropping it frees it.
            let _ = recycle.try_push(batch);
        }
    }

    /// How many senders feed this receiver.
    pub fn senders(&self) -> usize {
        self.recycle.len()
    }

    /// The fan-in design.
    pub fn kind(&self) -> FanInKind {
        self.fan.kind()
    }
}

/// Builds a fan-in of `senders` batch senders to one collector. Each sender has a pool of
/// `capacity + POOL_SLACK` batches of up to `batch` records; its forward lane holds `capacity`
/// batches (the shared queue of [`FanInKind::Shared`] holds `senders * capacity`). Lanes and
/// recycle queues are of design `queue`.
///
/// # Errors
/// [`QueueError::InvalidProducers`] unless `1 <= senders <= MAX_FAN_IN`; otherwise as
/// [`batch_channel`](super::batch_channel), with every pool counted against
/// [`MAX_POOL_RECORDS`](super::batch::MAX_POOL_RECORDS).
pub fn batch_fan_in(
    kind: FanInKind,
    queue: QueueKind,
    senders: usize,
    capacity: usize,
    batch: usize,
) -> Result<(Vec<BatchSender>, BatchFanInReceiver), QueueError> {
    if !(1..=MAX_FAN_IN).contains(&senders) {
        return Err(QueueError::InvalidProducers { producers: senders });
    }
    let pool_size = checked_pool_size(capacity, batch, senders)?;
    let (forwards, fan) = fan_in::<Tagged>(kind, queue, senders, capacity)?;
    let mut out = Vec::with_capacity(senders);
    let mut recycle = Vec::with_capacity(senders);
    for (lane, inner) in forwards.into_iter().enumerate() {
        let (recycle_tx, recycle_rx) = spsc::<Box<Batch>>(queue, pool_size)?;
        let forward = Box::new(LaneTagger { lane, inner });
        out.push(BatchSender::with_queues(forward, recycle_rx, pool_size, batch));
        recycle.push(recycle_tx);
    }
    Ok((out, BatchFanInReceiver { fan, recycle, got: Vec::with_capacity(1) }))
}
