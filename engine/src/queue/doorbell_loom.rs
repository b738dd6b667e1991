//! Loom models of the doorbell and of a [`WaitStrategy::Block`] batch channel: over every
//! interleaving (within a preemption bound), a thread that sleeps until rung is woken by the
//! progress it waits for. Sleeps here have no time limit, so a lost wake-up leaves a thread
//! parked forever, which loom reports as a deadlock.
//!
//! The channels use the FastForward design, whose atomics come from the loom shim.
//!
//! Threads are joined through [`spawn`]'s flag: in loom (unlike `std`) an `unpark` meant for a
//! doorbell also ends a `join` the target is blocked in, and a ringer may unpark a waiter that
//! has already moved on (harmless in `std`: its next park just returns early).

use super::batch::{BatchReceiver, BatchSender, Recv, batch_channel_with};
use super::doorbell::Doorbell;
use super::sync::{Arc, AtomicBool, Ordering, thread};
use super::{QueueKind, WaitStrategy};

/// A spawned model thread and the flag it sets once it is done ringing.
struct Spawned<T> {
    done: Arc<AtomicBool>,
    handle: thread::JoinHandle<T>,
}

/// Spawns `f` on a model thread that sets a flag when `f` returns.
fn spawn<T: 'static>(f: impl FnOnce() -> T + 'static) -> Spawned<T> {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let handle = thread::spawn(move || {
        let out = f();
        // Release: pairs with the acquire load in `join`.
        flag.store(true, Ordering::Release);
        out
    });
    Spawned { done, handle }
}

impl<T> Spawned<T> {
    /// Waits, yielding, until the thread's last ring is over, then joins it: the thread can
    /// no longer unpark the joiner while it is blocked in `join`.
    fn join(self) -> T {
        // Acquire: pairs with the release store in `spawn`.
        while !self.done.load(Ordering::Acquire) {
            thread::yield_now();
        }
        self.handle.join().expect("model thread")
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// A Block channel of FastForward queues holding `capacity` batches of one record.
fn channel(capacity: usize) -> (BatchSender, BatchReceiver) {
    batch_channel_with(QueueKind::FastForward, capacity, 1, WaitStrategy::Block)
        .expect("a small channel")
}

/// Sends one batch carrying `tag` (in `released_ns`), sleeping while the queue is full.
fn send_tagged(tx: &mut BatchSender, tag: u64) {
    let mut batch = loop {
        match tx.acquire() {
            Some(batch) => break batch,
            None => tx.wait_for_batch(None),
        }
    };
    batch.released_ns = tag;
    while let Err(back) = tx.send_or_wait(batch, None) {
        batch = back;
    }
}

/// Receives until `count` batches have arrived or the stream ends, sleeping while the queue is
/// empty, recycling each; returns their tags in order.
fn receive(rx: &mut BatchReceiver, count: usize) -> Vec<u64> {
    let mut tags = Vec::new();
    while tags.len() < count {
        match rx.recv() {
            Recv::Batch(batch) => {
                tags.push(batch.released_ns);
                rx.recycle(batch);
            }
            Recv::Empty => rx.wait_for_input(None),
            Recv::Finished => break,
        }
    }
    tags
}

/// The bare protocol: one thread sets a flag then rings; the other sleeps until it sees it.
#[test]
fn loom_doorbell_never_loses_a_ring() {
    model(|| {
        let bell = Arc::new(Doorbell::new());
        let flag = Arc::new(AtomicBool::new(false));
        let (ringer_bell, ringer_flag) = (bell.clone(), flag.clone());
        let ringer = spawn(move || {
            // Release: the waiter's acquire load that sees it is the progress it waits for.
            ringer_flag.store(true, Ordering::Release);
            ringer_bell.ring();
        });
        // Acquire: pairs with the release store above.
        while !flag.load(Ordering::Acquire) {
            bell.sleep(|| flag.load(Ordering::Acquire), None);
        }
        ringer.join();
    });
}

/// (a) A published batch wakes a receiver asleep on an empty queue. The sender is kept alive
/// until the receiver has the batch, so only the publish's ring can wake it.
#[test]
fn loom_a_send_wakes_a_sleeping_receiver() {
    model(|| {
        let (mut tx, mut rx) = channel(1);
        let sender = spawn(move || {
            send_tagged(&mut tx, 7);
            tx
        });
        assert_eq!(receive(&mut rx, 1), vec![7]);
        drop(sender.join());
        assert!(matches!(rx.recv(), Recv::Finished));
    });
}

/// (b) The end of the stream wakes a receiver asleep on an empty queue, after the last batch.
#[test]
fn loom_a_dropped_sender_wakes_a_sleeping_receiver() {
    model(|| {
        let (mut tx, mut rx) = channel(1);
        let sender = spawn(move || {
            send_tagged(&mut tx, 1);
            // `tx` drops here: end of stream.
        });
        assert_eq!(receive(&mut rx, usize::MAX), vec![1]);
        assert!(rx.is_finished());
        sender.join();
    });
}

/// (b) A stream that ends without a batch wakes the receiver too.
#[test]
fn loom_an_empty_stream_wakes_a_sleeping_receiver() {
    model(|| {
        let (tx, mut rx) = channel(1);
        let sender = spawn(move || drop(tx));
        assert_eq!(receive(&mut rx, usize::MAX), Vec::<u64>::new());
        sender.join();
    });
}

/// (c) A sender asleep on a full forward queue (capacity 1, two batches) wakes when the
/// receiver takes a batch; order is kept. The receiver keeps its end until both arrived.
#[test]
fn loom_a_receive_wakes_a_sender_blocked_on_full() {
    model(|| {
        let (mut tx, mut rx) = channel(1);
        let sender = spawn(move || {
            send_tagged(&mut tx, 1);
            send_tagged(&mut tx, 2);
            tx
        });
        assert_eq!(receive(&mut rx, 2), vec![1, 2]);
        drop(sender.join());
    });
}

/// (c) A sender asleep on an empty pool wakes when the receiver recycles a batch. It holds
/// every other batch of the pool (capacity 1: three batches), so only the recycle frees one.
#[test]
fn loom_a_recycle_wakes_a_sender_blocked_on_an_empty_pool() {
    model(|| {
        let (mut tx, mut rx) = channel(1);
        let sender = spawn(move || {
            let held: Vec<_> =
                (0..2).map(|_| tx.acquire().expect("the pool starts full")).collect();
            send_tagged(&mut tx, 1);
            send_tagged(&mut tx, 2);
            (tx, held)
        });
        assert_eq!(receive(&mut rx, 2), vec![1, 2]);
        drop(sender.join());
    });
}

/// A receiver that goes away wakes a sender asleep on a full queue, which then sees it gone.
#[test]
fn loom_a_dropped_receiver_wakes_a_blocked_sender() {
    model(|| {
        let (mut tx, rx) = channel(1);
        send_tagged(&mut tx, 1);
        let receiver = spawn(move || drop(rx));
        let mut batch = tx.acquire().expect("a free batch");
        loop {
            match tx.send_or_wait(batch, None) {
                Ok(()) => panic!("the queue stays full"),
                Err(_) if tx.is_receiver_gone() => break,
                Err(back) => batch = back,
            }
        }
        receiver.join();
    });
}
