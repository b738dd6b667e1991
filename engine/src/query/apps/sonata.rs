//! Sonata's eleven telemetry queries (SIGCOMM 2018), written with the query API, with the
//! thresholds and counting rules of [`wire::sonata`] (the generator's ground truth counts the
//! same rules). Each runs in 1 s tumbling windows unless `--window` says otherwise; `T` is
//! `--threshold` or the default of `wire::sonata`.

use wire::record::tcp_flags::{ACK, FIN, SYN};
use wire::sonata as rules;

use super::{count_distinct, host_window, syns_to_host, tcp, threshold};
use crate::query::{AggSpec, Cmp, CmpOp, Computed, Field, JoinHow, Predicate, QuerySpec, SideSpec};

const UDP: u64 = 17;
const SYN_ACK: u64 = (SYN | ACK) as u64;

fn flags_eq(f: u8) -> Predicate {
    Predicate::new(Field::TcpFlags, CmpOp::Eq, u64::from(f))
}

/// `sonata-new-tcp`: SYNs per destination, `syns >= T` (40).
pub fn new_tcp(t: Option<u64>) -> QuerySpec {
    syns_to_host().having("syns", Cmp::Ge, threshold(t, rules::NEW_TCP))
}

/// `sonata-ssh-brute`: distinct sources sending TCP to port 22 per (destination, IP length),
/// `sources >= T` (40).
pub fn ssh_brute(t: Option<u64>) -> QuerySpec {
    host_window()
        .filter(tcp())
        .filter(Predicate::new(Field::Dport, CmpOp::Eq, 22))
        .key_by(&[Field::Dst, Field::IpLen])
        .aggregate(AggSpec::distinct(&[Field::Src]).named("sources"))
        .having("sources", Cmp::Ge, threshold(t, rules::SSH_BRUTE))
}

/// `sonata-superspreader`: distinct destinations per source, `destinations >= T` (40).
pub fn superspreader(t: Option<u64>) -> QuerySpec {
    count_distinct(Field::Src, Field::Dst, "destinations", threshold(t, rules::SUPERSPREADER))
}

/// `sonata-port-scan`: distinct TCP destination ports per source, `ports >= T` (40).
pub fn port_scan(t: Option<u64>) -> QuerySpec {
    count_distinct(Field::Src, Field::Dport, "ports", threshold(t, rules::PORT_SCAN)).filter(tcp())
}

/// `sonata-ddos`: distinct sources per destination, `sources >= T` (45).
pub fn ddos(t: Option<u64>) -> QuerySpec {
    count_distinct(Field::Dst, Field::Src, "sources", threshold(t, rules::DDOS))
}

/// `sonata-syn-flood`: per host, SYNs to it + SYN-ACKs from it - ACKs to it (three sides
/// joined on the host, missing counts 0), `half_open >= T` (40).
pub fn syn_flood(t: Option<u64>) -> QuerySpec {
    syns_to_host()
        .join(
            SideSpec::new()
                .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, SYN_ACK))
                .key_by(&[Field::Src])
                .aggregate(AggSpec::count().named("synacks"))
                .how(JoinHow::Outer),
        )
        .join(
            SideSpec::new()
                .filter(flags_eq(ACK))
                .key_by(&[Field::Dst])
                .aggregate(AggSpec::count().named("acks"))
                .how(JoinHow::Left),
        )
        .compute(Computed::linear("half_open", &[("syns", 1), ("synacks", 1), ("acks", -1)]))
        .having("half_open", Cmp::Ge, threshold(t, rules::SYN_FLOOD as u64))
        .key_names(&["host"])
}

/// `sonata-completed-flows`: per host, SYNs to it - FINs from it, `open >= T` (40; see
/// [`wire::sonata`] for why not Sonata's 1).
pub fn completed_flows(t: Option<u64>) -> QuerySpec {
    syns_to_host()
        .join(
            SideSpec::new()
                .filter(tcp())
                .filter(Predicate::new(Field::TcpFlags, CmpOp::Any, u64::from(FIN)))
                .key_by(&[Field::Src])
                .aggregate(AggSpec::count().named("fins"))
                .how(JoinHow::Left),
        )
        .compute(Computed::linear("open", &[("syns", 1), ("fins", -1)]))
        .having("open", Cmp::Ge, threshold(t, rules::COMPLETED_FLOWS as u64))
        .key_names(&["host"])
}

/// The slowloris rule over TCP keyed by `key`: connections (distinct source and port) `>= T`
/// (5), IP bytes `>= 500`, and bytes below 90 per connection (`bytes - 90 conns < 0`).
pub fn slowloris_by(key: &[Field], t: Option<u64>) -> QuerySpec {
    host_window()
        .filter(tcp())
        .key_by(key)
        .aggregate(AggSpec::distinct(&[Field::Src, Field::Sport]).named("conns"))
        .aggregate(AggSpec::sum(Field::IpLen).named("bytes"))
        .having("conns", Cmp::Ge, threshold(t, rules::SLOWLORIS_CONNS))
        .having("bytes", Cmp::Ge, rules::SLOWLORIS_BYTES as i64)
        .compute(Computed::ratio("bytes_per_conn", "bytes", "conns", 1))
        .compute(
            Computed::linear(
                "over_budget",
                &[("bytes", 1), ("conns", -(rules::SLOWLORIS_BYTES_PER_CONN as i64))],
            )
            .hidden(),
        )
        .having("over_budget", Cmp::Lt, 0)
}

/// `sonata-slowloris`: [`slowloris_by`] the destination.
pub fn slowloris(t: Option<u64>) -> QuerySpec {
    slowloris_by(&[Field::Dst], t)
}

/// `sonata-dns-tunnel`: DNS answers (UDP from port 53 with QR set) per receiving host,
/// `answers >= T` (40), for hosts that send no SYN in the same window or the next (an anti
/// join whose key also matches in its next window). "Afterwards" is read as "in this window
/// or the next": an answer late in a window still gives its host a whole window to connect.
pub fn dns_tunnel(t: Option<u64>) -> QuerySpec {
    host_window()
        .filter(Predicate::new(Field::Proto, CmpOp::Eq, UDP))
        .filter(Predicate::new(Field::Sport, CmpOp::Eq, 53))
        .filter(Predicate::new(Field::DnsQr, CmpOp::Eq, 1))
        .key_by(&[Field::Dst])
        .aggregate(AggSpec::count().named("answers"))
        .having("answers", Cmp::Ge, threshold(t, rules::DNS_TUNNEL))
        .join(
            SideSpec::new()
                .filter(flags_eq(SYN))
                .key_by(&[Field::Src])
                .how(JoinHow::Anti)
                .or_next_window(),
        )
        .key_names(&["host"])
}

/// `sonata-zorro`: connections (distinct source and port) to a host's telnet port `>= T`
/// (40), joined with the packets to that port whose payload holds `zorro` (at least one).
pub fn zorro(t: Option<u64>) -> QuerySpec {
    let telnet = || [tcp(), Predicate::new(Field::Dport, CmpOp::Eq, 23)];
    let [a, b] = telnet();
    let [c, d] = telnet();
    host_window()
        .filter(a)
        .filter(b)
        .key_by(&[Field::Dst])
        .aggregate(AggSpec::distinct(&[Field::Src, Field::Sport]).named("conns"))
        .having("conns", Cmp::Ge, threshold(t, rules::ZORRO))
        .join(
            SideSpec::new()
                .filter(c)
                .filter(d)
                .filter(Predicate::new(Field::Payload, CmpOp::Contains, "zorro"))
                .key_by(&[Field::Dst])
                .aggregate(AggSpec::count().named("zorro")),
        )
}

/// `sonata-dns-reflection`: distinct sources of DNS answers (UDP from port 53, QR set) with an
/// RRSIG answer record, per destination, `resolvers >= T` (40).
pub fn dns_reflection(t: Option<u64>) -> QuerySpec {
    count_distinct(Field::Dst, Field::Src, "resolvers", threshold(t, rules::DNS_REFLECTION))
        .filter(Predicate::new(Field::Proto, CmpOp::Eq, UDP))
        .filter(Predicate::new(Field::Sport, CmpOp::Eq, 53))
        .filter(Predicate::new(Field::DnsQr, CmpOp::Eq, 1))
        .filter(Predicate::new(Field::DnsAnswerType, CmpOp::Has, u64::from(rules::DNS_TYPE_RRSIG)))
}
