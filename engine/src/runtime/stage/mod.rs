//! The one generic thread loop. Every thread of every topology runs it over the parts its
//! [`ThreadPlan`](crate::plan::ThreadPlan) gave it:
//!
//! 1. take frames from its receive ring, parse them, and route the records (to its own
//!    aggregation, by key over record edges, or dealt round-robin);
//! 2. take batches from its record edges (aggregating them, or routing them onward);
//! 3. move its aggregation's watermark to the minimum over the sources feeding it, closing
//!    windows, and ship the partials that leave (emitted, or over partial edges);
//! 4. merge partials from partial edges, closing windows every source has passed;
//! 5. wait with the wait strategy when none of this found work.
//!
//! Every frame is accounted for: parsed into a record (`processed`, whether a filter keeps it
//! or not), `unparsed` by reason, or dropped at the NIC (`rx_ring_full`). Internal edges never
//! drop: a full queue is waited on (backpressure). A thread blocked on a full record edge keeps
//! aggregating what arrives on its own record edges, so shuffle's W x W lanes cannot deadlock;
//! partial edges never block (see `exchange`).
//!
//! The loop and its inputs are here; record routing is in `routing`, the aggregation's
//! watermark, partial shipping and merging in `partials`.

mod partials;
mod routing;

use std::sync::Arc;

use wire::{PacketRecord, parse_frame_into, unique_ip};

use super::clock::RunClock;
use super::exchange::{PartialRx, PartialTx};
use super::nic::RxRing;
use super::router::Router;
use crate::metrics::{DropReason, ThreadMetrics, is_latency_sample};
use crate::query::CompiledQuery;
use crate::query::merge::MergeStage;
use crate::query::partial::PartialAgg;
use crate::queue::batch::{BatchReceiver, Recv};
use crate::queue::wait::{Backoff, WaitStrategy};
use crate::state::windowed::Row;
use wire::prefetch::prefetch;

/// How many frames ahead of the one being parsed the loop prefetches.
const PREFETCH_AHEAD: usize = 8;
/// Batches taken from one record edge per round before the loop looks at its other inputs.
const BATCHES_PER_ROUND: usize = 8;
/// Evicted partials wait for this many before they are shipped without a watermark move.
const EVICTED_ROWS_PER_SHIP: usize = 1024;

/// Everything a thread loop needs besides its parts.
pub(crate) struct StageEnv {
    pub(crate) clock: RunClock,
    pub(crate) batch: usize,
    pub(crate) wait: WaitStrategy,
    /// `--unique-ip`: rewrite the addresses of records of loops 1, 2, ... (see `poll_ring`).
    pub(crate) unique_ip: bool,
    pub(crate) query: Arc<CompiledQuery>,
}

/// Where a thread's source records go.
pub(crate) enum RouteOut {
    /// Into its own aggregation.
    Aggregate,
    /// By key: `owners[o]` is the router destination of owner `o`, `None` for itself.
    ByKey { router: Router, owners: Vec<Option<usize>> },
    /// Whole takes dealt to the destinations in turn.
    RoundRobin(Router),
    /// Everything to the one destination.
    Forward(Router),
}

/// Where a thread's partials go.
pub(crate) enum PartialsOut {
    /// Nowhere (no aggregation).
    None,
    /// Out of the engine as results.
    Emit,
    /// To the owner's merge: `txs[o]` for owner `o`, `None` for its own.
    ByKey(Vec<Option<PartialTx>>),
    /// All to one merge.
    To(PartialTx),
}

/// A thread's parts, as the runtime built them from its plan.
pub(crate) struct StageParts<'a> {
    pub(crate) ring: Option<RxRing<'a>>,
    pub(crate) inputs: Vec<BatchReceiver>,
    pub(crate) route: RouteOut,
    pub(crate) agg: Option<PartialAgg>,
    pub(crate) partials: PartialsOut,
    /// Partial edges into its merge (with its own partials first when `partials` keeps some).
    pub(crate) merge_in: Vec<PartialRx>,
}

/// What a thread's run gives back.
pub(crate) struct StageResult {
    /// Partials it emitted as results.
    pub(crate) emitted: Vec<Row>,
    pub(crate) metrics: ThreadMetrics,
    /// Times its flow table doubled.
    pub(crate) table_grows: u32,
}

struct RingIn<'a> {
    ring: RxRing<'a>,
    wm: u64,
    wm_clock: u64,
    done: bool,
}

struct EdgeIn {
    rx: BatchReceiver,
    wm: u64,
    wm_clock: u64,
    done: bool,
}

struct AggIn {
    agg: PartialAgg,
    wm: u64,
    next_end: u64,
    done: bool,
}

struct MergeIn {
    stage: MergeStage,
    rxs: Vec<PartialRx>,
    /// Whether source 0 is this thread's own aggregation.
    local: bool,
}

struct Worker<'a, 'e> {
    env: &'e StageEnv,
    m: ThreadMetrics,
    backoff: Backoff,
    ring: Option<RingIn<'a>>,
    inputs: Vec<EdgeIn>,
    route: RouteOut,
    /// Whether the source has ended and the router's senders are gone.
    route_done: bool,
    agg: Option<AggIn>,
    partials: PartialsOut,
    merge: Option<MergeIn>,
    /// Ring records reach the aggregation (route `Aggregate`, or by key with itself an owner).
    ring_aggregates: bool,
    /// Edge records go to the aggregation (else they are the routed source).
    inputs_aggregate: bool,
    emitted: Vec<Row>,
    rows: Vec<Row>,
    scratch: Vec<PacketRecord>,
    local: Vec<PacketRecord>,
    /// Records for other threads from one take, with their destinations.
    routed: Vec<(usize, PacketRecord)>,
    /// The latency samples of the current take: sequence number and release time.
    samples: Vec<(u32, u64)>,
    /// When every input had ended.
    inputs_done_ns: Option<u64>,
}

/// Runs one thread of a plan to the end of its inputs.
pub(crate) fn run_stage(env: &StageEnv, parts: StageParts<'_>, m: ThreadMetrics) -> StageResult {
    let mut w = Worker::new(env, parts, m);
    loop {
        let mut progress = w.poll_ring();
        progress |= w.poll_inputs();
        if w.inputs_done_ns.is_none() && w.inputs_done() {
            w.inputs_done_ns = Some(w.now());
        }
        w.advance_aggregation();
        progress |= w.poll_merge();
        progress |= w.flush_partials();
        if w.finished() {
            break;
        }
        if progress {
            w.backoff.reset();
        } else {
            w.idle();
        }
    }
    w.end()
}

impl<'a, 'e> Worker<'a, 'e> {
    fn new(env: &'e StageEnv, p: StageParts<'a>, m: ThreadMetrics) -> Self {
        let ring_aggregates = p.ring.is_some()
            && match &p.route {
                RouteOut::Aggregate => true,
                RouteOut::ByKey { owners, .. } => owners.contains(&None),
                _ => false,
            };
        let inputs_aggregate =
            p.agg.is_some() && (p.ring.is_some() || matches!(p.route, RouteOut::Aggregate));
        let local_merge =
            matches!(&p.partials, PartialsOut::ByKey(t) if t.iter().any(Option::is_none));
        let merge = (local_merge || !p.merge_in.is_empty()).then(|| MergeIn {
            stage: MergeStage::new(env.query.clone(), p.merge_in.len() + usize::from(local_merge)),
            rxs: p.merge_in,
            local: local_merge,
        });
        let window = env.query.window();
        Self {
            env,
            m,
            backoff: Backoff::new(env.wait),
            ring: p.ring.map(|ring| RingIn { ring, wm: 0, wm_clock: 0, done: false }),
            inputs: p
                .inputs
                .into_iter()
                .map(|rx| EdgeIn { rx, wm: 0, wm_clock: 0, done: false })
                .collect(),
            route_done: matches!(p.route, RouteOut::Aggregate),
            route: p.route,
            agg: p.agg.map(|agg| AggIn {
                agg,
                wm: 0,
                next_end: window.next_end_after(0),
                done: false,
            }),
            partials: p.partials,
            merge,
            ring_aggregates,
            inputs_aggregate,
            emitted: Vec::new(),
            rows: Vec::new(),
            scratch: vec![PacketRecord::default(); env.batch],
            local: Vec::with_capacity(env.batch),
            routed: Vec::with_capacity(env.batch),
            samples: Vec::new(),
            inputs_done_ns: None,
        }
    }

    fn now(&self) -> u64 {
        self.env.clock.now_ns()
    }

    /// Takes, parses and routes one run of frames from the ring.
    ///
    /// With `--unique-ip`, the records of loop `k >= 1` get their addresses rewritten by
    /// [`unique_ip::rewrite_record`] right after parsing: after the NIC chose the frame's ring
    /// (by RSS over the original addresses, before the clock), so every packet keeps its
    /// original ring while its flow is new to the query.
    fn poll_ring(&mut self) -> bool {
        let now = self.now();
        let Some(rin) = &mut self.ring else { return false };
        if rin.done {
            return false;
        }
        let taken = rin.ring.take(self.env.batch, now);
        if taken.frames.is_empty() {
            if rin.ring.is_done() {
                rin.done = true;
                rin.wm = u64::MAX;
                rin.wm_clock = now;
                let dropped = rin.ring.dropped_ring_full();
                if dropped > 0 {
                    *self.m.dropped.entry(DropReason::RxRingFull).or_default() += dropped;
                }
                self.end_routing();
                return true;
            }
            return false;
        }
        self.m.frames_in += taken.frames.len() as u64;
        let buffer = rin.ring.buffer();
        let all = buffer.metas();
        let metas = &all[taken.first..taken.first + taken.frames.len()];
        let mut n = 0;
        self.samples.clear();
        let rewrite = self.env.unique_ip && taken.loop_idx > 0;
        for (k, (meta, &i)) in metas.iter().zip(taken.frames).enumerate() {
            // The frame a few ahead: its bytes arrive while these are parsed.
            if let Some(ahead) = all.get(taken.first + k + PREFETCH_AHEAD) {
                prefetch(buffer.data().as_ptr().wrapping_add(ahead.offset as usize));
            }
            let f = buffer.view(meta);
            match parse_frame_into(&f, i, &mut self.scratch[n]) {
                Ok(()) => {
                    let r = &mut self.scratch[n];
                    if rewrite {
                        unique_ip::rewrite_record(r, taken.loop_idx);
                    }
                    // What the query reads of the payload (only this thread has the bytes),
                    // its guards seeing the addresses the query will see.
                    self.env.query.probe.apply(f.bytes, r);
                    r.ts_ns += taken.ts_shift_ns;
                    n += 1;
                    // Latency samples carry their own release time (a take may span many).
                    if is_latency_sample(i) {
                        let at = rin.ring.release_of(i, taken.loop_idx, taken.released_ns);
                        self.samples.push((i, at));
                    }
                }
                Err(reason) => self.m.count_unparsed(reason),
            }
        }
        // Event times never go back in a ring: the last frame's is the watermark.
        if let Some(last) = metas.last() {
            rin.wm = rin.wm.max(last.ts_ns + taken.ts_shift_ns);
            rin.wm_clock = taken.released_ns;
        }
        let (wm, clock) = (rin.wm, rin.wm_clock);
        self.m.processed += n as u64;
        let records = std::mem::take(&mut self.scratch);
        self.route_source(&records[..n], taken.released_ns, wm, clock);
        self.scratch = records;
        true
    }

    fn note_edge_watermark(&mut self, i: usize, wm: u64, clock: u64) {
        let e = &mut self.inputs[i];
        if wm > e.wm {
            e.wm = wm;
            e.wm_clock = clock;
        }
    }

    /// Takes batches from the record edges.
    fn poll_inputs(&mut self) -> bool {
        let mut progress = false;
        for i in 0..self.inputs.len() {
            for _ in 0..BATCHES_PER_ROUND {
                if self.inputs[i].done {
                    break;
                }
                match self.inputs[i].rx.recv() {
                    Recv::Batch(b) => {
                        progress = true;
                        self.m.records_received += b.len() as u64;
                        self.note_edge_watermark(i, b.watermark_ns, b.watermark_clock_ns);
                        if self.inputs_aggregate {
                            self.aggregate(b.as_slice(), b.sample_release(), false);
                        } else {
                            let (wm, clock) = self.routed_inputs_watermark();
                            self.route_source(b.as_slice(), b.sample_release(), wm, clock);
                        }
                        self.inputs[i].rx.recycle(b);
                    }
                    Recv::Empty => {
                        self.m.empty_events += 1;
                        break;
                    }
                    Recv::Finished => {
                        progress = true;
                        let now = self.now();
                        let e = &mut self.inputs[i];
                        (e.done, e.wm, e.wm_clock) = (true, u64::MAX, now);
                        if !self.inputs_aggregate && self.inputs.iter().all(|e| e.done) {
                            self.end_routing();
                        }
                    }
                }
            }
        }
        progress
    }

    /// The watermark of routed edge records: the minimum over the edges.
    fn routed_inputs_watermark(&self) -> (u64, u64) {
        let wm = self.inputs.iter().map(|e| e.wm).min().unwrap_or(u64::MAX);
        let clock = self.inputs.iter().map(|e| e.wm_clock).max().unwrap_or(0);
        (wm, clock)
    }

    /// Feeds records to the aggregation, sampling latency: a sample's release time is its own
    /// (from this take's ring, when `from_ring`) or else `released_ns`.
    fn aggregate(&mut self, records: &[PacketRecord], released_ns: u64, from_ring: bool) {
        let Some(a) = &mut self.agg else { return };
        a.agg.on_batch(records, &mut self.rows);
        self.m.records_in += records.len() as u64;
        let mut now = None;
        for r in records {
            self.m.bytes += u64::from(r.wire_len());
            if is_latency_sample(r.seq_no) {
                let at = if from_ring {
                    sample_release(&self.samples, r.seq_no, released_ns)
                } else {
                    released_ns
                };
                let t = *now.get_or_insert_with(|| self.env.clock.now_ns());
                // Values beyond the histogram's 100 s range are clamped by `saturating_record`.
                self.m.latency.saturating_record(t.saturating_sub(at).max(1));
            }
        }
    }

    /// Whether every record this thread will see has been taken in (its ring and record edges
    /// have ended): what follows is emitting results.
    fn inputs_done(&self) -> bool {
        self.ring.as_ref().is_none_or(|r| r.done) && self.inputs.iter().all(|e| e.done)
    }

    fn finished(&self) -> bool {
        let parts_done = self.ring.as_ref().is_none_or(|r| r.done)
            && self.inputs.iter().all(|e| e.done)
            && self.route_done
            && self.agg.as_ref().is_none_or(|a| a.done)
            && self.merge.as_ref().is_none_or(|m| m.stage.is_done());
        let partials_sent = match &self.partials {
            PartialsOut::To(tx) => tx.is_closed(),
            PartialsOut::ByKey(txs) => txs.iter().flatten().all(PartialTx::is_closed),
            _ => true,
        };
        parts_done && partials_sent
    }

    /// Nothing to do: publish due partial batches, then wait once (no later than the next
    /// flush deadline). Under `Block`, a thread with one record edge and nothing else sleeps on
    /// its doorbell; others park for a bounded time.
    fn idle(&mut self) {
        let now = self.now();
        let mut deadline = None;
        if let Some(router) = self.router_mut() {
            let due = router.due(now, false);
            for d in due {
                self.send_blocking(d);
            }
            deadline = self.router_mut().and_then(|r| r.next_deadline_ns());
        }
        // A paced ring's next frame: waking later would only add to its latency.
        if let Some(next) =
            self.ring.as_ref().filter(|r| !r.done).and_then(|r| r.ring.next_release_ns())
        {
            deadline = Some(deadline.map_or(next, |d: u64| d.min(next)));
        }
        let t0 = self.now();
        let single_input = self.ring.is_none() && self.merge.is_none() && self.inputs.len() == 1;
        match (&mut self.inputs[..], single_input) {
            ([e], true) if !e.done => {
                let rx = &mut e.rx;
                self.backoff.snooze_on(deadline, t0, |max| rx.wait_for_input(max));
            }
            _ => self.backoff.snooze_until(deadline, t0),
        }
        self.m.idle_ns += self.now().saturating_sub(t0);
    }

    fn end(mut self) -> StageResult {
        // Processing ends with the last record taken in; emitting the last windows after it
        // is result delay, measured apart.
        self.m.end_ns = self.inputs_done_ns.unwrap_or_else(|| self.now());
        if let RouteOut::ByKey { router, .. }
        | RouteOut::RoundRobin(router)
        | RouteOut::Forward(router) = &self.route
        {
            self.m.full_events += router.full_events;
        }
        match &self.partials {
            PartialsOut::To(tx) => self.m.full_events += tx.full_events,
            PartialsOut::ByKey(txs) => {
                self.m.full_events += txs.iter().flatten().map(|t| t.full_events).sum::<u64>()
            }
            _ => {}
        }
        self.m.rows_emitted = self.emitted.len() as u64;
        let table_grows = self.agg.as_ref().map_or(0, |a| a.agg.table_grows());
        StageResult { emitted: self.emitted, metrics: self.m, table_grows }
    }
}

/// The release time of sample `seq_no` of the current take (`fallback` if it is not one).
fn sample_release(samples: &[(u32, u64)], seq_no: u32, fallback: u64) -> u64 {
    samples.iter().find(|(s, _)| *s == seq_no).map_or(fallback, |(_, at)| *at)
}
