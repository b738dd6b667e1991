//! Properties of the queue layer across two threads: items and batches arrive in order, none
//! lost or duplicated; the batch pool never grows; end of stream comes after the last batch;
//! queue names fail with the list of valid ones.

use std::collections::HashSet;
use std::thread;

use engine::queue::{
    Backoff, QueueError, QueueKind, Recv, WaitStrategy, batch::POOL_SLACK, batch_channel, spsc,
};
use proptest::prelude::*;
use wire::PacketRecord;

/// How the producer of a run pushes: one at a time, or in chunks of up to `chunk` items.
#[derive(Debug, Clone, Copy)]
enum PushMode {
    Single,
    Chunks(usize),
}

fn push_mode() -> impl Strategy<Value = PushMode> {
    prop_oneof![Just(PushMode::Single), (1usize..48).prop_map(PushMode::Chunks)]
}

fn record(i: u64) -> PacketRecord {
    let mut record = PacketRecord::default();
    record.ts_ns = i;
    record.seq_no = i as u32;
    record
}

/// Pushes `0..count` through a queue of design `kind` and `capacity` from one thread and pops them on another
/// (single pops when `pop_max` is 0, else `pop_into` up to `pop_max`); returns what arrived.
fn spsc_round_trip(
    kind: QueueKind,
    capacity: usize,
    count: u64,
    mode: PushMode,
    pop_max: usize,
) -> Vec<u64> {
    let (mut tx, mut rx) = spsc::<u64>(kind, capacity).expect("an available design");
    // The FastForward designs with line slack may hold more than asked; none holds less.
    assert!(tx.capacity() >= capacity && rx.capacity() == tx.capacity());
    let producer = thread::spawn(move || {
        let mut backoff = Backoff::new(WaitStrategy::SpinPark);
        let mut next = 0u64;
        let mut pending: Vec<u64> = Vec::new();
        while next < count || !pending.is_empty() {
            let progressed = match mode {
                PushMode::Single => match tx.try_push(next) {
                    Ok(()) => {
                        next += 1;
                        true
                    }
                    Err(item) => {
                        assert_eq!(item, next, "a refused item comes back unchanged");
                        false
                    }
                },
                PushMode::Chunks(chunk) => {
                    if pending.is_empty() {
                        let end = (next + chunk as u64).min(count);
                        pending.extend(next..end);
                        next = end;
                    }
                    let before = pending.clone();
                    let moved = tx.push_from(&mut pending);
                    assert_eq!(pending[..], before[moved..], "the rest stays, in order");
                    moved > 0
                }
            };
            if progressed {
                backoff.reset();
            } else {
                backoff.snooze();
            }
        }
        // Dropping `tx` here ends the stream.
    });
    let mut got = Vec::with_capacity(count as usize);
    let mut backoff = Backoff::new(WaitStrategy::SpinPark);
    loop {
        let popped = if pop_max == 0 {
            match rx.try_pop() {
                Some(item) => {
                    got.push(item);
                    1
                }
                None => 0,
            }
        } else {
            let popped = rx.pop_into(&mut got, pop_max);
            assert!(popped <= pop_max);
            popped
        };
        if popped > 0 {
            backoff.reset();
            continue;
        }
        // End of stream: abandoned first, then one more pop finds nothing.
        if rx.is_abandoned() {
            let before = got.len();
            if pop_max == 0 {
                got.extend(rx.try_pop());
            } else {
                rx.pop_into(&mut got, usize::MAX);
            }
            if got.len() == before {
                break;
            }
        }
        backoff.snooze();
    }
    producer.join().expect("producer thread");
    got
}

/// What the receiving thread of a batch-channel run saw.
struct Received {
    records: Vec<u64>,
    batches: usize,
    distinct_batches: usize,
}

/// Sends records `0..count` over a batch channel, filling each batch with `fills[i % len]`
/// records (at most B: partial batches too), and receives them on another thread.
fn batch_round_trip(
    kind: QueueKind,
    capacity: usize,
    batch: usize,
    count: u64,
    fills: Vec<usize>,
) -> Received {
    let (mut tx, mut rx) = batch_channel(kind, capacity, batch).expect("every design builds");
    let pool_size = tx.pool_size();
    assert_eq!(pool_size, capacity + POOL_SLACK);
    assert_eq!((tx.batch_capacity(), rx.batch_capacity()), (batch, batch));
    let producer = thread::spawn(move || {
        let mut backoff = Backoff::new(WaitStrategy::SpinPark);
        let mut acquired = HashSet::new();
        let mut next = 0u64;
        let mut fill = fills.iter().copied().cycle();
        while next < count {
            let mut b = loop {
                match tx.acquire() {
                    Some(b) => break b,
                    None => backoff.snooze(),
                }
            };
            backoff.reset();
            assert!(b.is_empty() && b.released_ns == 0, "acquired batches are cleared");
            assert_eq!(b.capacity(), batch);
            acquired.insert(&*b as *const _ as usize);
            let want = fill.next().unwrap_or(batch).clamp(1, batch);
            b.released_ns = next;
            while b.len() < want && next < count {
                b.push(record(next));
                next += 1;
            }
            loop {
                match tx.send(b) {
                    Ok(()) => break,
                    Err(back) => {
                        b = back;
                        backoff.snooze();
                    }
                }
            }
            backoff.reset();
        }
        assert!(acquired.len() <= tx.pool_size(), "the sender never allocates a batch");
        assert_eq!(tx.pool_size(), pool_size);
        // Dropping `tx` here ends the stream.
    });
    let mut received = Received { records: Vec::new(), batches: 0, distinct_batches: 0 };
    let mut seen = HashSet::new();
    let mut backoff = Backoff::new(WaitStrategy::SpinPark);
    loop {
        assert!(!rx.is_finished());
        match rx.recv() {
            Recv::Batch(b) => {
                backoff.reset();
                assert!(!b.is_empty() && b.len() <= batch);
                assert_eq!(b.capacity(), batch, "batches keep their capacity");
                assert_eq!(b.released_ns, b.as_slice()[0].ts_ns);
                seen.insert(&*b as *const _ as usize);
                received.records.extend(b.iter().map(|r| r.ts_ns));
                received.batches += 1;
                rx.recycle(b);
            }
            Recv::Empty => backoff.snooze(),
            Recv::Finished => break,
        }
    }
    assert!(rx.is_finished());
    assert!(matches!(rx.recv(), Recv::Finished), "finished stays finished");
    producer.join().expect("producer thread");
    received.distinct_batches = seen.len();
    assert!(received.distinct_batches <= pool_size, "the pool never grows");
    received
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn spsc_keeps_order_and_loses_nothing(
        kind in prop::sample::select(QueueKind::available()),
        capacity in 1usize..64,
        count in 0u64..4_000,
        mode in push_mode(),
        pop_max in 0usize..48,
    ) {
        let got = spsc_round_trip(kind, capacity, count, mode, pop_max);
        prop_assert_eq!(got, (0..count).collect::<Vec<_>>());
    }

    #[test]
    fn batch_channel_keeps_order_recycles_and_finishes_last(
        kind in prop::sample::select(QueueKind::available()),
        capacity in 1usize..16,
        batch in 1usize..80,
        count in 0u64..6_000,
        fills in prop::collection::vec(1usize..80, 1..8),
    ) {
        let received = batch_round_trip(kind, capacity, batch, count, fills);
        prop_assert_eq!(received.records, (0..count).collect::<Vec<_>>());
        prop_assert!(received.distinct_batches <= capacity + POOL_SLACK);
        if count > 0 {
            prop_assert!(received.batches >= (count as usize).div_ceil(batch));
        }
    }
}

#[test]
fn a_long_stream_reuses_a_small_pool() {
    let count = 200_000;
    let received = batch_round_trip(QueueKind::Rtrb, 2, 16, count, vec![16]);
    assert_eq!(received.records.len(), count as usize);
    assert_eq!(received.batches, (count as usize).div_ceil(16));
    assert!(received.distinct_batches <= 2 + POOL_SLACK);
}

#[test]
fn unknown_queue_name_lists_every_valid_name() {
    let err = "lamport2".parse::<QueueKind>().expect_err("not a queue");
    assert_eq!(err, QueueError::UnknownQueue { name: "lamport2".to_owned() });
    let message = err.to_string();
    for name in [
        "rtrb",
        "lamport",
        "lazy-lamport",
        "batched-lamport",
        "fastforward",
        "iffq",
        "biffq",
        "crossbeam-array",
        "crossbeam-channel",
        "std-sync-channel",
    ] {
        assert!(message.contains(name), "`{message}` lacks {name}");
        assert!(name.parse::<QueueKind>().is_ok(), "{name} is registered");
    }
}
