//! The apps suite's runner (`pktstream suite apps`): generates one trace with full payload and
//! every attack scenario, runs one discarded warm-up trial per configuration (which also sets
//! each app's loop count), then rounds of every configuration, each trial its own process,
//! interleaved and rotated per round; writes trials, summaries with bootstrap intervals and the
//! figure, marked partial when a trial fails or Ctrl-C stops the run. The grid and the
//! statistics are in [`crate::suite::apps`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use tracegen::scenario::ScenarioKind;

use super::interrupt;
use super::suite_cmd::{SuiteArgs, caption_head, progress, results_dirs};
use crate::plot::apps::{self as figs, AppsFigure};
use crate::results::schema::Provenance;
use crate::results::{provenance, write_atomic, write_json};
use crate::stats::Summary;
use crate::suite::apps::{self, Grid, GridPoint, PointSummary, SONATA_TARGET_MPPS, TrialRow};
use crate::suite::grid_files::{AppsFile, AppsTrace};

/// Seconds a measured trial aims to last at least (the loop count is set from the warm-ups).
const TARGET_TRIAL_S: f64 = 0.5;
/// How much faster per loop a measured trial may run than its one-loop warm-up (whose single
/// loop grows the tables and fills the caches): about 2 to 3 times on the machine this was
/// written on, so loop counts aim at this many times the target from the warm-ups' times.
const WARMUP_SLOWDOWN: f64 = 3.0;
/// Loop counts stay within these bounds.
const MAX_LOOPS: u64 = 1000;
/// The traffic profile and seed of the trace.
const PROFILE: &str = "caida-like";
const SEED: u64 = 1;

/// The shape of the suite's trace: benign packets over a span of packet time, with every attack
/// scenario from `attack_start_s` for `attack_s` seconds (inside the span, so none is cut short
/// and 1 s windows close while the attacks run).
#[derive(Clone, Copy, Debug)]
struct TraceShape {
    benign_packets: u64,
    span_s: f64,
    attack_start_s: f64,
    attack_s: f64,
}

impl From<AppsTrace> for TraceShape {
    fn from(t: AppsTrace) -> Self {
        Self {
            benign_packets: t.benign_packets,
            span_s: t.span_s,
            attack_start_s: t.attack_start_s,
            attack_s: t.attack_s,
        }
    }
}

/// Everything a trial process needs besides its configuration.
struct Runner {
    exe: PathBuf,
    machine: String,
    scratch: PathBuf,
    trace: PathBuf,
}

impl Runner {
    /// Runs one trial of `point`, replaying the trace `loops` times; returns its results object.
    fn trial(&self, point: &GridPoint, loops: u64) -> anyhow::Result<Value> {
        let mut a = point.run_args(&self.trace.display().to_string(), loops);
        a.extend(["--machine".into(), self.machine.clone()]);
        super::child::run_json(&self.exe, "run", &a, &self.scratch.join("trial.json"))
    }
}

/// The trace of the suite: how it was made.
struct TraceInfo {
    path: PathBuf,
    shape: TraceShape,
    /// Packets written, attack packets included.
    packets: u64,
    /// The benign packet rate.
    pps: f64,
    scenarios: Vec<String>,
}

/// Generates the trace into `scratch` with `pktstream gen`: the caida-like profile, full payload
/// (several apps read DNS and telnet payload), and every attack scenario the generator has, so
/// the apps' alarms fire.
fn generate_trace(exe: &Path, scratch: &Path, shape: TraceShape) -> anyhow::Result<TraceInfo> {
    let path = scratch.join("apps-trace.pcap");
    let pps = (shape.benign_packets as f64 / shape.span_s).ceil();
    let timing = format!("start={},duration={}", shape.attack_start_s, shape.attack_s);
    let scenarios: Vec<String> =
        ScenarioKind::ALL.iter().map(|(n, _)| format!("{n}:{timing}")).collect();
    let mut a: Vec<String> = ["--profile", PROFILE, "--full-payload"].map(String::from).into();
    a.extend(["--duration".into(), shape.span_s.to_string(), "--pps".into(), pps.to_string()]);
    a.extend(["--seed".into(), SEED.to_string(), "--out".into(), path.display().to_string()]);
    for s in &scenarios {
        a.extend(["--scenario".into(), s.clone()]);
    }
    super::child::run(exe, "gen", &a).context("cannot generate the apps suite's trace")?;
    let sidecar = super::gen_cmd::gen_json_path(&path);
    let meta: Value = serde_json::from_slice(
        &std::fs::read(&sidecar).with_context(|| format!("cannot read {}", sidecar.display()))?,
    )
    .with_context(|| format!("{} is not JSON", sidecar.display()))?;
    let packets = meta["packets"].as_u64().unwrap_or(0);
    Ok(TraceInfo { path, shape, packets, pps, scenarios })
}

/// The row of one trial from its results object.
fn trial_row(round: Option<usize>, order: usize, p: &GridPoint, loops: u64, v: &Value) -> TrialRow {
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let u = |k: &str| v[k].as_u64().unwrap_or(0);
    TrialRow {
        warmup: round.is_none(),
        round,
        order,
        app: p.app.name().into(),
        topology: p.topology.name().into(),
        workers: p.workers,
        loops,
        packets: u("packets"),
        processed: u("processed"),
        duration_s: f("duration_s"),
        mpps: f("mpps"),
        gbps: f("gbps"),
        oversubscribed: v["oversubscribed"].as_bool().unwrap_or(false),
    }
}

/// What the trials produced, and why they stopped early if they did.
struct Measured {
    rows: Vec<TrialRow>,
    loops: BTreeMap<&'static str, u64>,
    stopped: Option<anyhow::Error>,
}

/// Runs the warm-ups, sets each app's loop count, then every round; writes `trials.csv` after
/// the warm-ups and after each round. A failed trial or a Ctrl-C stops it with the rows so far.
fn measure(grid: &Grid, rounds: usize, quick: bool, runner: &Runner, dir: &Path) -> Measured {
    let mut m = Measured { rows: Vec::new(), loops: BTreeMap::new(), stopped: None };
    let total = grid.len() * (rounds + 1);
    eprintln!(
        "suite apps: {} apps x workers {:?}: {} warm-ups, then {rounds} round(s) of {} trials",
        grid.apps.len(),
        grid.workers,
        grid.len(),
        grid.len()
    );
    let bar = progress(total as u64);
    let started = Instant::now();
    let trials_csv = dir.join("trials.csv");
    let write_trials = |rows: &[TrialRow]| {
        write_atomic(&trials_csv, apps::trials_csv(rows).as_bytes())
            .with_context(|| format!("cannot write {}", trials_csv.display()))
    };
    // Round `None` is the warm-up.
    let phases = std::iter::once(None).chain((0..rounds).map(Some));
    'phases: for round in phases {
        for (order, point) in grid.round_order(round.unwrap_or(0)).iter().enumerate() {
            if interrupt::interrupted() {
                m.stopped = Some(anyhow!("interrupted (Ctrl-C)"));
                break 'phases;
            }
            let phase = round.map_or("warm-up".to_string(), |r| format!("round {}", r + 1));
            bar.set_message(format!("{phase}: {}", point.label()));
            let loops = m.loops.get(point.app.name()).copied().unwrap_or(1);
            match runner.trial(point, loops) {
                Ok(v) => m.rows.push(trial_row(round, order, point, loops, &v)),
                Err(_) if interrupt::interrupted() => {
                    // The same Ctrl-C ended the trial: its error says nothing more.
                    let at = format!("trial {} of the {phase}", point.label());
                    m.stopped = Some(anyhow!("interrupted (Ctrl-C) during {at}"));
                    break 'phases;
                }
                Err(e) => {
                    m.stopped = Some(e.context(format!("trial {} of the {phase}", point.label())));
                    break 'phases;
                }
            }
            bar.inc(1);
        }
        if round.is_none() {
            m.loops = loop_counts(grid, &m.rows, quick);
        }
        if let Err(e) = write_trials(&m.rows) {
            m.stopped = Some(e);
            break;
        }
        let done = format!(
            "suite apps: {} done after {:.0} s",
            round.map_or("warm-up".to_string(), |r| format!("round {} of {rounds}", r + 1)),
            started.elapsed().as_secs_f64()
        );
        bar.suspend(|| eprintln!("{done}"));
    }
    if m.stopped.is_some() {
        bar.abandon();
        // Keep what was measured, the trial that failed aside.
        let _ = write_trials(&m.rows);
    } else {
        bar.finish_and_clear();
    }
    m
}

/// Loops per app: enough for its faster configuration to last [`TARGET_TRIAL_S`], judged from
/// the warm-ups (one loop each) allowing for [`WARMUP_SLOWDOWN`]; both worker counts of an app
/// run the same packets. One with `--quick`.
fn loop_counts(grid: &Grid, warmups: &[TrialRow], quick: bool) -> BTreeMap<&'static str, u64> {
    grid.apps
        .iter()
        .map(|app| {
            let fastest = warmups
                .iter()
                .filter(|r| r.warmup && r.app == app.name() && r.loops > 0)
                .map(|r| r.duration_s / r.loops as f64)
                .filter(|s| s.is_finite() && *s > 0.0)
                .fold(f64::INFINITY, f64::min);
            let loops = if quick || !fastest.is_finite() {
                1
            } else {
                ((TARGET_TRIAL_S * WARMUP_SLOWDOWN / fastest).ceil() as u64).clamp(1, MAX_LOOPS)
            };
            (app.name(), loops)
        })
        .collect()
}

pub(super) fn run(args: &SuiteArgs) -> anyhow::Result<()> {
    if args.items.is_some() || args.pipeline_packets.is_some() {
        anyhow::bail!("--items and --pipeline-packets apply to the queues suite only");
    }
    let file = AppsFile::built_in()?;
    let grid = file.grid()?;
    let rounds =
        args.runs.unwrap_or(if args.quick { file.quick_rounds } else { file.rounds }).max(1);
    let mut shape = TraceShape::from(if args.quick { file.quick_trace } else { file.trace });
    if let Some(n) = args.trace_packets {
        shape.benign_packets = n.max(1);
    }
    let exe = std::env::current_exe().context("cannot find the pktstream executable")?;
    let machine = match &args.machine {
        Some(m) => m.clone(),
        None => provenance::machine_id(&provenance::cpu_model(), provenance::cores()),
    };
    let (dir, scratch) = results_dirs(&args.out, &machine, "apps")?;
    interrupt::catch_ctrl_c();
    let result = (|| {
        eprintln!(
            "suite apps: {PROFILE} trace with full payload, {} benign packets over {} s and {} \
             attack scenarios",
            shape.benign_packets,
            shape.span_s,
            ScenarioKind::ALL.len()
        );
        let trace = generate_trace(&exe, &scratch, shape)?;
        let sha = provenance::sha256_file(&trace.path)
            .with_context(|| format!("cannot read {}", trace.path.display()))?;
        let prov = provenance::collect(Some(&machine), tracegen::GENERATOR_VERSION, sha);
        let runner = Runner { exe, machine, scratch: scratch.clone(), trace: trace.path.clone() };
        let measured = measure(&grid, rounds, args.quick, &runner, &dir);
        anyhow::Ok((trace, prov, measured))
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    let (trace, prov, measured) = result?;
    let Measured { rows, loops, stopped } = measured;
    let points = apps::summarise(&rows);
    let partial = stopped.is_some();
    let config = json!({
        "suite": "apps", "quick": args.quick, "rounds": rounds,
        "apps": grid.points().iter().filter(|p| p.workers == grid.workers[0])
            .map(|p| json!({"app": p.app.name(), "topology": p.topology.name()}))
            .collect::<Vec<_>>(),
        "workers": grid.workers, "trials_per_round": grid.len(), "warmup_trials": grid.len(),
        "trace": {"profile": PROFILE, "packets": trace.packets, "seed": SEED,
                  "benign_packets": trace.shape.benign_packets, "benign_pps": trace.pps,
                  "span_s": trace.shape.span_s, "full_payload": true,
                  "scenarios": trace.scenarios, "in_memory": true},
        "loops": loops, "target_trial_s": (!args.quick).then_some(TARGET_TRIAL_S),
        "sonata_target_mpps": SONATA_TARGET_MPPS,
        "confidence": crate::stats::DEFAULT_CONFIDENCE,
        "bootstrap_resamples": crate::stats::DEFAULT_RESAMPLES,
        "bootstrap_seed": crate::stats::BOOTSTRAP_SEED,
    });
    write_json(
        &dir.join("summary.json"),
        &json!({
            "schema_version": crate::results::schema::SCHEMA_VERSION,
            "provenance": prov, "config": config,
            "partial": partial,
            "stopped_because": stopped.as_ref().map(|e| format!("{e:#}")),
            "points": points,
        }),
    )?;
    write_atomic(&dir.join("summary.csv"), apps::summary_csv(&points).as_bytes())
        .with_context(|| format!("cannot write {}", dir.join("summary.csv").display()))?;
    let caption = caption(&prov, rounds, trace.packets, trace.scenarios.len(), args.quick, partial);
    let files = draw(&dir, &points, &caption)?;
    print_table(&points, rounds, partial);
    println!(
        "wrote {}, {}, {} and {}",
        dir.join("trials.csv").display(),
        dir.join("summary.csv").display(),
        dir.join("summary.json").display(),
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    match stopped {
        Some(e) => Err(e.context(format!(
            "the apps suite stopped early; partial results (marked so) are in {}",
            dir.display()
        ))),
        None => Ok(()),
    }
}

/// The figure's caption: machine, commit, trace and method.
/// The figure's caption (also rebuilt by `pktstream plot` from `summary.json`).
pub(super) fn caption(
    prov: &Provenance,
    rounds: usize,
    packets: u64,
    scenarios: usize,
    quick: bool,
    partial: bool,
) -> String {
    let replay = if quick {
        "replayed once per trial (--quick)".to_string()
    } else {
        format!("replayed per trial so each lasts {TARGET_TRIAL_S} s or more")
    };
    format!(
        "{}{} In-memory trace, full payload: {} packets of {PROFILE} with {} attack scenarios, \
         {replay}. Each app on rtc when \
         its query is keyed by the flow, else two-stage; top speed, threads pinned. Median of \
         {rounds} round(s) after a warm-up, each trial a separate process with configurations \
         interleaved; bars: 95% bootstrap interval of the median.",
        if partial { "PARTIAL RUN (stopped early). " } else { "" },
        caption_head(prov),
        packets,
        scenarios
    )
}

/// Draws `apps_throughput` into `dir`; returns the files.
pub(super) fn draw(
    dir: &Path,
    points: &[PointSummary],
    caption: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    figs::draw_throughput(&AppsFigure::from_summary(points, caption), &dir.join("apps_throughput"))
}

/// Prints the summary table: per app, both worker counts, the ratio and the Sonata target.
fn print_table(points: &[PointSummary], rounds: usize, partial: bool) {
    let ci = |s: Option<&Summary>| {
        s.map_or(String::new(), |s| format!("{:.2} [{:.2}, {:.2}]", s.median, s.lo, s.hi))
    };
    println!(
        "apps suite{}, median Mpps [95% bootstrap interval] of {rounds} round(s):",
        if partial { " (PARTIAL: stopped early)" } else { "" }
    );
    println!(
        "  {:<24} {:<10} {:>22} {:>22} {:>20}  target",
        "app", "topology", "1 worker", "2 workers", "2w / 1w"
    );
    let mut seen: Vec<&str> = Vec::new();
    for p in points {
        if seen.contains(&p.app.as_str()) {
            continue;
        }
        seen.push(&p.app);
        let at = |w: usize| points.iter().find(|q| q.app == p.app && q.workers == w);
        println!(
            "  {:<24} {:<10} {:>22} {:>22} {:>20}  {}",
            p.app,
            p.topology,
            ci(at(1).map(|q| &q.mpps)),
            ci(at(2).map(|q| &q.mpps)),
            ci(p.ratio_2w_1w.as_ref()),
            p.target.as_deref().unwrap_or("")
        );
    }
    println!(
        "target: sonata-* apps only, met when the 2-worker median is at least \
         {SONATA_TARGET_MPPS} Mpps"
    );
}
