//! The suite files of the two suites with runners of their own (`bench-harness/suites/queues.toml`
//! and `apps.toml`): their grids, rounds and traces. The runners (`cli/suite_queues.rs`,
//! `cli/suite_apps.rs`) read them; how a trial is calibrated stays in the runners' code.

use anyhow::{Context, bail};
use engine::query::AppKind;
use engine::queue::QueueKind;
use serde::{Deserialize, Serialize};

use super::apps;
use super::queues::{self, ItemMode};

/// `queues.toml`, built into the binary.
pub const QUEUES_TOML: &str = include_str!("../../suites/queues.toml");
/// `apps.toml`, built into the binary.
pub const APPS_TOML: &str = include_str!("../../suites/apps.toml");

/// A list of names, or every one there is (`"all"`, or for queues `"available"`: every design
/// this build has).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Names {
    /// These.
    List(Vec<String>),
    /// `"all"` or `"available"`.
    Every(String),
}

/// One item mode of the queues suite: item size and whether the consumer reads every byte.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Item size in bytes (8 or 64).
    pub bytes: usize,
    /// Whether the consumer touches each item.
    #[serde(default)]
    pub touch: bool,
}

/// `queues.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueuesFile {
    /// `queues`.
    pub name: String,
    /// What it measures.
    pub title: String,
    /// Queue designs.
    pub designs: Names,
    /// Item modes of the throughput trials.
    pub item_modes: Vec<ItemSpec>,
    /// Batch sizes of the throughput trials.
    pub batches: Vec<usize>,
    /// Item modes with `--quick`.
    pub quick_item_modes: Vec<ItemSpec>,
    /// Batch sizes with `--quick`.
    pub quick_batches: Vec<usize>,
    /// Rounds (separate processes per configuration).
    pub rounds: usize,
    /// Rounds with `--quick`.
    pub quick_rounds: usize,
    /// Packets of the caida-like trace the pipeline trials run.
    pub pipeline_packets: u64,
    /// The same with `--quick`.
    pub quick_pipeline_packets: u64,
}

impl QueuesFile {
    /// The built-in file.
    pub fn built_in() -> anyhow::Result<Self> {
        let f: Self = toml::from_str(QUEUES_TOML).context("built-in suite queues")?;
        f.grid(false).and(f.grid(true)).context("built-in suite queues")?;
        Ok(f)
    }

    /// The grid of a full or a `--quick` run; unknown designs and item modes are errors.
    pub fn grid(&self, quick: bool) -> anyhow::Result<queues::Grid> {
        let designs = match &self.designs {
            Names::Every(s) if s == "available" => QueueKind::available().to_vec(),
            Names::Every(s) => bail!("designs: expected a list or \"available\", found {s:?}"),
            Names::List(v) => v.iter().map(|d| d.parse()).collect::<Result<Vec<_>, _>>()?,
        };
        let (modes, batches) = if quick {
            (&self.quick_item_modes, &self.quick_batches)
        } else {
            (&self.item_modes, &self.batches)
        };
        let modes = modes
            .iter()
            .map(|m| {
                ItemMode::from_fields(m.bytes, m.touch).with_context(|| {
                    format!("item mode {m:?}: expected 8 or 64 bytes (touch only with 64)")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if designs.is_empty() || modes.is_empty() || batches.is_empty() || batches.contains(&0) {
            bail!("designs, item modes and batches must be non-empty, batches at least 1");
        }
        Ok(queues::Grid { designs, modes, batches: batches.clone() })
    }
}

/// The shape of the apps suite's trace: benign packets over a span of packet time, with every
/// attack scenario from `attack_start_s` for `attack_s` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppsTrace {
    /// Benign packets.
    pub benign_packets: u64,
    /// Seconds of packet time.
    pub span_s: f64,
    /// When the scenarios start.
    pub attack_start_s: f64,
    /// How long they last.
    pub attack_s: f64,
}

/// `apps.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppsFile {
    /// `apps`.
    pub name: String,
    /// What it measures.
    pub title: String,
    /// Apps (`"all"`: every app of `run --app`).
    pub apps: Names,
    /// Worker counts.
    pub workers: Vec<usize>,
    /// Rounds.
    pub rounds: usize,
    /// Rounds with `--quick`.
    pub quick_rounds: usize,
    /// The trace.
    pub trace: AppsTrace,
    /// The trace with `--quick`.
    pub quick_trace: AppsTrace,
}

impl AppsFile {
    /// The built-in file.
    pub fn built_in() -> anyhow::Result<Self> {
        let f: Self = toml::from_str(APPS_TOML).context("built-in suite apps")?;
        f.grid().context("built-in suite apps")?;
        for t in [f.trace, f.quick_trace] {
            let ok = t.benign_packets > 0
                && t.span_s > 0.0
                && t.attack_start_s >= 0.0
                && t.attack_s > 0.0
                && t.attack_start_s + t.attack_s <= t.span_s;
            if !ok {
                bail!("built-in suite apps: a trace's attacks must lie inside its span");
            }
        }
        Ok(f)
    }

    /// The grid; unknown apps are errors.
    pub fn grid(&self) -> anyhow::Result<apps::Grid> {
        let apps = match &self.apps {
            Names::Every(s) if s == "all" => AppKind::ALL.iter().map(|&(_, a)| a).collect(),
            Names::Every(s) => bail!("apps: expected a list or \"all\", found {s:?}"),
            Names::List(v) => v.iter().map(|a| a.parse()).collect::<Result<Vec<_>, _>>()?,
        };
        if apps.is_empty() || self.workers.is_empty() || self.workers.contains(&0) {
            bail!("apps and workers must be non-empty, workers at least 1");
        }
        Ok(apps::Grid { apps, workers: self.workers.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_files_give_the_grids_the_committed_runs_used() {
        let q = QueuesFile::built_in().unwrap();
        let full = q.grid(false).unwrap();
        assert_eq!(full.designs, QueueKind::available());
        assert_eq!(full.modes, ItemMode::ALL);
        assert_eq!(full.batches, [1, 8, 32, 64, 256]);
        let quick = q.grid(true).unwrap();
        assert_eq!((quick.modes, quick.batches), (vec![ItemMode::Bytes8], vec![1, 32]));
        let a = AppsFile::built_in().unwrap();
        let g = a.grid().unwrap();
        assert_eq!((g.apps.len(), g.workers), (AppKind::ALL.len(), vec![1, 2]));
        assert_eq!(
            (a.rounds, a.trace.benign_packets, a.quick_trace.benign_packets),
            (3, 500_000, 20_000)
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        let bad = QUEUES_TOML.replace("designs = \"available\"", "designs = [\"nope\"]");
        let f: QueuesFile = toml::from_str(&bad).unwrap();
        assert!(f.grid(false).is_err());
        let bad = APPS_TOML.replace("apps = \"all\"", "apps = [\"nope\"]");
        let f: AppsFile = toml::from_str(&bad).unwrap();
        assert!(f.grid().is_err());
        let mode = QUEUES_TOML.replace("{ bytes = 8 }", "{ bytes = 16 }");
        let f: QueuesFile = toml::from_str(&mode).unwrap();
        assert!(f.grid(false).is_err());
    }
}
