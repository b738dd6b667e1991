//! The baseline queues: general-purpose queues from `crossbeam` and `std`, wrapped behind the
//! engine's [`Producer`] and [`Consumer`] traits so they can be compared with the
//! single-producer/single-consumer designs on the same benchmarks and runs.
//!
//! None of them has a batch interface (no call publishes several items with one atomic store),
//! so their batch calls are the traits' defaults, one item at a time; that is their fastest way.
//! None of them tells a consumer that its producer is gone while items remain, so a
//! [`BaselineProducer`] and a [`BaselineConsumer`] share [`Ends`], two flags their drops set.

mod crossbeam_array;
mod crossbeam_channel;
mod std_channel;

pub(crate) use crossbeam_array::crossbeam_array_queue;
pub use crossbeam_array::{ArrayQueueReceiver, ArrayQueueSender};
pub(crate) use crossbeam_channel::crossbeam_channel_queue;
pub use crossbeam_channel::{CrossbeamReceiver, CrossbeamSender};
pub(crate) use std_channel::std_sync_channel_queue;
pub use std_channel::{StdReceiver, StdSender};

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Consumer, Producer};

/// The sending side of a baseline queue: what [`BaselineProducer`] needs from it.
pub trait SendHalf<T>: Send {
    /// Sends one item, or gives it back when the queue is full (or its receiver is gone).
    fn try_send(&mut self, item: T) -> Result<(), T>;
    /// The most items the queue holds.
    fn capacity(&self) -> usize;
}

/// The receiving side of a baseline queue: what [`BaselineConsumer`] needs from it.
pub trait RecvHalf<T>: Send {
    /// The oldest item, or `None` when the queue is empty right now.
    fn try_recv(&mut self) -> Option<T>;
    /// The most items the queue holds.
    fn capacity(&self) -> usize;
}

/// Which halves of a queue have been dropped.
#[derive(Debug, Default)]
pub struct Ends {
    producer_gone: AtomicBool,
    consumer_gone: AtomicBool,
}

/// The producer half of a baseline queue, with the end-of-stream flag the traits ask for.
#[derive(Debug)]
pub struct BaselineProducer<S, T> {
    half: S,
    ends: Arc<Ends>,
    _items: PhantomData<fn(T)>,
}

/// The consumer half of a baseline queue.
#[derive(Debug)]
pub struct BaselineConsumer<R, T> {
    half: R,
    ends: Arc<Ends>,
    _items: PhantomData<fn() -> T>,
}

/// Joins the two halves of a baseline queue with fresh [`Ends`].
pub(crate) fn baseline_pair<S, R, T>(
    send: S,
    recv: R,
) -> (BaselineProducer<S, T>, BaselineConsumer<R, T>) {
    let ends = Arc::new(Ends::default());
    (
        BaselineProducer { half: send, ends: ends.clone(), _items: PhantomData },
        BaselineConsumer { half: recv, ends, _items: PhantomData },
    )
}

impl<S: SendHalf<T>, T: Send> Producer<T> for BaselineProducer<S, T> {
    #[inline]
    fn try_push(&mut self, item: T) -> Result<(), T> {
        self.half.try_send(item)
    }

    fn capacity(&self) -> usize {
        self.half.capacity()
    }

    fn is_abandoned(&self) -> bool {
        // Acquire: pairs with the consumer's release store in its drop (nothing to read after
        // it, but the pair keeps the flag's meaning the same on both sides).
        self.ends.consumer_gone.load(Ordering::Acquire)
    }
}

impl<R: RecvHalf<T>, T: Send> Consumer<T> for BaselineConsumer<R, T> {
    #[inline]
    fn try_pop(&mut self) -> Option<T> {
        self.half.try_recv()
    }

    fn capacity(&self) -> usize {
        self.half.capacity()
    }

    fn is_abandoned(&self) -> bool {
        // Acquire: pairs with the release store in the producer's drop, so every send the
        // producer made happens before this returns true and a later `try_recv` sees it.
        self.ends.producer_gone.load(Ordering::Acquire)
    }
}

impl<S, T> Drop for BaselineProducer<S, T> {
    fn drop(&mut self) {
        // Release: every send happens before a consumer's acquire load sees the flag.
        self.ends.producer_gone.store(true, Ordering::Release);
    }
}

impl<R, T> Drop for BaselineConsumer<R, T> {
    fn drop(&mut self) {
        // Release: pairs with the producer's acquire load in `is_abandoned`.
        self.ends.consumer_gone.store(true, Ordering::Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::{Polled, poll};

    type Build = fn(usize) -> (Box<dyn Producer<u64>>, Box<dyn Consumer<u64>>);

    fn boxed<P: Producer<u64> + 'static, C: Consumer<u64> + 'static>(
        (p, c): (P, C),
    ) -> (Box<dyn Producer<u64>>, Box<dyn Consumer<u64>>) {
        (Box::new(p), Box::new(c))
    }

    const BASELINES: [(&str, Build); 3] = [
        ("crossbeam-array", |n| boxed(crossbeam_array_queue(n))),
        ("crossbeam-channel", |n| boxed(crossbeam_channel_queue(n))),
        ("std-sync-channel", |n| boxed(std_sync_channel_queue(n))),
    ];

    #[test]
    fn single_items_in_order_until_full_and_batches_by_default() {
        for (name, build) in BASELINES {
            let (mut p, mut c) = build(3);
            assert_eq!((p.capacity(), c.capacity()), (3, 3), "{name}");
            assert_eq!((p.try_push(1), p.try_push(2), p.try_push(3)), (Ok(()), Ok(()), Ok(())));
            assert_eq!(p.try_push(4), Err(4), "{name}");
            assert_eq!(c.try_pop(), Some(1), "{name}");
            let mut items = vec![4, 5];
            assert_eq!(p.push_from(&mut items), 1, "{name}");
            assert_eq!(items, vec![5], "{name}");
            let mut out = Vec::new();
            assert_eq!(c.pop_into(&mut out, 10), 3, "{name}");
            assert_eq!(out, vec![2, 3, 4], "{name}");
            assert_eq!(c.try_pop(), None, "{name}");
        }
    }

    #[test]
    fn end_of_stream_keeps_the_last_items_and_both_sides_see_drops() {
        for (name, build) in BASELINES {
            let (mut p, mut c) = build(2);
            assert!(!p.is_abandoned() && !c.is_abandoned(), "{name}");
            assert_eq!(p.try_push(7), Ok(()));
            drop(p);
            assert!(c.is_abandoned(), "{name}");
            assert_eq!(poll(&mut *c), Polled::Item(7), "{name}");
            assert_eq!(poll(&mut *c), Polled::Finished, "{name}");
            let (mut p, c) = build(2);
            drop(c);
            assert!(p.is_abandoned(), "{name}");
            // A send to a dropped receiver is refused, never lost silently.
            let refused = p.try_push(9);
            assert!(refused == Err(9) || refused == Ok(()), "{name}: {refused:?}");
        }
    }

    #[test]
    fn two_threads_pass_every_item_in_order() {
        // Miri interprets every spin of both threads: a short stream still crosses the wrap.
        let items: u64 = if cfg!(miri) { 100 } else { 20_000 };
        for (name, build) in BASELINES {
            let (mut p, mut c) = build(16);
            let sender = std::thread::spawn(move || {
                for i in 0..items {
                    let mut item = i;
                    while let Err(back) = p.try_push(item) {
                        item = back;
                        std::thread::yield_now();
                    }
                }
            });
            let mut next = 0u64;
            loop {
                match poll(&mut *c) {
                    Polled::Item(item) => {
                        assert_eq!(item, next, "{name}");
                        next += 1;
                    }
                    Polled::Empty => std::thread::yield_now(),
                    Polled::Finished => break,
                }
            }
            assert_eq!(next, items, "{name}");
            sender.join().expect("sender");
        }
    }
}
