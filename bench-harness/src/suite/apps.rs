//! The apps suite: every app of [`AppKind::ALL`] on 1 and 2 workers, each on the best topology
//! it can use (`rtc` when its query is keyed by the flow, else `two-stage`), over one generated
//! trace with full payload and attack scenarios; the order trials run in; and the summary:
//! median Mpps with bootstrap intervals per (app, workers), the 2-worker over 1-worker ratio,
//! and, for Sonata's queries, whether two workers reach 10 Mpps.

use std::collections::BTreeMap;

use engine::plan::Topology;
use engine::query::AppKind;
use serde::{Deserialize, Serialize};

use crate::results::csv::{flatten, to_csv};
use crate::stats::{self, Summary};

/// The Sonata target: two workers at this many Mpps or more.
pub const SONATA_TARGET_MPPS: f64 = 10.0;
/// The name prefix of Sonata's queries, the apps the target applies to.
pub const SONATA_PREFIX: &str = "sonata-";

/// The best topology `app` can run on: `rtc` when its query is keyed by the flow (no merge
/// needed, the check `Plan::build` makes), else `two-stage`. A query that does not compile gets
/// `two-stage`, and its trial reports the error.
pub fn best_topology(app: AppKind) -> Topology {
    match app.spec().compile() {
        Ok(q) if q.keyed_by_flow() => Topology::Rtc,
        _ => Topology::TwoStage,
    }
}

/// True for the apps the Sonata target applies to.
pub fn is_sonata(app: &str) -> bool {
    app.starts_with(SONATA_PREFIX)
}

/// One configuration: an app on a topology with a number of workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GridPoint {
    /// The app.
    pub app: AppKind,
    /// Its best topology ([`best_topology`]).
    pub topology: Topology,
    /// Query threads.
    pub workers: usize,
}

impl GridPoint {
    /// The `pktstream run` flags of this point, without `--json` and `--machine`.
    pub fn run_args(&self, trace: &str, loops: u64) -> Vec<String> {
        [
            "--app",
            self.app.name(),
            "--topology",
            self.topology.name(),
            "--workers",
            &self.workers.to_string(),
            "--trace",
            trace,
            "--loop",
            &loops.to_string(),
        ]
        .map(String::from)
        .to_vec()
    }

    /// A short name for progress lines: `flow-counter rtc x2`.
    pub fn label(&self) -> String {
        format!("{} {} x{}", self.app, self.topology, self.workers)
    }
}

/// The grid a run of the suite measures: apps x worker counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Apps, in the order the first round runs them.
    pub apps: Vec<AppKind>,
    /// Worker counts.
    pub workers: Vec<usize>,
}

impl Grid {
    /// The grid of the built-in `suites/apps.toml` (every app of [`AppKind::ALL`] on 1 and 2
    /// workers).
    pub fn full() -> anyhow::Result<Self> {
        super::grid_files::AppsFile::built_in()?.grid()
    }

    /// Every configuration once, app by app, workers ascending.
    pub fn points(&self) -> Vec<GridPoint> {
        self.apps
            .iter()
            .flat_map(|&app| {
                let topology = best_topology(app);
                self.workers.iter().map(move |&workers| GridPoint { app, topology, workers })
            })
            .collect()
    }

    /// Trials per round: one per configuration.
    pub fn len(&self) -> usize {
        self.apps.len() * self.workers.len()
    }

    /// True when the grid has no configuration.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every configuration once, in the order round `round` (from 0) runs them: the
    /// configurations interleaved and rotated by one per round, so none always runs first or
    /// always after the same neighbour.
    pub fn round_order(&self, round: usize) -> Vec<GridPoint> {
        let mut points = self.points();
        if !points.is_empty() {
            let k = round % points.len();
            points.rotate_left(k);
        }
        points
    }
}

/// One trial: one process, one row of `trials.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRow {
    /// True for the warm-up trial of a configuration, left out of every statistic.
    pub warmup: bool,
    /// Round, from 0 (empty for warm-ups).
    pub round: Option<usize>,
    /// Position of the trial within its round (or within the warm-ups), from 0.
    pub order: usize,
    /// App name.
    pub app: String,
    /// Topology name.
    pub topology: String,
    /// Query threads.
    pub workers: usize,
    /// Times the trace was replayed.
    pub loops: u64,
    /// Frames offered (trace frames times loops).
    pub packets: u64,
    /// Packets processed.
    pub processed: u64,
    /// Processing time of the run, seconds.
    pub duration_s: f64,
    /// Processed packets per second, millions.
    pub mpps: f64,
    /// Gb/s of processed wire bytes.
    pub gbps: f64,
    /// More busy threads than cores.
    pub oversubscribed: bool,
}

/// `trials.csv`: every row, every column.
pub fn trials_csv(rows: &[TrialRow]) -> String {
    let flat: Vec<_> =
        rows.iter().filter_map(|r| serde_json::to_value(r).ok()).map(|v| flatten(&v)).collect();
    to_csv(&flat)
}

/// One (app, workers) configuration summarised over its measured trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// App name.
    pub app: String,
    /// Topology name.
    pub topology: String,
    /// Query threads.
    pub workers: usize,
    /// Median Mpps with its 95% bootstrap interval (`n`: trials).
    pub mpps: Summary,
    /// The app's 2-worker over 1-worker throughput: the median of the ratios of the rounds that
    /// measured both, with its interval (the same on both rows of an app).
    pub ratio_2w_1w: Option<Summary>,
    /// For `sonata-*` apps, `met` when the 2-worker median is at least
    /// [`SONATA_TARGET_MPPS`], else `not met` (the same on both rows of an app); empty for the
    /// other apps, and for a Sonata app whose 2-worker runs are missing.
    pub target: Option<String>,
}

/// Summarises the measured (not warm-up) rows: one entry per (app, workers), apps in
/// [`AppKind::ALL`] order (unknown names last, by name), workers ascending.
pub fn summarise(rows: &[TrialRow]) -> Vec<PointSummary> {
    type Key = (usize, String, usize);
    let rank = |app: &str| AppKind::ALL.iter().position(|(n, _)| *n == app).unwrap_or(usize::MAX);
    let mut samples: BTreeMap<Key, (String, Vec<(usize, f64)>)> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.warmup) {
        let Some(round) = r.round else { continue };
        let entry = samples
            .entry((rank(&r.app), r.app.clone(), r.workers))
            .or_insert_with(|| (r.topology.clone(), Vec::new()));
        entry.1.push((round, r.mpps));
    }
    let of = |app: &str, workers: usize| -> &[(usize, f64)] {
        samples.get(&(rank(app), app.to_string(), workers)).map_or(&[], |(_, v)| v.as_slice())
    };
    let mut out = Vec::new();
    for ((_, app, workers), (topology, trials)) in &samples {
        let values: Vec<f64> = trials.iter().map(|(_, v)| *v).collect();
        let Some(mpps) = stats::median_ci95(&values) else { continue };
        let (one, two) = (of(app, 1), of(app, 2));
        let pairs: Vec<(f64, f64)> = two
            .iter()
            .filter_map(|(round, v2)| {
                one.iter().find(|(r, _)| r == round).map(|(_, v1)| (*v2, *v1))
            })
            .collect();
        let two_median = stats::median(&two.iter().map(|(_, v)| *v).collect::<Vec<_>>());
        let target = if is_sonata(app) {
            two_median.map(|m| if m >= SONATA_TARGET_MPPS { "met" } else { "not met" }.to_string())
        } else {
            None
        };
        out.push(PointSummary {
            app: app.clone(),
            topology: topology.clone(),
            workers: *workers,
            mpps,
            ratio_2w_1w: stats::paired_ratio_ci95(&pairs),
            target,
        });
    }
    out
}

/// `summary.csv`: one line per (app, workers); intervals as `_median`, `_lo`, `_hi` columns,
/// empty where a statistic does not apply.
pub fn summary_csv(points: &[PointSummary]) -> String {
    let f = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    let cols = |prefix: &str, s: Option<Summary>| -> Vec<(String, String)> {
        vec![
            (format!("{prefix}median"), f(s.map(|s| s.median))),
            (format!("{prefix}lo"), f(s.map(|s| s.lo))),
            (format!("{prefix}hi"), f(s.map(|s| s.hi))),
        ]
    };
    let rows: Vec<Vec<(String, String)>> = points
        .iter()
        .map(|p| {
            let mut row = vec![
                ("app".to_string(), p.app.clone()),
                ("topology".into(), p.topology.clone()),
                ("workers".into(), p.workers.to_string()),
                ("n".into(), p.mpps.n.to_string()),
            ];
            row.extend(cols("mpps_", Some(p.mpps)));
            row.extend(cols("ratio_2w_1w_", p.ratio_2w_1w));
            row.push(("target".into(), p.target.clone().unwrap_or_default()));
            row
        })
        .collect();
    to_csv(&rows)
}

#[cfg(test)]
#[path = "apps_tests.rs"]
mod tests;
