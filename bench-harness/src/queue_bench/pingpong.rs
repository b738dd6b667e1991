//! Round-trip latency: one thread sends an item through a queue and waits for its echo on a
//! second queue of the same design; and the hardware floor of a round trip, one atomic word
//! bounced between the same two cores.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use engine::queue::{Consumer, Producer, QueueVisitor, spsc_with};

use super::spin::{SpinBarrier, backoff, pin};
use super::{
    BenchItem, Cores, ItemVisitor, PingPong, PingPongConfig, QueueBenchError, check_cores,
    split_cores, with_item_bytes,
};

/// Measures the round trip through two queues of design `cfg.queue` (there and back), with
/// items of `item_bytes` bytes, one item in flight.
///
/// The first thread sends items numbered 0, 1, 2, ... with `try_push` and waits for each to
/// come back before sending the next; the second pops each, checks its number, and pushes it
/// back. `cfg.warmup_rounds` round trips run before a barrier, `cfg.rounds` after it, timed on
/// the first thread.
///
/// A queue that loses an item leaves both threads waiting for each other (one item is in
/// flight, and neither side has gone); the throughput kernel reports such a queue instead.
///
/// # Errors
/// A bad item size, count, core pair or queue; an item out of order.
pub fn pingpong(cfg: &PingPongConfig, item_bytes: usize) -> Result<PingPong, QueueBenchError> {
    if cfg.rounds == 0 {
        return Err(QueueBenchError::ZeroCount { what: "rounds" });
    }
    check_cores(cfg.cores)?;
    with_item_bytes(item_bytes, ForItem(cfg))?
}

/// Picks up the item type, then builds the queue there.
struct ForItem<'a>(&'a PingPongConfig);

impl ItemVisitor for ForItem<'_> {
    type Output = Result<PingPong, QueueBenchError>;

    fn visit<I: BenchItem>(self) -> Self::Output {
        let cfg = self.0;
        spsc_with::<I, _>(cfg.queue, cfg.capacity, There(cfg))?
    }
}

/// Has the queue there; builds the queue back.
struct There<'a>(&'a PingPongConfig);

impl<I: BenchItem> QueueVisitor<I> for There<'_> {
    type Output = Result<PingPong, QueueBenchError>;

    fn visit<P, C>(self, there_tx: P, there_rx: C) -> Self::Output
    where
        P: Producer<I> + 'static,
        C: Consumer<I> + 'static,
    {
        let cfg = self.0;
        spsc_with::<I, _>(cfg.queue, cfg.capacity, Back { cfg, there_tx, there_rx })?
    }
}

/// Has both queues.
struct Back<'a, P, C> {
    cfg: &'a PingPongConfig,
    there_tx: P,
    there_rx: C,
}

impl<I, P, C> QueueVisitor<I> for Back<'_, P, C>
where
    I: BenchItem,
    P: Producer<I> + 'static,
    C: Consumer<I> + 'static,
{
    type Output = Result<PingPong, QueueBenchError>;

    fn visit<P2, C2>(self, back_tx: P2, back_rx: C2) -> Self::Output
    where
        P2: Producer<I> + 'static,
        C2: Consumer<I> + 'static,
    {
        // Both queues come from one design, so `P2` is `P` and `C2` is `C`; saying so through
        // `Any` compiles the kernel once per design rather than once per pair of designs.
        let back_tx: Box<dyn Any> = Box::new(back_tx);
        let back_rx: Box<dyn Any> = Box::new(back_rx);
        match (back_tx.downcast::<P>(), back_rx.downcast::<C>()) {
            (Ok(back_tx), Ok(back_rx)) => {
                run(self.cfg, self.there_tx, *back_rx, self.there_rx, *back_tx)
            }
            _ => Err(QueueBenchError::MismatchedQueues(self.cfg.queue)),
        }
    }
}

/// The kernel: the sender has `tx` (there) and `rx` (back), the echoer `echo_rx` (there) and
/// `echo_tx` (back).
pub(super) fn run<I, P, C>(
    cfg: &PingPongConfig,
    mut tx: P,
    mut rx: C,
    mut echo_rx: C,
    mut echo_tx: P,
) -> Result<PingPong, QueueBenchError>
where
    I: BenchItem,
    P: Producer<I>,
    C: Consumer<I>,
{
    let barrier = SpinBarrier::default();
    let (first, second) = split_cores(cfg.cores);
    let total = cfg.warmup_rounds + cfg.rounds;
    let (sent, echoed) = std::thread::scope(|s| {
        let sender = s.spawn(|| {
            let _stop = barrier.break_on_drop();
            let pinned = pin(first);
            let result = round_trips(&mut tx, &mut rx, 0..cfg.warmup_rounds).and_then(|()| {
                if !barrier.wait(1) {
                    return Err(QueueBenchError::Stopped {
                        side: "sender",
                        done: 0,
                        wanted: total,
                    });
                }
                let start = Instant::now();
                round_trips(&mut tx, &mut rx, cfg.warmup_rounds..total)?;
                Ok(start.elapsed())
            });
            drop((tx, rx));
            (pinned, result)
        });
        let echoer = s.spawn(|| {
            let _stop = barrier.break_on_drop();
            let pinned = pin(second);
            let result = echo(&mut echo_rx, &mut echo_tx, 0..cfg.warmup_rounds).and_then(|()| {
                if barrier.wait(1) {
                    echo(&mut echo_rx, &mut echo_tx, cfg.warmup_rounds..total)
                } else {
                    Ok(())
                }
            });
            drop((echo_rx, echo_tx));
            (pinned, result)
        });
        (sender.join(), echoer.join())
    });
    let (sender_pinned, sent) = sent.map_err(|_| QueueBenchError::Panicked("sender"))?;
    let (echoer_pinned, echoed) = echoed.map_err(|_| QueueBenchError::Panicked("echoer"))?;
    // The echoer's error is the cause when both failed: it checks the order of what it gets.
    echoed?;
    let elapsed: Duration = sent?;
    Ok(PingPong { rounds: cfg.rounds, elapsed, pinned: [sender_pinned, echoer_pinned] })
}

/// Pushes `item`, spinning while the queue is full; false if the consumer has gone.
#[inline]
fn push_one<I: BenchItem, P: Producer<I>>(tx: &mut P, mut item: I) -> bool {
    let mut spins = 0;
    while let Err(back) = tx.try_push(item) {
        item = back;
        if !backoff(&mut spins, || tx.is_abandoned()) {
            return false;
        }
    }
    true
}

/// Pops one item, spinning while the queue is empty; `None` once the producer has gone and
/// the queue is drained.
#[inline]
fn pop_one<I: BenchItem, C: Consumer<I>>(rx: &mut C) -> Option<I> {
    let mut spins = 0;
    loop {
        if let Some(item) = rx.try_pop() {
            return Some(item);
        }
        if !backoff(&mut spins, || rx.is_abandoned()) {
            // The producer is gone: a pop made now sees everything it pushed.
            return rx.try_pop();
        }
    }
}

/// The sender's side of round trips numbered `seqs`: send each, wait for it to come back.
fn round_trips<I: BenchItem, P: Producer<I>, C: Consumer<I>>(
    tx: &mut P,
    rx: &mut C,
    seqs: std::ops::Range<u64>,
) -> Result<(), QueueBenchError> {
    let wanted = seqs.end;
    for seq in seqs {
        let stopped = QueueBenchError::Stopped { side: "sender", done: seq, wanted };
        if !push_one(tx, I::new(seq)) {
            return Err(stopped);
        }
        match pop_one(rx) {
            Some(item) if item.seq() == seq => {}
            Some(item) => {
                return Err(QueueBenchError::OutOfOrder { expected: seq, got: item.seq() });
            }
            None => return Err(stopped),
        }
    }
    Ok(())
}

/// The echoer's side of round trips numbered `seqs`: take each, check it, send it back.
fn echo<I: BenchItem, P: Producer<I>, C: Consumer<I>>(
    rx: &mut C,
    tx: &mut P,
    seqs: std::ops::Range<u64>,
) -> Result<(), QueueBenchError> {
    let wanted = seqs.end;
    for seq in seqs {
        let stopped = QueueBenchError::Stopped { side: "echoer", done: seq, wanted };
        let item = pop_one(rx).ok_or(stopped.clone())?;
        if item.seq() != seq {
            return Err(QueueBenchError::OutOfOrder { expected: seq, got: item.seq() });
        }
        if !push_one(tx, item) {
            return Err(stopped);
        }
    }
    Ok(())
}

/// One atomic word on a cache line of its own (two lines: some CPUs fetch lines in pairs).
#[repr(align(128))]
struct PaddedWord(AtomicU64);

/// The hardware floor of a round trip between two cores: one atomic word, bounced.
///
/// The first thread writes odd values (`2r + 1` starts round `r`) and waits for the next even
/// one; the second waits for each odd value and answers with the even one after it.
/// `warmup_rounds` round trips run before a barrier, `rounds` after it, timed on the first
/// thread. A queue's round trip cannot beat this: each way it must move at least one line.
///
/// # Errors
/// A count of zero, or the same core twice.
pub fn atomic_pingpong(
    rounds: u64,
    warmup_rounds: u64,
    cores: Cores,
) -> Result<PingPong, QueueBenchError> {
    if rounds == 0 {
        return Err(QueueBenchError::ZeroCount { what: "rounds" });
    }
    check_cores(cores)?;
    let word = PaddedWord(AtomicU64::new(0));
    let barrier = SpinBarrier::default();
    let (first, second) = split_cores(cores);
    let total = warmup_rounds + rounds;
    // Waits until the word holds `value`; false if the other thread stopped first.
    let wait_for = |value: u64| {
        let mut spins = 0;
        // Acquire: pairs with the other thread's release store, as a queue's consumer reads an
        // index or slot flag the producer published (the cost measured is that of a queue's
        // hand-over; on x86 both are plain loads and stores).
        while word.0.load(Ordering::Acquire) != value {
            if !backoff(&mut spins, || barrier.is_broken()) {
                return false;
            }
        }
        true
    };
    let (sent, echoed) = std::thread::scope(|s| {
        let sender = s.spawn(|| {
            let _stop = barrier.break_on_drop();
            let pinned = pin(first);
            let bounce = |r: u64| {
                // Release: publishes this round as a producer publishes an item.
                word.0.store(2 * r + 1, Ordering::Release);
                wait_for(2 * r + 2)
            };
            if !(0..warmup_rounds).all(bounce) || !barrier.wait(1) {
                return (pinned, None);
            }
            let start = Instant::now();
            let done = (warmup_rounds..total).all(bounce);
            (pinned, done.then(|| start.elapsed()))
        });
        let echoer = s.spawn(|| {
            let _stop = barrier.break_on_drop();
            let pinned = pin(second);
            let answer = |r: u64| {
                if !wait_for(2 * r + 1) {
                    return false;
                }
                // Release: as the sender's store.
                word.0.store(2 * r + 2, Ordering::Release);
                true
            };
            let _ = (0..warmup_rounds).all(answer)
                && barrier.wait(1)
                && (warmup_rounds..total).all(answer);
            pinned
        });
        (sender.join(), echoer.join())
    });
    let (sender_pinned, elapsed) = sent.map_err(|_| QueueBenchError::Panicked("sender"))?;
    let echoer_pinned = echoed.map_err(|_| QueueBenchError::Panicked("echoer"))?;
    let elapsed =
        elapsed.ok_or(QueueBenchError::Stopped { side: "sender", done: 0, wanted: total })?;
    Ok(PingPong { rounds, elapsed, pinned: [sender_pinned, echoer_pinned] })
}
