//! Tests of pooled batches and the batch channel.

use std::time::Duration;

use super::*;
use crate::queue::FlushPolicy;

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
    assert_eq!(FlushPolicy::default(), FlushPolicy::new(DEFAULT_BATCH, DEFAULT_FLUSH_TIMEOUT_NS));
}

/// Sends `chunks` (each a count of records, at most the batch size) as batches numbered
/// in order, sleeping on the doorbell on backpressure, then drops the sender.
fn send_chunks(mut tx: BatchSender, chunks: Vec<usize>) {
    let mut seq_no = 0;
    for chunk in chunks {
        let mut batch = loop {
            match tx.acquire() {
                Some(batch) => break batch,
                None => tx.wait_for_batch(None),
            }
        };
        for _ in 0..chunk.min(batch.capacity()) {
            batch.push(record(seq_no));
            seq_no += 1;
        }
        while let Err(back) = tx.send_or_wait(batch, None) {
            assert!(!tx.is_receiver_gone());
            batch = back;
        }
    }
}

/// Receives until the end of the stream, sleeping on the doorbell while empty; returns every
/// record's `seq_no` in arrival order.
fn receive_all(rx: &mut BatchReceiver) -> Vec<u32> {
    let mut got = Vec::new();
    loop {
        match rx.recv() {
            Recv::Batch(batch) => {
                got.extend(batch.iter().map(|r| r.seq_no));
                rx.recycle(batch);
            }
            Recv::Empty => rx.wait_for_input(None),
            Recv::Finished => return got,
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 24, ..proptest::prelude::ProptestConfig::default()
    })]

    /// Two real threads over a Block channel, sleeping without time limits: every record
    /// arrives once, in order, and the end of the stream wakes the receiver (a lost wake-up
    /// would hang the test).
    #[test]
    fn block_channel_keeps_order_and_loses_nothing(
        queue in proptest::sample::select(QueueKind::available().to_vec()),
        capacity in 1usize..4,
        batch in 1usize..5,
        chunks in proptest::collection::vec(1usize..5, 0..400),
    ) {
        let (tx, mut rx) = batch_channel_with(queue, capacity, batch, WaitStrategy::Block).unwrap();
        assert!(tx.has_doorbell() && rx.has_doorbell());
        let expected: u32 = chunks.iter().map(|&c| c.min(batch) as u32).sum();
        let sender = std::thread::spawn(move || send_chunks(tx, chunks));
        let got = receive_all(&mut rx);
        sender.join().unwrap();
        proptest::prop_assert_eq!(got, (0..expected).collect::<Vec<_>>());
    }
}

#[test]
fn a_batch_found_while_announcing_is_kept_for_recv() {
    let (mut tx, mut rx) = batch_channel_with(QueueKind::Rtrb, 2, 1, WaitStrategy::Block).unwrap();
    let mut batch = tx.acquire().unwrap();
    batch.push(record(5));
    tx.send(batch).unwrap();
    // The re-check finds the batch: no sleep, and `recv` returns it.
    rx.wait_for_input(None);
    rx.wait_for_input(None);
    let Recv::Batch(batch) = rx.recv() else { panic!("the stashed batch") };
    assert_eq!(batch.as_slice()[0].seq_no, 5);
    rx.recycle(batch);
    drop(tx);
    // The end of the stream is ready too: no sleep.
    rx.wait_for_input(None);
    assert!(matches!(rx.recv(), Recv::Finished));
    rx.wait_for_input(None);
}

#[test]
fn a_sender_blocked_on_full_sends_once_room_is_made() {
    let (mut tx, mut rx) = batch_channel_with(QueueKind::Rtrb, 1, 1, WaitStrategy::Block).unwrap();
    let first = tx_batch(&mut tx, 1);
    tx.send(first).unwrap();
    let second = tx_batch(&mut tx, 2);
    // Full, and nothing will make room: a timed wait gives the batch back.
    let second = tx.send_or_wait(second, Some(Duration::from_micros(1))).unwrap_err();
    let Recv::Batch(first) = rx.recv() else { panic!("the first batch") };
    rx.recycle(first);
    // Room now: the re-check sends it without sleeping.
    assert!(tx.send_or_wait(second, None).is_ok());
    // Pool: one batch queued, two free; none is missing.
    tx.wait_for_batch(None);
    assert!(tx.acquire().is_some());
    drop(rx);
    // The receiver is gone: the wait returns at once.
    tx.wait_for_batch(None);
    let batch = tx.acquire().unwrap();
    assert!(tx.send_or_wait(batch, None).is_err());
    assert!(tx.is_receiver_gone());
}

#[test]
fn channels_without_a_doorbell_wait_a_bounded_time() {
    for wait in [WaitStrategy::Spin, WaitStrategy::SpinPark] {
        let (mut tx, mut rx) = batch_channel_with(QueueKind::Rtrb, 1, 1, wait).unwrap();
        assert!(!tx.has_doorbell() && !rx.has_doorbell());
        // Nothing rings these: each returns after a bounded park.
        rx.wait_for_input(None);
        let first = tx_batch(&mut tx, 1);
        assert!(tx.send_or_wait(first, None).is_ok());
        let second = tx_batch(&mut tx, 2);
        let second = tx.send_or_wait(second, Some(Duration::ZERO)).unwrap_err();
        tx.put_back(second);
        tx.wait_for_batch(Some(Duration::from_micros(1)));
        let Recv::Batch(batch) = rx.recv() else { panic!("the first batch") };
        assert_eq!(batch.as_slice()[0].seq_no, 1);
    }
}

/// An acquired batch holding one record `seq_no`.
fn tx_batch(tx: &mut BatchSender, seq_no: u32) -> Box<Batch> {
    let mut batch = tx.acquire().expect("a free batch");
    batch.push(record(seq_no));
    batch
}
