//! Plain references of the host-keyed detectors: Jetstream's `syn-flood`, `slowloris` and
//! `ssh-brute`, and Sonata's eleven queries (`sonata-*`) with the rules of [`wire::sonata`].
//! "SYN", "SYN-ACK" and "ACK" are TCP flags exactly so; "FIN" any TCP packet with the FIN
//! bit; a connection is a distinct (source, source port).

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::hash::Hash;

use wire::dns::DnsView;

use super::{Conn, Cx, Dump, Host, Milli, PerHost, Rec, signed, sorted};

/// Rows of keys with at least `t` distinct values in a window: `pick` gives a record's key
/// and value (or `None` to skip it); `cols` prints a key and the count.
fn distinct<K, V>(
    cx: &Cx<'_>,
    header: &str,
    t: u64,
    pick: impl Fn(&Rec<'_>) -> Option<(K, V)>,
    cols: impl Fn(&K, usize) -> String,
) -> String
where
    K: Ord + Hash,
    V: Eq + Hash,
{
    let mut m: HashMap<(u64, K), HashSet<V>> = HashMap::new();
    for x in cx.recs {
        if let Some((k, v)) = pick(x) {
            m.entry((cx.win.of(x), k)).or_default().insert(v);
        }
    }
    let mut d = Dump::new(header);
    for ((w, k), vs) in sorted(m) {
        if vs.len() as u64 >= t {
            d.row(w, format_args!("{}", cols(&k, vs.len())));
        }
    }
    d.0
}

/// Prints `key,count`.
fn key_count<K: Display>(k: &K, n: usize) -> String {
    format!("{k},{n}")
}

/// `sonata-new-tcp`: SYNs per destination, at least `t`.
pub(super) fn new_tcp(cx: &Cx<'_>, t: u64) -> String {
    let mut m: PerHost<u64> = HashMap::new();
    for x in cx.recs.iter().filter(|x| x.is_syn()) {
        *m.entry((cx.win.of(x), x.dst())).or_default() += 1;
    }
    let mut d = Dump::new("dst,syns");
    for ((w, dst), syns) in sorted(m) {
        if syns >= t {
            d.row(w, format_args!("{dst},{syns}"));
        }
    }
    d.0
}

/// `sonata-ssh-brute`: distinct sources of TCP to port 22 per (destination, IP length).
pub(super) fn sonata_ssh_brute(cx: &Cx<'_>, t: u64) -> String {
    let pick =
        |x: &Rec<'_>| (x.is_tcp() && x.r.dport == 22).then(|| ((x.dst(), x.r.ip_len), x.src()));
    distinct(cx, "dst,ip_len,sources", t, pick, |(dst, len), n| format!("{dst},{len},{n}"))
}

/// `sonata-superspreader`: distinct destinations per source.
pub(super) fn superspreader(cx: &Cx<'_>, t: u64) -> String {
    distinct(cx, "src,destinations", t, |x| Some((x.src(), x.dst())), key_count)
}

/// `sonata-port-scan`: distinct TCP destination ports per source.
pub(super) fn port_scan(cx: &Cx<'_>, t: u64) -> String {
    distinct(cx, "src,ports", t, |x| x.is_tcp().then(|| (x.src(), x.r.dport)), key_count)
}

/// `sonata-ddos`: distinct sources per destination.
pub(super) fn ddos(cx: &Cx<'_>, t: u64) -> String {
    distinct(cx, "dst,sources", t, |x| Some((x.dst(), x.src())), key_count)
}

/// Whether a UDP record from port 53 carries a DNS response; with it, its DNS view.
fn dns_answer<'a>(x: &Rec<'a>) -> Option<DnsView<'a>> {
    if !(x.is_udp() && x.r.sport == 53) {
        return None;
    }
    DnsView::new_checked(x.payload).ok().filter(|d| d.is_response())
}

/// `sonata-dns-reflection`: distinct sources of DNS answers holding an RRSIG answer record
/// (type 46), per destination.
pub(super) fn dns_reflection(cx: &Cx<'_>, t: u64) -> String {
    let pick = |x: &Rec<'_>| {
        let rrsig = dns_answer(x).is_some_and(|d| d.has_answer_type(wire::sonata::DNS_TYPE_RRSIG));
        rrsig.then(|| (x.dst(), x.src()))
    };
    distinct(cx, "dst,resolvers", t, pick, key_count)
}

/// Jetstream's `syn-flood`: per destination that received a SYN, SYNs and ACKs to it;
/// `half_open = syns - acks` at least `t`.
pub(super) fn syn_flood(cx: &Cx<'_>, t: u64) -> String {
    let mut m: PerHost<(u64, u64)> = HashMap::new();
    for x in cx.recs {
        if x.is_syn() {
            m.entry((cx.win.of(x), x.dst())).or_default().0 += 1;
        } else if x.is_ack() {
            m.entry((cx.win.of(x), x.dst())).or_default().1 += 1;
        }
    }
    let mut d = Dump::new("dst,syns,acks,half_open");
    for ((w, dst), (syns, acks)) in sorted(m) {
        let half_open = syns as i64 - acks as i64;
        if syns > 0 && half_open >= signed(t) {
            d.row(w, format_args!("{dst},{syns},{acks},{half_open}"));
        }
    }
    d.0
}

/// `sonata-syn-flood`: per host, SYNs to it, SYN-ACKs from it and ACKs to it (hosts with a
/// SYN or a SYN-ACK); `half_open = syns + synacks - acks` at least `t`.
pub(super) fn sonata_syn_flood(cx: &Cx<'_>, t: u64) -> String {
    let mut m: PerHost<[u64; 3]> = HashMap::new();
    for x in cx.recs {
        let w = cx.win.of(x);
        if x.is_syn() {
            m.entry((w, x.dst())).or_default()[0] += 1;
        } else if x.is_synack() {
            m.entry((w, x.src())).or_default()[1] += 1;
        } else if x.is_ack() {
            m.entry((w, x.dst())).or_default()[2] += 1;
        }
    }
    let mut d = Dump::new("host,syns,synacks,acks,half_open");
    for ((w, host), [syns, synacks, acks]) in sorted(m) {
        let half_open = (syns + synacks) as i64 - acks as i64;
        if syns + synacks > 0 && half_open >= signed(t) {
            d.row(w, format_args!("{host},{syns},{synacks},{acks},{half_open}"));
        }
    }
    d.0
}

/// `sonata-completed-flows`: per host that received a SYN, SYNs to it and FINs from it;
/// `open = syns - fins` at least `t`.
pub(super) fn completed_flows(cx: &Cx<'_>, t: u64) -> String {
    let mut m: PerHost<(u64, u64)> = HashMap::new();
    for x in cx.recs {
        let w = cx.win.of(x);
        // A SYN never has the FIN bit: the two tests exclude each other.
        if x.is_syn() {
            m.entry((w, x.dst())).or_default().0 += 1;
        } else if x.is_fin() {
            m.entry((w, x.src())).or_default().1 += 1;
        }
    }
    let mut d = Dump::new("host,syns,fins,open");
    for ((w, host), (syns, fins)) in sorted(m) {
        let open = syns as i64 - fins as i64;
        if syns > 0 && open >= signed(t) {
            d.row(w, format_args!("{host},{syns},{fins},{open}"));
        }
    }
    d.0
}

/// Connections and IP bytes of some TCP traffic.
#[derive(Default)]
struct Conns {
    conns: HashSet<Conn>,
    bytes: u64,
}

impl Conns {
    /// The slow-connection rule: at least `t` connections, at least 500 bytes, fewer than 90
    /// bytes per connection.
    fn slow(&self, t: u64) -> bool {
        let conns = self.conns.len() as u64;
        conns >= t
            && self.bytes >= wire::sonata::SLOWLORIS_BYTES
            && self.bytes < wire::sonata::SLOWLORIS_BYTES_PER_CONN * conns
    }
}

/// Jetstream's `slowloris` (`by_port`: per destination and port) and `sonata-slowloris` (per
/// destination): TCP connections, IP bytes and bytes per connection, by the slow rule.
pub(super) fn slowloris(cx: &Cx<'_>, t: u64, by_port: bool) -> String {
    let mut m: HashMap<(u64, Host, Option<u16>), Conns> = HashMap::new();
    for x in cx.recs.iter().filter(|x| x.is_tcp()) {
        let port = by_port.then_some(x.r.dport);
        let c = m.entry((cx.win.of(x), x.dst(), port)).or_default();
        c.conns.insert(x.conn());
        c.bytes += x.ip_len();
    }
    let mut d = Dump::new(if by_port {
        "dst,dport,conns,bytes,bytes_per_conn"
    } else {
        "dst,conns,bytes,bytes_per_conn"
    });
    for ((w, dst, port), c) in sorted(m) {
        if !c.slow(t) {
            continue;
        }
        let n = c.conns.len();
        let per = Milli(u128::from(c.bytes), n as u128);
        match port {
            Some(p) => d.row(w, format_args!("{dst},{p},{n},{},{per}", c.bytes)),
            None => d.row(w, format_args!("{dst},{n},{},{per}", c.bytes)),
        }
    }
    d.0
}

/// Jetstream's `ssh-brute`: per destination of TCP to port 22, distinct connections (at least
/// `t`) and distinct sources.
pub(super) fn ssh_brute(cx: &Cx<'_>, t: u64) -> String {
    let mut m: PerHost<(HashSet<Conn>, HashSet<Host>)> = HashMap::new();
    for x in cx.recs.iter().filter(|x| x.is_tcp() && x.r.dport == 22) {
        let e = m.entry((cx.win.of(x), x.dst())).or_default();
        e.0.insert(x.conn());
        e.1.insert(x.src());
    }
    let mut d = Dump::new("dst,conns,sources");
    for ((w, dst), (conns, srcs)) in sorted(m) {
        if conns.len() as u64 >= t {
            d.row(w, format_args!("{dst},{},{}", conns.len(), srcs.len()));
        }
    }
    d.0
}

/// `sonata-dns-tunnel`: DNS answers received per host, at least `t`, where the host sent no
/// SYN in the window nor in the next one.
pub(super) fn dns_tunnel(cx: &Cx<'_>, t: u64) -> String {
    let mut answers: PerHost<u64> = HashMap::new();
    let mut syn_senders: HashSet<(u64, Host)> = HashSet::new();
    for x in cx.recs {
        let w = cx.win.of(x);
        if dns_answer(x).is_some() {
            *answers.entry((w, x.dst())).or_default() += 1;
        }
        if x.is_syn() {
            syn_senders.insert((w, x.src()));
        }
    }
    let mut d = Dump::new("host,answers");
    for ((w, host), n) in sorted(answers) {
        let opened = syn_senders.contains(&(w, host))
            || cx.win.next(w).is_some_and(|next| syn_senders.contains(&(next, host)));
        if n >= t && !opened {
            d.row(w, format_args!("{host},{n}"));
        }
    }
    d.0
}

/// `sonata-zorro`: per destination of TCP to port 23, distinct connections (at least `t`) and
/// the packets whose payload holds `zorro` (at least one).
pub(super) fn zorro(cx: &Cx<'_>, t: u64) -> String {
    let needle = wire::sonata::ZORRO_PAYLOAD;
    let mut m: PerHost<(HashSet<Conn>, u64)> = HashMap::new();
    for x in cx.recs.iter().filter(|x| x.is_tcp() && x.r.dport == 23) {
        let e = m.entry((cx.win.of(x), x.dst())).or_default();
        e.0.insert(x.conn());
        e.1 += u64::from(x.payload.windows(needle.len()).any(|w| w == needle));
    }
    let mut d = Dump::new("dst,conns,zorro");
    for ((w, dst), (conns, zorro)) in sorted(m) {
        if conns.len() as u64 >= t && zorro >= 1 {
            d.row(w, format_args!("{dst},{},{zorro}", conns.len()));
        }
    }
    d.0
}
