//! Topologies as data: a topology name and worker count become a [`Plan`] of threads, their
//! inputs (receive rings or queue edges) and outputs (a query or a router), which the runtime
//! executes with one generic thread loop and `--explain` prints.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::query::{AppKind, UnknownName};

/// The topologies of `DESIGN.md`'s table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// Run to completion: W threads, each parses its own RSS receive ring and runs the query.
    Rtc,
    /// W threads on RSS rings; partials merge by query key at window close.
    TwoStage,
    /// W threads on RSS rings route records by query key over W x W lanes.
    Shuffle,
    /// A source thread parses one ring and routes batches by query key to W workers.
    Pipeline,
    /// An emitter deals batches to W replicas; the emitter merges at window close.
    Farm,
}

impl Topology {
    /// Every topology with its name.
    pub const ALL: [(&'static str, Topology); 5] = [
        ("rtc", Topology::Rtc),
        ("two-stage", Topology::TwoStage),
        ("shuffle", Topology::Shuffle),
        ("pipeline", Topology::Pipeline),
        ("farm", Topology::Farm),
    ];

    /// The topology's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, t)| *t == self).map_or("?", |(n, _)| n)
    }

    /// Whether this build runs the topology (the others arrive with the engine-runtime issue).
    pub fn is_built(self) -> bool {
        matches!(self, Topology::Rtc | Topology::Pipeline)
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Topology {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, t)| *t).ok_or_else(|| UnknownName {
            what: "topology",
            name: s.into(),
            valid: Self::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        })
    }
}

/// The most query threads a run may have.
pub const MAX_WORKERS: usize = 1024;

/// Where a thread's records come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Receive ring `i` of the emulated NIC (the thread parses the frames).
    Ring(usize),
    /// Queue edge `i` (batches of parsed records).
    Edge(usize),
}

/// Where a thread's records go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Into the thread's own instance of the query.
    Query,
    /// To the listed edges, chosen by a hash of the query key.
    RouteByKey(Vec<usize>),
}

/// One thread of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadPlan {
    /// Name, as `--explain` and per-thread metrics show it (`worker-0`, `source`).
    pub name: String,
    /// Records in.
    pub input: Input,
    /// Records out.
    pub output: Output,
}

impl ThreadPlan {
    /// Whether the thread runs the query (a "worker" of `--workers`).
    pub fn is_query(&self) -> bool {
        self.output == Output::Query
    }
}

/// A topology made concrete: receive rings, threads and the queue edges between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Topology it was built from.
    pub topology: Topology,
    /// Receive rings of the emulated NIC.
    pub rings: usize,
    /// Threads, query threads last.
    pub threads: Vec<ThreadPlan>,
    /// Queue edges as (from thread, to thread).
    pub edges: Vec<(usize, usize)>,
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
    /// A registered topology this build does not run yet.
    #[error("topology '{0}' arrives with the engine-runtime issue; this build runs: rtc, pipeline")]
    NotBuilt(Topology),
    /// A query that `rtc` cannot run without a merge.
    #[error("app '{0}' is not keyed by the flow, so rtc cannot run it: use two-stage")]
    NeedsMerge(AppKind),
}

impl Plan {
    /// The plan of `topology` with `workers` query threads for `app`.
    pub fn build(topology: Topology, workers: usize, app: AppKind) -> Result<Self, PlanError> {
        if workers == 0 {
            return Err(PlanError::NoWorkers);
        }
        if workers > MAX_WORKERS {
            return Err(PlanError::TooManyWorkers(workers));
        }
        match topology {
            Topology::Rtc => {
                if !app.keyed_by_flow() {
                    return Err(PlanError::NeedsMerge(app));
                }
                let threads = (0..workers)
                    .map(|w| ThreadPlan {
                        name: format!("worker-{w}"),
                        input: Input::Ring(w),
                        output: Output::Query,
                    })
                    .collect();
                Ok(Plan { topology, rings: workers, threads, edges: vec![] })
            }
            Topology::Pipeline => {
                let mut threads = vec![ThreadPlan {
                    name: "source".into(),
                    input: Input::Ring(0),
                    output: Output::RouteByKey((0..workers).collect()),
                }];
                threads.extend((0..workers).map(|w| ThreadPlan {
                    name: format!("worker-{w}"),
                    input: Input::Edge(w),
                    output: Output::Query,
                }));
                let edges = (0..workers).map(|w| (0, w + 1)).collect();
                Ok(Plan { topology, rings: 1, threads, edges })
            }
            other => Err(PlanError::NotBuilt(other)),
        }
    }

    /// Number of query threads.
    pub fn workers(&self) -> usize {
        self.threads.iter().filter(|t| t.is_query()).count()
    }

    /// A human description of the plan (`--explain`).
    pub fn explain(&self) -> String {
        let mut s = format!(
            "topology {}: {} receive ring(s), {} thread(s), {} queue edge(s)\n",
            self.topology,
            self.rings,
            self.threads.len(),
            self.edges.len()
        );
        for (i, t) in self.threads.iter().enumerate() {
            let input = match &t.input {
                Input::Ring(r) => format!("rx ring {r} (parse)"),
                Input::Edge(e) => format!("edge {e} from {}", self.threads[self.edges[*e].0].name),
            };
            let output = match &t.output {
                Output::Query => "query".to_string(),
                Output::RouteByKey(es) => {
                    let to: Vec<&str> =
                        es.iter().map(|e| self.threads[self.edges[*e].1].name.as_str()).collect();
                    format!("route by key to {}", to.join(", "))
                }
            };
            s.push_str(&format!("  thread {i} {}: {input} -> {output}\n", t.name));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_have_the_table_shapes() {
        let rtc = Plan::build(Topology::Rtc, 3, AppKind::FlowCounter).unwrap();
        assert_eq!((rtc.rings, rtc.threads.len(), rtc.edges.len(), rtc.workers()), (3, 3, 0, 3));
        let p = Plan::build(Topology::Pipeline, 2, AppKind::FlowCounter).unwrap();
        assert_eq!((p.rings, p.threads.len(), p.edges.len(), p.workers()), (1, 3, 2, 2));
        assert!(p.explain().contains("route by key to worker-0, worker-1"));
        assert_eq!(
            Plan::build(Topology::Farm, 2, AppKind::FlowCounter),
            Err(PlanError::NotBuilt(Topology::Farm))
        );
        assert_eq!(Plan::build(Topology::Rtc, 0, AppKind::FlowCounter), Err(PlanError::NoWorkers));
        assert_eq!(
            Plan::build(Topology::Rtc, 5000, AppKind::FlowCounter),
            Err(PlanError::TooManyWorkers(5000))
        );
    }

    #[test]
    fn unknown_topology_lists_the_valid_ones() {
        let e = "ring".parse::<Topology>().unwrap_err().to_string();
        assert!(e.contains("rtc, two-stage, shuffle, pipeline, farm"), "{e}");
    }
}
