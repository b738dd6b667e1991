//! The queues suite: every available queue design across item sizes and batch sizes
//! (`pktstream queue-bench` throughput), a ping-pong round trip per design, and the flow counter
//! end to end on `pipeline` per design; the order trials run in; and the summary: medians with
//! bootstrap intervals, ratios to `rtrb`, the round trip over the atomic ping-pong floor, and
//! the three targets of the queue issue judged met, not met or within noise.

use std::collections::BTreeMap;

use engine::queue::QueueKind;
use serde::{Deserialize, Serialize};

use crate::results::csv::to_csv;
use crate::stats::{self, Bound, Summary, Verdict};

/// What the items of a throughput trial are and whether the consumer reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ItemMode {
    /// 8-byte items, not touched by the consumer (pointer-sized, as in Maffione et al.).
    Bytes8,
    /// 64-byte items (one record), not touched.
    Bytes64,
    /// 64-byte items, every byte read by the consumer (`--touch`).
    Bytes64Touch,
}

impl ItemMode {
    /// Every mode, in the order panels show them.
    pub const ALL: [ItemMode; 3] = [ItemMode::Bytes8, ItemMode::Bytes64, ItemMode::Bytes64Touch];

    /// Item size in bytes (`--item-bytes`).
    pub fn item_bytes(self) -> usize {
        match self {
            ItemMode::Bytes8 => 8,
            ItemMode::Bytes64 | ItemMode::Bytes64Touch => 64,
        }
    }

    /// True when the consumer touches each item (`--touch`).
    pub fn touch(self) -> bool {
        self == ItemMode::Bytes64Touch
    }

    /// The mode from a row's fields, if it is one of the suite's.
    pub fn from_fields(item_bytes: usize, touch: bool) -> Option<ItemMode> {
        ItemMode::ALL.into_iter().find(|m| m.item_bytes() == item_bytes && m.touch() == touch)
    }

    /// How tables and panels name the mode: `8 B`, `64 B`, `64 B, touched`.
    pub fn label(self) -> &'static str {
        match self {
            ItemMode::Bytes8 => "8 B",
            ItemMode::Bytes64 => "64 B",
            ItemMode::Bytes64Touch => "64 B, touched",
        }
    }
}

/// What one trial measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// `queue-bench` throughput in M items/s.
    Throughput {
        /// Items per publish.
        batch: usize,
        /// Item size and touch.
        mode: ItemMode,
    },
    /// `queue-bench --pingpong`: round trip in ns (batch 1, 8-byte items), with the atomic
    /// ping-pong floor measured in the same process.
    PingPong,
    /// `pktstream run --app flow-counter --topology pipeline --workers 1`: Mpps.
    Pipeline,
}

impl Measure {
    /// The `measure` column of the results files.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Throughput { .. } => "throughput",
            Measure::PingPong => "pingpong",
            Measure::Pipeline => "pipeline",
        }
    }
}

/// Items of the throughput part of a ping-pong trial (`queue-bench --pingpong` measures
/// throughput first; the suite keeps only the round trips).
pub const PINGPONG_THROUGHPUT_ITEMS: u64 = 100_000;

/// One configuration of the grid: a design and what to measure with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GridPoint {
    /// The queue design.
    pub queue: QueueKind,
    /// What the trial measures.
    pub measure: Measure,
}

impl GridPoint {
    /// The `pktstream queue-bench` flags of this point (not of a `Pipeline` point, which runs
    /// `pktstream run`), without `--json` and `--machine`. `count` is the items moved under the
    /// clock, or for `PingPong` the round trips (its throughput part, which `queue-bench` runs
    /// first, moves at most [`PINGPONG_THROUGHPUT_ITEMS`] and is not reported).
    pub fn queue_bench_args(&self, count: u64) -> Vec<String> {
        let mut v = vec!["--queue".to_string(), self.queue.name().to_string()];
        let (batch, bytes, touch) = match self.measure {
            Measure::Throughput { batch, mode } => (batch, mode.item_bytes(), mode.touch()),
            Measure::PingPong | Measure::Pipeline => (1, 8, false),
        };
        v.extend(["--batch".into(), batch.to_string(), "--item-bytes".into(), bytes.to_string()]);
        if touch {
            v.push("--touch".into());
        }
        if self.measure == Measure::PingPong {
            let items = count.min(PINGPONG_THROUGHPUT_ITEMS);
            v.extend(["--pingpong".into(), "--items".into(), items.to_string()]);
            v.extend(["--rounds".into(), count.to_string()]);
        } else {
            v.extend(["--items".into(), count.to_string()]);
        }
        v
    }

    /// A short name for progress lines: `iffq b32 64 B`, `rtrb pingpong`.
    pub fn label(&self) -> String {
        match self.measure {
            Measure::Throughput { batch, mode } => {
                format!("{} b{batch} {}", self.queue, mode.label())
            }
            other => format!("{} {}", self.queue, other.name()),
        }
    }
}

/// The grid a run of the suite measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Queue designs, in the order the first round runs them.
    pub designs: Vec<QueueKind>,
    /// Item modes of the throughput trials.
    pub modes: Vec<ItemMode>,
    /// Batch sizes of the throughput trials.
    pub batches: Vec<usize>,
}

impl Grid {
    /// The grid of the built-in `suites/queues.toml` (every available design x 8 B, 64 B and
    /// 64 B touched items x batch 1, 8, 32, 64 and 256).
    pub fn full() -> anyhow::Result<Self> {
        super::grid_files::QueuesFile::built_in()?.grid(false)
    }

    /// Its `--quick` grid (every available design x 8 B x batch 1 and 32).
    pub fn quick() -> anyhow::Result<Self> {
        super::grid_files::QueuesFile::built_in()?.grid(true)
    }

    /// Groups of points that differ only in the design: one per (mode, batch), then the
    /// ping-pong group, then the pipeline group.
    fn groups(&self) -> Vec<Vec<GridPoint>> {
        let group = |measure| -> Vec<GridPoint> {
            self.designs.iter().map(|&queue| GridPoint { queue, measure }).collect()
        };
        let mut groups = Vec::new();
        for &mode in &self.modes {
            for &batch in &self.batches {
                groups.push(group(Measure::Throughput { batch, mode }));
            }
        }
        groups.push(group(Measure::PingPong));
        groups.push(group(Measure::Pipeline));
        groups
    }

    /// Trials per round: one per grid point.
    pub fn len(&self) -> usize {
        self.designs.len() * (self.modes.len() * self.batches.len() + 2)
    }

    /// True when the grid has no design.
    pub fn is_empty(&self) -> bool {
        self.designs.is_empty()
    }

    /// Every grid point once, in the order round `round` (from 0) runs them: designs
    /// interleaved (A, B, C, A, B, C, ...) and rotated by one per round, so no design always
    /// runs first; the groups are rotated by one per round as well.
    pub fn round_order(&self, round: usize) -> Vec<GridPoint> {
        let mut groups = self.groups();
        if !groups.is_empty() {
            let k = round % groups.len();
            groups.rotate_left(k);
        }
        groups
            .into_iter()
            .flat_map(|mut g| {
                if !g.is_empty() {
                    let k = round % g.len();
                    g.rotate_left(k);
                }
                g
            })
            .collect()
    }
}

/// One trial: one process, one row of `trials.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRow {
    /// Round, from 0.
    pub round: usize,
    /// Position of the trial within its round, from 0.
    pub order: usize,
    /// `throughput`, `pingpong` or `pipeline`.
    pub measure: String,
    /// Queue design name.
    pub queue: String,
    /// Items per publish (for `pipeline`: records per batch of the engine).
    pub batch: usize,
    /// Item size in bytes (empty for `pipeline`).
    pub item_bytes: Option<usize>,
    /// Whether the consumer touched the items.
    pub touch: bool,
    /// Items moved under the clock (`pingpong`: round trips; `pipeline`: packets processed).
    pub items: u64,
    /// Throughput, M items/s (`throughput` and `pingpong` trials).
    pub mitems_per_s: Option<f64>,
    /// Queue round trip in ns (`pingpong`).
    pub rtt_ns: Option<f64>,
    /// Atomic ping-pong round trip between the same cores, same process, in ns (`pingpong`).
    pub atomic_pingpong_rtt_ns: Option<f64>,
    /// Flow counter on `pipeline` with one worker, Mpps (`pipeline`).
    pub pipeline_mpps: Option<f64>,
    /// Measured seconds of the trial.
    pub seconds: Option<f64>,
    /// Whether the threads were pinned.
    pub pinned: Option<bool>,
}

/// `trials.csv`: every row, every column.
pub fn trials_csv(rows: &[TrialRow]) -> String {
    let flat: Vec<_> = rows
        .iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .map(|v| crate::results::csv::flatten(&v))
        .collect();
    to_csv(&flat)
}

/// One grid point summarised over its trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    /// `throughput`, `pingpong` or `pipeline`.
    pub measure: String,
    /// Queue design name.
    pub queue: String,
    /// Items per publish (throughput and ping-pong points).
    pub batch: Option<usize>,
    /// Item size in bytes (throughput and ping-pong points).
    pub item_bytes: Option<usize>,
    /// Whether the consumer touched the items.
    pub touch: bool,
    /// The column summarised: `mitems_per_s`, `rtt_ns` or `pipeline_mpps`.
    pub metric: String,
    /// Median and 95% bootstrap interval of `metric`.
    pub value: Summary,
    /// Median over the rounds of this design's throughput over `rtrb`'s in the same round, at
    /// the same point (8-byte items, batch 1 and 32).
    pub ratio_to_rtrb: Option<Summary>,
    /// The atomic ping-pong floor measured beside this design's round trips (ping-pong).
    pub atomic_floor_ns: Option<Summary>,
    /// Median of each trial's round trip over the atomic floor measured in the same process
    /// (ping-pong).
    pub rtt_over_floor: Option<Summary>,
}

/// One target of the queue issue and how this run stands against it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    /// Short name: `batch32`, `single-item`, `round-trip`.
    pub name: String,
    /// The target in words.
    pub description: String,
    /// The bound on the ratio.
    pub bound: Bound,
    /// The design with the best median ratio.
    pub best_queue: Option<String>,
    /// That design's ratio with its interval.
    pub ratio: Option<Summary>,
    /// Met only when the whole interval is on the right side of the bound; within noise when
    /// it straddles the bound or rests on one trial; `None` when nothing was measured.
    pub verdict: Option<Verdict>,
}

/// Everything the queues suite concludes from its trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuesSummary {
    /// One entry per grid point that has trials.
    pub points: Vec<PointSummary>,
    /// The three targets.
    pub targets: Vec<TargetResult>,
}

/// The baseline every design is compared with.
pub const BASELINE: QueueKind = QueueKind::Rtrb;
/// Batch sizes at which ratios to the baseline are reported (8-byte items).
pub const RATIO_BATCHES: [usize; 2] = [1, 32];

/// Summarises `rows`: per grid point, per ratio, per target.
pub fn summarise(rows: &[TrialRow]) -> QueuesSummary {
    type Key = (String, String, Option<usize>, Option<usize>, bool);
    // Per point: each trial's value with its round and the atomic floor measured beside it.
    let mut samples: BTreeMap<Key, Vec<Trial>> = BTreeMap::new();
    let mut order: Vec<Key> = Vec::new();
    for r in rows {
        let (key, value, floor) = match r.measure.as_str() {
            "throughput" => (
                (r.measure.clone(), r.queue.clone(), Some(r.batch), r.item_bytes, r.touch),
                r.mitems_per_s,
                None,
            ),
            "pingpong" => (
                (r.measure.clone(), r.queue.clone(), Some(r.batch), r.item_bytes, r.touch),
                r.rtt_ns,
                r.atomic_pingpong_rtt_ns,
            ),
            _ => ((r.measure.clone(), r.queue.clone(), None, None, false), r.pipeline_mpps, None),
        };
        if !samples.contains_key(&key) {
            order.push(key.clone());
        }
        let trials = samples.entry(key).or_default();
        if let Some(value) = value {
            trials.push(Trial { round: r.round, value, floor });
        }
    }
    let throughput_of = |queue: &str, batch: usize| -> Option<&Vec<Trial>> {
        samples
            .iter()
            .find(|((m, q, b, s, t), _)| {
                m == "throughput" && q == queue && *b == Some(batch) && *s == Some(8) && !t
            })
            .map(|(_, trials)| trials)
    };
    // Sort points: throughput by mode, batch, then design order of first appearance.
    let design_rank =
        |q: &str| QueueKind::ALL.iter().position(|k| k.name() == q).unwrap_or(QueueKind::ALL.len());
    let mode_rank = |s: Option<usize>, t: bool| {
        s.and_then(|s| ItemMode::from_fields(s, t)).map_or(9, |m| m as usize)
    };
    let measure_rank =
        |m: &str| ["throughput", "pingpong", "pipeline"].iter().position(|x| *x == m);
    order.sort_by_key(|(m, q, b, s, t)| (measure_rank(m), mode_rank(*s, *t), *b, design_rank(q)));

    let mut points = Vec::new();
    for key in order {
        let trials = &samples[&key];
        let values: Vec<f64> = trials.iter().map(|t| t.value).collect();
        let floors: Vec<f64> = trials.iter().filter_map(|t| t.floor).collect();
        let Some(value) = stats::median_ci95(&values) else { continue };
        let (measure, queue, batch, item_bytes, touch) = key;
        let metric = match measure.as_str() {
            "throughput" => "mitems_per_s",
            "pingpong" => "rtt_ns",
            _ => "pipeline_mpps",
        };
        let ratio_to_rtrb = match (measure.as_str(), batch, item_bytes, touch) {
            ("throughput", Some(b), Some(8), false) if RATIO_BATCHES.contains(&b) => {
                throughput_of(BASELINE.name(), b)
                    .and_then(|base| stats::paired_ratio_ci95(&same_round_pairs(trials, base)))
            }
            _ => None,
        };
        let (atomic_floor_ns, rtt_over_floor) = if measure == "pingpong" {
            // Each round trip over the floor measured in the same process.
            let pairs: Vec<(f64, f64)> =
                trials.iter().filter_map(|t| Some((t.value, t.floor?))).collect();
            (stats::median_ci95(&floors), stats::paired_ratio_ci95(&pairs))
        } else {
            (None, None)
        };
        points.push(PointSummary {
            measure,
            queue,
            batch,
            item_bytes,
            touch,
            metric: metric.to_string(),
            value,
            ratio_to_rtrb,
            atomic_floor_ns,
            rtt_over_floor,
        });
    }
    let targets = targets(&points);
    QueuesSummary { points, targets }
}

/// One trial's value at a point, with its round and (ping-pong) the atomic floor beside it.
#[derive(Clone, Copy, Debug, Default)]
struct Trial {
    round: usize,
    value: f64,
    floor: Option<f64>,
}

/// `(design, baseline)` value pairs of the rounds both were measured in: the rounds interleave
/// the designs, so a pair saw the same machine, and its ratio cancels what changed between
/// rounds.
fn same_round_pairs(design: &[Trial], baseline: &[Trial]) -> Vec<(f64, f64)> {
    design
        .iter()
        .filter_map(|d| baseline.iter().find(|b| b.round == d.round).map(|b| (d.value, b.value)))
        .collect()
}

/// The three targets: best design >= 1.1x rtrb at batch 32; best >= 1.3x rtrb with single
/// items; best round trip <= 1.5x the atomic ping-pong.
fn targets(points: &[PointSummary]) -> Vec<TargetResult> {
    let best = |filter: &dyn Fn(&PointSummary) -> Option<Summary>, higher: bool| {
        points.iter().filter_map(|p| filter(p).map(|s| (p.queue.clone(), s))).max_by(|a, b| {
            let o = a.1.median.total_cmp(&b.1.median);
            if higher { o } else { o.reverse() }
        })
    };
    let ratio_at = |batch: usize| {
        move |p: &PointSummary| {
            (p.measure == "throughput" && p.batch == Some(batch) && p.queue != BASELINE.name())
                .then_some(p.ratio_to_rtrb)
                .flatten()
        }
    };
    let make = |name: &str, description: &str, bound: Bound, best: Option<(String, Summary)>| {
        TargetResult {
            name: name.into(),
            description: description.into(),
            bound,
            // One trial gives no interval: it cannot tell the bound from noise.
            verdict: best.as_ref().map(|(_, s)| {
                if s.n < 2 { Verdict::WithinNoise } else { stats::verdict(s, bound) }
            }),
            best_queue: best.as_ref().map(|(q, _)| q.clone()),
            ratio: best.map(|(_, s)| s),
        }
    };
    vec![
        make(
            "batch32",
            "best design >= 1.1x rtrb at batch 32 (8 B items)",
            Bound::AtLeast(1.1),
            best(&ratio_at(32), true),
        ),
        make(
            "single-item",
            "best design >= 1.3x rtrb with single items (batch 1, 8 B)",
            Bound::AtLeast(1.3),
            best(&ratio_at(1), true),
        ),
        make(
            "round-trip",
            "best round trip <= 1.5x the atomic ping-pong",
            Bound::AtMost(1.5),
            best(&|p: &PointSummary| p.rtt_over_floor, false),
        ),
    ]
}

/// `summary.csv`: one line per grid point; intervals as `_median`, `_lo`, `_hi` columns, empty
/// where a statistic does not apply.
pub fn summary_csv(summary: &QueuesSummary) -> String {
    let cols = |prefix: &str, s: Option<Summary>| -> Vec<(String, String)> {
        let f = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        vec![
            (format!("{prefix}median"), f(s.map(|s| s.median))),
            (format!("{prefix}lo"), f(s.map(|s| s.lo))),
            (format!("{prefix}hi"), f(s.map(|s| s.hi))),
        ]
    };
    let opt = |v: Option<usize>| v.map_or(String::new(), |v| v.to_string());
    let rows: Vec<Vec<(String, String)>> = summary
        .points
        .iter()
        .map(|p| {
            let mut row = vec![
                ("measure".to_string(), p.measure.clone()),
                ("queue".into(), p.queue.clone()),
                ("batch".into(), opt(p.batch)),
                ("item_bytes".into(), opt(p.item_bytes)),
                ("touch".into(), p.touch.to_string()),
                ("metric".into(), p.metric.clone()),
                ("n".into(), p.value.n.to_string()),
            ];
            row.extend(cols("", Some(p.value)));
            row.extend(cols("ratio_to_rtrb_", p.ratio_to_rtrb));
            row.extend(cols("atomic_floor_ns_", p.atomic_floor_ns));
            row.extend(cols("rtt_over_floor_", p.rtt_over_floor));
            row
        })
        .collect();
    to_csv(&rows)
}

/// Throughput trials of Maffione et al. (Softw. Pract. Exp. 2019), same socket, batch 32, no
/// work, 8-byte items, M items/s: their hardware, not measured here. Each figure is paired with
/// the design of this project that implements it.
pub const MAFFIONE_BATCH32: [(&str, QueueKind, f64); 6] = [
    ("LQ", QueueKind::Lamport, 122.0),
    ("LLQ", QueueKind::LazyLamport, 105.0),
    ("BLQ", QueueKind::BatchedLamport, 633.0),
    ("FFQ", QueueKind::FastForward, 199.0),
    ("IFFQ", QueueKind::Iffq, 246.0),
    ("BIFFQ", QueueKind::Biffq, 262.0),
];

/// The item mode of a summarised throughput point, if it is one of the suite's.
pub fn point_mode(p: &PointSummary) -> Option<ItemMode> {
    ItemMode::from_fields(p.item_bytes?, p.touch)
}

#[cfg(test)]
#[path = "queues_tests.rs"]
mod tests;
