//! The `pktstream` command as a library: command-line parsing, the subcommands, results and
//! trace statistics. The binary (`src/main.rs`) only parses arguments and reports errors.

pub mod cli;
pub mod plot;
pub mod results;
pub mod trace_stats;
pub mod traces;
