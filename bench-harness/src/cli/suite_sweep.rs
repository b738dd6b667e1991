//! The runner of sweep suites (`pktstream suite jetstream|fais|scaling|sharding|latency|FILE`):
//! generates each trace the suite needs once (cached), runs one warm-up process per point (it
//! also sets the point's loop count), then rounds of every point, each trial its own `pktstream
//! run` process, in interleaved and rotated order; a zero-loss search bisects the paced rate
//! with one process per probe. Writes every trial row, the summaries with bootstrap intervals
//! and one figure per experiment, marked partial when a trial fails or Ctrl-C stops the run.
//! The grid and the statistics are in [`crate::suite::sweep`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, anyhow};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::interrupt;
use super::suite_cmd::{caption_head, progress, results_dirs};
use crate::plot::sweep::draw_experiment;
use crate::results::csv::{flatten, to_csv};
use crate::results::schema::{Provenance, ResultsFile};
use crate::results::{provenance, write_atomic, write_json};
use crate::suite::spec::{SuiteFile, TraceSpec, ZeroLossSearch};
use crate::suite::sweep::{self, Point, PointSummary, TrialRow};

/// How much faster per loop a measured trial runs than its one-loop warm-up (whose loop grows
/// the tables and warms the caches); paced trials run at their rate whatever the loop.
const WARMUP_SPEEDUP: f64 = 2.0;
/// Loop counts stay within these bounds.
const MAX_LOOPS: u64 = 2000;
/// Seconds a trial process costs beyond its measurement (start, loading, ring fill), for the
/// estimate printed before a suite starts.
const PROCESS_OVERHEAD_S: f64 = 0.8;

/// What a sweep suite run was asked to do.
#[derive(Clone, Debug)]
pub struct SweepRun {
    /// The suite.
    pub suite: SuiteFile,
    /// A short run.
    pub quick: bool,
    /// Rounds (default: the suite's).
    pub rounds: Option<usize>,
    /// Results folder root.
    pub out: PathBuf,
    /// Machine id override.
    pub machine: Option<String>,
}

/// The configuration a sweep's results files record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepConfig {
    /// The suite file as run.
    pub suite: SuiteFile,
    /// Whether this was a `--quick` run.
    pub quick: bool,
    /// Measured rounds per point.
    pub rounds: usize,
    /// Seconds a trial aimed for.
    pub target_s: f64,
}

/// A trace a sweep ran over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceUsed {
    /// Its settings.
    pub spec: TraceSpec,
    /// Its file.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// What a sweep measured: every trial and the summaries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// True when the run stopped early (a failed trial, Ctrl-C).
    pub partial: bool,
    /// Why it stopped early.
    pub stopped: Option<String>,
    /// Seconds the run took.
    pub elapsed_s: f64,
    /// The traces.
    pub traces: Vec<TraceUsed>,
    /// Median and interval of every metric per point.
    pub points: Vec<PointSummary>,
    /// Every trial, warm-ups and search probes included.
    pub trials: Vec<TrialRow>,
}

/// A finished (or stopped) sweep: where its files are.
pub struct SweepOutcome {
    /// The suite's results folder.
    pub dir: PathBuf,
    /// Figures written (PNG and SVG).
    pub figures: Vec<PathBuf>,
    /// The report.
    pub report: SweepReport,
}

/// The trial processes a run will start, and about how long it will take.
pub fn estimate(suite: &SuiteFile, quick: bool, rounds: Option<usize>) -> (usize, f64) {
    let cores = provenance::cores();
    let Ok(points) = sweep::points(suite, quick, cores) else { return (0, 0.0) };
    let t = &suite.trials;
    let (rounds, target) = if quick {
        (rounds.unwrap_or(t.quick_rounds), t.quick_target_s)
    } else {
        (rounds.unwrap_or(t.rounds), t.target_s)
    };
    let mut processes = 0;
    let mut seconds = 0.0;
    for p in &points {
        let packets = if quick { p.trace.quick_packets } else { p.trace.packets };
        let load = PROCESS_OVERHEAD_S + packets as f64 * 3e-7;
        let per_trial = match &suite.experiments[p.experiment].search {
            Some(s) => {
                if quick {
                    s.quick_probes
                } else {
                    s.probes
                }
            }
            None => 1,
        };
        let n = 1 + rounds * per_trial;
        processes += n;
        seconds += n as f64 * (target + load);
    }
    (processes, seconds)
}

/// Everything a trial process needs besides its point.
struct Runner {
    exe: PathBuf,
    machine: String,
    scratch: PathBuf,
    /// Trace file per trace settings (keyed by their JSON).
    traces: BTreeMap<String, PathBuf>,
}

impl Runner {
    /// Runs `p` with `loops` loops (and `mbps` replacing its rate) in a fresh process.
    fn trial(&self, p: &Point, loops: u64, mbps: Option<f64>) -> anyhow::Result<Value> {
        let mut run = p.run.clone();
        if let Some(r) = mbps {
            (run.mbps, run.pps) = (Some(r), None);
        }
        let config = self.scratch.join("point.toml");
        let text = toml::to_string(&run).context("cannot write a point's run file")?;
        write_atomic(&config, text.as_bytes())
            .with_context(|| format!("cannot write {}", config.display()))?;
        let trace = &self.traces[&trace_key(&p.trace)];
        let args: Vec<String> = vec![
            "--config".into(),
            config.display().to_string(),
            "--trace".into(),
            trace.display().to_string(),
            "--loop".into(),
            loops.to_string(),
            "--machine".into(),
            self.machine.clone(),
        ];
        super::child::run_json(&self.exe, "run", &args, &self.scratch.join("trial.json"))
    }
}

fn trace_key(t: &TraceSpec) -> String {
    serde_json::to_string(t).unwrap_or_default()
}

/// Generates (or finds in the cache) every trace the points need; returns their files.
fn prepare_traces(
    exe: &Path,
    points: &[Point],
    quick: bool,
) -> anyhow::Result<(BTreeMap<String, PathBuf>, Vec<TraceUsed>)> {
    let mut files = BTreeMap::new();
    let mut used = Vec::new();
    for p in points {
        let key = trace_key(&p.trace);
        if files.contains_key(&key) {
            continue;
        }
        let t = &p.trace;
        let packets = if quick { t.quick_packets } else { t.packets };
        let profile: tracegen::Profile = t.profile.parse()?;
        let path = match t.flow_skew {
            None => crate::traces::generated(profile, packets, t.seed)?,
            Some(skew) => {
                let name = format!(
                    "{}-{packets}-seed{}-skew{skew}-v{}.pcap",
                    t.profile,
                    t.seed,
                    tracegen::GENERATOR_VERSION
                );
                let path = crate::traces::cache_dir().join(name);
                if !path.exists() {
                    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
                    let args: Vec<String> = vec![
                        "--profile".into(),
                        t.profile.clone(),
                        "--packets".into(),
                        packets.to_string(),
                        "--seed".into(),
                        t.seed.to_string(),
                        "--flow-skew".into(),
                        skew.to_string(),
                        "--out".into(),
                        tmp.display().to_string(),
                    ];
                    std::fs::create_dir_all(crate::traces::cache_dir())?;
                    super::child::run(exe, "gen", &args)
                        .with_context(|| format!("cannot generate the trace {}", path.display()))?;
                    std::fs::rename(&tmp, &path)
                        .with_context(|| format!("cannot move the trace to {}", path.display()))?;
                    let _ = std::fs::remove_file(super::gen_cmd::gen_json_path(&tmp));
                }
                path
            }
        };
        let sha256 = crate::results::provenance::sha256_file(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        used.push(TraceUsed { spec: t.clone(), path: path.display().to_string(), sha256 });
        files.insert(key, path);
    }
    Ok((files, used))
}

/// The loop count a measured trial of a point runs, from its warm-up (one loop).
fn loops_from_warmup(warm: &Value, target_s: f64) -> u64 {
    let d = warm["duration_s"].as_f64().unwrap_or(0.0);
    let paced = warm["offered_mpps"].as_f64().is_some();
    let speedup = if paced { 1.0 } else { WARMUP_SPEEDUP };
    if d > 0.0 { ((target_s * speedup / d).ceil() as u64).clamp(1, MAX_LOOPS) } else { 1 }
}

/// Loops that make a paced trial at `mbps` last about `target_s`, from a warm-up's bytes per
/// loop.
fn loops_at_rate(warm: &Value, mbps: f64, target_s: f64) -> u64 {
    let bytes = warm["bytes"].as_f64().unwrap_or(0.0);
    let span_s = bytes * 8.0 / (mbps * 1e6);
    if span_s > 0.0 { ((target_s / span_s).ceil() as u64).clamp(1, MAX_LOOPS) } else { 1 }
}

/// One zero-loss search of `p` (RFC 2544 style): bisects the paced rate on a log scale; a probe
/// passes when nothing is dropped. Returns the probes' rows and the search's row (the highest
/// passing probe's measurement, named as zero-loss metrics; NaN when even the lowest rate
/// dropped).
fn search(
    runner: &Runner,
    suite: &SuiteFile,
    p: &Point,
    s: &ZeroLossSearch,
    ctx: (usize, usize, bool, f64),
    warm: &Value,
) -> anyhow::Result<Vec<TrialRow>> {
    let (round, order, quick, target_s) = ctx;
    let probes = if quick { s.quick_probes } else { s.probes };
    let (mut lo, mut hi) = (s.lo_mbps, s.hi_mbps);
    let mut rows = Vec::new();
    let mut best: Option<Value> = None;
    for _ in 0..probes {
        if interrupt::interrupted() {
            anyhow::bail!("interrupted (Ctrl-C)");
        }
        let rate = (lo * hi).sqrt();
        let loops = loops_at_rate(warm, rate, target_s);
        let v = runner.trial(p, loops, Some(rate))?;
        let mut row = sweep::trial_row(suite, p, Some(round), order, loops, &v);
        row.kind = format!("probe {rate:.0} Mb/s");
        rows.push(row);
        if sweep::dropped_of(&v) == 0 {
            lo = rate;
            best = Some(v);
        } else {
            hi = rate;
        }
    }
    let mut row = match &best {
        Some(v) => sweep::trial_row(suite, p, Some(round), order, 0, v),
        None => sweep::trial_row(suite, p, Some(round), order, 0, &Value::Null),
    };
    row.kind = "search".into();
    let get = |k: &str| best.as_ref().and_then(|v| v[k].as_f64()).unwrap_or(f64::NAN);
    row.metrics.insert("zero_loss_gbps".into(), get("gbps"));
    row.metrics.insert("zero_loss_mpps".into(), get("mpps"));
    rows.push(row);
    Ok(rows)
}

/// Runs a sweep suite; see the module docs.
pub fn run(args: &SweepRun) -> anyhow::Result<SweepOutcome> {
    let started = Instant::now();
    let suite = &args.suite;
    let t = &suite.trials;
    let (rounds, target_s) = if args.quick {
        (args.rounds.unwrap_or(t.quick_rounds), t.quick_target_s)
    } else {
        (args.rounds.unwrap_or(t.rounds), t.target_s)
    };
    let rounds = rounds.max(1);
    let exe = std::env::current_exe().context("cannot find the pktstream executable")?;
    let points = sweep::points(suite, args.quick, provenance::cores())?;
    let (files, traces) = prepare_traces(&exe, &points, args.quick)?;
    let sha = traces.first().map(|t| t.sha256.clone()).unwrap_or_default();
    let prov = provenance::collect(args.machine.as_deref(), tracegen::GENERATOR_VERSION, sha);
    let (dir, scratch) = results_dirs(&args.out, &prov.machine_id, &suite.name)?;
    let runner =
        Runner { exe, machine: prov.machine_id.clone(), scratch: scratch.clone(), traces: files };
    interrupt::catch_ctrl_c();
    let (processes, seconds) = estimate(suite, args.quick, args.rounds);
    eprintln!(
        "suite {}: {} points, {processes} trial processes, about {:.0} s",
        suite.name,
        points.len(),
        seconds
    );
    let bar = progress(processes as u64);
    let mut rows: Vec<TrialRow> = Vec::new();
    let mut warm: Vec<Option<Value>> = vec![None; points.len()];
    let mut stopped: Option<anyhow::Error> = None;
    let trials_csv = dir.join("trials.csv");
    // Round `None` is the warm-up.
    'phases: for round in std::iter::once(None).chain((0..rounds).map(Some)) {
        for (order, &i) in sweep::round_order(&points, round.unwrap_or(0)).iter().enumerate() {
            let p = &points[i];
            let phase = round.map_or("warm-up".to_string(), |r| format!("round {}", r + 1));
            if interrupt::interrupted() {
                stopped = Some(anyhow!("interrupted (Ctrl-C) before {phase}"));
                break 'phases;
            }
            bar.set_message(format!("{phase}: {}", p.label(suite)));
            let e = &suite.experiments[p.experiment];
            let result = match (round, &e.search, &warm[i]) {
                (None, _, _) => runner.trial(p, 1, None).map(|v| {
                    let row = sweep::trial_row(suite, p, None, order, 1, &v);
                    warm[i] = Some(v);
                    vec![row]
                }),
                (Some(r), Some(s), Some(w)) => {
                    search(&runner, suite, p, s, (r, order, args.quick, target_s), w)
                }
                (Some(r), None, Some(w)) => {
                    let loops = loops_from_warmup(w, target_s);
                    runner
                        .trial(p, loops, None)
                        .map(|v| vec![sweep::trial_row(suite, p, Some(r), order, loops, &v)])
                }
                (Some(_), _, None) => Err(anyhow!("no warm-up")),
            };
            match result {
                Ok(r) => {
                    bar.inc(r.len() as u64);
                    rows.extend(r);
                }
                Err(e) => {
                    let at = format!("trial {} of the {phase}", p.label(suite));
                    stopped = Some(if interrupt::interrupted() {
                        anyhow!("interrupted (Ctrl-C) during {at}")
                    } else {
                        e.context(at)
                    });
                    break 'phases;
                }
            }
        }
        if let Err(e) = write_atomic(&trials_csv, trials_csv_text(&rows).as_bytes()) {
            stopped = Some(anyhow!("cannot write {}: {e}", trials_csv.display()));
            break;
        }
    }
    if stopped.is_some() {
        bar.abandon()
    } else {
        bar.finish_and_clear()
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let report = SweepReport {
        partial: stopped.is_some(),
        stopped: stopped.as_ref().map(|e| format!("{e:#}")),
        elapsed_s: started.elapsed().as_secs_f64(),
        traces,
        points: sweep::summarise(suite, &points, &rows),
        trials: rows,
    };
    let config = SweepConfig { suite: suite.clone(), quick: args.quick, rounds, target_s };
    let file = ResultsFile::new(prov, config, report);
    let figures = write_results(&dir, &file)?;
    print_summary(&file);
    if let Some(e) = stopped {
        eprintln!("suite {}: stopped early, results marked partial: {e:#}", suite.name);
    }
    Ok(SweepOutcome { dir, figures, report: file.report })
}

/// A sweep's results file.
pub type SweepResults = ResultsFile<SweepConfig, SweepReport>;

/// Writes `trials.csv`, `summary.json`, `summary.csv` and the figures into `dir`; returns the
/// figures.
pub fn write_results(dir: &Path, file: &SweepResults) -> anyhow::Result<Vec<PathBuf>> {
    let csv = trials_csv_text(&file.report.trials);
    write_atomic(&dir.join("trials.csv"), csv.as_bytes())
        .with_context(|| format!("cannot write {}", dir.join("trials.csv").display()))?;
    write_json(&dir.join("summary.json"), file)?;
    let summary_rows: Vec<Vec<(String, String)>> = file
        .report
        .points
        .iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .map(|v| flatten(&v))
        .collect();
    write_atomic(&dir.join("summary.csv"), to_csv(&summary_rows).as_bytes())
        .with_context(|| format!("cannot write {}", dir.join("summary.csv").display()))?;
    draw_figures(dir, file)
}

/// Draws one figure per experiment of a sweep's results into `dir`.
pub fn draw_figures(dir: &Path, file: &SweepResults) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in &file.config.suite.experiments {
        let points: Vec<&PointSummary> =
            file.report.points.iter().filter(|p| p.experiment == e.name).collect();
        if points.is_empty() {
            continue;
        }
        let caption = caption(&file.provenance, &file.config, &file.report, e);
        let stem = dir.join(format!("{}_{}", file.config.suite.name, e.name));
        out.extend(draw_experiment(e, &points, &caption, &stem)?);
    }
    Ok(out)
}

fn caption(
    prov: &Provenance,
    config: &SweepConfig,
    report: &SweepReport,
    e: &crate::suite::spec::Experiment,
) -> String {
    let t = &config.suite.trace;
    let packets = if config.quick { t.quick_packets } else { t.packets };
    let paced = e.search.is_some()
        || e.series.iter().any(|s| s.set.mbps.is_some() || s.set.pps.is_some())
        || e.base.mbps.is_some()
        || e.base.pps.is_some()
        || e.x.as_ref().is_some_and(|a| matches!(a.field.name(), "mbps" | "pps"));
    format!(
        "{} In-memory, header-only {} trace ({packets} packets, seed {}), {}; median of {} \
         separate process(es) per point with 95% bootstrap intervals{}{}.",
        caption_head(prov),
        t.profile,
        t.seed,
        if paced { "paced release from memory" } else { "top speed" },
        config.rounds,
        if e.search.is_some() { "; each a bisection of the paced rate" } else { "" },
        if report.partial { "; PARTIAL: the run stopped early" } else { "" },
    )
}

/// The CSV of trial rows (metrics as columns).
pub fn trials_csv_text(rows: &[TrialRow]) -> String {
    let flat: Vec<Vec<(String, String)>> =
        rows.iter().filter_map(|r| serde_json::to_value(r).ok()).map(|v| flatten(&v)).collect();
    to_csv(&flat)
}

/// Prints each experiment's table: per point, the medians of the metrics its figure shows.
fn print_summary(file: &SweepResults) {
    let suite = &file.config.suite;
    println!("suite {}: {}", suite.name, suite.title);
    for e in &suite.experiments {
        println!("\n{}: {}", e.name, e.title);
        for p in file.report.points.iter().filter(|p| p.experiment == e.name) {
            let x = p.x.map(|x| format!(" @ {x}")).unwrap_or_default();
            let cells: Vec<String> = e
                .plot
                .metrics
                .iter()
                .filter_map(|m| {
                    p.metrics
                        .get(m.name())
                        .map(|s| format!("{} {:.3} [{:.3}, {:.3}]", m.name(), s.median, s.lo, s.hi))
                })
                .collect();
            println!("  {}{x} (n={}): {}", p.series, p.trials, cells.join("; "));
        }
    }
}
