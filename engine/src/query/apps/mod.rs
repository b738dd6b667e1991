//! The named apps of `--app`, each a [`QuerySpec`] written with the query API: the seed
//! papers' apps (here), Jetstream's TNSM applications ([`jetstream`]) and Sonata's eleven
//! queries ([`sonata`]). Their parameters are [`AppParams`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{AggSpec, Cmp, CmpOp, Field, Predicate, QuerySpec, UnknownName, Window};

pub mod jetstream;
pub mod sonata;
#[cfg(test)]
mod tests;

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
    /// Jetstream: flows above a share of the window's bytes ([`jetstream::heavy_hitter`]).
    HeavyHitter,
    /// Jetstream: SYNs minus ACKs per destination ([`jetstream::syn_flood`]).
    SynFlood,
    /// Jetstream: few bytes over many connections per service ([`jetstream::slowloris`]).
    Slowloris,
    /// Jetstream: connections to port 22 per host ([`jetstream::ssh_brute`]).
    SshBrute,
    /// Jetstream: out-of-order segments per flow ([`jetstream::tcp_seq`]).
    TcpSeq,
    /// Jetstream: counters per 5-tuple component ([`jetstream::accounting`]).
    Accounting,
    /// Jetstream: load share per backend of a virtual IP set ([`jetstream::lb_profile`]).
    LbProfile,
    /// Sonata 1: [`sonata::new_tcp`].
    SonataNewTcp,
    /// Sonata 2: [`sonata::ssh_brute`].
    SonataSshBrute,
    /// Sonata 3: [`sonata::superspreader`].
    SonataSuperspreader,
    /// Sonata 4: [`sonata::port_scan`].
    SonataPortScan,
    /// Sonata 5: [`sonata::ddos`].
    SonataDdos,
    /// Sonata 6: [`sonata::syn_flood`].
    SonataSynFlood,
    /// Sonata 7: [`sonata::completed_flows`].
    SonataCompletedFlows,
    /// Sonata 8: [`sonata::slowloris`].
    SonataSlowloris,
    /// Sonata 9: [`sonata::dns_tunnel`].
    SonataDnsTunnel,
    /// Sonata 10: [`sonata::zorro`].
    SonataZorro,
    /// Sonata 11: [`sonata::dns_reflection`].
    SonataDnsReflection,
}

/// The apps' parameters (`--threshold`, `--share`, `--vip`); `None` or empty: the defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AppParams {
    /// The app's main count threshold (the Sonata queries, syn-flood, slowloris's
    /// connections, ssh-brute, tcp-seq).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u64>,
    /// heavy-hitter's share of the window's bytes (0 to 1; default 0.01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// lb-profile's virtual IP set, as address prefixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vips: Vec<String>,
}

/// The 5-tuple in flow order.
pub const FIVE_TUPLE: [Field; 5] =
    [Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto];

/// An empty query in the windows of the alarm rules (1 s tumbling).
fn host_window() -> QuerySpec {
    QuerySpec::new().window(Window::tumbling(wire::sonata::WINDOW_NS))
}

/// SYNs (flags exactly SYN) counted per destination as `syns`, in the alarm windows.
fn syns_to_host() -> QuerySpec {
    host_window()
        .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, u64::from(wire::record::tcp_flags::SYN)))
        .key_by(&[Field::Dst])
        .aggregate(AggSpec::count().named("syns"))
}

/// `--threshold` or the app's default, as a threshold.
fn threshold(t: Option<u64>, default: u64) -> i64 {
    t.unwrap_or(default).min(i64::MAX as u64) as i64
}

/// TCP only.
fn tcp() -> Predicate {
    Predicate::new(Field::Proto, CmpOp::Eq, 6)
}

/// Distinct `what` per `key`, `name >= threshold`, in the windows of the alarm rules.
fn count_distinct(key: Field, what: Field, name: &str, threshold: i64) -> QuerySpec {
    host_window().key_by(&[key]).aggregate(AggSpec::distinct(&[what]).named(name)).having(
        name,
        Cmp::Ge,
        threshold,
    )
}

impl AppKind {
    /// Every app with its name.
    pub const ALL: [(&'static str, AppKind); 21] = [
        ("flow-counter", AppKind::FlowCounter),
        ("src-count", AppKind::SrcCount),
        ("passthrough", AppKind::Passthrough),
        ("heavy-hitter", AppKind::HeavyHitter),
        ("syn-flood", AppKind::SynFlood),
        ("slowloris", AppKind::Slowloris),
        ("ssh-brute", AppKind::SshBrute),
        ("tcp-seq", AppKind::TcpSeq),
        ("accounting", AppKind::Accounting),
        ("lb-profile", AppKind::LbProfile),
        ("sonata-new-tcp", AppKind::SonataNewTcp),
        ("sonata-ssh-brute", AppKind::SonataSshBrute),
        ("sonata-superspreader", AppKind::SonataSuperspreader),
        ("sonata-port-scan", AppKind::SonataPortScan),
        ("sonata-ddos", AppKind::SonataDdos),
        ("sonata-syn-flood", AppKind::SonataSynFlood),
        ("sonata-completed-flows", AppKind::SonataCompletedFlows),
        ("sonata-slowloris", AppKind::SonataSlowloris),
        ("sonata-dns-tunnel", AppKind::SonataDnsTunnel),
        ("sonata-zorro", AppKind::SonataZorro),
        ("sonata-dns-reflection", AppKind::SonataDnsReflection),
    ];

    /// The app's name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, a)| *a == self).map_or("?", |(n, _)| n)
    }

    /// The app's query with the default parameters.
    pub fn spec(self) -> QuerySpec {
        self.spec_with(&AppParams::default())
    }

    /// The app's query (its default window unless `--window` replaces it).
    pub fn spec_with(self, p: &AppParams) -> QuerySpec {
        let t = p.threshold;
        match self {
            AppKind::FlowCounter => QuerySpec::new()
                .key_by(&FIVE_TUPLE)
                .aggregate(AggSpec::count().named("packets"))
                .aggregate(AggSpec::sum(Field::WireLen).named("bytes")),
            AppKind::SrcCount => QuerySpec::new()
                .key_by(&[Field::Src])
                .aggregate(AggSpec::count().named("packets"))
                .aggregate(AggSpec::sum(Field::WireLen).named("bytes")),
            AppKind::Passthrough => QuerySpec::new().aggregate(AggSpec::count().named("packets")),
            AppKind::HeavyHitter => jetstream::heavy_hitter(p.share),
            AppKind::SynFlood => jetstream::syn_flood(t),
            AppKind::Slowloris => jetstream::slowloris(t),
            AppKind::SshBrute => jetstream::ssh_brute(t),
            AppKind::TcpSeq => jetstream::tcp_seq(t),
            AppKind::Accounting => jetstream::accounting(),
            AppKind::LbProfile => jetstream::lb_profile(&p.vips),
            AppKind::SonataNewTcp => sonata::new_tcp(t),
            AppKind::SonataSshBrute => sonata::ssh_brute(t),
            AppKind::SonataSuperspreader => sonata::superspreader(t),
            AppKind::SonataPortScan => sonata::port_scan(t),
            AppKind::SonataDdos => sonata::ddos(t),
            AppKind::SonataSynFlood => sonata::syn_flood(t),
            AppKind::SonataCompletedFlows => sonata::completed_flows(t),
            AppKind::SonataSlowloris => sonata::slowloris(t),
            AppKind::SonataDnsTunnel => sonata::dns_tunnel(t),
            AppKind::SonataZorro => sonata::zorro(t),
            AppKind::SonataDnsReflection => sonata::dns_reflection(t),
        }
    }

    /// Whether the app is one of Sonata's queries.
    pub fn is_sonata(self) -> bool {
        self.name().starts_with("sonata-")
    }

    /// The topology a suite runs it on: `rtc` where its key is the flow, else `two-stage`.
    pub fn best_topology(self) -> crate::plan::Topology {
        match self.spec().compile() {
            Ok(q) if q.keyed_by_flow() => crate::plan::Topology::Rtc,
            _ => crate::plan::Topology::TwoStage,
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
