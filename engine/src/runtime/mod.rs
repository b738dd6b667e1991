//! The runtime: turns a plan into threads, runs them over the emulated NIC, and reports.
//!
//! Setup happens before the clock: the NIC's rings are filled by RSS, each query thread's flow
//! table is sized for its ring's flows and pre-faulted, queues and batch pools are allocated,
//! threads are spawned and pinned. All threads then meet at a barrier, the clock starts, and
//! each runs the generic loop of `stage` to the end of its input. The run ends when the last
//! thread does.

pub mod clock;
mod exchange;
mod gate;
pub mod nic;
pub mod pin;
mod router;
pub(crate) mod stage;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use hdrhistogram::Histogram;
use wire::FrameBuffer;

use crate::config::EngineConfig;
use crate::metrics::{ThreadMetrics, cpu, latency_histogram};
use crate::plan::{Dest, Partials, Plan, PlanError, Route};
use crate::query::output::QueryOutput;
use crate::query::partial::PartialAgg;
use crate::query::{CompiledQuery, QueryError};
use crate::queue::batch::batch_channel_with;
use crate::queue::{FlushPolicy, QueueError};
use crate::state::FlowEstimate;
use clock::RunClock;
use exchange::partial_edge;
use gate::StartGate;
use nic::{RxRing, RxRings};
use router::Router;
use stage::{PartialsOut, RouteOut, StageEnv, StageParts, run_stage};

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The topology cannot be planned as asked.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The query is not valid.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The queue design cannot be built.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The operating system refused a thread (nothing ran).
    #[error("cannot start thread {thread}: {reason}")]
    Spawn {
        /// The thread's name.
        thread: String,
        /// What the OS said.
        reason: String,
    },
    /// A parameter out of range.
    #[error("invalid {what}: {why}")]
    Invalid {
        /// Which parameter.
        what: &'static str,
        /// What was expected.
        why: &'static str,
    },
}

/// Everything a run measured and computed.
#[derive(Debug)]
pub struct RunOutcome {
    /// The plan that ran.
    pub plan: Plan,
    /// The query's output.
    pub output: QueryOutput,
    /// Per-thread metrics, in plan order.
    pub threads: Vec<ThreadMetrics>,
    /// Frames offered: trace frames times loops.
    pub packets: u64,
    /// Nanoseconds from the clock start to the end of the last thread.
    pub duration_ns: u64,
    /// Whether more threads ran than the machine has cores.
    pub oversubscribed: bool,
    /// Cores each thread was pinned to (`None`: unpinned or the pin failed).
    pub pinned: Vec<Option<usize>>,
    /// Result delay of every window emitted (from the release of the record whose watermark
    /// closed it, at the last source to pass its end, to its emission by the thread that
    /// closed it), over all threads.
    pub result_delay: Histogram<u64>,
    /// Nanoseconds the main thread took after the run to merge the emitted rows, apply
    /// thresholds, join and top-k, and sort them (outside `duration_ns`).
    pub collect_ns: u64,
    /// Times a flow table doubled during the run (a cost inside the measurement).
    pub table_grows: u32,
}

impl RunOutcome {
    /// Records parsed (each entered the query, whether a filter kept it or not).
    pub fn processed(&self) -> u64 {
        self.threads.iter().map(|t| t.processed).sum()
    }

    /// Frames that gave no record, by reason.
    pub fn unparsed_by_reason(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for t in &self.threads {
            for (k, v) in &t.unparsed {
                *out.entry(*k).or_default() += v;
            }
        }
        out
    }

    /// Frames dropped, by reason name.
    pub fn dropped_by_reason(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for t in &self.threads {
            for (k, v) in &t.dropped {
                *out.entry(k.name()).or_default() += v;
            }
        }
        out
    }

    /// Whether every offered frame was processed, unparsed or dropped with a reason, and every
    /// record sent between threads arrived.
    pub fn conservation_ok(&self) -> bool {
        let unparsed: u64 = self.unparsed_by_reason().values().sum();
        let dropped: u64 = self.dropped_by_reason().values().sum();
        let sent: u64 = self.threads.iter().map(|t| t.records_out).sum();
        let received: u64 = self.threads.iter().map(|t| t.records_received).sum();
        self.packets == self.processed() + unparsed + dropped && sent == received
    }
}

/// The time one loop of the trace spans: first to last timestamp plus one mean gap, so the
/// next loop's first packet follows the last one as the trace's own packets follow each other.
pub fn trace_span_ns(frames: &FrameBuffer) -> u64 {
    let metas = frames.metas();
    let (Some(first), Some(last)) = (metas.first(), metas.last()) else { return 1 };
    let (lo, hi) = metas
        .iter()
        .fold((first.ts_ns, last.ts_ns), |(lo, hi), m| (lo.min(m.ts_ns), hi.max(m.ts_ns)));
    let span = hi - lo;
    let gap = if metas.len() > 1 { span / (metas.len() as u64 - 1) } else { 0 };
    (span + gap).max(1)
}

/// Runs `cfg` over `frames`.
pub fn run(frames: &FrameBuffer, cfg: &EngineConfig) -> Result<RunOutcome, EngineError> {
    if cfg.batch == 0 {
        return Err(EngineError::Invalid { what: "--batch", why: "expected at least 1" });
    }
    if cfg.loops == 0 {
        return Err(EngineError::Invalid { what: "--loop", why: "expected at least 1" });
    }
    let query = Arc::new(cfg.query_spec().compile()?);
    let plan = Plan::build(cfg.topology, cfg.workers, &query, cfg.fuse)?;
    // Before the clock: RSS split, flow tables, queues.
    let rings = RxRings::fill(frames, plan.rings, cfg.rss);
    let span = trace_span_ns(frames);
    let mut parts = build_parts(&plan, &rings, cfg, &query, span)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pins: Vec<Option<usize>> =
        (0..plan.threads.len()).map(|i| cfg.pin.core_of(i, cores)).collect();
    let gate = StartGate::default();
    // Set by the main thread before it opens the gate: the zero of every thread's clock.
    let clock_cell: OnceLock<RunClock> = OnceLock::new();
    let mut spawn_error = None;
    let mut joined = Vec::with_capacity(parts.len());
    std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(parts.len());
        for ((m, p), pin) in parts.drain(..).zip(&pins) {
            let (gate, clock_cell, query) = (&gate, &clock_cell, query.clone());
            let name = m.name.clone();
            let spawned =
                std::thread::Builder::new().name(name.clone()).spawn_scoped(s, move || {
                    let pinned = pin.filter(|&c| pin::pin_current(c));
                    pin::tight_timer_slack();
                    if !gate.arrive_and_wait() {
                        return None;
                    }
                    let clock = clock_cell.get().cloned().unwrap_or_else(RunClock::start_now);
                    let env = StageEnv {
                        clock,
                        batch: cfg.batch,
                        wait: cfg.wait,
                        unique_ip: cfg.unique_ip,
                        query,
                    };
                    let cpu0 = cpu::thread_cpu_ns();
                    let mut r = run_stage(&env, p, m);
                    r.metrics.cpu_ns = cpu::thread_cpu_ns().saturating_sub(cpu0);
                    Some((r, pinned))
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    spawn_error = Some(EngineError::Spawn { thread: name, reason: e.to_string() });
                    break;
                }
            }
        }
        if spawn_error.is_none() {
            gate.wait_ready(handles.len());
            let _ = clock_cell.set(RunClock::start_now());
        }
        gate.open(spawn_error.is_none());
        for h in handles {
            // A thread that panicked is a bug in the engine: propagate it.
            joined.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
    });
    if let Some(e) = spawn_error {
        return Err(e);
    }
    let (results, pinned): (Vec<_>, Vec<_>) = joined.into_iter().flatten().unzip();
    let mut rows = Vec::new();
    let mut threads = Vec::with_capacity(results.len());
    let mut table_grows = 0;
    let mut result_delay = latency_histogram();
    for r in results {
        rows.extend(r.emitted);
        table_grows += r.table_grows;
        let _ = result_delay.add(&r.metrics.result_delay);
        threads.push(r.metrics);
    }
    let duration_ns = threads.iter().map(|t| t.end_ns).max().unwrap_or(0).max(1);
    let collect_start = std::time::Instant::now();
    let output = QueryOutput::collect(&query, rows);
    let collect_ns = collect_start.elapsed().as_nanos() as u64;
    Ok(RunOutcome {
        oversubscribed: plan.threads.len() > cores,
        plan,
        output,
        threads,
        packets: frames.len() as u64 * cfg.loops,
        duration_ns,
        pinned,
        result_delay,
        collect_ns,
        table_grows,
    })
}

/// Takes edge half `e` out of `v` (each is used once).
fn taken<T>(v: &mut [Option<T>], e: usize) -> Result<T, EngineError> {
    v.get_mut(e)
        .and_then(Option::take)
        .ok_or(EngineError::Invalid { what: "plan", why: "an edge is used twice" })
}

/// Builds every thread's parts from the plan: rings, record edges with their batch pools,
/// partial edges, aggregation state sized for its flows (before the clock).
fn build_parts<'a>(
    plan: &Plan,
    rings: &'a RxRings<'_>,
    cfg: &EngineConfig,
    query: &Arc<CompiledQuery>,
    span: u64,
) -> Result<Vec<(ThreadMetrics, StageParts<'a>)>, EngineError> {
    let n = plan.threads.len();
    let mut senders: Vec<Option<_>> = Vec::new();
    let mut receivers: Vec<Option<_>> = Vec::new();
    for _ in &plan.record_edges {
        let (tx, rx) = batch_channel_with(cfg.queue, cfg.queue_capacity, cfg.batch, cfg.wait)?;
        senders.push(Some(tx));
        receivers.push(Some(rx));
    }
    let mut ptx: Vec<Option<_>> = Vec::new();
    let mut prx: Vec<Option<_>> = Vec::new();
    for _ in &plan.partial_edges {
        let (tx, rx) = partial_edge(cfg.queue, cfg.queue_capacity)?;
        ptx.push(Some(tx));
        prx.push(Some(rx));
    }
    // With --unique-ip every loop brings new flows: size the tables for all of them.
    let flow_copies = if cfg.unique_ip { cfg.loops } else { 1 };
    let total = rings.total_flows().times(flow_copies);
    let workers = plan.workers().max(1);
    let flush = FlushPolicy { batch: cfg.batch, timeout_ns: cfg.flush_timeout_ns };
    let window = query.window();
    let mut out = Vec::with_capacity(n);
    for t in &plan.threads {
        let ring = t.ring.map(|r| {
            RxRing::new(&rings.rings[r], cfg.loops, span, cfg.release.clone(), cfg.ring_size)
        });
        let inputs =
            t.inputs.iter().map(|&e| taken(&mut receivers, e)).collect::<Result<Vec<_>, _>>()?;
        let mut router_of = |edges: &[usize]| -> Result<Router, EngineError> {
            let txs = edges.iter().map(|&e| taken(&mut senders, e)).collect::<Result<_, _>>()?;
            Ok(Router::new(txs, flush, window))
        };
        let route = match &t.route {
            Route::Aggregate => RouteOut::Aggregate,
            Route::ByKey(dests) => {
                let edges: Vec<usize> = dests
                    .iter()
                    .filter_map(|d| if let Dest::Edge(e) = d { Some(*e) } else { None })
                    .collect();
                let mut next = 0;
                let owners = dests
                    .iter()
                    .map(|d| match d {
                        Dest::Local => None,
                        Dest::Edge(_) => {
                            next += 1;
                            Some(next - 1)
                        }
                    })
                    .collect();
                RouteOut::ByKey { router: router_of(&edges)?, owners }
            }
            Route::RoundRobin(edges) => RouteOut::RoundRobin(router_of(edges)?),
            Route::Forward(e) => RouteOut::Forward(router_of(&[*e])?),
        };
        let partials = match &t.partials {
            Partials::None => PartialsOut::None,
            Partials::Emit => PartialsOut::Emit,
            Partials::ByKey(dests) => PartialsOut::ByKey(
                dests
                    .iter()
                    .map(|d| match d {
                        Dest::Local => Ok(None),
                        Dest::Edge(e) => taken(&mut ptx, *e).map(Some),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Partials::To(e) => PartialsOut::To(taken(&mut ptx, *e)?),
        };
        let agg = t.is_query().then(|| {
            // An RSS ring's flows are known (when its records stay here); behind a router a
            // worker gets about 1/W of the flows: allow 25% skew.
            let flows = match (t.ring, &t.route) {
                (Some(r), Route::Aggregate) => rings.rings[r].flows.times(flow_copies),
                _ => FlowEstimate {
                    v4: total.v4 * 5 / (4 * workers) + 64,
                    v6: total.v6 * 5 / (4 * workers) + 64,
                },
            };
            PartialAgg::new(query.clone(), flows)
        });
        let merge_in =
            t.merges.iter().map(|&e| taken(&mut prx, e)).collect::<Result<Vec<_>, _>>()?;
        out.push((
            ThreadMetrics::new(t.name.clone(), t.is_query()),
            StageParts { ring, inputs, route, agg, partials, merge_in },
        ));
    }
    Ok(out)
}
