//! The `pktstream` command as a library: command-line parsing, the subcommands, results,
//! trace statistics and the queue micro-benchmarks. The binary (`src/main.rs`) only parses
//! arguments and reports errors.

pub mod cli;
pub mod plot;
pub mod queue_bench;
pub mod results;
pub mod stats;
pub mod suite;
pub mod trace_stats;
pub mod traces;
