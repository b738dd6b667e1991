//! `pktstream suite NAME`: runs an experiment suite, every trial a separate process, rounds with
//! the configurations interleaved, and writes raw trials, summaries with bootstrap intervals and
//! figures. Two suites: `queues` (`suite_queues.rs`, see [`crate::suite::queues`]) and `apps`
//! (`suite_apps.rs`, see [`crate::suite::apps`]); this file holds their flags and what they
//! share.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::results::schema::Provenance;

/// Flags of `pktstream suite`.
#[derive(Debug, Args)]
pub struct SuiteArgs {
    /// The suite to run: queues, apps, jetstream, fais, scaling, sharding, latency, or the path
    /// of a suite file (`*.toml`, see `bench-harness/suites/`).
    pub name: String,
    /// A short run: one round and few items (queues: a reduced grid, batch 1 and 32, 8-byte
    /// items, plus the round trip and the pipeline; apps: a small trace, replayed once).
    #[arg(long)]
    pub quick: bool,
    /// Results folder; files go to DIR/<machine_id>/<suite>/. The default keeps ad-hoc runs out
    /// of the committed results: only an explicit `--out results` writes there.
    #[arg(long, default_value = "target/suite-results")]
    pub out: PathBuf,
    /// Rounds; each runs every configuration once, as its own process (default 3; 1 with
    /// --quick).
    #[arg(long)]
    pub runs: Option<usize>,
    /// Machine id (default: a slug of the CPU model and core count).
    #[arg(long)]
    pub machine: Option<String>,
    /// Items per queue-bench trial of the queues suite (default: calibrated per configuration
    /// so a trial lasts about 0.3 s; with --quick, 1 M and 100 k round trips).
    #[arg(long)]
    pub items: Option<u64>,
    /// Packets of the generated caida-like trace the pipeline trials run (for tests).
    #[arg(long, hide = true)]
    pub pipeline_packets: Option<u64>,
    /// Packets of the generated trace the apps suite runs (for tests).
    #[arg(long, hide = true)]
    pub trace_packets: Option<u64>,
}

pub(super) fn run(args: &SuiteArgs) -> anyhow::Result<()> {
    match args.name.as_str() {
        "queues" => super::suite_queues::run(args),
        "apps" => super::suite_apps::run(args),
        other => {
            if args.items.is_some() || args.pipeline_packets.is_some() {
                anyhow::bail!("--items and --pipeline-packets apply to the queues suite only");
            }
            if args.trace_packets.is_some() {
                anyhow::bail!("--trace-packets applies to the apps suite only");
            }
            let suite = crate::suite::spec::SuiteFile::load(other)?;
            let run = super::suite_sweep::SweepRun {
                suite,
                quick: args.quick,
                rounds: args.runs,
                out: args.out.clone(),
                machine: args.machine.clone(),
            };
            let outcome = super::suite_sweep::run(&run)?;
            eprintln!("suite {other}: results in {}", outcome.dir.display());
            if outcome.report.partial {
                anyhow::bail!("the suite stopped early; what it measured is kept, marked partial");
            }
            Ok(())
        }
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub(super) fn progress(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    let template = "{bar:40} {pos}/{len} trials, {elapsed} of ~{duration} {msg}";
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// Creates the results folder `OUT/<machine_id>/<suite>/` and a scratch folder inside it for the
/// trials' JSON files (`.trials-<pid>`, removed by the caller); returns both.
pub(super) fn results_dirs(
    out: &Path,
    machine_id: &str,
    suite: &str,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let dir = out.join(machine_id).join(suite);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let scratch = dir.join(format!(".trials-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    Ok((dir, scratch))
}

/// The start of every suite figure's caption: machine, CPU, cores, commit (`+dirty` when the
/// tree had changes) and date.
pub(super) fn caption_head(prov: &Provenance) -> String {
    let commit: String = prov.git_commit.chars().take(10).collect();
    format!(
        "{} ({}, {} cores), commit {}{}, {}.",
        prov.machine_id,
        prov.cpu_model,
        prov.cores,
        commit,
        if prov.git_dirty { "+dirty" } else { "" },
        prov.date_utc
    )
}
