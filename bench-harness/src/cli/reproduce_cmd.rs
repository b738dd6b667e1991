//! `pktstream reproduce [--quick]`: the seed papers' experiments on this machine, one suite
//! after another: `jetstream` (HotCloud'18's replicas figure), `fais` (the flow counter at 10
//! and 20 Gb/s, the optimisation steps, the zero-loss rate), `queues` (Maffione et al.'s queue
//! designs), `sharding` (topologies under flow skew) and `latency` (latency against offered
//! load). Prints each suite's estimate before it starts, progress while it runs, and a summary
//! table at the end; writes `DIR/<machine_id>/README.md` linking every figure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::suite_cmd::SuiteArgs;
use super::suite_sweep::{self, SweepRun};
use crate::results::{provenance, write_atomic};
use crate::suite::spec::SuiteFile;

/// Flags of `pktstream reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// A short run (small traces, one round, short trials) to check that everything works:
    /// about 3 minutes on a 2-core machine, where the full run takes about 30.
    #[arg(long)]
    pub quick: bool,
    /// Results folder; each suite's files go to DIR/<machine_id>/<suite>/. The default keeps
    /// ad-hoc runs out of the committed results: only an explicit `--out results` writes there.
    #[arg(long, default_value = "target/suite-results")]
    pub out: PathBuf,
    /// Machine id (default: a slug of the CPU model and core count).
    #[arg(long)]
    pub machine: Option<String>,
    /// Run only these suites (comma-separated, in the order given).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

/// The suites, in the order they run.
pub const REPRODUCED: [&str; 5] = ["jetstream", "fais", "queues", "sharding", "latency"];

/// Seconds the queues suite takes (it calibrates as it goes, so it has no plan to estimate
/// from): measured on the 2-core machine the project is developed on.
const QUEUES_ESTIMATE_S: (f64, f64) = (25.0, 420.0);

/// One suite's outcome for the summary.
struct Done {
    name: String,
    seconds: f64,
    dir: PathBuf,
    figures: Vec<PathBuf>,
    lines: Vec<String>,
    partial: bool,
}

pub(super) fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    let names: Vec<String> = if args.only.is_empty() {
        REPRODUCED.iter().map(|s| s.to_string()).collect()
    } else {
        args.only.clone()
    };
    let mut plans = Vec::new();
    for n in &names {
        if n == "queues" {
            let s = if args.quick { QUEUES_ESTIMATE_S.0 } else { QUEUES_ESTIMATE_S.1 };
            plans.push((n.clone(), None, s));
        } else {
            let suite = SuiteFile::load(n)?;
            let (_, s) = suite_sweep::estimate(&suite, args.quick, None);
            plans.push((n.clone(), Some(suite), s));
        }
    }
    let total: f64 = plans.iter().map(|p| p.2).sum();
    eprintln!(
        "reproduce{}: {} suites, about {:.0} min",
        quick_tag(args),
        plans.len(),
        total / 60.0
    );
    for (n, _, s) in &plans {
        eprintln!("  {n:<10} about {:>5.0} s", s);
    }
    let started = Instant::now();
    let mut done = Vec::new();
    for (name, suite, _) in plans {
        let t0 = Instant::now();
        eprintln!("\nreproduce: suite {name}");
        let d = match suite {
            None => run_queues(args)?,
            Some(suite) => {
                let run = SweepRun {
                    suite,
                    quick: args.quick,
                    rounds: None,
                    out: args.out.clone(),
                    machine: args.machine.clone(),
                };
                let o = suite_sweep::run(&run)?;
                let lines = headline_lines(&run.suite, &o.report);
                Done {
                    name: name.clone(),
                    seconds: 0.0,
                    dir: o.dir,
                    figures: o.figures,
                    lines,
                    partial: o.report.partial,
                }
            }
        };
        let partial = d.partial;
        done.push(Done { seconds: t0.elapsed().as_secs_f64(), ..d });
        if partial {
            eprintln!("reproduce: suite {name} stopped early; the rest is skipped");
            break;
        }
    }
    let machine_dir = done
        .first()
        .and_then(|d| d.dir.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| args.out.clone());
    let readme = machine_dir.join("README.md");
    write_atomic(&readme, readme_text(args, &done, &machine_dir).as_bytes())
        .with_context(|| format!("cannot write {}", readme.display()))?;
    println!("\nreproduce{}: done in {:.0} s", quick_tag(args), started.elapsed().as_secs_f64());
    println!("{:<10} {:>8}  headline", "suite", "seconds");
    for d in &done {
        let first = d.lines.first().cloned().unwrap_or_default();
        println!(
            "{:<10} {:>8.0}  {first}{}",
            d.name,
            d.seconds,
            if d.partial { " (partial)" } else { "" }
        );
        for l in d.lines.iter().skip(1) {
            println!("{:<10} {:>8}  {l}", "", "");
        }
    }
    println!("figures and results: {}", readme.display());
    if done.iter().any(|d| d.partial) {
        anyhow::bail!("reproduce stopped early; what was measured is kept, marked partial");
    }
    Ok(())
}

fn quick_tag(args: &ReproduceArgs) -> &'static str {
    if args.quick { " --quick" } else { "" }
}

/// Runs the queues suite and collects its figures.
fn run_queues(args: &ReproduceArgs) -> anyhow::Result<Done> {
    let suite_args = SuiteArgs {
        name: "queues".into(),
        quick: args.quick,
        out: args.out.clone(),
        runs: None,
        machine: args.machine.clone(),
        items: None,
        pipeline_packets: None,
        trace_packets: None,
    };
    super::suite_queues::run(&suite_args)?;
    let machine = args
        .machine
        .clone()
        .unwrap_or_else(|| provenance::machine_id(&provenance::cpu_model(), provenance::cores()));
    let dir = args.out.join(machine).join("queues");
    let mut figures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    figures.retain(|p| p.extension().is_some_and(|e| e == "png" || e == "svg"));
    figures.sort();
    let lines = vec!["queue designs: see queues_throughput, queues_rtt, queues_pipeline".into()];
    Ok(Done { name: "queues".into(), seconds: 0.0, dir, figures, lines, partial: false })
}

/// One line per experiment: the first metric's median at each series' last point.
fn headline_lines(suite: &SuiteFile, report: &suite_sweep::SweepReport) -> Vec<String> {
    let mut out = Vec::new();
    for e in &suite.experiments {
        let Some(m) = e.plot.metrics.first() else { continue };
        let mut cells = Vec::new();
        for s in &e.series {
            let last =
                report.points.iter().rfind(|p| p.experiment == e.name && p.series == s.label);
            if let Some(p) = last
                && let Some(v) = p.metrics.get(m.name())
            {
                let at = p.x.map(|x| format!(" @{x}")).unwrap_or_default();
                cells.push(format!("{}{at} {:.2}", s.label, v.median));
            }
        }
        out.push(format!("{} ({}): {}", e.name, m.name(), cells.join(", ")));
    }
    out
}

/// `DIR/<machine_id>/README.md`: each suite's figures (PNG linked, SVG beside) and headlines.
fn readme_text(args: &ReproduceArgs, done: &[Done], machine_dir: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# pktstream reproduce{}\n", quick_tag(args));
    let _ = writeln!(
        s,
        "Written by `pktstream reproduce{}` on `{}`; each suite's folder holds `trials.csv` \
         (every trial process), `summary.json` and `summary.csv` (medians with 95% bootstrap \
         intervals, provenance) and its figures. `pktstream plot <suite folder>` redraws the \
         figures from the files.\n",
        quick_tag(args),
        machine_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    );
    let _ = writeln!(s, "| suite | seconds | headline |\n|---|---|---|");
    for d in done {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {}{} |",
            d.name,
            d.seconds,
            d.lines.join("<br>"),
            if d.partial { " (partial)" } else { "" }
        );
    }
    for d in done {
        let _ = writeln!(s, "\n## {}\n", d.name);
        for f in d.figures.iter().filter(|f| f.extension().is_some_and(|e| e == "png")) {
            let rel = f.strip_prefix(machine_dir).unwrap_or(f).display().to_string();
            let svg = Path::new(&rel).with_extension("svg").display().to_string();
            let stem = f.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let _ = writeln!(s, "![{stem}]({rel}) ([SVG]({svg}))\n");
        }
    }
    s
}
