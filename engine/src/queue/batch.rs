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
//! [`FlushPolicy`] tells the sender when a partial batch has waited long enough to go.

use serde::{Deserialize, Serialize};
use wire::PacketRecord;

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
}

impl Batch {
    /// An empty batch that holds up to `capacity` records, allocated now.
    pub fn new(capacity: usize) -> Self {
        Batch { records: Vec::with_capacity(capacity), limit: capacity, released_ns: 0 }
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

    /// Removes every record and zeroes [`Batch::released_ns`]; keeps the storage.
    pub fn clear(&mut self) {
        self.records.clear();
        self.released_ns = 0;
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
}

impl BatchSender {
    /// An empty batch (length 0, `released_ns` 0) from the pool, or `None` while every batch
    /// is queued or held by the receiver: backpressure, try again after a snooze.
    ///
    /// Takes a free batch, or else moves every batch the receiver has recycled so far into the
    /// free list (one queue operation) and takes one of those.
    pub fn acquire(&mut self) -> Option<Box<Batch>> {
        if self.free.is_empty() {
            let room = self.free.capacity();
            self.recycled.pop_into(&mut self.free, room);
        }
        let mut batch = self.free.pop()?;
        batch.clear();
        Some(batch)
    }

    /// Sends a batch to the receiver, or gives it back as `Err(batch)` when the forward queue
    /// is full (backpressure: keep it and try again after a snooze).
    pub fn send(&mut self, batch: Box<Batch>) -> Result<(), Box<Batch>> {
        self.forward.try_push(batch)
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
}

/// The receiving half of a [`batch_channel`].
pub struct BatchReceiver {
    forward: Box<dyn Consumer<Box<Batch>>>,
    recycle: Box<dyn Producer<Box<Batch>>>,
    finished: bool,
    batch: usize,
}

impl BatchReceiver {
    /// The oldest batch sent, [`Recv::Empty`] when none is waiting, or [`Recv::Finished`]
    /// once the sender has been dropped and every batch it sent has been received.
    pub fn recv(&mut self) -> Recv {
        if self.finished {
            return Recv::Finished;
        }
        match poll(&mut *self.forward) {
            Polled::Item(batch) => Recv::Batch(batch),
            Polled::Empty => Recv::Empty,
            Polled::Finished => {
                self.finished = true;
                Recv::Finished
            }
        }
    }

    /// Returns a received batch to the sender's pool. Every received batch must come back
    /// here once read, or the sender runs out of batches.
    ///
    /// The recycle queue holds the whole pool, so a batch from this channel always fits; a
    /// batch from another channel that does not fit is freed.
    pub fn recycle(&mut self, batch: Box<Batch>) {
        // A refused batch can only be a foreign one; dropping it frees it.
        let _ = self.recycle.try_push(batch);
    }

    /// True once [`BatchReceiver::recv`] has returned [`Recv::Finished`].
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// True once the sender has been dropped; batches it sent may still be waiting.
    pub fn is_sender_gone(&self) -> bool {
        self.forward.is_abandoned()
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
/// holds `capacity` batches. The pool of `capacity + POOL_SLACK` batches is allocated now;
/// the recycle queue, of the same design, holds the whole pool.
///
/// Memory: `(capacity + POOL_SLACK) * batch * 64` bytes of records.
///
/// # Errors
/// [`QueueError::InvalidBatch`] unless `1 <= batch <= MAX_BATCH`;
/// [`QueueError::InvalidCapacity`] for a capacity of 0; [`QueueError::PoolTooLarge`] when the
/// pool would hold more than [`MAX_POOL_RECORDS`] records; [`QueueError::NotYetBuilt`] for a
/// design not built yet.
pub fn batch_channel(
    kind: QueueKind,
    capacity: usize,
    batch: usize,
) -> Result<(BatchSender, BatchReceiver), QueueError> {
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(QueueError::InvalidBatch { batch });
    }
    let pool_records = capacity.checked_add(POOL_SLACK).and_then(|pool| pool.checked_mul(batch));
    if capacity == 0 {
        return Err(QueueError::InvalidCapacity { capacity });
    }
    if pool_records.is_none_or(|records| records > MAX_POOL_RECORDS) {
        return Err(QueueError::PoolTooLarge { capacity, batch });
    }
    let pool_size = capacity + POOL_SLACK;
    debug_assert!(pool_size <= MAX_CAPACITY, "MAX_POOL_RECORDS <= MAX_CAPACITY");
    let (forward_tx, forward_rx) = spsc::<Box<Batch>>(kind, capacity)?;
    let (recycle_tx, recycle_rx) = spsc::<Box<Batch>>(kind, pool_size)?;
    let mut free = Vec::with_capacity(pool_size);
    free.extend((0..pool_size).map(|_| Box::new(Batch::new(batch))));
    let sender = BatchSender { forward: forward_tx, recycled: recycle_rx, free, pool_size, batch };
    let receiver =
        BatchReceiver { forward: forward_rx, recycle: recycle_tx, finished: false, batch };
    Ok((sender, receiver))
}

/// When a producer publishes a partial batch: once it holds `batch` records, or once its first
/// record has waited `timeout_ns`, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct FlushPolicy {
    /// Records per publish (B).
    pub batch: usize,
    /// How long (ns) a non-empty partial batch may wait before it is published; 0 publishes
    /// at every check.
    pub timeout_ns: u64,
}

impl FlushPolicy {
    /// A policy publishing every `batch` records or after `timeout_ns`.
    pub fn new(batch: usize, timeout_ns: u64) -> Self {
        FlushPolicy { batch, timeout_ns }
    }

    /// True when a batch holding `len` records, whose first record arrived at `started_ns`,
    /// must be published at `now_ns`: it is full (`len >= batch`), or it is not empty and
    /// `now_ns - started_ns >= timeout_ns`. An empty batch is never due.
    ///
    /// Both times come from the same monotonic clock in ns; a `now_ns` before `started_ns`
    /// (a clock read on another core) counts as no time passed.
    #[inline]
    pub fn should_flush(&self, len: usize, started_ns: u64, now_ns: u64) -> bool {
        len >= self.batch || (len > 0 && now_ns.saturating_sub(started_ns) >= self.timeout_ns)
    }

    /// The time at which a partial batch started at `started_ns` falls due.
    pub fn deadline_ns(&self, started_ns: u64) -> u64 {
        started_ns.saturating_add(self.timeout_ns)
    }
}

impl Default for FlushPolicy {
    /// [`DEFAULT_BATCH`] records or [`DEFAULT_FLUSH_TIMEOUT_NS`].
    fn default() -> Self {
        FlushPolicy::new(DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn record(seq_no: u32) -> PacketRecord {
        let mut record = PacketRecord::default();
        record.seq_no = seq_no;
        record
    }

    #[test]
    fn batch_fills_to_its_capacity_without_reallocating() {
        let mut batch = Batch::new(3);
        let storage = batch.as_slice().as_ptr();
        assert!(batch.is_empty());
        batch.push(record(1));
        assert_eq!(batch.extend_from_slice(&[record(2), record(3), record(4)]), 2);
        assert!(batch.is_full());
        assert_eq!(batch.try_push(record(5)), Err(record(5)));
        assert_eq!(batch.iter().map(|r| r.seq_no).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!((&batch).into_iter().count(), 3);
        assert_eq!(batch.as_slice().as_ptr(), storage);
        batch.released_ns = 42;
        batch.as_mut_slice()[0].seq_no = 9;
        assert_eq!(batch.as_slice()[0].seq_no, 9);
        let full = std::panic::catch_unwind(move || {
            let mut batch = batch;
            batch.push(record(6));
        });
        assert!(full.is_err(), "push on a full batch panics");
        let mut batch = Batch::new(3);
        batch.push(record(1));
        batch.released_ns = 42;
        batch.clear();
        assert_eq!((batch.len(), batch.released_ns, batch.capacity()), (0, 0, 3));
    }

    #[test]
    fn pool_exhaustion_is_backpressure_and_recycling_refills_it() {
        let (mut tx, mut rx) = batch_channel(QueueKind::Rtrb, 2, 4).unwrap();
        assert_eq!((tx.capacity(), tx.pool_size(), tx.batch_capacity()), (2, 4, 4));
        assert_eq!((rx.capacity(), rx.batch_capacity()), (2, 4));
        let mut held: Vec<_> = std::iter::from_fn(|| tx.acquire()).collect();
        assert_eq!(held.len(), 4);
        for (i, batch) in held.iter_mut().enumerate() {
            batch.push(record(i as u32));
            batch.released_ns = 7;
        }
        let mut held = held.into_iter();
        assert!(tx.send(held.next().unwrap()).is_ok());
        assert!(tx.send(held.next().unwrap()).is_ok());
        let refused = tx.send(held.next().unwrap()).unwrap_err();
        assert_eq!(refused.as_slice()[0].seq_no, 2);
        tx.put_back(refused);
        tx.put_back(held.next().unwrap());
        let Recv::Batch(first) = rx.recv() else { panic!("a batch is waiting") };
        assert_eq!(first.as_slice()[0].seq_no, 0);
        rx.recycle(first);
        // The two put back come first, then the recycled one, all cleared.
        let mut again = Vec::new();
        for _ in 0..3 {
            let batch = tx.acquire().unwrap();
            assert_eq!((batch.len(), batch.released_ns), (0, 0));
            again.push(batch);
        }
        assert!(tx.acquire().is_none());
    }

    #[test]
    fn finished_comes_after_the_last_batch_and_stays() {
        let (mut tx, mut rx) = batch_channel(QueueKind::Rtrb, 4, 1).unwrap();
        assert!(matches!(rx.recv(), Recv::Empty));
        let mut batch = tx.acquire().unwrap();
        assert_eq!(batch.try_push(record(1)), Ok(()));
        tx.send(batch).unwrap();
        assert!(!rx.is_sender_gone());
        drop(tx);
        assert!(rx.is_sender_gone());
        assert!(!rx.is_finished());
        let Recv::Batch(batch) = rx.recv() else { panic!("the sent batch comes first") };
        rx.recycle(batch);
        assert!(matches!(rx.recv(), Recv::Finished));
        assert!(rx.is_finished());
        assert!(matches!(rx.recv(), Recv::Finished));
    }

    #[test]
    fn sender_sees_a_gone_receiver() {
        let (tx, rx) = batch_channel(QueueKind::Rtrb, 1, 1).unwrap();
        assert!(!tx.is_receiver_gone());
        drop(rx);
        assert!(tx.is_receiver_gone());
    }

    #[test]
    fn sizes_are_checked() {
        let err = |capacity, batch| batch_channel(QueueKind::Rtrb, capacity, batch).err();
        assert_eq!(err(4, 0), Some(QueueError::InvalidBatch { batch: 0 }));
        assert_eq!(err(4, MAX_BATCH + 1), Some(QueueError::InvalidBatch { batch: MAX_BATCH + 1 }));
        assert_eq!(err(0, 4), Some(QueueError::InvalidCapacity { capacity: 0 }));
        let pool_too_large = |capacity, batch| Some(QueueError::PoolTooLarge { capacity, batch });
        assert_eq!(err(usize::MAX, 4), pool_too_large(usize::MAX, 4));
        let largest = MAX_POOL_RECORDS / 64 - POOL_SLACK;
        assert_eq!(err(largest + 1, 64), pool_too_large(largest + 1, 64));
        assert!(err(4, 4).is_none());
        assert_eq!(
            batch_channel(QueueKind::Lamport, 4, 4).err(),
            Some(QueueError::NotYetBuilt { kind: QueueKind::Lamport })
        );
    }

    #[test]
    fn flush_policy_publishes_full_or_overdue_batches() {
        let policy = FlushPolicy::new(4, 1_000);
        assert!(!policy.should_flush(0, 0, u64::MAX), "empty is never due");
        assert!(policy.should_flush(4, 10, 10), "full is due at once");
        assert!(!policy.should_flush(3, 10, 1_009));
        assert!(policy.should_flush(3, 10, 1_010));
        assert!(!policy.should_flush(3, 10, 5), "a clock going back counts as no time");
        assert_eq!(policy.deadline_ns(10), 1_010);
        assert_eq!(policy.deadline_ns(u64::MAX), u64::MAX);
        assert!(FlushPolicy::new(4, 0).should_flush(1, 10, 10));
        assert_eq!(
            FlushPolicy::default(),
            FlushPolicy::new(DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS)
        );
    }
}
