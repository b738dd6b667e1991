//! Tests shared by the three Lamport designs (`lamport`, `lazy-lamport`, `batched-lamport`):
//! single-threaded property tests against a `VecDeque` model, drops of items left in the ring,
//! abandonment, a two-thread stream of a million items, and (under `--cfg loom`) the loom
//! models of publish, wrap-around, full, empty, batch publish and end of stream.

use super::QueueKind;

/// The designs these tests cover.
const LAMPORT_KINDS: [QueueKind; 3] =
    [QueueKind::Lamport, QueueKind::LazyLamport, QueueKind::BatchedLamport];

#[cfg(not(loom))]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    use proptest::prelude::*;

    use super::LAMPORT_KINDS;
    use crate::queue::{Backoff, QueueKind, WaitStrategy, spsc};

    /// One call on a queue, as the property test draws them.
    #[derive(Debug, Clone)]
    enum Op {
        Push,
        PushFrom(usize),
        Pop,
        PopInto(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Push),
            (0usize..80).prop_map(Op::PushFrom),
            Just(Op::Pop),
            (0usize..80).prop_map(Op::PopInto),
        ]
    }

    /// Runs `ops` on a queue of `kind` and on a `VecDeque` bounded at `capacity`, checking
    /// every answer against the model's.
    fn check_against_model(kind: QueueKind, capacity: usize, ops: &[Op]) {
        let (mut p, mut c) = spsc::<u64>(kind, capacity).expect("built");
        let mut model = VecDeque::new();
        let mut next = 0u64;
        for op in ops {
            match *op {
                Op::Push => {
                    let fits = model.len() < capacity;
                    let result = p.try_push(next);
                    assert_eq!(result.is_ok(), fits, "{kind} {op:?}");
                    if fits {
                        model.push_back(next);
                        next += 1;
                    } else {
                        assert_eq!(result, Err(next), "{kind}: a refused item comes back");
                    }
                }
                Op::PushFrom(n) => {
                    let mut items: Vec<u64> = (next..next + n as u64).collect();
                    let moved = p.push_from(&mut items);
                    let fits = n.min(capacity - model.len());
                    assert_eq!(moved, fits, "{kind} {op:?}");
                    assert_eq!(items, (next + moved as u64..next + n as u64).collect::<Vec<_>>());
                    model.extend(next..next + moved as u64);
                    next += moved as u64;
                }
                Op::Pop => assert_eq!(c.try_pop(), model.pop_front(), "{kind}"),
                Op::PopInto(max) => {
                    let mut out = vec![u64::MAX];
                    let popped = c.pop_into(&mut out, max);
                    let expected: Vec<u64> = model.drain(..max.min(model.len())).collect();
                    assert_eq!(popped, expected.len(), "{kind} {op:?}");
                    assert_eq!(out[1..], expected[..], "{kind}: appended, in order");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        #[cfg_attr(miri, ignore = "proptest is too slow under miri")]
        fn every_lamport_design_behaves_like_a_bounded_fifo(
            capacity in 1usize..=64,
            ops in prop::collection::vec(op(), 0..200),
        ) {
            for kind in LAMPORT_KINDS {
                check_against_model(kind, capacity, &ops);
            }
        }
    }

    #[test]
    fn a_fixed_sequence_behaves_like_a_bounded_fifo() {
        use Op::*;
        let ops = [Push, PushFrom(5), Pop, PopInto(2), PushFrom(7), Push, Pop, PopInto(9), Pop];
        for kind in LAMPORT_KINDS {
            for capacity in [1, 3, 4, 5] {
                check_against_model(kind, capacity, &ops);
            }
        }
    }

    /// An item that counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn items_left_in_the_ring_are_dropped_once() {
        for kind in LAMPORT_KINDS {
            for consumer_first in [false, true] {
                let drops = Arc::new(AtomicUsize::new(0));
                let (mut p, mut c) = spsc::<Counted>(kind, 3).expect("built");
                // Wrap around first, so the leftovers straddle the end of the slot array.
                for _ in 0..2 {
                    assert!(p.try_push(Counted(drops.clone())).is_ok());
                    drop(c.try_pop());
                }
                let mut items: Vec<Counted> = (0..4).map(|_| Counted(drops.clone())).collect();
                assert_eq!(p.push_from(&mut items), 3);
                drop(items);
                assert_eq!(drops.load(Ordering::Relaxed), 3, "{kind}: two popped, one refused");
                drop(c.try_pop());
                assert_eq!(drops.load(Ordering::Relaxed), 4);
                if consumer_first {
                    drop(c);
                    drop(p);
                } else {
                    drop(p);
                    drop(c);
                }
                assert_eq!(drops.load(Ordering::Relaxed), 6, "{kind}: the two left in the ring");
            }
        }
    }

    #[test]
    fn abandonment_is_seen_on_both_sides() {
        for kind in LAMPORT_KINDS {
            let (mut p, mut c) = spsc::<String>(kind, 2).expect("built");
            assert!(!p.is_abandoned() && !c.is_abandoned(), "{kind}");
            assert_eq!(p.try_push("last".to_owned()), Ok(()));
            drop(p);
            assert!(c.is_abandoned(), "{kind}");
            assert_eq!(c.try_pop().as_deref(), Some("last"));
            assert_eq!(c.try_pop(), None);

            let (p, c) = spsc::<String>(kind, 2).expect("built");
            drop(c);
            assert!(p.is_abandoned(), "{kind}");
        }
    }

    /// A small deterministic generator for batch sizes (xorshift64).
    fn next_size(state: &mut u64, max: u64) -> usize {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state % max) as usize + 1
    }

    /// Pushes `0..count` from one thread with random batch sizes (1 means `try_push`) and pops
    /// them on another with random `pop_into` sizes (1 means `try_pop`), checking the order.
    fn stream_between_threads(kind: QueueKind, capacity: usize, count: u64, seed: u64) {
        let (mut p, mut c) = spsc::<u64>(kind, capacity).expect("built");
        let producer = thread::spawn(move || {
            let mut rng = seed;
            let mut backoff = Backoff::new(WaitStrategy::SpinPark);
            let mut next = 0u64;
            let mut pending = Vec::new();
            while next < count || !pending.is_empty() {
                if pending.is_empty() {
                    let end = (next + next_size(&mut rng, 48) as u64).min(count);
                    pending.extend(next..end);
                    next = end;
                }
                let moved = if pending.len() == 1 {
                    p.try_push(pending[0]).map_or(0, |()| pending.pop().map_or(0, |_| 1))
                } else {
                    p.push_from(&mut pending)
                };
                if moved > 0 {
                    backoff.reset();
                } else {
                    backoff.snooze();
                }
            }
        });
        let mut rng = seed.rotate_left(17) | 1;
        let mut backoff = Backoff::new(WaitStrategy::SpinPark);
        let mut expected = 0u64;
        let mut out = Vec::with_capacity(64);
        loop {
            out.clear();
            let max = next_size(&mut rng, 64);
            // End of stream: abandoned first, then a pop that finds nothing.
            let finished = out.is_empty() && c.is_abandoned();
            let popped = if max == 1 || finished {
                out.extend(c.try_pop());
                out.len()
            } else {
                c.pop_into(&mut out, max)
            };
            assert!(popped <= max.max(1));
            for &item in &out {
                assert_eq!(item, expected, "{kind}: order, nothing lost or duplicated");
                expected += 1;
            }
            if popped > 0 {
                backoff.reset();
            } else if finished {
                break;
            } else {
                backoff.snooze();
            }
        }
        producer.join().expect("producer thread");
        assert_eq!(expected, count, "{kind}: every item arrived");
    }

    #[test]
    #[cfg_attr(miri, ignore = "a million items is too slow under miri")]
    fn a_million_items_cross_threads_in_order() {
        for (i, kind) in LAMPORT_KINDS.into_iter().enumerate() {
            stream_between_threads(kind, 37, 1_000_000, 0x9E37_79B9 + i as u64);
        }
    }

    /// Short enough for Miri, which then checks the two threads' slot accesses for data races.
    #[test]
    fn a_short_stream_crosses_threads_in_order() {
        for kind in LAMPORT_KINDS {
            stream_between_threads(kind, 3, 200, 11);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "spinning threads are too slow under miri")]
    fn tiny_queues_stream_in_order() {
        for kind in LAMPORT_KINDS {
            for capacity in [1, 2] {
                stream_between_threads(kind, capacity, 20_000, 7 + capacity as u64);
            }
        }
    }
}

/// Loom models of each Lamport design: every interleaving of a producer and a consumer thread
/// on a queue of capacity 2, so the models cover wrap-around, full, empty, batch publish and end
/// of stream (the [`poll`](crate::queue::poll) protocol). Loom also checks every slot access:
/// a read or write not ordered after the other side's last access to that slot fails the model.
#[cfg(loom)]
mod loom_tests {
    use super::LAMPORT_KINDS;
    use crate::queue::sync::thread;
    use crate::queue::{Consumer, Polled, Producer, QueueKind, poll, spsc};

    /// Runs `f` under loom with a preemption bound that keeps each model to seconds.
    fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(f);
    }

    /// Polls until `Finished`, yielding to loom while empty; returns the items in order.
    fn drain(consumer: &mut dyn Consumer<usize>) -> Vec<usize> {
        let mut got = Vec::new();
        loop {
            match poll(consumer) {
                Polled::Item(item) => got.push(item),
                Polled::Empty => thread::yield_now(),
                Polled::Finished => return got,
            }
        }
    }

    /// Drains with `pop_into` up to `max` at a time, ending by the abandonment protocol.
    fn drain_batches(consumer: &mut dyn Consumer<usize>, max: usize) -> Vec<usize> {
        let mut got = Vec::new();
        loop {
            if consumer.pop_into(&mut got, max) > 0 {
                continue;
            }
            if consumer.is_abandoned() && consumer.pop_into(&mut got, max) == 0 {
                return got;
            }
            thread::yield_now();
        }
    }

    /// Pushes `items` one at a time, yielding while the queue is full.
    fn push_all(producer: &mut dyn Producer<usize>, items: &[usize]) {
        for &item in items {
            let mut item = item;
            while let Err(back) = producer.try_push(item) {
                item = back;
                thread::yield_now();
            }
        }
    }

    /// Three items through capacity 2 one at a time: the third waits for a free slot and lands
    /// in slot 0 again; the consumer finishes only after the last one.
    fn three_single_items_then_end(kind: QueueKind) {
        model(move || {
            let (mut producer, mut consumer) = spsc::<usize>(kind, 2).expect("built");
            let sender = thread::spawn(move || push_all(&mut *producer, &[1, 2, 3]));
            assert_eq!(drain(&mut *consumer), vec![1, 2, 3]);
            sender.join().expect("producer thread");
        });
    }

    /// Three items through capacity 2 by `push_from` and `pop_into`: partial batch publishes.
    fn three_items_in_batches_then_end(kind: QueueKind) {
        model(move || {
            let (mut producer, mut consumer) = spsc::<usize>(kind, 2).expect("built");
            let sender = thread::spawn(move || {
                let mut items = vec![1, 2, 3];
                while !items.is_empty() {
                    if producer.push_from(&mut items) == 0 {
                        thread::yield_now();
                    }
                }
            });
            assert_eq!(drain_batches(&mut *consumer, 2), vec![1, 2, 3]);
            sender.join().expect("producer thread");
        });
    }

    /// A producer that drops without pushing: the consumer finishes with nothing.
    fn empty_stream_finishes(kind: QueueKind) {
        model(move || {
            let (producer, mut consumer) = spsc::<usize>(kind, 2).expect("built");
            let sender = thread::spawn(move || drop(producer));
            assert_eq!(drain(&mut *consumer), Vec::<usize>::new());
            sender.join().expect("producer thread");
        });
    }

    /// The consumer drops while items are in flight: the producer sees it abandoned, and the
    /// ring drops what is left (loom checks those slot accesses too).
    fn consumer_drop_abandons_and_leftovers_drop(kind: QueueKind) {
        model(move || {
            let (mut producer, mut consumer) = spsc::<usize>(kind, 2).expect("built");
            let receiver = thread::spawn(move || {
                let first = consumer.try_pop();
                drop(consumer);
                first
            });
            let pushed = [producer.try_push(1), producer.try_push(2)];
            assert_eq!(pushed, [Ok(()), Ok(())], "the queue starts with two free slots");
            let first = receiver.join().expect("consumer thread");
            assert!(first.is_none() || first == Some(1));
            assert!(producer.is_abandoned());
        });
    }

    #[test]
    fn loom_single_items_wrap_and_end_for_every_lamport_design() {
        for kind in LAMPORT_KINDS {
            three_single_items_then_end(kind);
        }
    }

    #[test]
    fn loom_batches_wrap_and_end_for_every_lamport_design() {
        for kind in LAMPORT_KINDS {
            three_items_in_batches_then_end(kind);
        }
    }

    #[test]
    fn loom_empty_stream_finishes_for_every_lamport_design() {
        for kind in LAMPORT_KINDS {
            empty_stream_finishes(kind);
        }
    }

    #[test]
    fn loom_consumer_drop_for_every_lamport_design() {
        for kind in LAMPORT_KINDS {
            consumer_drop_abandons_and_leftovers_drop(kind);
        }
    }
}
