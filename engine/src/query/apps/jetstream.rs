//! Jetstream's applications (IEEE TNSM 2021), written with the query API. Windowed ones run in
//! 1 s tumbling windows unless `--window` says otherwise; `T` is `--threshold` or the default
//! named.

use wire::record::tcp_flags::ACK;
use wire::sonata as rules;

use super::{FIVE_TUPLE, host_window, syns_to_host, tcp, threshold};
use crate::query::{AggSpec, Cmp, CmpOp, Computed, Field, JoinHow, Predicate, QuerySpec, SideSpec};

/// `heavy-hitter`: directional 5-tuples carrying more than `share` (default 1%) of the
/// window's wire bytes. The window's total is a second side with no key, joined to every flow;
/// the rule `bytes > share x window_bytes` is tested exactly in integers, with the share in
/// millionths (`bytes x 10^6 - share_ppm x window_bytes > 0`).
pub fn heavy_hitter(share: Option<f64>) -> QuerySpec {
    let ppm = share_ppm(share.unwrap_or(rules::HEAVY_HITTER_SHARE));
    host_window()
        .key_by(&FIVE_TUPLE)
        .aggregate(AggSpec::sum(Field::WireLen).named("bytes"))
        .join(SideSpec::new().aggregate(AggSpec::sum(Field::WireLen).named("window_bytes")))
        .compute(Computed::ratio("share_pct", "bytes", "window_bytes", 100))
        .compute(
            Computed::linear("over_share", &[("bytes", 1_000_000), ("window_bytes", -ppm)])
                .hidden(),
        )
        .having("over_share", Cmp::Gt, 0)
}

/// A share (0 to 1) in millionths, rounded.
pub fn share_ppm(share: f64) -> i64 {
    (share.clamp(0.0, 1.0) * 1e6).round() as i64
}

/// `syn-flood`: per destination, SYNs received minus ACKs received (handshakes not completed;
/// unlike Sonata's rule it does not count the victim's SYN-ACKs, which a server under attack
/// may stop sending), `half_open >= T` (40).
pub fn syn_flood(t: Option<u64>) -> QuerySpec {
    syns_to_host()
        .join(
            SideSpec::new()
                .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, u64::from(ACK)))
                .key_by(&[Field::Dst])
                .aggregate(AggSpec::count().named("acks"))
                .how(JoinHow::Left),
        )
        .compute(Computed::linear("half_open", &[("syns", 1), ("acks", -1)]))
        .having("half_open", Cmp::Ge, threshold(t, rules::SYN_FLOOD as u64))
}

/// `slowloris`: Sonata's rule (many connections, few bytes each) per attacked service,
/// (destination, destination port), `conns >= T` (5).
pub fn slowloris(t: Option<u64>) -> QuerySpec {
    super::sonata::slowloris_by(&[Field::Dst, Field::Dport], t)
}

/// `ssh-brute`: connections (distinct source and port) to a host's port 22, with the distinct
/// sources beside them, `conns >= T` (40): every login attempt of a brute-force tool is a
/// connection of its own.
pub fn ssh_brute(t: Option<u64>) -> QuerySpec {
    host_window()
        .filter(tcp())
        .filter(Predicate::new(Field::Dport, CmpOp::Eq, 22))
        .key_by(&[Field::Dst])
        .aggregate(AggSpec::distinct(&[Field::Src, Field::Sport]).named("conns"))
        .aggregate(AggSpec::distinct(&[Field::Src]).named("sources"))
        .having("conns", Cmp::Ge, threshold(t, rules::SSH_BRUTE))
}

/// `tcp-seq`: per directional TCP flow and window, its segments and those out of order (a
/// sequence number before the highest seen earlier in the window), flows with
/// `out_of_order >= T` (1).
pub fn tcp_seq(t: Option<u64>) -> QuerySpec {
    host_window()
        .filter(tcp())
        .key_by(&FIVE_TUPLE)
        .aggregate(AggSpec::count().named("packets"))
        .aggregate(AggSpec::out_of_order())
        .having("out_of_order", Cmp::Ge, threshold(t, 1))
}

/// `accounting`: packets and bytes per 5-tuple component — per source, destination, source
/// port, destination port and protocol — as a union of five keyed sides: each row fills one
/// key column and leaves the others empty. One window spanning the run unless `--window`.
pub fn accounting() -> QuerySpec {
    let counters = |s: SideSpec| {
        s.aggregate(AggSpec::count().named("packets"))
            .aggregate(AggSpec::sum(Field::WireLen).named("bytes"))
    };
    let mut q = QuerySpec::new();
    q.side = counters(SideSpec::new().key_by(&[Field::Src]));
    for f in &FIVE_TUPLE[1..] {
        q = q.join(counters(SideSpec::new().key_by(&[*f]).how(JoinHow::Union)));
    }
    q
}

/// `lb-profile`: the load on each backend of a virtual IP set (`--vip PREFIX`, repeatable;
/// default every IPv4 destination): packets, wire bytes and connections per destination in
/// the set, and its share of the set's bytes in the window (a keyless side's total).
pub fn lb_profile(vips: &[String]) -> QuerySpec {
    let set = if vips.is_empty() { "0.0.0.0/0".to_string() } else { vips.join(",") };
    let to_set = || Predicate::new(Field::Dst, CmpOp::In, set.as_str());
    host_window()
        .filter(to_set())
        .key_by(&[Field::Dst])
        .aggregate(AggSpec::count().named("packets"))
        .aggregate(AggSpec::sum(Field::WireLen).named("bytes"))
        .aggregate(AggSpec::distinct(&[Field::Src, Field::Sport]).named("conns"))
        .join(
            SideSpec::new()
                .filter(to_set())
                .aggregate(AggSpec::sum(Field::WireLen).named("set_bytes")),
        )
        .compute(Computed::ratio("share_pct", "bytes", "set_bytes", 100))
}
