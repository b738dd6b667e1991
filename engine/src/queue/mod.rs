//! Queues between pipeline stages: single-producer/single-consumer rings, pooled batches of
//! records, and the wait strategies a poll loop uses while a queue is empty or full.
//!
//! The engine dispatches dynamically once per batch at a stage edge, so a queue is used through
//! the object-safe traits [`Producer`] and [`Consumer`] (`Box<dyn Producer<T>>`), built by
//! [`spsc`] from a run-time [`QueueKind`]. Between threads the engine passes [`Batch`]es: a
//! [`batch_channel`] carries 8-byte `Box<Batch>` handles forward and returns used batches on a
//! recycle ring, from a pool allocated up front, so nothing allocates on the hot path.
//!
//! [`QueueKind`] names every design: the Lamport and FastForward families of Maffione et al.,
//! `rtrb`, and the `crossbeam`/`std` [`baselines`].
//!
//! # End of stream
//! A producer ends a stream by being dropped. [`Consumer::is_abandoned`] then turns true, and
//! every item pushed before the drop stays poppable; [`BatchReceiver::recv`] turns that into
//! [`Recv::Finished`] after the last batch.

pub mod baselines;
pub mod batch;
mod batch_fan_in;
#[cfg(all(test, loom))]
mod batch_loom;
mod batched_lamport;
mod biffq;
mod doorbell;
#[cfg(all(test, loom))]
mod doorbell_loom;
mod fan_in;
mod fastforward;
mod flush;
mod iffq;
mod lamport;
#[cfg(test)]
mod lamport_tests;
mod lazy_lamport;
mod mpsc;
mod registry;
mod ring;
mod rtrb_queue;
mod slot_ring;
#[cfg(all(test, loom))]
mod slot_ring_loom;
#[cfg(all(test, not(loom)))]
mod slot_ring_tests;
pub(crate) mod sync;
pub mod wait;

pub use batch::{Batch, BatchReceiver, BatchSender, Recv, batch_channel, batch_channel_with};
pub use batch_fan_in::{BatchFanInReceiver, FanInRecv, batch_fan_in};
pub use batched_lamport::{BatchedLamportConsumer, BatchedLamportProducer};
pub use biffq::{BatchedImprovedFastForwardConsumer, BatchedImprovedFastForwardProducer};
pub use fan_in::{FanInKind, FanInPoll, FanInReceiver, FanInSenders, MAX_FAN_IN, fan_in};
pub use fastforward::{FastForwardConsumer, FastForwardProducer};
pub use flush::FlushPolicy;
pub use iffq::{ImprovedFastForwardConsumer, ImprovedFastForwardProducer};
pub use lamport::{LamportConsumer, LamportProducer};
pub use lazy_lamport::{LazyLamportConsumer, LazyLamportProducer};
pub use mpsc::{SharedQueueConsumer, SharedQueueProducer};
pub use registry::{QueueHalves, QueueKind, QueueVisitor, spsc, spsc_with};
pub use rtrb_queue::{RtrbConsumer, RtrbProducer};
pub use wait::{Backoff, Pause, WaitStrategy};

/// The largest queue capacity (items) [`spsc`] and [`batch_channel`] accept.
pub const MAX_CAPACITY: usize = 1 << 24;

/// The largest batch size (records per batch) [`batch_channel`] accepts.
pub const MAX_BATCH: usize = 1 << 16;

/// Errors from building or naming a queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The name is not a registered queue design.
    #[error("unknown queue `{name}`; valid queues: {}", QueueKind::names().join(", "))]
    UnknownQueue {
        /// The name that was asked for.
        name: String,
    },
    /// The name is not a fan-in design.
    #[error("unknown fan-in `{name}`; valid fan-ins: lanes, shared")]
    UnknownFanIn {
        /// The name that was asked for.
        name: String,
    },
    /// A fan-in with no producers, or more than [`MAX_FAN_IN`].
    #[error("a fan-in of {producers} producers is out of range: use 1 to {MAX_FAN_IN}")]
    InvalidProducers {
        /// The producer count that was asked for.
        producers: usize,
    },
    /// The name is not a wait strategy.
    #[error("unknown wait strategy `{name}`; valid wait strategies: {}", WaitStrategy::names().join(", "))]
    UnknownWaitStrategy {
        /// The name that was asked for.
        name: String,
    },
    /// A queue capacity outside `1..=MAX_CAPACITY`.
    #[error("queue capacity {capacity} is out of range: use 1 to {MAX_CAPACITY} items")]
    InvalidCapacity {
        /// The capacity that was asked for.
        capacity: usize,
    },
    /// A batch channel whose pool would hold more than [`batch::MAX_POOL_RECORDS`] records.
    #[error(
        "a batch channel of {capacity} batches of {batch} records would preallocate more than \
         {} records ({} MiB); use a smaller capacity or batch",
        batch::MAX_POOL_RECORDS,
        (batch::MAX_POOL_RECORDS * size_of::<wire::PacketRecord>()) >> 20
    )]
    PoolTooLarge {
        /// The forward queue capacity that was asked for (batches).
        capacity: usize,
        /// The batch size that was asked for (records).
        batch: usize,
    },
    /// A batch size outside `1..=MAX_BATCH`.
    #[error("batch size {batch} is out of range: use 1 to {MAX_BATCH} records")]
    InvalidBatch {
        /// The batch size that was asked for.
        batch: usize,
    },
}

/// The sending half of a single-producer/single-consumer queue.
///
/// Items arrive at the [`Consumer`] in the order they were pushed, each exactly once. Every
/// call that succeeds publishes its items to the consumer before it returns (one release per
/// call). Dropping the producer ends the stream (see [`Consumer::is_abandoned`]).
pub trait Producer<T: Send>: Send {
    /// Pushes one item, or gives it back as `Err(item)` when the queue is full.
    fn try_push(&mut self, item: T) -> Result<(), T>;

    /// Moves the longest prefix of `items` that fits into the queue and publishes it once.
    ///
    /// The moved items are removed from the front of `items`; the rest stay in `items` in
    /// their order. Returns how many items moved (0 when the queue is full or `items` is empty).
    /// The default pushes one item at a time; designs with a batch publish override it.
    fn push_from(&mut self, items: &mut Vec<T>) -> usize {
        push_each(items, |item| self.try_push(item))
    }

    /// The most items the queue holds at once.
    fn capacity(&self) -> usize;

    /// True once the [`Consumer`] has been dropped: nothing pushed from now on will be read.
    fn is_abandoned(&self) -> bool;
}

/// The receiving half of a single-producer/single-consumer queue.
pub trait Consumer<T: Send>: Send {
    /// Pops the oldest item, or `None` when the queue is empty right now.
    fn try_pop(&mut self) -> Option<T>;

    /// Appends up to `max` of the oldest items to `out`, in order, and frees their slots for
    /// the producer once. Returns how many were appended (0 when the queue is empty).
    ///
    /// `out` grows if its spare capacity is below the count; reserve it beforehand to keep the
    /// call allocation-free. The default pops one item at a time; designs with a batch
    /// release override it.
    fn pop_into(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let mut popped = 0;
        while popped < max {
            match self.try_pop() {
                Some(item) => out.push(item),
                None => break,
            }
            popped += 1;
        }
        popped
    }

    /// The most items the queue holds at once.
    fn capacity(&self) -> usize;

    /// True once the [`Producer`] has been dropped. It never turns false again.
    ///
    /// Once this returns true, every item the producer pushed is visible to [`try_pop`]
    /// (the producer's drop happens before this call returns true). So the stream has ended
    /// exactly when `is_abandoned()` returns true and a `try_pop()` made *after* it returns
    /// `None`; checking in the other order can miss the last items.
    ///
    /// [`try_pop`]: Consumer::try_pop
    fn is_abandoned(&self) -> bool;
}

/// Offers the items at the front of `items` to `push` one at a time, in order, until it gives
/// one back or none are left; removes the ones it took from `items` and returns their count.
///
/// The items move straight out of the vector's buffer and the refused one goes back to its own
/// place, so nothing allocates and the rest keep their order (they are shifted to the front).
pub(crate) fn push_each<T>(items: &mut Vec<T>, mut push: impl FnMut(T) -> Result<(), T>) -> usize {
    let len = items.len();
    let base = items.as_mut_ptr();
    // SAFETY: from here until the `set_len` below the vector owns none of its items, so if
    // `push` panics the rest leak instead of being dropped twice.
    unsafe { items.set_len(0) };
    let mut moved = 0;
    while moved < len {
        // SAFETY: `moved < len`, the item at `moved` is initialised and not yet moved out; it
        // is read once (moved into `push`, or written back below when refused).
        let item = unsafe { base.add(moved).read() };
        if let Err(back) = push(item) {
            // SAFETY: the place the refused item came from; it is vacant after the read above.
            unsafe { base.add(moved).write(back) };
            break;
        }
        moved += 1;
    }
    // SAFETY: items `moved..len` are initialised and still owned by nobody else; moving them
    // to the front (ranges may overlap, hence `copy`) and setting the length hands them back
    // to the vector, leaving the moved-out places outside it.
    unsafe {
        std::ptr::copy(base.add(moved), base, len - moved);
        items.set_len(len - moved);
    }
    moved
}

/// What one poll of a [`Consumer`] found, with end of stream told apart from "empty for now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polled<T> {
    /// The oldest item.
    Item(T),
    /// Empty right now; the producer is still alive.
    Empty,
    /// The producer has been dropped and every item it pushed has been popped.
    Finished,
}

/// Pops one item, telling end of stream apart from "empty for now" (the protocol described at
/// [`Consumer::is_abandoned`]: the abandonment check comes first, the final pop after it).
pub(crate) fn poll<T: Send>(consumer: &mut (impl Consumer<T> + ?Sized)) -> Polled<T> {
    if let Some(item) = consumer.try_pop() {
        return Polled::Item(item);
    }
    if !consumer.is_abandoned() {
        return Polled::Empty;
    }
    // The producer is gone and its drop happened before `is_abandoned` returned true, so this
    // pop sees everything it ever pushed: `None` now means the stream is over.
    match consumer.try_pop() {
        Some(item) => Polled::Item(item),
        None => Polled::Finished,
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A queue that only implements the required methods, to exercise the default batch calls.
    struct OneByOne {
        items: std::collections::VecDeque<u32>,
        capacity: usize,
    }

    impl Producer<u32> for OneByOne {
        fn try_push(&mut self, item: u32) -> Result<(), u32> {
            if self.items.len() == self.capacity {
                return Err(item);
            }
            self.items.push_back(item);
            Ok(())
        }
        fn capacity(&self) -> usize {
            self.capacity
        }
        fn is_abandoned(&self) -> bool {
            false
        }
    }

    impl Consumer<u32> for OneByOne {
        fn try_pop(&mut self) -> Option<u32> {
            self.items.pop_front()
        }
        fn capacity(&self) -> usize {
            self.capacity
        }
        fn is_abandoned(&self) -> bool {
            true
        }
    }

    #[test]
    fn default_batch_calls_keep_order_and_leftovers() {
        let mut q = OneByOne { items: Default::default(), capacity: 3 };
        let mut items = vec![1, 2, 3, 4, 5];
        assert_eq!(q.push_from(&mut items), 3);
        assert_eq!(items, vec![4, 5]);
        let mut out = Vec::new();
        assert_eq!(q.pop_into(&mut out, 2), 2);
        assert_eq!(out, vec![1, 2]);
        assert_eq!(q.push_from(&mut items), 2);
        assert!(items.is_empty());
        assert_eq!(q.pop_into(&mut out, 10), 3);
        assert_eq!(out, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn push_each_moves_the_accepted_prefix_and_keeps_the_rest_in_order() {
        // Strings, so that a double drop or a leak shows under Miri.
        let strings =
            |range: std::ops::Range<u32>| -> Vec<String> { range.map(|i| i.to_string()).collect() };
        let mut items = strings(0..5);
        let mut taken = Vec::new();
        let moved = push_each(&mut items, |item| {
            if taken.len() == 2 {
                return Err(item);
            }
            taken.push(item);
            Ok(())
        });
        assert_eq!((moved, taken, items.clone()), (2, strings(0..2), strings(2..5)));
        assert_eq!(push_each(&mut items, Err), 0, "a full queue takes nothing");
        assert_eq!(items, strings(2..5));
        let mut all = Vec::new();
        let take_all = |item| {
            all.push(item);
            Ok(())
        };
        assert_eq!(push_each(&mut items, take_all), 3);
        assert!(items.is_empty());
        assert_eq!(all, strings(2..5));
        assert_eq!(push_each(&mut items, |_| unreachable!("no items")), 0);
    }

    #[test]
    fn poll_reports_finished_only_when_drained() {
        let mut q = OneByOne { items: [7].into(), capacity: 3 };
        assert_eq!(poll(&mut q), Polled::Item(7));
        assert_eq!(poll(&mut q), Polled::Finished);
    }
}

/// Loom checks of the end-of-stream protocol in [`poll`]: over every interleaving, a consumer
/// that polls until `Finished` gets every item the producer pushed before it dropped. The
/// queue here is a minimal model ring with the orderings the [`Consumer::is_abandoned`]
/// contract asks of every design (publish with release, read with acquire, abandon on drop
/// with release); rtrb itself uses `std` atomics, which loom cannot see.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::sync::{Arc, AtomicBool, AtomicUsize, Ordering, thread};
    use super::{Consumer, Polled, Producer, poll};

    const CAP: usize = 2;

    struct Ring {
        slots: [AtomicUsize; CAP],
        /// Items popped so far; written by the consumer only.
        head: AtomicUsize,
        /// Items pushed so far; written by the producer only.
        tail: AtomicUsize,
        abandoned: AtomicBool,
    }

    struct ModelProducer(Arc<Ring>);
    struct ModelConsumer(Arc<Ring>);

    fn model_queue() -> (ModelProducer, ModelConsumer) {
        let ring = Arc::new(Ring {
            slots: [AtomicUsize::new(0), AtomicUsize::new(0)],
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            abandoned: AtomicBool::new(false),
        });
        (ModelProducer(ring.clone()), ModelConsumer(ring))
    }

    impl Producer<usize> for ModelProducer {
        fn try_push(&mut self, item: usize) -> Result<(), usize> {
            // Relaxed: only this thread writes `tail`.
            let tail = self.0.tail.load(Ordering::Relaxed);
            // Acquire: the consumer's reads of the slot it freed happen before we overwrite it.
            let head = self.0.head.load(Ordering::Acquire);
            if tail - head == CAP {
                return Err(item);
            }
            // Relaxed: published by the release store of `tail` below.
            self.0.slots[tail % CAP].store(item, Ordering::Relaxed);
            // Release: the slot write happens before the consumer sees the new tail.
            self.0.tail.store(tail + 1, Ordering::Release);
            Ok(())
        }
        fn capacity(&self) -> usize {
            CAP
        }
        fn is_abandoned(&self) -> bool {
            false
        }
    }

    impl Drop for ModelProducer {
        fn drop(&mut self) {
            // Release: every push happens before a consumer's acquire load sees the flag.
            self.0.abandoned.store(true, Ordering::Release);
        }
    }

    impl Consumer<usize> for ModelConsumer {
        fn try_pop(&mut self) -> Option<usize> {
            // Relaxed: only this thread writes `head`.
            let head = self.0.head.load(Ordering::Relaxed);
            // Acquire: pairs with the producer's release store of `tail`.
            let tail = self.0.tail.load(Ordering::Acquire);
            if head == tail {
                return None;
            }
            // Relaxed: made visible by the acquire load of `tail` above.
            let item = self.0.slots[head % CAP].load(Ordering::Relaxed);
            // Release: our read of the slot happens before the producer reuses it.
            self.0.head.store(head + 1, Ordering::Release);
            Some(item)
        }
        fn capacity(&self) -> usize {
            CAP
        }
        fn is_abandoned(&self) -> bool {
            // Acquire: pairs with the release store in the producer's drop.
            self.0.abandoned.load(Ordering::Acquire)
        }
    }

    /// Polls until `Finished`, yielding to loom while empty; returns the items in order.
    fn drain(consumer: &mut ModelConsumer) -> Vec<usize> {
        let mut got = Vec::new();
        loop {
            match poll(consumer) {
                Polled::Item(item) => got.push(item),
                Polled::Empty => thread::yield_now(),
                Polled::Finished => return got,
            }
        }
    }

    #[test]
    fn loom_finished_comes_after_every_item() {
        loom::model(|| {
            let (mut producer, mut consumer) = model_queue();
            let sender = thread::spawn(move || {
                for item in 1..=3 {
                    let mut item = item;
                    while let Err(back) = producer.try_push(item) {
                        item = back;
                        thread::yield_now();
                    }
                }
                // `producer` drops here: end of stream.
            });
            assert_eq!(drain(&mut consumer), vec![1, 2, 3]);
            sender.join().expect("producer thread");
        });
    }

    #[test]
    fn loom_an_empty_stream_finishes() {
        loom::model(|| {
            let (producer, mut consumer) = model_queue();
            let sender = thread::spawn(move || drop(producer));
            assert_eq!(drain(&mut consumer), Vec::<usize>::new());
            sender.join().expect("producer thread");
        });
    }
}
