//! The one generic thread loop: take records from the input, hand them to the output, wait with
//! the wait strategy when there is nothing to do, and account for every frame.

use wire::{PacketRecord, parse_frame_into, rss, unique_ip};

use super::clock::RunClock;
use super::nic::RxRing;
use crate::metrics::{DropReason, ThreadMetrics, is_latency_sample};
use crate::query::{App, FlowCounts};
use crate::queue::FlushPolicy;
use crate::queue::batch::{Batch, BatchReceiver, BatchSender, Recv};
use crate::queue::wait::{Backoff, WaitStrategy};
use wire::prefetch::prefetch;

/// How many frames ahead of the one being parsed the loop prefetches.
const PREFETCH_AHEAD: usize = 8;

/// Where a thread's records come from.
pub(crate) enum StageInput<'a> {
    /// A receive ring: frames to parse.
    Ring(RxRing<'a>),
    /// A queue edge: batches of parsed records.
    Edge(BatchReceiver),
}

/// Where a thread's records go.
pub(crate) enum StageOutput {
    /// The thread's own query instance.
    Query(Box<dyn App>),
    /// Per-destination batches, routed by a hash of the query key.
    Route(Router),
}

/// Routes records to destinations by key, in pooled batches.
pub(crate) struct Router {
    senders: Vec<BatchSender>,
    pending: Vec<Option<Box<Batch>>>,
    /// When each pending batch got its first record (clock ns).
    started: Vec<u64>,
    flush: FlushPolicy,
}

impl Router {
    pub(crate) fn new(senders: Vec<BatchSender>, flush: FlushPolicy) -> Self {
        let n = senders.len();
        Self { senders, pending: (0..n).map(|_| None).collect(), started: vec![0; n], flush }
    }

    /// When the oldest pending partial batch falls due (`None` when none is pending): an idle
    /// wait lasts no longer, so the flush timeout holds whatever the wait strategy.
    fn next_deadline_ns(&self) -> Option<u64> {
        let started = self.pending.iter().zip(&self.started);
        started.filter(|(b, _)| b.is_some()).map(|(_, &s)| self.flush.deadline_ns(s)).min()
    }
}

/// What a thread's run gives back.
pub(crate) struct StageResult {
    pub(crate) output: Option<FlowCounts>,
    pub(crate) metrics: ThreadMetrics,
}

/// Everything a thread loop needs besides its input and output.
pub(crate) struct StageEnv {
    pub(crate) clock: RunClock,
    pub(crate) batch: usize,
    pub(crate) wait: WaitStrategy,
    /// `--unique-ip`: rewrite the addresses of records of loops 1, 2, ... (see [`run_stage`]).
    pub(crate) unique_ip: bool,
}

/// Runs one thread of a plan to the end of its input.
///
/// With `--unique-ip` ([`StageEnv::unique_ip`]), the records parsed from a ring's frames of loop
/// `k >= 1` get their addresses rewritten by [`unique_ip::rewrite_record`] right after parsing:
/// AFTER the NIC chose the frame's ring (by RSS over the original addresses, before the clock),
/// so every packet keeps its original ring and worker while its flow is new to the query. The
/// rewrite is one pass over the take's records, skipped for loop 0 and when the flag is off
/// (one branch per take, nothing per record).
pub(crate) fn run_stage(
    env: &StageEnv,
    mut input: StageInput<'_>,
    mut output: StageOutput,
    mut m: ThreadMetrics,
) -> StageResult {
    let mut backoff = Backoff::new(env.wait);
    // Records parsed from one ring take, written in place (a take is at most `batch` frames).
    let mut scratch: Vec<PacketRecord> = vec![PacketRecord::default(); env.batch];
    loop {
        let got = match &mut input {
            StageInput::Ring(ring) => {
                let now = env.clock.now_ns();
                let taken = ring.take(env.batch, now);
                if taken.frames.is_empty() {
                    if ring.is_done() {
                        break;
                    }
                    false
                } else {
                    m.frames_in += taken.frames.len() as u64;
                    let buffer = ring.buffer();
                    let all = buffer.metas();
                    let metas = &all[taken.first..taken.first + taken.frames.len()];
                    let mut n = 0;
                    for (k, (meta, &i)) in metas.iter().zip(taken.frames).enumerate() {
                        // The frame a few ahead: its bytes arrive while these are parsed.
                        if let Some(ahead) = all.get(taken.first + k + PREFETCH_AHEAD) {
                            prefetch(buffer.data().as_ptr().wrapping_add(ahead.offset as usize));
                        }
                        let f = buffer.view(meta);
                        match parse_frame_into(&f, i, &mut scratch[n]) {
                            Ok(()) => {
                                scratch[n].ts_ns += taken.ts_shift_ns;
                                n += 1;
                            }
                            Err(reason) => m.count_unparsed(reason),
                        }
                    }
                    if env.unique_ip && taken.loop_idx > 0 {
                        for r in &mut scratch[..n] {
                            unique_ip::rewrite_record(r, taken.loop_idx);
                        }
                    }
                    let records = &scratch[..n];
                    deliver(env, &mut output, records, taken.released_ns, &mut m, &mut backoff);
                    true
                }
            }
            StageInput::Edge(rx) => match rx.recv() {
                Recv::Batch(b) => {
                    deliver(env, &mut output, b.as_slice(), b.released_ns, &mut m, &mut backoff);
                    rx.recycle(b);
                    true
                }
                Recv::Empty => false,
                Recv::Finished => break,
            },
        };
        if got {
            backoff.reset();
        } else {
            // Idle: publish the partial batches that are due, and wake for the next one.
            let mut deadline_ns = None;
            if let StageOutput::Route(router) = &mut output {
                flush_due(env, router, &mut m, &mut backoff, false);
                deadline_ns = router.next_deadline_ns();
            }
            let bell = match &mut input {
                StageInput::Ring(_) => Bell::None,
                StageInput::Edge(rx) => Bell::Input(rx),
            };
            wait_idle(env, &mut m.idle_ns, &mut backoff, deadline_ns, bell);
        }
    }
    if let StageInput::Ring(ring) = &input
        && ring.dropped_ring_full() > 0
    {
        *m.dropped.entry(DropReason::RxRingFull).or_default() += ring.dropped_ring_full();
    }
    let result = match output {
        StageOutput::Query(app) => {
            // The last record is counted: processing ends here. Emitting the output is the
            // result delay, measured apart (`RunOutcome::result_delay_ns`).
            m.end_ns = env.clock.now_ns();
            Some(app.finish())
        }
        StageOutput::Route(mut router) => {
            flush_due(env, &mut router, &mut m, &mut backoff, true);
            // Dropping the senders tells each destination that the stream has ended.
            drop(router);
            m.end_ns = env.clock.now_ns();
            None
        }
    };
    StageResult { output: result, metrics: m }
}

/// Stops a router whose destination thread has ended: a query thread ends before its input
/// only by panicking, and waiting for room it will never make would hang the run instead of
/// reporting that panic.
fn receiver_alive(tx: &BatchSender) {
    assert!(!tx.is_receiver_gone(), "a query thread ended before its input did");
}

/// What an idle wait can sleep on under [`WaitStrategy::Block`]: the doorbell of the queue it
/// waits for, which the other side rings as it makes progress.
enum Bell<'a> {
    /// Nothing rings this wait (a NIC ring's frames arrive by the release clock): `Block`
    /// parks for a bounded time instead.
    None,
    /// The input edge: rung when a batch arrives or the stream ends.
    Input(&'a mut BatchReceiver),
    /// A destination whose pool is empty: rung when its receiver recycles a batch.
    Recycled(&'a mut BatchSender),
    /// A destination whose queue is full, and the batch for it: rung when its receiver takes a
    /// batch. A sleep sends the batch as soon as it can, leaving `None`.
    Room(&'a mut BatchSender, &'a mut Option<Box<Batch>>),
}

/// Waits once with the wait strategy, no later than `deadline_ns` (a pending flush), adding
/// the time waited to `idle_ns`. Under `Block` a long wait sleeps on `bell` until rung.
fn wait_idle(
    env: &StageEnv,
    idle_ns: &mut u64,
    backoff: &mut Backoff,
    deadline_ns: Option<u64>,
    bell: Bell<'_>,
) {
    let t0 = env.clock.now_ns();
    match bell {
        Bell::None => backoff.snooze_until(deadline_ns, t0),
        Bell::Input(rx) => backoff.snooze_on(deadline_ns, t0, |max| rx.wait_for_input(max)),
        Bell::Recycled(tx) => backoff.snooze_on(deadline_ns, t0, |max| tx.wait_for_batch(max)),
        Bell::Room(tx, pending) => backoff.snooze_on(deadline_ns, t0, |max| {
            if let Some(batch) = pending.take() {
                *pending = tx.send_or_wait(batch, max).err();
            }
        }),
    }
    *idle_ns += env.clock.now_ns().saturating_sub(t0);
}

/// Hands a run of records to the output.
#[inline]
fn deliver(
    env: &StageEnv,
    output: &mut StageOutput,
    records: &[PacketRecord],
    released_ns: u64,
    m: &mut ThreadMetrics,
    backoff: &mut Backoff,
) {
    match output {
        StageOutput::Query(app) => {
            app.on_batch(records);
            m.processed += records.len() as u64;
            let mut sampled = 0u64;
            for r in records {
                m.bytes += u64::from(r.wire_len());
                sampled += u64::from(is_latency_sample(r.seq_no));
            }
            if sampled > 0 {
                let latency = env.clock.now_ns().saturating_sub(released_ns).max(1);
                // Values beyond the histogram's 100 s range are clamped by `saturating_record`.
                m.latency.saturating_record_n(latency, sampled);
            }
        }
        StageOutput::Route(router) => {
            let n = router.senders.len();
            for r in records {
                let dest = rss::ring_of(rss::fast(r), n);
                let slot = &mut router.pending[dest];
                if slot.is_none() {
                    let mut b = acquire(env, &mut router.senders[dest], m, backoff);
                    b.released_ns = released_ns;
                    router.started[dest] = env.clock.now_ns();
                    *slot = Some(b);
                }
                if let Some(b) = slot {
                    b.push(*r);
                    if b.is_full() {
                        let full = slot.take();
                        send(env, &mut router.senders[dest], full, m, backoff);
                    }
                }
            }
            m.routed += records.len() as u64;
        }
    }
}

/// A free batch for a destination, waiting for one to be recycled (backpressure).
fn acquire(
    env: &StageEnv,
    tx: &mut BatchSender,
    m: &mut ThreadMetrics,
    backoff: &mut Backoff,
) -> Box<Batch> {
    loop {
        if let Some(b) = tx.acquire() {
            return b;
        }
        receiver_alive(tx);
        // Blocked on this destination: the thread publishes nothing else until it is unblocked,
        // so no flush deadline shortens this wait.
        wait_idle(env, &mut m.idle_ns, backoff, None, Bell::Recycled(tx));
    }
}

/// Publishes a batch, waiting for room (backpressure, never a drop).
fn send(
    env: &StageEnv,
    tx: &mut BatchSender,
    batch: Option<Box<Batch>>,
    m: &mut ThreadMetrics,
    backoff: &mut Backoff,
) {
    let mut pending = batch;
    while let Some(b) = pending.take() {
        if let Err(back) = tx.send(b) {
            pending = Some(back);
            receiver_alive(tx);
            wait_idle(env, &mut m.idle_ns, backoff, None, Bell::Room(tx, &mut pending));
        }
    }
}

/// Publishes pending partial batches older than the flush timeout (all of them with `all`).
fn flush_due(
    env: &StageEnv,
    router: &mut Router,
    m: &mut ThreadMetrics,
    backoff: &mut Backoff,
    all: bool,
) {
    let now = env.clock.now_ns();
    for dest in 0..router.pending.len() {
        let due = match &router.pending[dest] {
            Some(b) => all || router.flush.should_flush(b.len(), router.started[dest], now),
            None => false,
        };
        if due {
            let b = router.pending[dest].take();
            send(env, &mut router.senders[dest], b, m, backoff);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::queue::QueueKind;
    use crate::queue::batch::batch_channel;

    #[test]
    fn the_next_deadline_is_the_oldest_pending_batch_plus_the_timeout() {
        let senders = (0..3).map(|_| batch_channel(QueueKind::Rtrb, 2, 4).unwrap().0).collect();
        let mut router = Router::new(senders, FlushPolicy::new(4, 1_000));
        assert_eq!(router.next_deadline_ns(), None, "nothing pending");
        router.started = vec![50, 10, 30];
        // The oldest start (10) has no pending batch: it does not count.
        router.pending[0] = router.senders[0].acquire();
        router.pending[2] = router.senders[2].acquire();
        assert_eq!(router.next_deadline_ns(), Some(1_030));
    }
}
