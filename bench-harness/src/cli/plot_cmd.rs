//! `pktstream plot RESULTS`: redraws a sweep suite's figures (`jetstream`, `fais`, `scaling`,
//! `sharding`, `latency`, or a suite file's) from its results folder or its `summary.json`,
//! without running anything.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::suite_sweep::{SweepResults, draw_figures};

/// Flags of `pktstream plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A suite's results folder (holding `summary.json`) or the `summary.json` itself.
    pub results: PathBuf,
    /// Where to write the figures (default: beside `summary.json`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub(super) fn run(args: &PlotArgs) -> anyhow::Result<()> {
    let summary = if args.results.is_dir() {
        args.results.join("summary.json")
    } else {
        args.results.clone()
    };
    let text =
        std::fs::read(&summary).with_context(|| format!("cannot read {}", summary.display()))?;
    let file: SweepResults = serde_json::from_slice(&text).with_context(|| {
        format!(
            "{}: not the summary of a sweep suite (jetstream, fais, scaling, sharding, latency); \
             the queues and apps suites draw their figures when they run",
            summary.display()
        )
    })?;
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => summary.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in draw_figures(&dir, &file)? {
        println!("{}", f.display());
    }
    Ok(())
}
