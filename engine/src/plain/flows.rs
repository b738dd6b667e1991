//! Plain references of the counting and flow-keyed apps: `flow-counter`, `src-count`,
//! `passthrough`, `heavy-hitter`, `tcp-seq`, `accounting` and `lb-profile`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use super::{Conn, Cx, Dump, Host, Milli, PerHost, Tuple, TupleCols, sorted, tuple};

/// `flow-counter`: packets and wire bytes per directional 5-tuple.
pub(super) fn flow_counter(cx: &Cx<'_>) -> String {
    let mut m: HashMap<(u64, Tuple), (u64, u64)> = HashMap::new();
    for x in cx.recs {
        let e = m.entry((cx.win.of(x), tuple(x))).or_default();
        e.0 += 1;
        e.1 += x.wire();
    }
    let mut d = Dump::new("src,dst,sport,dport,proto,packets,bytes");
    for ((w, t), (packets, bytes)) in sorted(m) {
        d.row(w, format_args!("{},{packets},{bytes}", TupleCols(&t)));
    }
    d.0
}

/// `src-count`: packets and wire bytes per source.
pub(super) fn src_count(cx: &Cx<'_>) -> String {
    let mut m: PerHost<(u64, u64)> = HashMap::new();
    for x in cx.recs {
        let e = m.entry((cx.win.of(x), x.src())).or_default();
        e.0 += 1;
        e.1 += x.wire();
    }
    let mut d = Dump::new("src,packets,bytes");
    for ((w, src), (packets, bytes)) in sorted(m) {
        d.row(w, format_args!("{src},{packets},{bytes}"));
    }
    d.0
}

/// `passthrough`: the record count per window (no row without records).
pub(super) fn passthrough(cx: &Cx<'_>) -> String {
    let mut m: BTreeMap<u64, u64> = BTreeMap::new();
    for x in cx.recs {
        *m.entry(cx.win.of(x)).or_default() += 1;
    }
    let mut d = Dump::new("packets");
    for (w, packets) in m {
        d.row(w, format_args!("{packets}"));
    }
    d.0
}

/// `heavy-hitter`: a directional 5-tuple whose wire bytes in the window exceed `share` of the
/// window's wire bytes: `bytes * 1e6 > round(share * 1e6) * window_bytes`.
pub(super) fn heavy_hitter(cx: &Cx<'_>, share: f64) -> String {
    let share_ppm = (share * 1e6).round() as u128;
    let mut flows: HashMap<(u64, Tuple), u64> = HashMap::new();
    let mut totals: HashMap<u64, u64> = HashMap::new();
    for x in cx.recs {
        let w = cx.win.of(x);
        *flows.entry((w, tuple(x))).or_default() += x.wire();
        *totals.entry(w).or_default() += x.wire();
    }
    let mut d = Dump::new("src,dst,sport,dport,proto,bytes,window_bytes,share_pct");
    for ((w, t), bytes) in sorted(flows) {
        let total = totals[&w];
        if u128::from(bytes) * 1_000_000 > share_ppm * u128::from(total) {
            let pct = Milli(100 * u128::from(bytes), u128::from(total));
            d.row(w, format_args!("{},{bytes},{total},{pct}", TupleCols(&t)));
        }
    }
    d.0
}

/// `tcp-seq`: per TCP flow and window, in trace order, the segments whose sequence number is
/// before (serial arithmetic) the highest seen earlier in the window for the flow; rows with
/// at least `t` such segments. `packets` counts every TCP record of the flow.
pub(super) fn tcp_seq(cx: &Cx<'_>, t: u64) -> String {
    #[derive(Default)]
    struct Seen {
        packets: u64,
        max: Option<u32>,
        out_of_order: u64,
    }
    let mut m: HashMap<(u64, Tuple), Seen> = HashMap::new();
    for x in cx.recs.iter().filter(|x| x.is_tcp()) {
        let s = m.entry((cx.win.of(x), tuple(x))).or_default();
        s.packets += 1;
        let seq = x.r.seq;
        match s.max {
            Some(max) if (seq.wrapping_sub(max) as i32) < 0 => s.out_of_order += 1,
            Some(max) if (seq.wrapping_sub(max) as i32) == 0 => {}
            _ => s.max = Some(seq),
        }
    }
    let mut d = Dump::new("src,dst,sport,dport,proto,packets,out_of_order");
    for ((w, k), s) in sorted(m) {
        if s.out_of_order >= t {
            d.row(w, format_args!("{},{},{}", TupleCols(&k), s.packets, s.out_of_order));
        }
    }
    d.0
}

/// A counter group of `accounting`, in output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    Src(Host),
    Dst(Host),
    Sport(u16),
    Dport(u16),
    Proto(u8),
}

/// `accounting`: packets and wire bytes per value of each 5-tuple field (every record counts
/// once in each of the five groups); per window the src rows, then dst, sport, dport, proto,
/// with the other key columns empty.
pub(super) fn accounting(cx: &Cx<'_>) -> String {
    let mut m: HashMap<(u64, Part), (u64, u64)> = HashMap::new();
    for x in cx.recs {
        let w = cx.win.of(x);
        let parts = [
            Part::Src(x.src()),
            Part::Dst(x.dst()),
            Part::Sport(x.r.sport),
            Part::Dport(x.r.dport),
            Part::Proto(x.r.proto),
        ];
        for p in parts {
            let e = m.entry((w, p)).or_default();
            e.0 += 1;
            e.1 += x.wire();
        }
    }
    let mut d = Dump::new("src,dst,sport,dport,proto,packets,bytes");
    for ((w, part), (packets, bytes)) in sorted(m) {
        let mut cols: [String; 5] = Default::default();
        match part {
            Part::Src(h) => cols[0] = h.to_string(),
            Part::Dst(h) => cols[1] = h.to_string(),
            Part::Sport(p) => cols[2] = p.to_string(),
            Part::Dport(p) => cols[3] = p.to_string(),
            Part::Proto(p) => cols[4] = p.to_string(),
        }
        d.row(w, format_args!("{},{packets},{bytes}", cols.join(",")));
    }
    d.0
}

/// A destination prefix of `lb-profile`: the IP version, the network (IPv4 mapped) and the
/// prefix length over the 16 bytes.
#[derive(Clone, Copy, Debug)]
struct Prefix {
    v6: bool,
    net: [u8; 16],
    bits: u32,
}

impl Prefix {
    /// `a.b.c.d/n` or `x::/n` (no `/n`: the whole address); `None` when it does not parse.
    fn parse(s: &str) -> Option<Self> {
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
            None => (s, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let len = len.unwrap_or(32);
                (len <= 32).then(|| Self {
                    v6: false,
                    net: wire::record::mapped_v4(a.octets()),
                    bits: 96 + len,
                })
            }
            IpAddr::V6(a) => {
                let len = len.unwrap_or(128);
                (len <= 128).then(|| Self { v6: true, net: a.octets(), bits: len })
            }
        }
    }

    fn contains(&self, h: Host) -> bool {
        let mask = |a: [u8; 16]| u128::from_be_bytes(a).checked_shr(128 - self.bits).unwrap_or(0);
        h.v6 == self.v6 && mask(h.a) == mask(self.net)
    }
}

/// `lb-profile`: per destination inside any of `vips` (default `0.0.0.0/0`; a prefix that does
/// not parse matches nothing), packets, wire bytes, distinct connections and its share of the
/// window's wire bytes to all matching destinations.
pub(super) fn lb_profile(cx: &Cx<'_>, vips: &[String]) -> String {
    let default = ["0.0.0.0/0".to_string()];
    let vips = if vips.is_empty() { &default[..] } else { vips };
    let prefixes: Vec<Prefix> = vips.iter().filter_map(|v| Prefix::parse(v)).collect();
    #[derive(Default)]
    struct Vip {
        packets: u64,
        bytes: u64,
        conns: HashSet<Conn>,
    }
    let mut m: PerHost<Vip> = HashMap::new();
    let mut totals: HashMap<u64, u64> = HashMap::new();
    for x in cx.recs.iter().filter(|x| prefixes.iter().any(|p| p.contains(x.dst()))) {
        let w = cx.win.of(x);
        let v = m.entry((w, x.dst())).or_default();
        v.packets += 1;
        v.bytes += x.wire();
        v.conns.insert(x.conn());
        *totals.entry(w).or_default() += x.wire();
    }
    let mut d = Dump::new("dst,packets,bytes,conns,set_bytes,share_pct");
    for ((w, dst), v) in sorted(m) {
        let total = totals[&w];
        let pct = Milli(100 * u128::from(v.bytes), u128::from(total));
        let conns = v.conns.len();
        d.row(w, format_args!("{dst},{},{},{conns},{total},{pct}", v.packets, v.bytes));
    }
    d.0
}

#[cfg(test)]
mod prefix_tests {
    use super::*;

    fn host(s: &str) -> Host {
        match s.parse::<IpAddr>().unwrap() {
            IpAddr::V4(a) => Host { v6: false, a: wire::record::mapped_v4(a.octets()) },
            IpAddr::V6(a) => Host { v6: true, a: a.octets() },
        }
    }

    #[test]
    fn prefixes_match_their_version_and_bits() {
        let p = Prefix::parse("10.1.0.0/16").unwrap();
        assert!(p.contains(host("10.1.200.3")) && !p.contains(host("10.2.0.1")));
        assert!(!p.contains(host("::ffff:10.1.0.1")), "a v6 record never matches a v4 prefix");
        let all = Prefix::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(host("1.2.3.4")) && !all.contains(host("2001:db8::1")));
        let v6 = Prefix::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(host("2001:db8::1")) && !v6.contains(host("2001:db9::1")));
        assert!(Prefix::parse("::/0").unwrap().contains(host("2001:db9::1")));
        assert!(Prefix::parse("10.0.0.1").unwrap().contains(host("10.0.0.1")));
        assert!(Prefix::parse("10.0.0.0/33").is_none() && Prefix::parse("x/8").is_none());
    }
}
