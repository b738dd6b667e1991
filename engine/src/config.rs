//! The engine's run configuration.

use serde::{Deserialize, Serialize};
use wire::RssFunction;

use crate::plan::Topology;
use crate::query::apps::AppParams;
use crate::query::{AppKind, QuerySpec, Window};
use crate::queue::QueueKind;
use crate::queue::wait::WaitStrategy;
use crate::runtime::nic::{DEFAULT_RING_SIZE, Release};
use crate::runtime::pin::PinPlan;

/// Default records per batch (Jetstream's best).
pub const DEFAULT_BATCH: usize = 64;
/// Default queue capacity between threads, in batches.
pub const DEFAULT_QUEUE_CAPACITY: usize = 64;
/// Default flush timeout for partial batches: 100 us.
pub const DEFAULT_FLUSH_TIMEOUT_NS: u64 = 100_000;

/// How to run a query over a trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// The named app (its query), unless `query` is given.
    pub app: AppKind,
    /// The app's parameters (`--threshold`, `--share`, `--vip`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub app_params: AppParams,
    /// A query of the user's own (`[query]` of a `run --config` file); replaces the app's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<QuerySpec>,
    /// `--window`: replaces the query's window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// `--state-cap`: replaces the query's cap on keyed-state entries per worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_cap: Option<usize>,
    /// `--idle-timeout`: replaces the query's idle timeout (packet time, ns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_ns: Option<u64>,
    /// The topology.
    pub topology: Topology,
    /// Query threads.
    pub workers: usize,
    /// Queue design between threads.
    pub queue: QueueKind,
    /// Queue capacity in batches.
    pub queue_capacity: usize,
    /// Records per batch (frames per ring take, records per queue publish).
    pub batch: usize,
    /// A partial batch is published after at most this long.
    pub flush_timeout_ns: u64,
    /// How idle threads wait.
    pub wait: WaitStrategy,
    /// Which cores threads run on.
    pub pin: PinPlan,
    /// Whether filter, map and routing run in the parsing thread (operator chaining); false
    /// gives `pipeline` a thread of its own for them.
    #[serde(default = "yes")]
    pub fuse: bool,
    /// Times the trace is replayed.
    pub loops: u64,
    /// Receive ring size in frames.
    pub ring_size: usize,
    /// RSS function over the receive rings.
    pub rss: RssFunction,
    /// `--unique-ip`: loops 1, 2, ... carry new flows. Each parsed record of loop `k >= 1` has
    /// its addresses rewritten ([`wire::unique_ip::rewrite_record`]) after the NIC chose its
    /// ring, so ring assignment is the first loop's.
    #[serde(default)]
    pub unique_ip: bool,
    /// When frames become visible in the rings.
    #[serde(skip)]
    pub release: Release,
}

fn is_default(p: &AppParams) -> bool {
    *p == AppParams::default()
}

impl EngineConfig {
    /// The defaults for `app` on `topology` with `workers` query threads.
    pub fn new(app: AppKind, topology: Topology, workers: usize) -> Self {
        Self {
            app,
            app_params: AppParams::default(),
            query: None,
            window: None,
            state_cap: None,
            idle_timeout_ns: None,
            topology,
            workers,
            queue: QueueKind::Rtrb,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            batch: DEFAULT_BATCH,
            flush_timeout_ns: DEFAULT_FLUSH_TIMEOUT_NS,
            wait: WaitStrategy::default(),
            pin: PinPlan::Auto,
            fuse: true,
            loops: 1,
            ring_size: DEFAULT_RING_SIZE,
            rss: RssFunction::default(),
            unique_ip: false,
            release: Release::TopSpeed,
        }
    }

    /// The query this run runs: the user's own, or the app's; with `window`, `state_cap` and
    /// `idle_timeout_ns` replacing the query's where set.
    pub fn query_spec(&self) -> QuerySpec {
        let mut q = self.query.clone().unwrap_or_else(|| self.app.spec_with(&self.app_params));
        if let Some(w) = self.window {
            q.window = w;
        }
        if self.state_cap.is_some() {
            q.state_cap = self.state_cap;
        }
        if self.idle_timeout_ns.is_some() {
            q.idle_timeout_ns = self.idle_timeout_ns;
        }
        q
    }
}

fn yes() -> bool {
    true
}
