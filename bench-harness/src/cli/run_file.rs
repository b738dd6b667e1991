//! A `run --config` file: a run's settings by name, the same type suite files use for their
//! points (`bench-harness/suites/*.toml`). Every field is optional; a flag given on the command
//! line wins over the file.

use anyhow::Context;
use engine::plan::Topology;
use engine::query::{AppKind, QuerySpec};
use engine::queue::{QueueKind, WaitStrategy};
use engine::runtime::pin::PinPlan;
use serde::{Deserialize, Serialize};

/// The settings of a `run --config` file (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    /// App name (ignored when `query` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The app's threshold (`--threshold`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u64>,
    /// Topology name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<String>,
    /// Query threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// Queue design between threads (`--queue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Records per publish (`--batch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<usize>,
    /// Queue capacity in batches (`--queue-capacity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_capacity: Option<usize>,
    /// Wait strategy of idle threads (`--wait`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<String>,
    /// Pinning (`--pin`: auto, none, or a core list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// Chain filter, map and routing into the parsing thread (false: `--no-fuse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuse: Option<bool>,
    /// Paced release in Mb/s (`--mbps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mbps: Option<f64>,
    /// Paced release in packets per second (`--pps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pps: Option<f64>,
    /// Tumbling window length in ns, replacing the query's window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_ns: Option<u64>,
    /// A query of the user's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<QuerySpec>,
}

impl RunFile {
    /// Reads a file, naming it (and the TOML error's place) when it cannot.
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --config {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("--config {}: not a valid run file", path.display()))
    }

    /// These settings with those `over` gives replacing them.
    pub fn overlay(&self, over: &RunFile) -> RunFile {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            b.clone().or_else(|| a.clone())
        }
        RunFile {
            app: pick(&self.app, &over.app),
            threshold: pick(&self.threshold, &over.threshold),
            topology: pick(&self.topology, &over.topology),
            workers: pick(&self.workers, &over.workers),
            queue: pick(&self.queue, &over.queue),
            batch: pick(&self.batch, &over.batch),
            queue_capacity: pick(&self.queue_capacity, &over.queue_capacity),
            wait: pick(&self.wait, &over.wait),
            pin: pick(&self.pin, &over.pin),
            fuse: pick(&self.fuse, &over.fuse),
            mbps: pick(&self.mbps, &over.mbps),
            pps: pick(&self.pps, &over.pps),
            window_ns: pick(&self.window_ns, &over.window_ns),
            query: pick(&self.query, &over.query),
        }
    }

    /// Checks every name the settings hold (the error lists the valid ones), and that at most
    /// one rate is given.
    pub fn check_names(&self) -> anyhow::Result<()> {
        if let Some(a) = &self.app {
            a.parse::<AppKind>()?;
        }
        if let Some(t) = &self.topology {
            t.parse::<Topology>()?;
        }
        if let Some(q) = &self.queue {
            q.parse::<QueueKind>()?;
        }
        if let Some(w) = &self.wait {
            w.parse::<WaitStrategy>()?;
        }
        if let Some(p) = &self.pin {
            p.parse::<PinPlan>()?;
        }
        if self.mbps.is_some() && self.pps.is_some() {
            anyhow::bail!("give at most one of mbps and pps");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_replaces_what_the_top_gives_and_keeps_the_rest() {
        let base: RunFile = toml::from_str("topology = \"rtc\"\nworkers = 1\nbatch = 64").unwrap();
        let top: RunFile = toml::from_str("workers = 2\nqueue = \"lamport\"").unwrap();
        let both = base.overlay(&top);
        assert_eq!(both.topology.as_deref(), Some("rtc"));
        assert_eq!((both.workers, both.batch), (Some(2), Some(64)));
        assert_eq!(both.queue.as_deref(), Some("lamport"));
        both.check_names().unwrap();
    }

    #[test]
    fn unknown_names_and_fields_are_refused() {
        let bad: RunFile = toml::from_str("queue = \"nope\"").unwrap();
        assert!(bad.check_names().is_err());
        assert!(toml::from_str::<RunFile>("colour = 1").is_err());
        let two: RunFile = toml::from_str("mbps = 1.0\npps = 2.0").unwrap();
        assert!(two.check_names().unwrap_err().to_string().contains("at most one"));
    }
}
