//! The runtime: turns a plan into threads, runs them over the emulated NIC, and reports.
//!
//! Setup happens before the clock: the NIC's rings are filled by RSS, each query thread's flow
//! table is sized for its ring's flows and pre-faulted, queues and batch pools are allocated,
//! threads are spawned and pinned. All threads then meet at a barrier, the clock starts, and
//! each runs the generic loop of `stage` to the end of its input. The run ends when the last
//! thread does.

pub mod clock;
mod gate;
pub mod nic;
pub mod pin;
pub(crate) mod stage;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use wire::FrameBuffer;

use crate::config::EngineConfig;
use crate::metrics::{ThreadMetrics, cpu};
use crate::plan::{Input, Output, Plan, PlanError};
use crate::query::FlowCounts;
use crate::queue::batch::batch_channel_with;
use crate::queue::{FlushPolicy, QueueError};
use crate::state::FlowEstimate;
use clock::RunClock;
use gate::StartGate;
use nic::{RxRing, RxRings};
use stage::{Router, StageEnv, StageInput, StageOutput, run_stage};

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The topology cannot be planned as asked.
    #[error(transparent)]
    Plan(#[from] PlanError),
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
    /// The query's merged output.
    pub output: FlowCounts,
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
    /// Result delay of the run's one window: from the last record counted (the end of the last
    /// query thread's processing) to the merged output.
    pub result_delay_ns: u64,
}

impl RunOutcome {
    /// Records processed by the query threads.
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

    /// Whether every offered frame was processed, unparsed or dropped with a reason.
    pub fn conservation_ok(&self) -> bool {
        let unparsed: u64 = self.unparsed_by_reason().values().sum();
        let dropped: u64 = self.dropped_by_reason().values().sum();
        self.packets == self.processed() + unparsed + dropped
            && self.output.packets() == self.processed()
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
    let plan = Plan::build(cfg.topology, cfg.workers, cfg.app)?;
    // Before the clock: RSS split, flow tables, queues.
    let rings = RxRings::fill(frames, plan.rings, cfg.rss);
    let span = trace_span_ns(frames);
    let workers = plan.workers();
    let mut senders: Vec<Vec<_>> = (0..plan.threads.len()).map(|_| Vec::new()).collect();
    let mut receivers: Vec<Option<_>> = (0..plan.edges.len()).map(|_| None).collect();
    for (e, &(from, _)) in plan.edges.iter().enumerate() {
        let (tx, rx) = batch_channel_with(cfg.queue, cfg.queue_capacity, cfg.batch, cfg.wait)?;
        senders[from].push(tx);
        receivers[e] = Some(rx);
    }
    // With --unique-ip every loop brings new flows: size the tables for all of them.
    let flow_copies = if cfg.unique_ip { cfg.loops } else { 1 };
    let total_flows = rings.total_flows().times(flow_copies);
    let flush = FlushPolicy { batch: cfg.batch, timeout_ns: cfg.flush_timeout_ns };
    let mut stages = Vec::with_capacity(plan.threads.len());
    for (i, t) in plan.threads.iter().enumerate() {
        let input = match t.input {
            Input::Ring(r) => StageInput::Ring(RxRing::new(
                &rings.rings[r],
                cfg.loops,
                span,
                cfg.release.clone(),
                cfg.ring_size,
            )),
            Input::Edge(e) => {
                StageInput::Edge(receivers[e].take().ok_or(EngineError::Invalid {
                    what: "plan",
                    why: "an edge feeds two threads",
                })?)
            }
        };
        let output = match &t.output {
            Output::Query => {
                // An RSS ring's flows are known; behind a router, flows spread over the workers.
                let flows = match t.input {
                    Input::Ring(r) => rings.rings[r].flows.times(flow_copies),
                    // Behind a router a worker gets about 1/W of the flows; allow 25% skew.
                    Input::Edge(_) => FlowEstimate {
                        v4: total_flows.v4 * 5 / (4 * workers) + 64,
                        v6: total_flows.v6 * 5 / (4 * workers) + 64,
                    },
                };
                StageOutput::Query(cfg.app.instantiate(flows))
            }
            Output::RouteByKey(_) => {
                StageOutput::Route(Router::new(std::mem::take(&mut senders[i]), flush))
            }
        };
        stages.push((ThreadMetrics::new(t.name.clone(), t.is_query()), input, output));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pins: Vec<Option<usize>> =
        (0..plan.threads.len()).map(|i| cfg.pin.core_of(i, cores)).collect();
    let gate = StartGate::default();
    // Set by the main thread before it opens the gate: the zero of every thread's clock.
    let clock_cell: OnceLock<RunClock> = OnceLock::new();
    let mut spawn_error = None;
    let mut joined = Vec::with_capacity(stages.len());
    std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(stages.len());
        for ((m, input, output), pin) in stages.into_iter().zip(&pins) {
            let (gate, clock_cell) = (&gate, &clock_cell);
            let name = m.name.clone();
            let spawned =
                std::thread::Builder::new().name(name.clone()).spawn_scoped(s, move || {
                    let pinned = pin.filter(|&c| pin::pin_current(c));
                    if !gate.arrive_and_wait() {
                        return None;
                    }
                    let clock = clock_cell.get().cloned().unwrap_or_else(RunClock::start_now);
                    let env = StageEnv {
                        clock,
                        batch: cfg.batch,
                        wait: cfg.wait,
                        unique_ip: cfg.unique_ip,
                    };
                    let cpu0 = cpu::thread_cpu_ns();
                    let mut r = run_stage(&env, input, output, m);
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
    let mut output = FlowCounts::default();
    let mut threads = Vec::with_capacity(results.len());
    for r in results {
        if let Some(o) = r.output {
            output.merge(o);
        }
        threads.push(r.metrics);
    }
    let duration_ns = threads.iter().map(|t| t.end_ns).max().unwrap_or(0).max(1);
    let last_query_end = threads.iter().filter(|t| t.is_query).map(|t| t.end_ns).max();
    let result_delay_ns = match (clock_cell.get(), last_query_end) {
        (Some(clock), Some(end)) => clock.now_ns().saturating_sub(end),
        _ => 0,
    };
    Ok(RunOutcome {
        oversubscribed: plan.threads.len() > cores,
        plan,
        output,
        threads,
        packets: frames.len() as u64 * cfg.loops,
        duration_ns,
        pinned,
        result_delay_ns,
    })
}
