//! Command-line interface: the subcommands and their flags (`DESIGN.md`, "The command line").

mod child;
mod compare_cmd;
mod gen_cmd;
mod interrupt;
mod pacing_args;
mod plot_cmd;
mod queue_bench_cmd;
mod replay_cmd;
mod reproduce_cmd;
mod run_cmd;
mod run_file;
mod suite_apps;
mod suite_cmd;
mod suite_queues;
pub mod suite_sweep;
mod trace_stats_cmd;

use clap::{Parser, Subcommand};

pub use compare_cmd::CompareArgs;
pub use gen_cmd::GenArgs;
pub use pacing_args::RateArgs;
pub use plot_cmd::PlotArgs;
pub use queue_bench_cmd::{CorePair, QueueBenchArgs, queue_bench_report, queue_bench_summary};
pub use replay_cmd::ReplayArgs;
pub use reproduce_cmd::ReproduceArgs;
pub use run_cmd::{RunArgs, report, summary};
pub use run_file::RunFile;
pub use suite_cmd::SuiteArgs;
pub use trace_stats_cmd::TraceStatsArgs;

/// Packet-level network analytics on multicore CPUs: traffic generation, capture statistics
/// and (with later subcommands) the engine, experiment suites and plots.
#[derive(Debug, Parser)]
#[command(name = "pktstream", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a synthetic trace from a traffic profile and write it as a pcap file.
    Gen(GenArgs),
    /// Read a capture and print packets, bytes, flows, sizes, rate, link types, flow lengths,
    /// top talkers, protocol mix and host fan-out per second.
    TraceStats(TraceStatsArgs),
    /// Replay a capture on a schedule (original timing, Mb/s, pps, top speed) into a null
    /// sink or a capture file, and measure how well the schedule was kept.
    Replay(ReplayArgs),
    /// Run a query over a trace on a topology and measure it.
    Run(Box<RunArgs>),
    /// Reproduce the seed papers' experiments on this machine (suites jetstream, fais, queues,
    /// sharding, latency): results, figures and a README linking them.
    Reproduce(ReproduceArgs),
    /// Measure one queue design: items per second between two pinned threads and, with
    /// --pingpong, the round trip beside that of one atomic word.
    QueueBench(QueueBenchArgs),
    /// Run an experiment suite (queues, apps, jetstream, fais, scaling, sharding, latency, or a
    /// suite file): every trial a separate process, rounds interleaved, results with bootstrap
    /// intervals, and figures.
    Suite(SuiteArgs),
    /// Redraw a sweep suite's figures from its results, without running anything.
    Plot(PlotArgs),
    /// Compare two suites' trials: B/A of each metric's medians per configuration, with a
    /// 95% bootstrap interval, and whether the difference is within noise.
    Compare(CompareArgs),
}

/// Runs a parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Gen(args) => gen_cmd::run(&args),
        Command::TraceStats(args) => trace_stats_cmd::run(&args),
        Command::Replay(args) => replay_cmd::run(&args),
        Command::Run(args) => run_cmd::run(&args),
        Command::Reproduce(args) => reproduce_cmd::run(&args),
        Command::QueueBench(args) => queue_bench_cmd::run(&args),
        Command::Suite(args) => suite_cmd::run(&args),
        Command::Plot(args) => plot_cmd::run(&args),
        Command::Compare(args) => compare_cmd::run(&args),
    }
}
