//! Suite files (`bench-harness/suites/NAME.toml`): what a sweep suite measures, in the same
//! terms as a `run --config` file.
//!
//! A suite names one trace (a generator profile, its size and seed) and how trials run, then one
//! or more experiments. An experiment is a grid: `base` settings ([`RunFile`], the `--config`
//! type), an optional x axis (one setting and its values: workers, batch, a paced rate, the
//! trace's flow skew), and series that each change some settings. Each (series, x) point runs
//! as separate `pktstream run` processes; the experiment's figure shows the metrics it names
//! with their bootstrap intervals and the papers' reference lines. An experiment with a
//! `search` finds, per point, the highest paced rate that drops nothing (RFC 2544 style).

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::cli::RunFile;

/// The suites built into the binary (their files under `bench-harness/suites/`), by name.
pub const BUILT_IN: [(&str, &str); 5] = [
    ("jetstream", include_str!("../../suites/jetstream.toml")),
    ("fais", include_str!("../../suites/fais.toml")),
    ("scaling", include_str!("../../suites/scaling.toml")),
    ("sharding", include_str!("../../suites/sharding.toml")),
    ("latency", include_str!("../../suites/latency.toml")),
];

/// A sweep suite (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// The suite's name: results go to `DIR/<machine_id>/<name>/`.
    pub name: String,
    /// What it reproduces, one line (captions, the reproduce summary).
    pub title: String,
    /// The traffic every experiment runs.
    pub trace: TraceSpec,
    /// How trials run.
    #[serde(default)]
    pub trials: TrialSpec,
    /// The experiments, each with its own figure.
    #[serde(rename = "experiment")]
    pub experiments: Vec<Experiment>,
}

/// The suite's trace: generated once per distinct setting and cached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSpec {
    /// Generator profile (`pktstream gen --profile`).
    pub profile: String,
    /// Packets of a full run.
    pub packets: u64,
    /// Packets of a `--quick` run.
    pub quick_packets: u64,
    /// Generator seed.
    #[serde(default = "one")]
    pub seed: u64,
    /// Zipf exponent of flow popularity (`pktstream gen --flow-skew`); none: the profile's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_skew: Option<f64>,
}

fn one() -> u64 {
    1
}

/// How trials run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSpec {
    /// Separate processes per point (after one warm-up process, whose result is kept but
    /// marked).
    pub rounds: usize,
    /// Rounds of a `--quick` run.
    pub quick_rounds: usize,
    /// Seconds a measured trial aims to last (the loop count is set from the warm-up).
    pub target_s: f64,
    /// The same for `--quick`.
    pub quick_target_s: f64,
}

impl Default for TrialSpec {
    fn default() -> Self {
        Self { rounds: 3, quick_rounds: 1, target_s: 0.5, quick_target_s: 0.05 }
    }
}

/// One grid and its figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Short name: the figure is `<suite>_<name>.png` and `.svg`.
    pub name: String,
    /// The figure's title.
    pub title: String,
    /// Settings every point starts from.
    #[serde(default)]
    pub base: RunFile,
    /// The x axis; without one, the series themselves are the x axis (an ablation's steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<Axis>,
    /// The series.
    pub series: Vec<Series>,
    /// Find the zero-loss rate per point instead of measuring at top speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<ZeroLossSearch>,
    /// What the figure shows.
    pub plot: PlotSpec,
}

/// A setting an x axis varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisField {
    /// Query threads.
    Workers,
    /// Records per publish.
    Batch,
    /// Paced rate in Mb/s.
    Mbps,
    /// Paced rate in packets per second.
    Pps,
    /// The trace's Zipf flow skew.
    FlowSkew,
}

impl AxisField {
    /// The field's name in suite files and results.
    pub fn name(self) -> &'static str {
        match self {
            AxisField::Workers => "workers",
            AxisField::Batch => "batch",
            AxisField::Mbps => "mbps",
            AxisField::Pps => "pps",
            AxisField::FlowSkew => "flow_skew",
        }
    }
}

/// An axis' values: a list, or `"cores"` for 1 to every core of the machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AxisValues {
    /// These values.
    List(Vec<f64>),
    /// `"cores"`: 1, 2, ... up to the machine's cores.
    Cores(String),
}

impl AxisValues {
    /// The values on a machine with `cores` cores.
    pub fn resolve(&self, cores: usize) -> anyhow::Result<Vec<f64>> {
        match self {
            AxisValues::List(v) if v.is_empty() => bail!("an axis needs at least one value"),
            AxisValues::List(v) => Ok(v.clone()),
            AxisValues::Cores(s) if s == "cores" => {
                Ok((1..=cores.max(1)).map(|c| c as f64).collect())
            }
            AxisValues::Cores(s) => bail!("axis values: expected a list or \"cores\", found {s:?}"),
        }
    }
}

/// The x axis of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// The setting it varies.
    pub field: AxisField,
    /// Its values.
    pub values: AxisValues,
    /// Its values in a `--quick` run (default: the full run's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_values: Option<AxisValues>,
    /// The axis title, with its unit.
    pub label: String,
}

/// One series: a legend label and the settings it changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Settings over the experiment's `base`.
    #[serde(default)]
    pub set: RunFile,
}

/// The zero-loss search (RFC 2544 style): bisection on the paced rate in Mb/s; a probe passes
/// when no frame is dropped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZeroLossSearch {
    /// The lowest rate tried (reported as the result if even it drops).
    pub lo_mbps: f64,
    /// The highest rate tried.
    pub hi_mbps: f64,
    /// Bisection probes per search (each a separate process).
    pub probes: usize,
    /// Probes of a `--quick` run.
    pub quick_probes: usize,
}

/// A measured quantity of a trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Processed packets per second, millions.
    Mpps,
    /// Bit rate of `orig_len`, Gb/s.
    Gbps,
    /// Median sampled latency, ns.
    LatencyNsP50,
    /// 99th percentile latency, ns.
    LatencyNsP99,
    /// 99.9th percentile latency, ns.
    LatencyNsP999,
    /// The busiest worker's packets over the mean worker's (1 is an even split).
    Imbalance,
    /// Dropped frames over offered frames.
    DropShare,
    /// CPU time of all threads per processed packet, ns.
    CpuNsPerPacket,
    /// Highest paced rate with no drop, Gb/s (searches).
    ZeroLossGbps,
    /// The same in Mpps (searches).
    ZeroLossMpps,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 10] = [
        Metric::Mpps,
        Metric::Gbps,
        Metric::LatencyNsP50,
        Metric::LatencyNsP99,
        Metric::LatencyNsP999,
        Metric::Imbalance,
        Metric::DropShare,
        Metric::CpuNsPerPacket,
        Metric::ZeroLossGbps,
        Metric::ZeroLossMpps,
    ];

    /// The name in suite files, CSV headers and `compare`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Mpps => "mpps",
            Metric::Gbps => "gbps",
            Metric::LatencyNsP50 => "latency_ns_p50",
            Metric::LatencyNsP99 => "latency_ns_p99",
            Metric::LatencyNsP999 => "latency_ns_p999",
            Metric::Imbalance => "imbalance",
            Metric::DropShare => "drop_share",
            Metric::CpuNsPerPacket => "cpu_ns_per_packet",
            Metric::ZeroLossGbps => "zero_loss_gbps",
            Metric::ZeroLossMpps => "zero_loss_mpps",
        }
    }

    /// The y axis title, with its unit, and the factor from the stored value to the axis'.
    pub fn axis(self) -> (&'static str, f64) {
        match self {
            Metric::Mpps => ("throughput (Mpps)", 1.0),
            Metric::Gbps => ("throughput (Gb/s)", 1.0),
            Metric::LatencyNsP50 => ("median latency (µs)", 1e-3),
            Metric::LatencyNsP99 => ("p99 latency (µs)", 1e-3),
            Metric::LatencyNsP999 => ("p99.9 latency (µs)", 1e-3),
            Metric::Imbalance => ("busiest worker / mean worker (packets)", 1.0),
            Metric::DropShare => ("dropped share of frames", 1.0),
            Metric::CpuNsPerPacket => ("CPU time per packet (ns)", 1.0),
            Metric::ZeroLossGbps => ("zero-loss throughput (Gb/s)", 1.0),
            Metric::ZeroLossMpps => ("zero-loss throughput (Mpps)", 1.0),
        }
    }

    /// Whether smaller values are better.
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            Metric::LatencyNsP50
                | Metric::LatencyNsP99
                | Metric::LatencyNsP999
                | Metric::Imbalance
                | Metric::DropShare
                | Metric::CpuNsPerPacket
        )
    }
}

/// What an experiment's figure shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotSpec {
    /// One panel per metric.
    pub metrics: Vec<Metric>,
    /// Logarithmic y axes.
    #[serde(default)]
    pub log_y: bool,
    /// Label each point with its ratio to the previous one (an ablation's gains).
    #[serde(default)]
    pub gains: bool,
    /// The papers' numbers.
    #[serde(default)]
    pub reference: Vec<Reference>,
}

/// A published number drawn as a dashed line on its metric's panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Legend text: source, number, conditions.
    pub label: String,
    /// The panel it belongs to.
    pub metric: Metric,
    /// A constant value (in the metric's stored unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// A value per unit of x (linear scaling from the origin), e.g. Mpps per core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_x: Option<f64>,
}

impl SuiteFile {
    /// Parses a suite file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let s: SuiteFile =
            toml::from_str(text).with_context(|| format!("{origin}: not a valid suite file"))?;
        s.validate().with_context(|| format!("{origin}: invalid suite"))?;
        Ok(s)
    }

    /// A built-in suite by name, or a suite file by path.
    pub fn load(name_or_path: &str) -> anyhow::Result<Self> {
        if let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, &format!("built-in suite {name_or_path}"));
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read suite file {}", path.display()))?;
            return Self::parse(&text, &path.display().to_string());
        }
        bail!("unknown suite `{name_or_path}`; valid suites: {}", super::SUITES.join(", "))
    }

    /// Checks that every name in the file exists (apps, topologies, queues, wait strategies,
    /// the profile) and that grids and references make sense.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.trace.profile.parse::<tracegen::Profile>()?;
        if self.trace.packets == 0 || self.trace.quick_packets == 0 {
            bail!("trace: packets and quick_packets must be at least 1");
        }
        if self.trials.rounds == 0 || self.trials.quick_rounds == 0 {
            bail!("trials: rounds and quick_rounds must be at least 1");
        }
        if self.experiments.is_empty() {
            bail!("a suite needs at least one [[experiment]]");
        }
        for e in &self.experiments {
            let at = format!("experiment {}", e.name);
            if e.series.is_empty() {
                bail!("{at}: needs at least one [[experiment.series]]");
            }
            if e.plot.metrics.is_empty() {
                bail!("{at}: plot.metrics is empty");
            }
            if let Some(x) = &e.x {
                x.values.resolve(1).with_context(|| format!("{at}: x.values"))?;
                if let Some(q) = &x.quick_values {
                    q.resolve(1).with_context(|| format!("{at}: x.quick_values"))?;
                }
            }
            if let Some(s) = &e.search
                && !(s.lo_mbps > 0.0 && s.hi_mbps > s.lo_mbps && s.probes > 0 && s.quick_probes > 0)
            {
                bail!("{at}: search needs 0 < lo_mbps < hi_mbps and at least one probe");
            }
            for r in &e.plot.reference {
                if r.value.is_some() == r.per_x.is_some() {
                    bail!("{at}: reference `{}` needs exactly one of value and per_x", r.label);
                }
                if !e.plot.metrics.contains(&r.metric) {
                    bail!(
                        "{at}: reference `{}` is on {}, a metric the plot does not show",
                        r.label,
                        r.metric.name()
                    );
                }
            }
            for s in &e.series {
                e.base
                    .overlay(&s.set)
                    .check_names()
                    .with_context(|| format!("{at}, series {}", s.label))?;
            }
        }
        Ok(())
    }
}
