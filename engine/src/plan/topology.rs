//! The topologies of `DESIGN.md`'s table, each a plan builder.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Dest, Partials, Plan, Route, ThreadPlan};
use crate::query::UnknownName;

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

/// Builds the plan (arguments already checked).
pub(super) fn build(topology: Topology, w: usize, fused: bool) -> Plan {
    let mut b = Builder { threads: vec![], record_edges: vec![], partial_edges: vec![] };
    let rings = match topology {
        Topology::Rtc => {
            for i in 0..w {
                b.thread(format!("worker-{i}"), Some(i), Route::Aggregate, Partials::Emit);
            }
            w
        }
        Topology::TwoStage => {
            for i in 0..w {
                b.thread(format!("worker-{i}"), Some(i), Route::Aggregate, Partials::None);
            }
            // Worker i sends the partials of keys owned by o to o's merge: itself, or an edge.
            for i in 0..w {
                let dests = (0..w)
                    .map(|o| if o == i { Dest::Local } else { Dest::Edge(b.partial_edge(i, o)) })
                    .collect();
                b.threads[i].partials = Partials::ByKey(dests);
            }
            w
        }
        Topology::Shuffle => {
            for i in 0..w {
                b.thread(format!("worker-{i}"), Some(i), Route::Aggregate, Partials::Emit);
            }
            for i in 0..w {
                let dests = (0..w)
                    .map(|o| {
                        if o == i {
                            Dest::Local
                        } else {
                            let e = b.record_edge(i, o);
                            b.threads[o].inputs.push(e);
                            Dest::Edge(e)
                        }
                    })
                    .collect();
                b.threads[i].route = Route::ByKey(dests);
            }
            w
        }
        Topology::Pipeline => {
            let source = b.thread("source".into(), Some(0), Route::Aggregate, Partials::None);
            let router = if fused {
                source
            } else {
                let sel = b.thread("select".into(), None, Route::Aggregate, Partials::None);
                let e = b.record_edge(source, sel);
                b.threads[source].route = Route::Forward(e);
                b.threads[sel].inputs = vec![e];
                sel
            };
            let mut dests = vec![];
            for i in 0..w {
                let t = b.thread(format!("worker-{i}"), None, Route::Aggregate, Partials::Emit);
                let e = b.record_edge(router, t);
                b.threads[t].inputs = vec![e];
                dests.push(Dest::Edge(e));
            }
            b.threads[router].route = Route::ByKey(dests);
            1
        }
        Topology::Farm => {
            let emitter = b.thread("emitter".into(), Some(0), Route::Aggregate, Partials::None);
            let mut deal = vec![];
            for i in 0..w {
                let t = b.thread(format!("worker-{i}"), None, Route::Aggregate, Partials::None);
                let e = b.record_edge(emitter, t);
                b.threads[t].inputs = vec![e];
                deal.push(e);
                let p = b.partial_edge(t, emitter);
                b.threads[t].partials = Partials::To(p);
            }
            b.threads[emitter].route = Route::RoundRobin(deal);
            1
        }
    };
    // Merges: every partial edge into its destination.
    for (e, &(_, to)) in b.partial_edges.clone().iter().enumerate() {
        b.threads[to].merges.push(e);
    }
    Plan {
        topology,
        rings,
        threads: b.threads,
        record_edges: b.record_edges,
        partial_edges: b.partial_edges,
        fused,
    }
}

struct Builder {
    threads: Vec<ThreadPlan>,
    record_edges: Vec<(usize, usize)>,
    partial_edges: Vec<(usize, usize)>,
}

impl Builder {
    fn thread(
        &mut self,
        name: String,
        ring: Option<usize>,
        route: Route,
        partials: Partials,
    ) -> usize {
        self.threads.push(ThreadPlan {
            name,
            ring,
            inputs: vec![],
            route,
            partials,
            merges: vec![],
        });
        self.threads.len() - 1
    }
    fn record_edge(&mut self, from: usize, to: usize) -> usize {
        self.record_edges.push((from, to));
        self.record_edges.len() - 1
    }
    fn partial_edge(&mut self, from: usize, to: usize) -> usize {
        self.partial_edges.push((from, to));
        self.partial_edges.len() - 1
    }
}
