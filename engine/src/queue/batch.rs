//! Pooled batches of records and the channel that carries them between two threads.
//!
//! A [`Batch`] holds up to B [`PacketRecord`]s in storage that never reallocates. A
//! [`batch_channel`] owns a pool of batches allocated when it is built: the [`BatchSender`]
//! [acquires](BatchSender::acquire) an empty batch, fills it and [sends](BatchSender::send) the
//! 8-byte `Box<Batch>` handle forward; the [`BatchReceiver`] [receives](BatchReceiver::recv)
//! it, reads it and [recycles](BatchReceiver::recycle) it onto a second queue that returns it
//! to the sender. Nothing allocates after the channel is built, and an exhausted pool is
//! backpressure: `acquire` returns `None` until the receiver recycles.
//!
//! ```
//! use engine::queue::{QueueKind, Recv, batch_channel};
//! use wire::PacketRecord;
//!
//! let (mut tx, mut rx) = batch_channel(QueueKind::Rtrb, 4, 32).unwrap();
//! let mut batch = tx.acquire().expect("the pool starts full");
//! batch.push(PacketRecord::default());
//! tx.send(batch).unwrap();
//! drop(tx); // end of stream
//!
//! let mut records = 0;
//! loop {
//!     match rx.recv() {
//!         Recv::Batch(batch) => {
//!             records += batch.len();
//!             rx.recycle(batch);
//!         }
//!         Recv::Empty => std::hint::spin_loop(),
//!         Recv::Finished => break,
//!     }
//! }
//! assert_eq!(records, 1);
//! ```
//!
//! [`FlushPolicy`](super::FlushPolicy) tells the sender when a partial batch has waited long enough to go.
//!
//! # Blocking
//! A channel built by [`batch_channel_with`] for [`WaitStrategy::Block`] gives each half a
//! doorbell the other half rings: the sender after each publish and when dropped, the receiver
//! after each batch it takes or recycles and when dropped. A half with nothing to do sleeps on
//! its own doorbell ([`BatchReceiver::wait_for_input`], [`BatchSender::wait_for_batch`],
//! [`BatchSender::send_or_wait`]) until rung. Built for another strategy, a channel has no
//! doorbells and ringing costs nothing.

use std::time::Duration;

use wire::PacketRecord;

use super::doorbell::Doorbell;
use super::sync::Arc;
use super::wait::{Pause, WaitStrategy};
use super::{
    Consumer, MAX_BATCH, MAX_CAPACITY, Polled, Producer, QueueError, QueueKind, poll, spsc,
};

/// Batches in a channel's pool beyond the forward queue's capacity: one the sender is filling
/// and one the receiver is reading while the queue is full.
pub const POOL_SLACK: usize = 2;

/// The most records a channel's pool may hold in all (`(capacity + POOL_SLACK) * batch`):
/// 16 Mi records, 1 GiB.
pub const MAX_POOL_RECORDS: usize = 1 << 24;

/// The default batch size: the best batch Jetstream measured (`ANCHORS.md`).
pub const DEFAULT_BATCH: usize = 64;

/// The default flush timeout for a partial batch: 100 µs.
pub const DEFAULT_FLUSH_TIMEOUT_NS: u64 = 100_000;

/// Up to B records, in storage allocated once: pushing never reallocates.
#[derive(Debug)]
pub struct Batch {
    /// Allocated with capacity `limit`; `len() <= limit` always.
    records: Vec<PacketRecord>,
    /// B, the most records this batch takes.
    limit: usize,
    /// When the batch's earliest record was scheduled for release (ns on the engine clock),
    /// for latency sampling. Set by whoever fills the batch; 0 means unset. The queue layer
    /// never reads it; [`Batch::clear`] and [`BatchSender::acquire`] zero it.
    pub released_ns: u64,
    /// The sender's watermark when it published the batch: every record it sends later has an
    /// event time at least this (0: none yet). Set by the filler; [`Batch::clear`] zeroes it.
    pub watermark_ns: u64,
    /// When (engine clock) the record that set the watermark was released at its ring.
    pub watermark_clock_ns: u64,
    /// Release time of the batch's first latency sample (0: none noted), which may be later
    /// than [`Batch::released_ns`]. Set by the filler; [`Batch::clear`] zeroes it.
    pub sample_released_ns: u64,
}

impl Batch {
    /// An empty batch that holds up to `capacity` records, allocated now.
    pub fn new(capacity: usize) -> Self {
        Batch {
            records: Vec::with_capacity(capacity),
            limit: capacity,
            released_ns: 0,
            watermark_ns: 0,
            watermark_clock_ns: 0,
            sample_released_ns: 0,
        }
    }

    /// The most records this batch holds (B).
    pub fn capacity(&self) -> usize {
        self.limit
    }

    /// How many records the batch holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the batch holds no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// True when the batch holds [`Batch::capacity`] records.
    pub fn is_full(&self) -> bool {
        self.records.len() >= self.limit
    }

    /// Appends one record.
    ///
    /// # Panics
    /// If the batch is full: check [`Batch::is_full`] first, or use [`Batch::try_push`].
    #[inline]
    pub fn push(&mut self, record: PacketRecord) {
        assert!(!self.is_full(), "Batch::push on a full batch of {} records", self.limit);
        self.records.push(record);
    }

    /// Appends one record, or gives it back as `Err(record)` when the batch is full.
    #[inline]
    pub fn try_push(&mut self, record: PacketRecord) -> Result<(), PacketRecord> {
        if self.is_full() {
            return Err(record);
        }
        self.records.push(record);
        Ok(())
    }

    /// Copies as many records from the front of `records` as fit; returns how many.
    pub fn extend_from_slice(&mut self, records: &[PacketRecord]) -> usize {
        let n = records.len().min(self.limit - self.records.len());
        self.records.extend_from_slice(&records[..n]);
        n
    }

    /// The release time latency samples of this batch are measured from: the first sample's
    /// own when noted, else the batch's.
    pub fn sample_release(&self) -> u64 {
        if self.sample_released_ns != 0 { self.sample_released_ns } else { self.released_ns }
    }

    /// Removes every record and zeroes [`Batch::released_ns`], the watermark and the sample
    /// time; keeps the storage.
    pub fn clear(&mut self) {
        self.records.clear();
        self.released_ns = 0;
        self.watermark_ns = 0;
        self.watermark_clock_ns = 0;
        self.sample_released_ns = 0;
    }

    /// The records, oldest first.
    pub fn iter(&self) -> std::slice::Iter<'_, PacketRecord> {
        self.records.iter()
    }

    /// The records, oldest first.
    pub fn as_slice(&self) -> &[PacketRecord] {
        &self.records
    }

    /// The records, oldest first, for rewriting in place.
    pub fn as_mut_slice(&mut self) -> &mut [PacketRecord] {
        &mut self.records
    }
}

impl<'a> IntoIterator for &'a Batch {
    type Item = &'a PacketRecord;
    type IntoIter = std::slice::Iter<'a, PacketRecord>;

    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

/// What one [`BatchReceiver::recv`] found.
#[derive(Debug)]
#[must_use]
pub enum Recv {
    /// The oldest batch the sender sent. Give it back with [`BatchReceiver::recycle`].
    Batch(Box<Batch>),
    /// Nothing right now; the sender is still alive.
    Empty,
    /// The sender has been dropped and every batch it sent has been received. Every later
    /// `recv` returns `Finished` too.
    Finished,
}

/// The two doorbells one half of a [`WaitStrategy::Block`] channel uses.
struct Bells {
    /// This half sleeps on it; the other half rings it.
    mine: Arc<Doorbell>,
    /// The other half sleeps on it; this half rings it.
    peer: Arc<Doorbell>,
}

impl Drop for Bells {
    /// A half's drop ends its side of the channel (end of stream, or nobody left to recycle):
    /// the other half may be asleep waiting for exactly that.
    fn drop(&mut self) {
        self.peer.ring();
    }
}

/// Rings the other half's doorbell, where the channel has doorbells.
fn ring(bells: &Option<Bells>) {
    if let Some(bells) = bells {
        bells.peer.ring();
    }
}

/// The sending half of a [`batch_channel`]; owns the pool's free batches.
pub struct BatchSender {
    forward: Box<dyn Producer<Box<Batch>>>,
    recycled: Box<dyn Consumer<Box<Batch>>>,
    /// Free batches; allocated with capacity `pool_size`, so refilling it never reallocates.
    /// Boxed because the handles, not the batches, travel on the queues.
    #[allow(clippy::vec_box)]
    free: Vec<Box<Batch>>,
    pool_size: usize,
    batch: usize,
    /// The doorbells of a `Block` channel. Declared last on purpose: fields drop in declaration
    /// order, so `forward` drops (ending the stream) before `Bells`' drop rings the receiver,
    /// and a receiver woken by that ring sees the end of the stream when it re-checks.
    bells: Option<Bells>,
}

/// Moves every batch recycled so far into the free list (one queue operation) when it is
/// empty; true when a free batch is at hand.
#[allow(clippy::vec_box)]
fn refill(free: &mut Vec<Box<Batch>>, recycled: &mut dyn Consumer<Box<Batch>>) -> bool {
    if free.is_empty() {
        let room = free.capacity();
        recycled.pop_into(free, room);
    }
    !free.is_empty()
}

impl BatchSender {
    /// An empty batch (length 0, `released_ns` 0) from the pool, or `None` while every batch
    /// is queued or held by the receiver: backpressure, try again after a snooze (or
    /// [`BatchSender::wait_for_batch`]).
    ///
    /// Takes a free batch, or else moves every batch the receiver has recycled so far into the
    /// free list (one queue operation) and takes one of those.
    pub fn acquire(&mut self) -> Option<Box<Batch>> {
        refill(&mut self.free, &mut *self.recycled);
        let mut batch = self.free.pop()?;
        batch.clear();
        Some(batch)
    }

    /// Sends a batch to the receiver, or gives it back as `Err(batch)` when the forward queue
    /// is full (backpressure: keep it and try again after a snooze, or use
    /// [`BatchSender::send_or_wait`]). On a `Block` channel a send rings the receiver.
    pub fn send(&mut self, batch: Box<Batch>) -> Result<(), Box<Batch>> {
        self.forward.try_push(batch)?;
        ring(&self.bells);
        Ok(())
    }

    /// Sends a batch; while the forward queue is full, sleeps on this half's doorbell until the
    /// receiver takes a batch (it rings), the receiver is gone, `max_wait` passes (`None`: no
    /// limit), or a spurious wake-up. Gives the batch back as `Err(batch)` when it still could
    /// not be sent: check [`BatchSender::is_receiver_gone`] and call again.
    ///
    /// On a channel without doorbells (not built for `Block`) the sleep is a park of at most
    /// `max_wait` and [`BLOCK_PARK_TIMEOUT`](super::wait::BLOCK_PARK_TIMEOUT).
    pub fn send_or_wait(
        &mut self,
        batch: Box<Batch>,
        max_wait: Option<Duration>,
    ) -> Result<(), Box<Batch>> {
        let mut pending = self.send(batch).err();
        if pending.is_none() {
            return Ok(());
        }
        match &self.bells {
            Some(bells) => {
                let forward = &mut self.forward;
                // The re-check is the send itself: room freed before the announcement is
                // used at once.
                bells.mine.sleep(
                    || match pending.take().map(|batch| forward.try_push(batch)) {
                        Some(Ok(())) | None => true,
                        Some(Err(back)) => {
                            pending = Some(back);
                            forward.is_abandoned()
                        }
                    },
                    max_wait,
                );
            }
            None => Pause::Sleep(max_wait).carry_out(),
        }
        match pending {
            // Sent by the re-check: publish done, ring as `send` does.
            None => {
                ring(&self.bells);
                Ok(())
            }
            // Rung, timed out or woken early: one more try.
            Some(batch) => self.send(batch),
        }
    }

    /// Sleeps on this half's doorbell until the receiver recycles a batch (it rings), the
    /// receiver is gone, `max_wait` passes (`None`: no limit), or a spurious wake-up; returns
    /// at once when a batch is free. Then [`BatchSender::acquire`] again.
    ///
    /// On a channel without doorbells (not built for `Block`) the sleep is a park of at most
    /// `max_wait` and [`BLOCK_PARK_TIMEOUT`](super::wait::BLOCK_PARK_TIMEOUT).
    pub fn wait_for_batch(&mut self, max_wait: Option<Duration>) {
        let BatchSender { forward, recycled, free, bells, .. } = self;
        match bells {
            Some(bells) => bells
                .mine
                .sleep(|| refill(free, &mut **recycled) || forward.is_abandoned(), max_wait),
            None => Pause::Sleep(max_wait).carry_out(),
        }
    }

    /// Returns an acquired batch that will not be sent (for instance an empty one at the end
    /// of a stream) to the free list.
    pub fn put_back(&mut self, batch: Box<Batch>) {
        self.free.push(batch);
    }

    /// True once the receiver has been dropped: nothing sent from now on will be read.
    pub fn is_receiver_gone(&self) -> bool {
        self.forward.is_abandoned()
    }

    /// True when the channel was built for [`WaitStrategy::Block`]: the halves ring each
    /// other, and the waits above sleep until rung.
    pub fn has_doorbell(&self) -> bool {
        self.bells.is_some()
    }

    /// How many batches the forward queue holds at once.
    pub fn capacity(&self) -> usize {
        self.forward.capacity()
    }

    /// The most records one batch holds (B).
    pub fn batch_capacity(&self) -> usize {
        self.batch
    }

    /// How many batches the pool holds: the forward queue's capacity plus [`POOL_SLACK`].
    /// It never grows.
    pub fn pool_size(&self) -> usize {
        self.pool_size
    }

    /// A sender over `forward` and `recycled` with a pool of `pool_size` fresh batches of
    /// `batch` records, allocated now. `recycled` must hold the whole pool.
    pub(crate) fn with_queues(
        forward: Box<dyn Producer<Box<Batch>>>,
        recycled: Box<dyn Consumer<Box<Batch>>>,
        pool_size: usize,
        batch: usize,
    ) -> Self {
        let mut free = Vec::with_capacity(pool_size);
        free.extend((0..pool_size).map(|_| Box::new(Batch::new(batch))));
        BatchSender { forward, recycled, free, pool_size, batch, bells: None }
    }
}

/// The receiving half of a [`batch_channel`].
pub struct BatchReceiver {
    forward: Box<dyn Consumer<Box<Batch>>>,
    recycle: Box<dyn Producer<Box<Batch>>>,
    finished: bool,
    batch: usize,
    /// A batch [`BatchReceiver::wait_for_input`] received while re-checking; `recv` returns it
    /// first.
    stashed: Option<Box<Batch>>,
    /// The doorbells of a `Block` channel; declared last so that the queues' drop (the
    /// receiver gone, for the sender's re-check) happens before `Bells`' drop rings.
    bells: Option<Bells>,
}

impl BatchReceiver {
    /// The oldest batch sent, [`Recv::Empty`] when none is waiting, or [`Recv::Finished`]
    /// once the sender has been dropped and every batch it sent has been received. On a
    /// `Block` channel taking a batch rings the sender (its slot is free).
    pub fn recv(&mut self) -> Recv {
        if let Some(batch) = self.stashed.take() {
            return Recv::Batch(batch);
        }
        if self.finished {
            return Recv::Finished;
        }
        match poll(&mut *self.forward) {
            Polled::Item(batch) => {
                ring(&self.bells);
                Recv::Batch(batch)
            }
            Polled::Empty => Recv::Empty,
            Polled::Finished => {
                self.finished = true;
                Recv::Finished
            }
        }
    }

    /// Sleeps on this half's doorbell until a batch or the end of the stream is waiting (the
    /// sender rings on both), `max_wait` passes (`None`: no limit), or a spurious wake-up;
    /// returns at once when one is already waiting. Then [`BatchReceiver::recv`] again: a batch
    /// this call found is kept for it.
    ///
    /// On a channel without doorbells (not built for `Block`) the sleep is a park of at most
    /// `max_wait` and [`BLOCK_PARK_TIMEOUT`](super::wait::BLOCK_PARK_TIMEOUT).
    pub fn wait_for_input(&mut self, max_wait: Option<Duration>) {
        if self.stashed.is_some() || self.finished {
            return;
        }
        let BatchReceiver { forward, stashed, bells, .. } = self;
        let Some(bells) = bells else {
            Pause::Sleep(max_wait).carry_out();
            return;
        };
        // The re-check receives: a batch that arrived before the announcement is kept.
        bells.mine.sleep(
            || match poll(&mut **forward) {
                Polled::Item(batch) => {
                    *stashed = Some(batch);
                    true
                }
                Polled::Empty => false,
                // `recv` polls again and reports it (the end of a stream stays ended).
                Polled::Finished => true,
            },
            max_wait,
        );
        if self.stashed.is_some() {
            // Taking it freed a forward slot, as in `recv`.
            ring(&self.bells);
        }
    }

    /// Returns a received batch to the sender's pool. Every received batch must come back
    /// here once read, or the sender runs out of batches. On a `Block` channel it rings the
    /// sender.
    ///
    /// The recycle queue holds the whole pool, so a batch from this channel always fits; a
    /// batch from another channel that does not fit is freed.
    pub fn recycle(&mut self, batch: Box<Batch>) {
        // A refused batch can only be a foreign one; dropping it frees it.
        if self.recycle.try_push(batch).is_ok() {
            ring(&self.bells);
        }
    }

    /// True once [`BatchReceiver::recv`] has returned [`Recv::Finished`].
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// True once the sender has been dropped; batches it sent may still be waiting.
    pub fn is_sender_gone(&self) -> bool {
        self.forward.is_abandoned()
    }

    /// True when the channel was built for [`WaitStrategy::Block`]: the halves ring each
    /// other, and [`BatchReceiver::wait_for_input`] sleeps until rung.
    pub fn has_doorbell(&self) -> bool {
        self.bells.is_some()
    }

    /// How many batches the forward queue holds at once.
    pub fn capacity(&self) -> usize {
        self.forward.capacity()
    }

    /// The most records one batch holds (B).
    pub fn batch_capacity(&self) -> usize {
        self.batch
    }
}

/// Builds a channel of batches of up to `batch` records, whose forward queue (of design `kind`)
/// holds `capacity` batches, for the default wait strategy (no doorbells); see
/// [`batch_channel_with`]. The pool of `capacity + POOL_SLACK` batches is allocated now;
/// the recycle queue, of the same design, holds the whole pool.
///
/// Memory: `(capacity + POOL_SLACK) * batch * 64` bytes of records.
///
/// # Errors
/// [`QueueError::InvalidBatch`] unless `1 <= batch <= MAX_BATCH`;
/// [`QueueError::InvalidCapacity`] for a capacity of 0; [`QueueError::PoolTooLarge`] when the
/// pool would hold more than [`MAX_POOL_RECORDS`] records.
pub fn batch_channel(
    kind: QueueKind,
    capacity: usize,
    batch: usize,
) -> Result<(BatchSender, BatchReceiver), QueueError> {
    batch_channel_with(kind, capacity, batch, WaitStrategy::default())
}

/// Builds a channel as [`batch_channel`] does, for threads that wait by `wait`: with
/// [`WaitStrategy::Block`] each half gets a doorbell the other half rings (see the module
/// docs, "Blocking"); with the other strategies nothing rings.
///
/// # Errors
/// As [`batch_channel`].
pub fn batch_channel_with(
    kind: QueueKind,
    capacity: usize,
    batch: usize,
    wait: WaitStrategy,
) -> Result<(BatchSender, BatchReceiver), QueueError> {
    let pool_size = checked_pool_size(capacity, batch, 1)?;
    let (forward_tx, forward_rx) = spsc::<Box<Batch>>(kind, capacity)?;
    let (recycle_tx, recycle_rx) = spsc::<Box<Batch>>(kind, pool_size)?;
    let (sender_bells, receiver_bells) = match wait {
        WaitStrategy::Block => {
            let (sender_bell, receiver_bell) =
                (Arc::new(Doorbell::new()), Arc::new(Doorbell::new()));
            (
                Some(Bells { mine: sender_bell.clone(), peer: receiver_bell.clone() }),
                Some(Bells { mine: receiver_bell, peer: sender_bell }),
            )
        }
        WaitStrategy::Spin | WaitStrategy::SpinPark => (None, None),
    };
    let mut sender = BatchSender::with_queues(forward_tx, recycle_rx, pool_size, batch);
    sender.bells = sender_bells;
    let receiver = BatchReceiver {
        forward: forward_rx,
        recycle: recycle_tx,
        finished: false,
        batch,
        stashed: None,
        bells: receiver_bells,
    };
    Ok((sender, receiver))
}

/// The pool size (batches) of each of `pools` channels of `capacity` batches of `batch`
/// records, after checking the sizes as [`batch_channel`] documents; together the pools may
/// hold at most [`MAX_POOL_RECORDS`] records.
pub(crate) fn checked_pool_size(
    capacity: usize,
    batch: usize,
    pools: usize,
) -> Result<usize, QueueError> {
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(QueueError::InvalidBatch { batch });
    }
    if capacity == 0 {
        return Err(QueueError::InvalidCapacity { capacity });
    }
    let pool_records = capacity
        .checked_add(POOL_SLACK)
        .and_then(|pool| pool.checked_mul(batch))
        .and_then(|records| records.checked_mul(pools));
    if pool_records.is_none_or(|records| records > MAX_POOL_RECORDS) {
        return Err(QueueError::PoolTooLarge { capacity, batch });
    }
    let pool_size = capacity + POOL_SLACK;
    debug_assert!(pool_size <= MAX_CAPACITY, "MAX_POOL_RECORDS <= MAX_CAPACITY");
    Ok(pool_size)
}

#[cfg(all(test, not(loom)))]
#[path = "batch_tests.rs"]
mod tests;
