//! `pktstream`: generate traffic, inspect captures, run experiments.

use clap::Parser;

fn main() {
    // Die quietly on a closed pipe (`pktstream ... | head`), as command-line tools do, instead
    // of panicking on the failed write.
    // SAFETY: called before any other thread exists; SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = bench_harness::cli::Cli::parse();
    if let Err(e) = bench_harness::cli::dispatch(cli) {
        // One line that names the file, the offset and what was expected (the errors carry it).
        eprintln!("pktstream: error: {e:#}");
        std::process::exit(2);
    }
}
