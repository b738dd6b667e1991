//! Sweep suites ([`super::spec`]): the points a suite file expands to, the order trials run in,
//! a trial's row from its `run` results object, and the summaries (median and bootstrap interval
//! of every metric per point) that tables and figures show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::spec::{AxisField, Experiment, Metric, SuiteFile, TraceSpec};
use crate::cli::RunFile;
use crate::stats::{self, Summary};

/// One configuration: an experiment's series at one x value, with its settings resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The experiment's position in the suite.
    pub experiment: usize,
    /// The series' position in the experiment.
    pub series: usize,
    /// The x value, when the experiment has an axis.
    pub x: Option<f64>,
    /// The `run --config` settings.
    pub run: RunFile,
    /// The trace it runs over.
    pub trace: TraceSpec,
}

impl Point {
    /// A short name for progress lines and errors: `replicas/src-count x=2`.
    pub fn label(&self, suite: &SuiteFile) -> String {
        let e = &suite.experiments[self.experiment];
        let x = self.x.map(|x| format!(" {}={x}", e.x.as_ref().map_or("x", |a| a.field.name())));
        format!("{}/{}{}", e.name, e.series[self.series].label, x.unwrap_or_default())
    }
}

/// Every point of `suite`, experiment by experiment, series by series, x by x; `cores` resolves
/// `"cores"` axes.
pub fn points(suite: &SuiteFile, quick: bool, cores: usize) -> anyhow::Result<Vec<Point>> {
    let mut out = Vec::new();
    for (ei, e) in suite.experiments.iter().enumerate() {
        let xs: Vec<Option<f64>> = match &e.x {
            None => vec![None],
            Some(a) => {
                let values = match (&a.quick_values, quick) {
                    (Some(q), true) => q,
                    _ => &a.values,
                };
                values.resolve(cores)?.into_iter().map(Some).collect()
            }
        };
        for (si, s) in e.series.iter().enumerate() {
            for &x in &xs {
                let mut run = e.base.overlay(&s.set);
                let mut trace = suite.trace.clone();
                if let (Some(a), Some(v)) = (&e.x, x) {
                    set_axis(a.field, v, &mut run, &mut trace);
                }
                out.push(Point { experiment: ei, series: si, x, run, trace });
            }
        }
    }
    Ok(out)
}

/// Puts an axis value into the settings or the trace it belongs to.
fn set_axis(field: AxisField, v: f64, run: &mut RunFile, trace: &mut TraceSpec) {
    match field {
        AxisField::Workers => run.workers = Some(v.round().max(1.0) as usize),
        AxisField::Batch => run.batch = Some(v.round().max(1.0) as usize),
        AxisField::Mbps => (run.mbps, run.pps) = (Some(v), None),
        AxisField::Pps => (run.mbps, run.pps) = (None, Some(v)),
        AxisField::FlowSkew => trace.flow_skew = Some(v),
    }
}

/// The order of round `round`: every point once, rotated by the round so each point runs early
/// in one round and late in another, and, inside each experiment, series interleaved (A, B, A,
/// B) rather than one after the other. Returns positions in `points`.
pub fn round_order(points: &[Point], round: usize) -> Vec<usize> {
    let mut by_x: Vec<usize> = (0..points.len()).collect();
    // Interleave: sort by (experiment, x, series).
    by_x.sort_by(|&a, &b| {
        let (p, q) = (&points[a], &points[b]);
        (p.experiment, p.x.map(f64::to_bits), p.series).cmp(&(
            q.experiment,
            q.x.map(f64::to_bits),
            q.series,
        ))
    });
    if !by_x.is_empty() {
        let shift = round % by_x.len();
        by_x.rotate_left(shift);
    }
    by_x
}

/// One trial: a warm-up or a measured round of one point (for a search, the rate it found).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRow {
    /// Experiment name.
    pub experiment: String,
    /// Series label.
    pub series: String,
    /// The x value (empty without an axis).
    pub x: Option<f64>,
    /// The warm-up trial of its point (not in summaries).
    pub warmup: bool,
    /// `warm-up`, `trial`, `probe <rate> Mb/s` (one step of a search, not in summaries) or
    /// `search` (a search's result).
    pub kind: String,
    /// Measured round, from 0 (empty for warm-ups).
    pub round: Option<usize>,
    /// Position in its round.
    pub order: usize,
    /// Trace loops the trial ran.
    pub loops: u64,
    /// Frames offered.
    pub packets: u64,
    /// Frames processed.
    pub processed: u64,
    /// Frames dropped (every reason).
    pub dropped: u64,
    /// Measured seconds.
    pub duration_s: f64,
    /// Offered rate when paced (Mpps).
    pub offered_mpps: Option<f64>,
    /// Host conditions: CPU steal over the run (% of all CPU time).
    pub host_steal_pct: Option<f64>,
    /// Host conditions: involuntary context switches of the trial process.
    pub host_involuntary_ctx_switches: Option<u64>,
    /// Host conditions: mean CPU clock at the end of the run (MHz).
    pub host_cpu_mhz: Option<f64>,
    /// Peak resident memory of the trial process.
    pub max_rss_bytes: u64,
    /// Every metric the trial gives (NaN: not measured).
    #[serde(flatten)]
    pub metrics: BTreeMap<String, f64>,
}

/// The metrics of one `run` results object.
pub fn metrics_of(v: &Value) -> BTreeMap<String, f64> {
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let lat = |k: &str| v["latency_ns"][k].as_f64().unwrap_or(f64::NAN);
    let workers: Vec<f64> = v["per_worker"]
        .as_array()
        .map(|a| a.iter().filter_map(|w| w["packets"].as_f64()).collect())
        .unwrap_or_default();
    let imbalance = if workers.is_empty() {
        f64::NAN
    } else {
        let mean = workers.iter().sum::<f64>() / workers.len() as f64;
        if mean > 0.0 { workers.iter().copied().fold(0.0, f64::max) / mean } else { f64::NAN }
    };
    let packets = f("packets");
    let dropped = dropped_of(v) as f64;
    let mut m = BTreeMap::new();
    m.insert(Metric::Mpps.name().into(), f("mpps"));
    m.insert(Metric::Gbps.name().into(), f("gbps"));
    m.insert(Metric::LatencyNsP50.name().into(), lat("p50"));
    m.insert(Metric::LatencyNsP99.name().into(), lat("p99"));
    m.insert(Metric::LatencyNsP999.name().into(), lat("p999"));
    m.insert(Metric::Imbalance.name().into(), imbalance);
    m.insert(
        Metric::DropShare.name().into(),
        if packets > 0.0 { dropped / packets } else { f64::NAN },
    );
    m.insert(Metric::CpuNsPerPacket.name().into(), f("cpu_ns_per_packet"));
    m
}

/// Frames a `run` results object dropped, every reason together.
pub fn dropped_of(v: &Value) -> u64 {
    v["dropped_by_reason"].as_object().map_or(0, |o| o.values().filter_map(Value::as_u64).sum())
}

/// The row of one trial of `p` from its results object.
pub fn trial_row(
    suite: &SuiteFile,
    p: &Point,
    round: Option<usize>,
    order: usize,
    loops: u64,
    v: &Value,
) -> TrialRow {
    let e = &suite.experiments[p.experiment];
    let host = &v["host"];
    TrialRow {
        experiment: e.name.clone(),
        series: e.series[p.series].label.clone(),
        x: p.x,
        warmup: round.is_none(),
        kind: if round.is_none() { "warm-up" } else { "trial" }.into(),
        round,
        order,
        loops,
        packets: v["packets"].as_u64().unwrap_or(0),
        processed: v["processed"].as_u64().unwrap_or(0),
        dropped: dropped_of(v),
        duration_s: v["duration_s"].as_f64().unwrap_or(f64::NAN),
        offered_mpps: v["offered_mpps"].as_f64(),
        host_steal_pct: host["steal_pct"].as_f64(),
        host_involuntary_ctx_switches: host["involuntary_ctx_switches"].as_u64(),
        host_cpu_mhz: host["cpu_mhz"].as_f64(),
        max_rss_bytes: v["max_rss_bytes"].as_u64().unwrap_or(0),
        metrics: metrics_of(v),
    }
}

/// Every metric of one point over its measured trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// Experiment name.
    pub experiment: String,
    /// Series label.
    pub series: String,
    /// The x value.
    pub x: Option<f64>,
    /// Measured trials.
    pub trials: usize,
    /// Median and 95% bootstrap interval per metric (metrics without a finite value are left
    /// out).
    pub metrics: BTreeMap<String, Summary>,
}

/// The summaries of every point of `suite` that has measured trials, in suite order.
pub fn summarise(suite: &SuiteFile, points: &[Point], rows: &[TrialRow]) -> Vec<PointSummary> {
    let mut out = Vec::new();
    for p in points {
        let e: &Experiment = &suite.experiments[p.experiment];
        let series = &e.series[p.series].label;
        let mine: Vec<&TrialRow> = rows
            .iter()
            .filter(|r| matches!(r.kind.as_str(), "trial" | "search"))
            .filter(|r| r.experiment == e.name && &r.series == series && r.x == p.x)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut metrics = BTreeMap::new();
        for m in Metric::ALL {
            let values: Vec<f64> =
                mine.iter().filter_map(|r| r.metrics.get(m.name()).copied()).collect();
            if let Some(s) = stats::median_ci95(&values) {
                metrics.insert(m.name().to_string(), s);
            }
        }
        out.push(PointSummary {
            experiment: e.name.clone(),
            series: series.clone(),
            x: p.x,
            trials: mine.len(),
            metrics,
        });
    }
    out
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
mod tests;
