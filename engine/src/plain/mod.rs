//! Plain references of every app: each app's dump computed by hand-written loops over the
//! parsed records, with std maps and sets, and nothing of the query API. They are the
//! independent oracles the query-API versions of the apps are tested against, and what the
//! accuracy tests hold against the generator's ground truth.
//!
//! Each record's time is its event time ([`event_times`]), as the engine's windows use.
//! Windows are tumbling, `start = t - t % W`; an app that spans the run by default has one
//! window starting at 0 (so has any app given `window_ns: Some(0)`). Rows are sorted by window,
//! then by key, field by field: addresses IPv4 before IPv6, then by their 16 bytes (IPv4
//! in the mapped form `::ffff:a.b.c.d`), as the engine's packed keys order; integers
//! numerically. Means and shares print with three decimals, rounded half up.
//!
//! The apps and their rules are those of [`wire::sonata`] and Jetstream's detectors; the
//! per-app rules are documented where they are computed: flow-keyed apps in `flows.rs`,
//! host-keyed ones in `hosts.rs`.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::hash::Hash;
use std::net::{Ipv4Addr, Ipv6Addr};

use wire::{FrameBuffer, PacketRecord, parse_frame};

use crate::runtime::nic::event_times;

mod flows;
mod hosts;
#[cfg(test)]
mod tests;

/// Parameters of the apps (None = the app's default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlainParams {
    /// The app's count threshold.
    pub threshold: Option<u64>,
    /// `heavy-hitter`: the share of the window's wire bytes a flow must exceed.
    pub share: Option<f64>,
    /// `lb-profile`: the destination prefixes (`a.b.c.d/n` or `x::/n`); empty: `0.0.0.0/0`.
    pub vips: Vec<String>,
    /// The window length in ns (0: one window spanning the run).
    pub window_ns: Option<u64>,
}

/// Every app [`run_plain`] knows.
pub const APPS: [&str; 21] = [
    "flow-counter",
    "src-count",
    "passthrough",
    "heavy-hitter",
    "syn-flood",
    "slowloris",
    "ssh-brute",
    "tcp-seq",
    "accounting",
    "lb-profile",
    "sonata-new-tcp",
    "sonata-ssh-brute",
    "sonata-superspreader",
    "sonata-port-scan",
    "sonata-ddos",
    "sonata-syn-flood",
    "sonata-completed-flows",
    "sonata-slowloris",
    "sonata-dns-tunnel",
    "sonata-zorro",
    "sonata-dns-reflection",
];

/// One second, the window of the apps that need windows.
const SECOND: u64 = 1_000_000_000;

/// The app's dump as CSV text (header line, then rows, each line ending in '\n'), or None for
/// an unknown app name.
pub fn run_plain(app: &str, p: &PlainParams, frames: &FrameBuffer) -> Option<String> {
    let recs = records(frames);
    // The default window: `None` spans the run.
    let whole = matches!(app, "flow-counter" | "src-count" | "passthrough" | "accounting");
    let win = Windows::new(p.window_ns.or(if whole { None } else { Some(SECOND) }));
    let t = |default: u64| p.threshold.unwrap_or(default);
    let cx = Cx { recs: &recs, win };
    Some(match app {
        "flow-counter" => flows::flow_counter(&cx),
        "src-count" => flows::src_count(&cx),
        "passthrough" => flows::passthrough(&cx),
        "heavy-hitter" => flows::heavy_hitter(&cx, p.share.unwrap_or(0.01)),
        "tcp-seq" => flows::tcp_seq(&cx, t(1)),
        "accounting" => flows::accounting(&cx),
        "lb-profile" => flows::lb_profile(&cx, &p.vips),
        "syn-flood" => hosts::syn_flood(&cx, t(40)),
        "slowloris" => hosts::slowloris(&cx, t(5), true),
        "ssh-brute" => hosts::ssh_brute(&cx, t(40)),
        "sonata-new-tcp" => hosts::new_tcp(&cx, t(40)),
        "sonata-ssh-brute" => hosts::sonata_ssh_brute(&cx, t(40)),
        "sonata-superspreader" => hosts::superspreader(&cx, t(40)),
        "sonata-port-scan" => hosts::port_scan(&cx, t(40)),
        "sonata-ddos" => hosts::ddos(&cx, t(45)),
        "sonata-syn-flood" => hosts::sonata_syn_flood(&cx, t(40)),
        "sonata-completed-flows" => hosts::completed_flows(&cx, t(40)),
        "sonata-slowloris" => hosts::slowloris(&cx, t(5), false),
        "sonata-dns-tunnel" => hosts::dns_tunnel(&cx, t(40)),
        "sonata-zorro" => hosts::zorro(&cx, t(40)),
        "sonata-dns-reflection" => hosts::dns_reflection(&cx, t(40)),
        _ => return None,
    })
}

/// A parsed record (its `ts_ns` the event time) and its captured payload.
struct Rec<'a> {
    r: PacketRecord,
    payload: &'a [u8],
}

impl Rec<'_> {
    fn is_tcp(&self) -> bool {
        self.r.proto == 6
    }

    fn is_udp(&self) -> bool {
        self.r.proto == 17
    }

    /// TCP with flags exactly SYN.
    fn is_syn(&self) -> bool {
        self.is_tcp() && self.r.tcp_flags == 0x02
    }

    /// TCP with flags exactly SYN|ACK.
    fn is_synack(&self) -> bool {
        self.is_tcp() && self.r.tcp_flags == 0x12
    }

    /// TCP with flags exactly ACK.
    fn is_ack(&self) -> bool {
        self.is_tcp() && self.r.tcp_flags == 0x10
    }

    /// TCP with the FIN bit.
    fn is_fin(&self) -> bool {
        self.is_tcp() && self.r.tcp_flags & 0x01 != 0
    }

    fn src(&self) -> Host {
        Host::new(self.r.src, &self.r)
    }

    fn dst(&self) -> Host {
        Host::new(self.r.dst, &self.r)
    }

    /// The connection: (source, source port).
    fn conn(&self) -> Conn {
        (self.src(), self.r.sport)
    }

    fn wire(&self) -> u64 {
        u64::from(self.r.wire_len())
    }

    fn ip_len(&self) -> u64 {
        u64::from(self.r.ip_len)
    }
}

/// Every frame that parses, in trace order, with its event time and payload.
fn records(frames: &FrameBuffer) -> Vec<Rec<'_>> {
    let times = event_times(frames);
    let mut out = Vec::with_capacity(frames.len());
    for (i, f) in frames.iter().enumerate() {
        let Ok(mut r) = parse_frame(&f, i as u32) else { continue };
        r.ts_ns = times.as_ref().map_or(f.ts_ns, |t| t[i]);
        let off = usize::from(r.payload_off());
        let payload = if r.payload_off() == wire::record::PAYLOAD_OFF_UNKNOWN {
            &[][..]
        } else {
            f.bytes.get(off..).unwrap_or(&[])
        };
        out.push(Rec { r, payload });
    }
    out
}

/// What every app reads: the records and the windows.
struct Cx<'a> {
    recs: &'a [Rec<'a>],
    win: Windows,
}

/// Tumbling windows of a length, or one window spanning the run (start 0).
#[derive(Clone, Copy, Debug)]
struct Windows(Option<u64>);

impl Windows {
    fn new(len: Option<u64>) -> Self {
        Self(len.filter(|&w| w > 0))
    }

    /// The start of the window holding `t`.
    fn start(self, t: u64) -> u64 {
        self.0.map_or(0, |w| t - t % w)
    }

    /// The start of the window after the one starting at `start` (None when one spans the run).
    fn next(self, start: u64) -> Option<u64> {
        self.0.map(|w| start + w)
    }

    /// The start of the window of record `x`.
    fn of(self, x: &Rec<'_>) -> u64 {
        self.start(x.r.ts_ns)
    }
}

/// An address as keys hold it: the IP version, then the 16 bytes (IPv4 mapped), so IPv4
/// orders before IPv6 and each prints as it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Host {
    v6: bool,
    a: [u8; 16],
}

impl Host {
    fn new(a: [u8; 16], r: &PacketRecord) -> Self {
        Self { v6: r.ip_version() == 6, a }
    }

    fn ip(self) -> std::net::IpAddr {
        if self.v6 {
            Ipv6Addr::from(self.a).into()
        } else {
            Ipv4Addr::new(self.a[12], self.a[13], self.a[14], self.a[15]).into()
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ip().fmt(f)
    }
}

/// A connection: (source, source port).
type Conn = (Host, u16);

/// Per-window state of each host.
type PerHost<V> = HashMap<(u64, Host), V>;

/// A directional 5-tuple, in key order: src, dst, sport, dport, proto.
type Tuple = (Host, Host, u16, u16, u8);

fn tuple(x: &Rec<'_>) -> Tuple {
    (x.src(), x.dst(), x.r.sport, x.r.dport, x.r.proto)
}

/// Prints a 5-tuple as the key columns `src,dst,sport,dport,proto`.
struct TupleCols<'a>(&'a Tuple);

impl fmt::Display for TupleCols<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, d, sp, dp, p) = self.0;
        write!(f, "{s},{d},{sp},{dp},{p}")
    }
}

/// `num / den` with three decimals, rounded half up (`den > 0`).
struct Milli(u128, u128);

impl fmt::Display for Milli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Milli(num, den) = *self;
        let milli = (num * 1000 + den / 2) / den.max(1);
        write!(f, "{}.{:03}", milli / 1000, milli % 1000)
    }
}

/// The entries of a map, sorted by key.
fn sorted<K: Ord + Hash, V>(m: HashMap<K, V>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = m.into_iter().collect();
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    v
}

/// A dump under construction: the header, then rows.
struct Dump(String);

impl Dump {
    /// A dump with columns `window_start_ns,` then `cols`.
    fn new(cols: &str) -> Self {
        let mut s = String::from("window_start_ns");
        if !cols.is_empty() {
            s.push(',');
            s.push_str(cols);
        }
        s.push('\n');
        Self(s)
    }

    /// Appends the row of window `w` with the other columns `cols`.
    fn row(&mut self, w: u64, cols: fmt::Arguments<'_>) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.0, "{w},{cols}");
    }
}

/// A threshold on a signed count.
fn signed(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}
