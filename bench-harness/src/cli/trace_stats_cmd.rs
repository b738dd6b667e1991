//! `pktstream trace-stats`: what a capture holds.

use std::path::PathBuf;

use clap::Args;
use tracegen::pcap::{ReadOptions, read_file};

use crate::results::schema::{ResultsFile, TraceStatsConfig};
use crate::results::{provenance, write_json};
use crate::trace_stats;

/// Flags of `pktstream trace-stats`. A generator sidecar `FILE.gen.json` beside the capture is
/// copied into the statistics as `generator`.
#[derive(Debug, Args)]
pub struct TraceStatsArgs {
    /// The capture file.
    pub file: PathBuf,
    /// Write the statistics as one JSON results object to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Treat a capture cut short inside a record as an error.
    #[arg(long)]
    pub strict: bool,
    /// Machine id for the results' provenance (default: a slug of CPU model and cores).
    #[arg(long)]
    pub machine: Option<String>,
}

pub(super) fn run(args: &TraceStatsArgs) -> anyhow::Result<()> {
    let capture =
        read_file(&args.file, &ReadOptions { strict: args.strict, ..Default::default() })?;
    for w in &capture.info.warnings {
        eprintln!("pktstream: warning: {w}");
    }
    let mut stats = trace_stats::compute(&capture);
    // A bad sidecar does not make the capture unreadable: say so and go on without it.
    match trace_stats::read_generator_sidecar(&args.file) {
        Ok(generator) => stats.generator = generator,
        Err(e) => eprintln!("pktstream: warning: ignoring the generator sidecar: {e:#}"),
    }
    println!("{}", trace_stats::summary(&args.file.display().to_string(), &stats));
    if let Some(out) = &args.json {
        let sha = provenance::sha256_file(&args.file)?;
        // The version that made the file, where its sidecar says; else this build's.
        let version = stats
            .generator
            .as_ref()
            .and_then(|g| g["generator_version"].as_u64())
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(tracegen::GENERATOR_VERSION);
        let prov = provenance::collect(args.machine.as_deref(), version, sha);
        let config =
            TraceStatsConfig { file: args.file.display().to_string(), strict: args.strict };
        write_json(out, &ResultsFile::new(prov, config, stats))?;
    }
    Ok(())
}
