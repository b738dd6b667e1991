//! Queries: the apps the engine runs, their outputs, and the single-threaded reference.
//!
//! An [`App`] is what a query thread runs on the records routed to it: it sees batches, keeps
//! its own state, and at the end hands back its [`FlowCounts`] partial; partials of all query
//! threads merge into one output that does not depend on the topology, queue, batch size,
//! worker count or pinning. The composable operator API (filter, map, key-by, windows, ...)
//! replaces this with the engine-runtime issue; the flow counter is its first app.

pub mod flow_counter;
pub mod reference;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wire::PacketRecord;

use crate::state::FlowEstimate;

pub use flow_counter::{FlowCounter, FlowCounts};

/// A query as one query thread runs it.
pub trait App: Send {
    /// Processes a batch of records routed to this thread.
    fn on_batch(&mut self, records: &[PacketRecord]);
    /// Ends the stream and returns this thread's partial output.
    fn finish(self: Box<Self>) -> FlowCounts;
}

/// The apps `--app` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    /// Fais et al.'s flow counter: packets and bytes per 5-tuple.
    FlowCounter,
}

impl AppKind {
    /// Every app with its name.
    pub const ALL: [(&'static str, AppKind); 1] = [("flow-counter", AppKind::FlowCounter)];

    /// The app's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, a)| *a == self).map_or("?", |(n, _)| n)
    }

    /// Whether the app's key is the flow, so `rtc` (RSS by flow, no merge) can run it.
    pub fn keyed_by_flow(self) -> bool {
        match self {
            AppKind::FlowCounter => true,
        }
    }

    /// A fresh instance for one query thread expecting about `flows` flows.
    pub fn instantiate(self, flows: FlowEstimate) -> Box<dyn App> {
        match self {
            AppKind::FlowCounter => Box::new(FlowCounter::with_estimate(flows)),
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown name on the command line, with the valid list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{name}'; valid {what}s: {valid}")]
pub struct UnknownName {
    /// What kind of name (`app`, `topology`, ...).
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The valid names, comma-separated.
    pub valid: String,
}

impl FromStr for AppKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, a)| *a).ok_or_else(|| UnknownName {
            what: "app",
            name: s.into(),
            valid: Self::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        })
    }
}
