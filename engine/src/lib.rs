//! The multicore analytics engine: frames in, analytics results out. Knows nothing of files.
//!
//! - [`runtime::nic`]: the emulated NIC (receive rings filled by RSS before the clock, the
//!   release clock, `rx_ring_full` drops);
//! - [`queue`]: the queue trait between threads, pooled batches, wait strategies;
//! - [`query`]: the apps (the flow counter) and the single-threaded reference;
//! - [`state`]: the flow table;
//! - [`plan`]: topologies as data (threads, rings, edges), what `--explain` prints;
//! - [`runtime`]: the executor: pinning, the generic thread loop, the run's outcome;
//! - [`metrics`]: drop reasons, per-thread counters, latency sampling, CPU and memory.
//!
//! Data flows one way: rings -> parse -> (route over queues) -> query -> merged output.

pub mod config;
pub mod metrics;
pub mod plan;
pub mod query;
pub mod queue;
pub mod runtime;
pub mod state;

pub use config::EngineConfig;
pub use runtime::{RunOutcome, run};
