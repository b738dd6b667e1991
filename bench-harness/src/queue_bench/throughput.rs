//! The throughput kernel: a producer thread pushes numbered items through one queue as fast as
//! it can, a consumer thread pops and checks them; the consumer times the run.

use std::time::{Duration, Instant};

use engine::queue::{Consumer, MAX_BATCH, Producer, QueueVisitor, spsc_with};

use super::spin::{SpinBarrier, backoff, pin};
use super::{
    BenchItem, ItemVisitor, QueueBenchError, Throughput, ThroughputConfig, check_cores,
    split_cores, with_item_bytes,
};

/// Measures how fast `cfg.queue` moves items of `item_bytes` bytes from one thread to another.
///
/// The producer pushes `cfg.warmup_items` and then `cfg.items` items numbered from 0 (the two
/// phases separated by a barrier), with `try_push` when `cfg.batch` is 1 and `push_from` of a
/// reused vector of `cfg.batch` items otherwise; the consumer pops with `try_pop` or
/// `pop_into`, checks that the items arrive numbered 0, 1, 2, ... (and with `cfg.touch` reads
/// every word of each), and times from the barrier to the last item. Both spin while the queue
/// is full or empty.
///
/// # Errors
/// A bad item size, batch, count, core pair or queue; an item out of order or corrupted.
pub fn throughput(
    cfg: &ThroughputConfig,
    item_bytes: usize,
) -> Result<Throughput, QueueBenchError> {
    if !(1..=MAX_BATCH).contains(&cfg.batch) {
        return Err(QueueBenchError::InvalidBatch { batch: cfg.batch });
    }
    if cfg.items == 0 {
        return Err(QueueBenchError::ZeroCount { what: "items" });
    }
    check_cores(cfg.cores)?;
    with_item_bytes(item_bytes, ForItem(cfg))?
}

/// Picks up the item type, then builds the queue.
struct ForItem<'a>(&'a ThroughputConfig);

impl ItemVisitor for ForItem<'_> {
    type Output = Result<Throughput, QueueBenchError>;

    fn visit<I: BenchItem>(self) -> Self::Output {
        let cfg = self.0;
        spsc_with::<I, _>(cfg.queue, cfg.capacity, Run(cfg))?
    }
}

/// Runs the kernel on the halves of the freshly built queue.
struct Run<'a>(&'a ThroughputConfig);

impl<I: BenchItem> QueueVisitor<I> for Run<'_> {
    type Output = Result<Throughput, QueueBenchError>;

    fn visit<P, C>(self, producer: P, consumer: C) -> Self::Output
    where
        P: Producer<I> + 'static,
        C: Consumer<I> + 'static,
    {
        run(self.0, producer, consumer)
    }
}

/// The kernel, compiled once per design and item type.
pub(super) fn run<I, P, C>(
    cfg: &ThroughputConfig,
    mut producer: P,
    mut consumer: C,
) -> Result<Throughput, QueueBenchError>
where
    I: BenchItem,
    P: Producer<I>,
    C: Consumer<I>,
{
    let barrier = SpinBarrier::default();
    let (first, second) = split_cores(cfg.cores);
    let (produced, consumed) = std::thread::scope(|s| {
        let producer_thread = s.spawn(|| {
            let _stop = barrier.break_on_drop();
            let pinned = pin(first);
            let result = produce(&mut producer, cfg.warmup_items, cfg.batch).and_then(|()| {
                if barrier.wait(1) { produce(&mut producer, cfg.items, cfg.batch) } else { Ok(()) }
            });
            // Dropping the producer here (not at the end of the scope) ends the stream, so a
            // consumer still waiting learns that nothing more will come.
            drop(producer);
            (pinned, result)
        });
        let consumer_thread = s.spawn(|| {
            let _stop = barrier.break_on_drop();
            let pinned = pin(second);
            let mut out = Vec::with_capacity(cfg.batch);
            let result = consume(&mut consumer, &mut out, cfg.warmup_items, cfg.batch, cfg.touch)
                .and_then(|()| {
                    if !barrier.wait(1) {
                        let wanted = cfg.items;
                        return Err(QueueBenchError::Stopped { side: "consumer", done: 0, wanted });
                    }
                    let start = Instant::now();
                    consume(&mut consumer, &mut out, cfg.items, cfg.batch, cfg.touch)?;
                    Ok(start.elapsed())
                });
            drop(consumer);
            (pinned, result)
        });
        (producer_thread.join(), consumer_thread.join())
    });
    let (producer_pinned, produced) =
        produced.map_err(|_| QueueBenchError::Panicked("producer"))?;
    let (consumer_pinned, consumed) =
        consumed.map_err(|_| QueueBenchError::Panicked("consumer"))?;
    // The consumer's error is the cause when both failed: the producer only stops because the
    // consumer went away.
    let elapsed: Duration = consumed?;
    produced?;
    Ok(Throughput { items: cfg.items, elapsed, pinned: [producer_pinned, consumer_pinned] })
}

/// Pushes items numbered `0..count`, one at a time when `batch` is 1, else in vectors of
/// `batch`; spins while the queue is full.
fn produce<I: BenchItem, P: Producer<I>>(
    producer: &mut P,
    count: u64,
    batch: usize,
) -> Result<(), QueueBenchError> {
    let stopped = |done| QueueBenchError::Stopped { side: "producer", done, wanted: count };
    if batch == 1 {
        for seq in 0..count {
            let mut item = I::new(seq);
            let mut spins = 0;
            while let Err(back) = producer.try_push(item) {
                item = back;
                if !backoff(&mut spins, || producer.is_abandoned()) {
                    return Err(stopped(seq));
                }
            }
        }
        return Ok(());
    }
    // One vector, reused: topped up to `batch` items before each call, so a call that moved
    // only part of it (the queue was nearly full) is followed by one offering `batch` again.
    let mut items: Vec<I> = Vec::with_capacity(batch);
    let mut next = 0;
    let mut spins = 0;
    while next < count || !items.is_empty() {
        while items.len() < batch && next < count {
            items.push(I::new(next));
            next += 1;
        }
        if producer.push_from(&mut items) > 0 {
            spins = 0;
        } else if !backoff(&mut spins, || producer.is_abandoned()) {
            return Err(stopped(next - items.len() as u64));
        }
    }
    Ok(())
}

/// Pops `count` items, one at a time when `batch` is 1, else up to `batch` per call into
/// `out`, checking that they arrive numbered `0..count` in order (and, with `touch`, reading
/// every word of each); spins while the queue is empty.
fn consume<I: BenchItem, C: Consumer<I>>(
    consumer: &mut C,
    out: &mut Vec<I>,
    count: u64,
    batch: usize,
    touch: bool,
) -> Result<(), QueueBenchError> {
    let stopped = |done| QueueBenchError::Stopped { side: "consumer", done, wanted: count };
    if batch == 1 {
        for expected in 0..count {
            let mut spins = 0;
            let item = loop {
                if let Some(item) = consumer.try_pop() {
                    break item;
                }
                if !backoff(&mut spins, || consumer.is_abandoned()) {
                    // The producer is gone, and everything it pushed is visible to a pop made
                    // after `is_abandoned` said so (the end-of-stream protocol of `Consumer`).
                    match consumer.try_pop() {
                        Some(item) => break item,
                        None => return Err(stopped(expected)),
                    }
                }
            };
            check(&item, expected, touch)?;
        }
        return Ok(());
    }
    let mut expected = 0;
    let mut spins = 0;
    while expected < count {
        out.clear();
        let max = usize::try_from(count - expected).map_or(batch, |left| left.min(batch));
        if consumer.pop_into(out, max) == 0 {
            if backoff(&mut spins, || consumer.is_abandoned()) {
                continue;
            }
            // As above: after the producer is seen gone, one last pop sees all it pushed.
            if consumer.pop_into(out, max) == 0 {
                return Err(stopped(expected));
            }
        }
        spins = 0;
        for item in out.iter() {
            check(item, expected, touch)?;
            expected += 1;
        }
    }
    Ok(())
}

/// Checks that `item` is number `expected` and, with `touch`, reads all its words and checks
/// that they hold that number too.
#[inline(always)]
fn check<I: BenchItem>(item: &I, expected: u64, touch: bool) -> Result<(), QueueBenchError> {
    let seq = item.seq();
    if seq != expected {
        return Err(QueueBenchError::OutOfOrder { expected, got: seq });
    }
    // `black_box` keeps the sum from being folded away even if the check below could be.
    if touch && std::hint::black_box(item.sum_words()) != I::expected_sum(seq) {
        return Err(QueueBenchError::Corrupted { seq });
    }
    Ok(())
}
