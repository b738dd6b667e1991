//! The named apps of `--app`, each a [`QuerySpec`] written with the query API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{AggSpec, Field, QuerySpec, UnknownName};

/// The apps `--app` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    /// Fais et al.'s flow counter: packets and bytes per 5-tuple.
    FlowCounter,
    /// Jetstream's (HotCloud 2018) app: packets and bytes per source address. Keyed by the
    /// source, not the flow: it runs on two-stage, shuffle, pipeline (Jetstream's source
    /// hashing to counting replicas) and farm, not rtc.
    SrcCount,
    /// Jetstream's "passthrough": no work beyond parsing and moving records; it counts them
    /// (one counter, so its dump still shows that nothing was lost). Its key is empty, not the
    /// flow: on one core run it as two-stage with one worker.
    Passthrough,
}

impl AppKind {
    /// Every app with its name.
    pub const ALL: [(&'static str, AppKind); 3] = [
        ("flow-counter", AppKind::FlowCounter),
        ("src-count", AppKind::SrcCount),
        ("passthrough", AppKind::Passthrough),
    ];

    /// The app's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, a)| *a == self).map_or("?", |(n, _)| n)
    }

    /// The app's query (one window spanning the run unless `--window` sets one).
    pub fn spec(self) -> QuerySpec {
        match self {
            AppKind::FlowCounter => QuerySpec::new()
                .key_by(&[Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto])
                .aggregate(AggSpec::count().named("packets"))
                .aggregate(AggSpec::sum(Field::WireLen).named("bytes")),
            AppKind::SrcCount => QuerySpec::new()
                .key_by(&[Field::Src])
                .aggregate(AggSpec::count().named("packets"))
                .aggregate(AggSpec::sum(Field::WireLen).named("bytes")),
            AppKind::Passthrough => QuerySpec::new().aggregate(AggSpec::count().named("packets")),
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AppKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, a)| *a).ok_or_else(|| UnknownName {
            what: "app",
            name: s.into(),
            valid: Self::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_counter_runs_on_the_flow_table_and_dumps_its_columns() {
        let q = AppKind::FlowCounter.spec().compile().unwrap();
        assert!(q.is_flow_count() && q.keyed_by_flow());
        assert_eq!(q.header(), "window_start_ns,src,dst,sport,dport,proto,packets,bytes");
    }

    #[test]
    fn src_count_keys_by_source_and_needs_a_merge() {
        let q = AppKind::SrcCount.spec().compile().unwrap();
        assert!(!q.is_flow_count() && !q.keyed_by_flow());
        assert_eq!(q.header(), "window_start_ns,src,packets,bytes");
        assert_eq!("src-count".parse::<AppKind>(), Ok(AppKind::SrcCount));
    }

    #[test]
    fn passthrough_only_counts() {
        let q = AppKind::Passthrough.spec().compile().unwrap();
        assert!(q.is_plain_count() && !q.keyed_by_flow());
        assert_eq!(q.header(), "window_start_ns,packets");
    }
}
