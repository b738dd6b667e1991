//! The queues suite's runner (`pktstream suite queues`): calibrates item counts, runs every
//! trial as its own process with the designs interleaved, and writes trials, summaries with
//! bootstrap intervals and the three figures. The grid and the statistics are in
//! [`crate::suite::queues`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use engine::queue::QueueKind;
use serde_json::{Value, json};
use tracegen::Profile;

use super::suite_cmd::{SuiteArgs, caption_head, progress, results_dirs};
use crate::plot::queues::{self as figs, QueuesFigures};
use crate::results::schema::Provenance;
use crate::results::{provenance, write_atomic, write_json};
use crate::suite::grid_files::QueuesFile;
use crate::suite::queues::{
    self, Grid, GridPoint, MAFFIONE_BATCH32, Measure, QueuesSummary, TrialRow,
};
use crate::traces;

/// Seconds a calibrated queue-bench trial aims to last.
const TARGET_TRIAL_S: f64 = 0.3;
/// Seconds a calibrated pipeline trial aims to last.
const TARGET_PIPELINE_S: f64 = 1.0;
/// Items of a calibration probe (throughput) and round trips of a ping-pong probe.
const PROBE_ITEMS: u64 = 2_000_000;
const PROBE_ROUND_TRIPS: u64 = 100_000;
/// Calibrated item counts stay within these bounds.
const MIN_ITEMS: u64 = 200_000;
const MAX_ITEMS: u64 = 4_000_000_000;

/// How many items each point runs, and what a trial is expected to cost.
struct Plan {
    items: HashMap<GridPoint, u64>,
    /// Expected seconds per trial of each point (measurement plus process overhead).
    expected_s: HashMap<GridPoint, f64>,
    pipeline_loops: u64,
    calibrated: bool,
}

/// Everything a trial process needs besides its grid point.
struct Runner {
    exe: PathBuf,
    machine: String,
    scratch: PathBuf,
    trace: PathBuf,
}

impl Runner {
    /// Runs one trial of `point` and returns its results object and wall time in seconds.
    fn trial(&self, point: &GridPoint, items: u64, loops: u64) -> anyhow::Result<(Value, f64)> {
        let json = self.scratch.join("trial.json");
        let start = Instant::now();
        let v = match point.measure {
            Measure::Pipeline => {
                let mut a: Vec<String> =
                    ["--app", "flow-counter", "--topology", "pipeline"].map(String::from).to_vec();
                a.extend(["--workers".into(), "1".into(), "--queue".into()]);
                a.extend([point.queue.name().to_string(), "--trace".into()]);
                a.extend([self.trace.display().to_string(), "--loop".into(), loops.to_string()]);
                a.extend(["--machine".into(), self.machine.clone()]);
                super::child::run_json(&self.exe, "run", &a, &json)?
            }
            _ => {
                let mut a = point.queue_bench_args(items);
                a.extend(["--machine".into(), self.machine.clone()]);
                super::child::run_json(&self.exe, "queue-bench", &a, &json)?
            }
        };
        Ok((v, start.elapsed().as_secs_f64()))
    }
}

/// The row of one trial from its results object.
fn trial_row(round: usize, order: usize, point: &GridPoint, v: &Value) -> TrialRow {
    let f = |k: &str| v[k].as_f64();
    let (batch, item_bytes, touch) = match point.measure {
        Measure::Throughput { batch, mode } => (batch, Some(mode.item_bytes()), mode.touch()),
        Measure::PingPong => (1, Some(8), false),
        Measure::Pipeline => (v["batch"].as_u64().unwrap_or(0) as usize, None, false),
    };
    let pipeline = point.measure == Measure::Pipeline;
    TrialRow {
        round,
        order,
        measure: point.measure.name().into(),
        queue: point.queue.name().into(),
        batch,
        item_bytes,
        touch,
        items: match point.measure {
            Measure::Throughput { .. } => v["items"].as_u64(),
            Measure::PingPong => v["config"]["rounds"].as_u64(),
            Measure::Pipeline => v["packets"].as_u64(),
        }
        .unwrap_or(0),
        mitems_per_s: if pipeline { None } else { f("mitems_per_s") },
        rtt_ns: f("rtt_ns").filter(|_| !pipeline),
        atomic_pingpong_rtt_ns: f("atomic_pingpong_rtt_ns").filter(|_| !pipeline),
        pipeline_mpps: if pipeline { f("mpps") } else { None },
        seconds: if pipeline { f("duration_s") } else { f("seconds") },
        // queue-bench reports one flag per thread; `run` reports none.
        pinned: v["pinned"]
            .as_array()
            .map(|a| a.iter().all(|p| p.as_bool() == Some(true)))
            .or_else(|| v["pinned"].as_bool()),
    }
}

/// Items per trial: fixed (`--items`, `--quick`) or calibrated by one probe per point.
fn plan(args: &SuiteArgs, grid: &Grid, runner: &Runner, packets: u64) -> anyhow::Result<Plan> {
    let points = grid.round_order(0);
    let mut items = HashMap::new();
    let mut expected_s = HashMap::new();
    let fixed = args.items.or(args.quick.then_some(0));
    if let Some(n) = fixed {
        // Rough, deliberately pessimistic: 20 M items/s, 1 us per round trip, 1 Mpps.
        for p in &points {
            let (count, secs) = match p.measure {
                Measure::Throughput { .. } => {
                    let n = if n == 0 { 1_000_000 } else { n };
                    (n, n as f64 / 20e6)
                }
                Measure::PingPong => {
                    let n = if n == 0 { 100_000 } else { n };
                    (n, n as f64 * 1e-6)
                }
                Measure::Pipeline => (0, packets as f64 / 1e6),
            };
            items.insert(*p, count);
            expected_s.insert(*p, secs + 0.05);
        }
        return Ok(Plan { items, expected_s, pipeline_loops: 1, calibrated: false });
    }
    eprintln!("suite queues: calibrating, one short probe per configuration ({})", points.len());
    let bar = progress(points.len() as u64);
    let mut pipeline_loops = 1;
    let mut pipeline_probes = Vec::new();
    for p in &points {
        bar.set_message(p.label());
        let probe = if p.measure == Measure::PingPong { PROBE_ROUND_TRIPS } else { PROBE_ITEMS };
        let (v, wall) = runner.trial(p, probe, 1)?;
        let f = |k: &str| v[k].as_f64().filter(|x| x.is_finite() && *x > 0.0).unwrap_or(1000.0);
        let measured = v[if p.measure == Measure::Pipeline { "duration_s" } else { "seconds" }]
            .as_f64()
            .filter(|s| *s > 0.0)
            .unwrap_or(wall);
        let overhead = (wall - measured).max(0.0);
        let (count, secs) = match p.measure {
            Measure::Pipeline => {
                pipeline_probes.push((*p, overhead, measured));
                (0, wall)
            }
            Measure::PingPong => {
                // Round trips through the queue, then as many through one atomic word, each
                // after a tenth as many to warm up.
                let per_round = (f("rtt_ns") + f("atomic_pingpong_rtt_ns")) * 1.1e-9;
                let n = ((TARGET_TRIAL_S / per_round) as u64).clamp(MIN_ITEMS, MAX_ITEMS);
                let n = n.div_ceil(100_000) * 100_000;
                (n, wall + (n - probe.min(n)) as f64 * per_round)
            }
            Measure::Throughput { .. } => {
                let per_item = measured / probe as f64;
                let n = ((TARGET_TRIAL_S / per_item) as u64).clamp(MIN_ITEMS, MAX_ITEMS);
                let n = n.div_ceil(100_000) * 100_000;
                // A tenth as many warm up first.
                (n, overhead + n as f64 * per_item * 1.1)
            }
        };
        items.insert(*p, count);
        expected_s.insert(*p, secs);
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Pipeline trials all run the same loop count, so their packet counts match: enough for the
    // median design's probe to last the target (one fast outlier must not set it).
    let per_loop: Vec<f64> = pipeline_probes.iter().map(|(_, _, s)| *s).collect();
    if let Some(median) = crate::stats::median(&per_loop).filter(|m| *m > 0.0) {
        pipeline_loops = ((TARGET_PIPELINE_S / median).ceil() as u64).clamp(1, 1000);
    }
    for (p, overhead, _) in pipeline_probes {
        expected_s.insert(p, overhead + median_or(&per_loop, 1.0) * pipeline_loops as f64);
    }
    Ok(Plan { items, expected_s, pipeline_loops, calibrated: true })
}

/// The median of `values`, or `default` when there is none.
fn median_or(values: &[f64], default: f64) -> f64 {
    crate::stats::median(values).unwrap_or(default)
}

/// The figures' caption (also rebuilt by `pktstream plot` from `summary.json`).
pub(super) fn caption(prov: &Provenance, rounds: usize) -> String {
    format!(
        "{} Two pinned threads, in-memory. Median of {rounds} round(s), each trial a separate \
         process with designs interleaved; bars: 95% bootstrap interval of the median.",
        caption_head(prov)
    )
}

/// Draws `queues_throughput`, `queues_rtt` and `queues_pipeline` into `dir`; returns the files.
pub(super) fn draw(
    dir: &Path,
    summary: &QueuesSummary,
    designs: &[QueueKind],
    caption: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    let figures = QueuesFigures::from_summary(summary, designs, caption);
    let mut files = figs::draw_throughput(&figures, &dir.join("queues_throughput"))?;
    files.extend(figs::draw_rtt(&figures, &dir.join("queues_rtt"))?);
    files.extend(figs::draw_pipeline(&figures, &dir.join("queues_pipeline"))?);
    Ok(files)
}

pub(super) fn run(args: &SuiteArgs) -> anyhow::Result<()> {
    let file = QueuesFile::built_in()?;
    let grid = file.grid(args.quick)?;
    let rounds =
        args.runs.unwrap_or(if args.quick { file.quick_rounds } else { file.rounds }).max(1);
    let packets = args.pipeline_packets.unwrap_or(if args.quick {
        file.quick_pipeline_packets
    } else {
        file.pipeline_packets
    });
    let exe = std::env::current_exe().context("cannot find the pktstream executable")?;
    eprintln!("suite queues: caida-like trace of {packets} packets for the pipeline trials");
    let trace = traces::generated(Profile::CaidaLike, packets, 1)?;
    let sha = provenance::sha256_file(&trace)
        .with_context(|| format!("cannot read {}", trace.display()))?;
    let prov = provenance::collect(args.machine.as_deref(), tracegen::GENERATOR_VERSION, sha);
    let (dir, scratch) = results_dirs(&args.out, &prov.machine_id, "queues")?;
    let runner = Runner { exe, machine: prov.machine_id.clone(), scratch: scratch.clone(), trace };

    let result = measure(args, &grid, rounds, &runner, packets, &dir);
    let _ = std::fs::remove_dir_all(&scratch);
    let (rows, plan) = result?;

    let summary = queues::summarise(&rows);
    let config = json!({
        "suite": "queues", "quick": args.quick, "rounds": rounds,
        "designs": grid.designs.iter().map(|d| d.name()).collect::<Vec<_>>(),
        "item_modes": grid.modes.iter().map(|m| m.label()).collect::<Vec<_>>(),
        "batches": grid.batches, "trials_per_round": grid.len(),
        "items": if plan.calibrated {
            json!("calibrated per configuration; see trials.csv")
        } else {
            let count = |pingpong: bool| plan.items.iter()
                .find(|(p, _)| (p.measure == Measure::PingPong) == pingpong && p.measure != Measure::Pipeline)
                .map(|(_, n)| *n);
            json!({"throughput": count(false), "pingpong_round_trips": count(true)})
        },
        "target_trial_s": plan.calibrated.then_some(TARGET_TRIAL_S),
        "pipeline": {"app": "flow-counter", "profile": "caida-like", "packets": packets, "seed": 1,
                      "loops": plan.pipeline_loops, "topology": "pipeline", "workers": 1},
        "confidence": crate::stats::DEFAULT_CONFIDENCE,
        "bootstrap_resamples": crate::stats::DEFAULT_RESAMPLES,
        "bootstrap_seed": crate::stats::BOOTSTRAP_SEED,
    });
    let references: Vec<Value> = MAFFIONE_BATCH32
        .iter()
        .map(|(paper, kind, v)| json!({"design": paper, "queue": kind.name(), "batch": 32,
            "item_bytes": 8, "mitems_per_s": v,
            "source": "Maffione, Lettieri, Rizzo, Softw. Pract. Exp. 2019; their hardware, not measured here"}))
        .collect();
    write_json(
        &dir.join("summary.json"),
        &json!({
            "schema_version": crate::results::schema::SCHEMA_VERSION,
            "provenance": prov, "config": config,
            "points": summary.points, "targets": summary.targets,
            "references": references,
        }),
    )?;
    write_atomic(&dir.join("summary.csv"), queues::summary_csv(&summary).as_bytes())
        .with_context(|| format!("cannot write {}", dir.join("summary.csv").display()))?;

    let files = draw(&dir, &summary, &grid.designs, &caption(&prov, rounds))?;
    print_table(&summary, rounds);
    println!(
        "wrote {}, {}, {} and {}",
        dir.join("trials.csv").display(),
        dir.join("summary.csv").display(),
        dir.join("summary.json").display(),
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// Plans and runs every round; writes `trials.csv` after each round, so an interrupted run keeps
/// the rounds it finished.
fn measure(
    args: &SuiteArgs,
    grid: &Grid,
    rounds: usize,
    runner: &Runner,
    packets: u64,
    dir: &Path,
) -> anyhow::Result<(Vec<TrialRow>, Plan)> {
    let plan = plan(args, grid, runner, packets)?;
    let per_round: f64 = plan.expected_s.values().sum();
    let total = grid.len() * rounds;
    eprintln!(
        "suite queues: {} designs, {} trials per round, {rounds} round(s): {total} processes, \
         about {:.0} s{}",
        grid.designs.len(),
        grid.len(),
        per_round * rounds as f64,
        if plan.calibrated { "" } else { " at most (rough estimate, not calibrated)" }
    );
    let bar = progress(total as u64);
    let started = Instant::now();
    let mut rows = Vec::with_capacity(total);
    let trials_csv = dir.join("trials.csv");
    for round in 0..rounds {
        for (order, point) in grid.round_order(round).iter().enumerate() {
            bar.set_message(format!("round {}: {}", round + 1, point.label()));
            let items = plan.items.get(point).copied().unwrap_or(1_000_000);
            let outcome = runner.trial(point, items, plan.pipeline_loops);
            let (v, _) = match outcome {
                Ok(x) => x,
                Err(e) => {
                    bar.abandon();
                    let _ = write_atomic(&trials_csv, queues::trials_csv(&rows).as_bytes());
                    return Err(e.context(format!(
                        "trial {} of round {}",
                        point.label(),
                        round + 1
                    )));
                }
            };
            rows.push(trial_row(round, order, point, &v));
            bar.inc(1);
        }
        write_atomic(&trials_csv, queues::trials_csv(&rows).as_bytes())
            .with_context(|| format!("cannot write {}", trials_csv.display()))?;
        let done = format!(
            "suite queues: round {} of {rounds} done after {:.0} s",
            round + 1,
            started.elapsed().as_secs_f64()
        );
        bar.suspend(|| eprintln!("{done}"));
    }
    bar.finish_and_clear();
    Ok((rows, plan))
}

/// Prints the summary table and the three targets.
fn print_table(summary: &QueuesSummary, rounds: usize) {
    let ci = |s: &crate::stats::Summary| format!("{:.1} [{:.1}, {:.1}]", s.median, s.lo, s.hi);
    let ratio = |s: Option<crate::stats::Summary>| {
        s.map_or(String::new(), |s| format!("{:.2}x [{:.2}, {:.2}]", s.median, s.lo, s.hi))
    };
    println!("queues suite, median [95% bootstrap interval] of {rounds} round(s):");
    println!(
        "  {:<16} {:>5} {:<14} {:>26} {:>22}",
        "queue", "batch", "items", "M items/s", "vs rtrb"
    );
    for p in summary.points.iter().filter(|p| p.measure == "throughput") {
        let mode = queues::point_mode(p).map_or("?", |m| m.label());
        println!(
            "  {:<16} {:>5} {:<14} {:>26} {:>22}",
            p.queue,
            p.batch.unwrap_or(0),
            mode,
            ci(&p.value),
            ratio(p.ratio_to_rtrb)
        );
    }
    println!("  {:<16} {:>26} {:>26} {:>22}", "queue", "round trip ns", "atomic floor ns", "ratio");
    for p in summary.points.iter().filter(|p| p.measure == "pingpong") {
        let floor = p.atomic_floor_ns.as_ref().map_or(String::new(), ci);
        println!(
            "  {:<16} {:>26} {:>26} {:>22}",
            p.queue,
            ci(&p.value),
            floor,
            ratio(p.rtt_over_floor)
        );
    }
    println!("  {:<16} {:>26}", "queue", "pipeline Mpps");
    for p in summary.points.iter().filter(|p| p.measure == "pipeline") {
        println!("  {:<16} {:>26}", p.queue, ci(&p.value));
    }
    println!("targets (met only when the whole interval is on the right side of the bound):");
    for t in &summary.targets {
        let verdict = t.verdict.map_or("not measured", |v| v.label());
        let best = match (&t.best_queue, t.ratio) {
            (Some(q), Some(_)) => format!("best {q}: {}", ratio(t.ratio)),
            _ => String::new(),
        };
        println!("  {:<60} {:<13} {best}", t.description, verdict);
    }
}
