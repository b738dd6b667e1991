//! Loom models of the batch channel: batches go forward over one queue and come back over the
//! recycle queue, so a sender that sends more batches than the pool holds depends on every
//! recycle reaching it. Run with the other loom tests
//! (`RUSTFLAGS="--cfg loom" cargo test -p engine --lib --release loom`).
//!
//! The sender sends a full batch, then partial ones (what a flush publishes), one more than the
//! pool holds; the receiver checks each record and recycles each batch. Over every interleaving
//! within a preemption bound of 3 (the channel makes many atomic steps per batch; an unbounded
//! search does not finish), the receiver gets every record in order and then `Finished`.

use wire::PacketRecord;

use super::QueueKind;
use super::batch::{BatchReceiver, BatchSender, POOL_SLACK, Recv, batch_channel};
use super::sync::thread;

/// Records per batch; the first batch is full, the others are flushed partial.
const BATCH: usize = 2;

/// A record numbered `seq` (in its timestamp).
fn record(seq: u64) -> PacketRecord {
    let mut record = PacketRecord::default();
    record.ts_ns = seq;
    record
}

/// Sends `batches` batches: the first full, the rest with one record; then drops the sender.
fn send_all(mut sender: BatchSender, batches: u64) {
    let mut seq = 0;
    for b in 0..batches {
        let mut batch = loop {
            match sender.acquire() {
                Some(batch) => break batch,
                // The pool is out until the receiver recycles one.
                None => thread::yield_now(),
            }
        };
        let records = if b == 0 { BATCH } else { 1 };
        for _ in 0..records {
            batch.push(record(seq));
            seq += 1;
        }
        while let Err(back) = sender.send(batch) {
            batch = back;
            thread::yield_now();
        }
    }
}

/// Receives until `Finished`, recycling every batch; returns the record numbers in order.
fn receive_all(receiver: &mut BatchReceiver) -> Vec<u64> {
    let mut got = Vec::new();
    loop {
        match receiver.recv() {
            Recv::Batch(batch) => {
                got.extend(batch.iter().map(|r| r.ts_ns));
                receiver.recycle(batch);
            }
            Recv::Empty => thread::yield_now(),
            Recv::Finished => return got,
        }
    }
}

fn recycled_batches_come_back(kind: QueueKind) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(move || {
        // A forward queue of one batch: the pool holds 1 + POOL_SLACK batches.
        let (sender, mut receiver) = batch_channel(kind, 1, BATCH).expect("built");
        let pool = sender.pool_size() as u64;
        assert_eq!(pool, 1 + POOL_SLACK as u64);
        let sends = pool + 1;
        let producer = thread::spawn(move || send_all(sender, sends));
        let got = receive_all(&mut receiver);
        producer.join().expect("sender thread");
        // The first batch carries BATCH records, each later one a single record.
        let total = BATCH as u64 + (sends - 1);
        assert_eq!(got, (0..total).collect::<Vec<_>>(), "{kind}");
    });
}

#[test]
fn loom_batch_channel_recycles_over_batched_lamport() {
    recycled_batches_come_back(QueueKind::BatchedLamport);
}

#[test]
fn loom_batch_channel_recycles_over_lazy_lamport() {
    recycled_batches_come_back(QueueKind::LazyLamport);
}

#[test]
fn loom_batch_channel_recycles_over_biffq() {
    recycled_batches_come_back(QueueKind::Biffq);
}
