//! The multicore analytics engine: frames in, analytics results out. Knows nothing of files.
//!
//! - [`runtime::nic`]: the emulated NIC (receive rings filled by RSS before the clock, the
//!   release clock, `rx_ring_full` drops);
//! - [`queue`]: the queue trait between threads, pooled batches, wait strategies;
//! - [`query`]: the query API (a query as data, its builder, fields, keys, windows,
//!   aggregates), the partial and merge stages, the output, the apps and the single-threaded
//!   reference;
//! - [`state`]: the flat flow table, windowed keyed state with eviction, HyperLogLog;
//! - [`plan`]: topologies as data (threads, rings, record and partial edges), what `--explain`
//!   prints;
//! - [`runtime`]: the executor: pinning, the generic thread loop, record routing, partial
//!   exchange, the run's outcome;
//! - [`metrics`]: drop reasons, per-thread counters, latency sampling, CPU and memory;
//! - [`plain`]: hand-written references of every app (plain loops, no query API), the oracles
//!   the apps are tested against.
//!
//! Data flows one way: rings -> parse -> (route records over queues) -> partial aggregation ->
//! (partials over queues) -> merge -> emitted rows -> finished output.

pub mod config;
pub mod metrics;
pub mod plain;
pub mod plan;
pub mod query;
pub mod queue;
pub mod runtime;
pub mod state;

pub use config::EngineConfig;
pub use runtime::{RunOutcome, run};
