//! Topologies as data: a topology name and worker count become a [`Plan`] of threads, their
//! inputs (receive rings or record edges), where their records go (their own aggregation, or
//! routed over record edges), where their partial aggregates go (emitted, or routed over partial
//! edges to a merge), which the runtime executes with one generic thread loop and `--explain`
//! prints. Each topology is one builder function here; adding one never touches thread code.

mod topology;

use std::fmt::Write as _;

pub use topology::Topology;

use crate::query::CompiledQuery;

/// The most query threads a run may have.
pub const MAX_WORKERS: usize = 1024;

/// Where one routed record or partial goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// This thread's own aggregation or merge.
    Local,
    /// An edge to another thread.
    Edge(usize),
}

/// Where a thread's records go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Into the thread's own aggregation.
    Aggregate,
    /// To the owner of each record's query key, one destination per owner (filter and map
    /// run here: records the filter drops go nowhere).
    ByKey(Vec<Dest>),
    /// Whole batches dealt to the edges in turn, records as parsed (the farm's emitter).
    RoundRobin(Vec<usize>),
    /// Every record, as parsed, to one edge (an unfused pipeline's parse stage).
    Forward(usize),
}

/// Where a thread's partial aggregates go when its windows close or its state evicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Partials {
    /// The thread aggregates nothing.
    None,
    /// Out of the engine as results (the thread owns its keys).
    Emit,
    /// To the owner of each key's merge, one destination per owner.
    ByKey(Vec<Dest>),
    /// All to one partial edge (a farm replica to its emitter).
    To(usize),
}

/// One thread of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadPlan {
    /// Name, as `--explain` and per-thread metrics show it (`worker-0`, `source`).
    pub name: String,
    /// The receive ring the thread parses, if any.
    pub ring: Option<usize>,
    /// Record edges in. A thread routes its source records by `route`: its ring's when it has
    /// one, else its edges'; records that arrive on edges at a thread that also has a ring are
    /// already at their owner (shuffle) and go to its own aggregation.
    pub inputs: Vec<usize>,
    /// Where the thread's source records go.
    pub route: Route,
    /// Partial aggregates out (`Partials::None` unless the route is `Aggregate` or includes
    /// `Local`, or the thread has record edges in and aggregates them).
    pub partials: Partials,
    /// Partial edges this thread merges (with its own partials when `partials` routes any to
    /// `Local`); empty: no merge stage.
    pub merges: Vec<usize>,
}

impl ThreadPlan {
    /// Whether the thread aggregates records (a "worker" of `--workers`).
    pub fn is_query(&self) -> bool {
        self.partials != Partials::None
    }

    /// Whether the thread runs a merge stage.
    pub fn merges_partials(&self) -> bool {
        !self.merges.is_empty()
            || matches!(&self.partials, Partials::ByKey(d) if d.contains(&Dest::Local))
    }
}

/// A topology made concrete: receive rings, threads and the edges between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Topology it was built from.
    pub topology: Topology,
    /// Receive rings of the emulated NIC.
    pub rings: usize,
    /// Threads.
    pub threads: Vec<ThreadPlan>,
    /// Record edges as (from thread, to thread).
    pub record_edges: Vec<(usize, usize)>,
    /// Partial edges as (from thread, to thread).
    pub partial_edges: Vec<(usize, usize)>,
    /// Whether filter, map and routing run in the parsing thread (`pipeline` only; the other
    /// topologies always chain them).
    pub fused: bool,
}

/// Why a plan cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Zero workers.
    #[error("--workers must be at least 1")]
    NoWorkers,
    /// More workers than a run may have.
    #[error("--workers {0} is more than the {MAX_WORKERS} a run may have")]
    TooManyWorkers(usize),
    /// A query that `rtc` cannot run without a merge.
    #[error(
        "the query is not keyed by the flow (all of src, dst, sport, dport, proto, unmasked), so rtc cannot run it: use two-stage"
    )]
    NeedsMerge,
    /// An order-dependent query on a topology that deals a flow's records to several threads.
    #[error(
        "the query counts records in arrival order (out_of_order), and farm deals a flow's records to several replicas: use rtc, two-stage, shuffle or pipeline"
    )]
    NeedsFlowOrder,
    /// Fusion is an option of `pipeline` only.
    #[error("--no-fuse applies to the pipeline topology only (the others always chain operators)")]
    FuseOnlyOnPipeline,
}

impl Plan {
    /// The plan of `topology` with `workers` query threads for query `q`; `fused` chains
    /// filter, map and routing into the parsing thread (`pipeline`; the others need it true).
    pub fn build(
        topology: Topology,
        workers: usize,
        q: &CompiledQuery,
        fused: bool,
    ) -> Result<Self, PlanError> {
        if workers == 0 {
            return Err(PlanError::NoWorkers);
        }
        if workers > MAX_WORKERS {
            return Err(PlanError::TooManyWorkers(workers));
        }
        if !fused && topology != Topology::Pipeline {
            return Err(PlanError::FuseOnlyOnPipeline);
        }
        if topology == Topology::Rtc && !q.keyed_by_flow() {
            return Err(PlanError::NeedsMerge);
        }
        if topology == Topology::Farm && workers > 1 && q.order_dependent() {
            return Err(PlanError::NeedsFlowOrder);
        }
        Ok(topology::build(topology, workers, fused))
    }

    /// Number of query threads.
    pub fn workers(&self) -> usize {
        self.threads.iter().filter(|t| t.is_query()).count()
    }

    /// A human description of the plan (`--explain`).
    pub fn explain(&self) -> String {
        let mut s = format!(
            "topology {}{}: {} receive ring(s), {} thread(s), {} record edge(s), {} partial edge(s)\n",
            self.topology,
            if self.fused { "" } else { " (unfused)" },
            self.rings,
            self.threads.len(),
            self.record_edges.len(),
            self.partial_edges.len()
        );
        let name = |t: usize| self.threads[t].name.as_str();
        let dests = |ds: &[Dest], edges: &[(usize, usize)]| -> String {
            ds.iter()
                .map(|d| match d {
                    Dest::Local => "itself".to_string(),
                    Dest::Edge(e) => name(edges[*e].1).to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (i, t) in self.threads.iter().enumerate() {
            let from: Vec<&str> = t.inputs.iter().map(|e| name(self.record_edges[*e].0)).collect();
            let input = match (t.ring, from.is_empty()) {
                (Some(r), true) => format!("rx ring {r} (parse)"),
                (Some(r), false) => {
                    format!("rx ring {r} (parse); records from {} (aggregate)", from.join(", "))
                }
                (None, _) => format!("records from {}", from.join(", ")),
            };
            let route = match &t.route {
                Route::Aggregate => "aggregate".to_string(),
                Route::ByKey(ds) => {
                    let agg =
                        if ds.contains(&Dest::Local) { " (its own keys: aggregate)" } else { "" };
                    format!("filter, map, route by key to {}{agg}", dests(ds, &self.record_edges))
                }
                Route::RoundRobin(es) => {
                    let to: Vec<&str> = es.iter().map(|e| name(self.record_edges[*e].1)).collect();
                    format!("deal batches round-robin to {}", to.join(", "))
                }
                Route::Forward(e) => format!("forward to {}", name(self.record_edges[*e].1)),
            };
            let partials = match &t.partials {
                Partials::None => String::new(),
                Partials::Emit => "; closed windows: emit".to_string(),
                Partials::ByKey(ds) => {
                    format!("; partials by key to {}", dests(ds, &self.partial_edges))
                }
                Partials::To(e) => format!("; partials to {}", name(self.partial_edges[*e].1)),
            };
            let merges = if t.merges_partials() {
                let mut from: Vec<&str> =
                    t.merges.iter().map(|e| name(self.partial_edges[*e].0)).collect();
                if matches!(&t.partials, Partials::ByKey(d) if d.contains(&Dest::Local)) {
                    from.insert(0, "itself");
                }
                format!("; merge partials from {}, emit at window close", from.join(", "))
            } else {
                String::new()
            };
            let _ = writeln!(s, "  thread {i} {}: {input} -> {route}{partials}{merges}", t.name);
        }
        s
    }
}

#[cfg(test)]
mod tests;
