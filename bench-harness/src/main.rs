//! `pktstream`: generate traffic, inspect captures, run experiments.

use clap::Parser;

fn main() {
    let cli = bench_harness::cli::Cli::parse();
    if let Err(e) = bench_harness::cli::dispatch(cli) {
        // One line that names the file, the offset and what was expected (the errors carry it).
        eprintln!("pktstream: error: {e:#}");
        std::process::exit(2);
    }
}
