//! The alarm oracle: every rule of `wire::sonata`'s table, evaluated plainly over a whole trace,
//! as the reference the queries and the ground truth are tested against.
//!
//! Test files include it with `#[path = "support/alarm_oracle.rs"] mod alarm_oracle;`.
//!
//! One pass over every frame: each is parsed with `wire::parse_frame` (frames it refuses are
//! skipped: they count for nothing, not even the heavy-hitter window totals, but their
//! timestamps still bound the trace), and the facts each rule needs are gathered per tumbling
//! window (`wire::sonata::window_start`) in ordinary maps and sets. Then every rule is evaluated
//! per window, as the table states it. Readings the table leaves open:
//!
//! - A packet's ports and TCP flags are the record's: 0 where the packet has none (a later
//!   fragment, a header the capture cut before them), and they count as such (a later TCP
//!   fragment is "to port 0" for `sonata-port-scan`; it is never a SYN).
//! - `sonata-syn-flood` and `sonata-completed-flows` are evaluated for every address that is the
//!   destination or source of a TCP packet in the window, in signed arithmetic.
//! - `sonata-slowloris`: "bytes per connection < 90" is `bytes < 90 * connections` (the same as
//!   with the quotient floored, since 90 is an integer).
//! - A "DNS answer" is a UDP packet from port 53 whose captured payload holds a whole DNS
//!   header (12 bytes) with QR set; it is one answer however many records it holds.
//!   `sonata-dns-reflection` looks at the types of the records of the answer section that the
//!   capture reached (`wire::dns::DnsView::answer_types`), cut short or not.
//! - `sonata-dns-tunnel`: "the next window" past the end of the trace is empty, so the last
//!   window is judged on itself alone. A SYN is "sent by" the host when the host is its source.
//! - `sonata-zorro`: both conditions hold in the same window; the `zorro` packet is any TCP
//!   packet to port 23 of the host (it need not come from one of the counted connections).
//! - The captured payload is the frame's bytes from the record's payload offset to the end of
//!   the capture (any Ethernet padding included); none when the offset is unknown (255).
//! - `heavy-hitter`: the window's wire bytes are those of the parsed frames in it; the flow's
//!   share is compared as `flow as f64 > HEAVY_HITTER_SHARE * total as f64`. Only windows wholly
//!   inside the trace count: with `first` and `last` the smallest and largest timestamp of any
//!   frame, a window `[s, s + WINDOW_NS)` counts when `s >= first` and `s + WINDOW_NS <= last`.

#![allow(dead_code)] // each test file uses what it needs

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use wire::dns::{DnsView, TYPE_RRSIG};
use wire::record::{PAYLOAD_OFF_UNKNOWN, tcp_flags};
use wire::sonata::{self, Alarm, WINDOW_NS};
use wire::{FrameBuffer, PacketRecord, parse_frame};

const TCP: u8 = 6;
const UDP: u8 = 17;

/// One alarm: window start, rule, reported key.
pub type AlarmRow = (u64, Alarm, String);

/// A directional 5-tuple: source, source port, destination, destination port, protocol.
type FiveTuple = (IpAddr, u16, IpAddr, u16, u8);

/// Everything the rules need from one window.
#[derive(Default)]
struct Window {
    syns_to: BTreeMap<IpAddr, i64>,
    syns_from: BTreeMap<IpAddr, i64>,
    syn_acks_from: BTreeMap<IpAddr, i64>,
    acks_to: BTreeMap<IpAddr, i64>,
    fins_from: BTreeMap<IpAddr, i64>,
    tcp_hosts: BTreeSet<IpAddr>,
    /// (destination, IP length) -> sources sending TCP to its port 22.
    ssh: BTreeMap<(IpAddr, u16), BTreeSet<IpAddr>>,
    dsts_of: BTreeMap<IpAddr, BTreeSet<IpAddr>>,
    srcs_of: BTreeMap<IpAddr, BTreeSet<IpAddr>>,
    tcp_dports_of: BTreeMap<IpAddr, BTreeSet<u16>>,
    /// destination -> (source, source port) of TCP to it.
    tcp_conns_to: BTreeMap<IpAddr, BTreeSet<(IpAddr, u16)>>,
    tcp_bytes_to: BTreeMap<IpAddr, u64>,
    dns_answers_to: BTreeMap<IpAddr, u64>,
    /// destination -> (source, source port) of TCP to its port 23.
    telnet_conns_to: BTreeMap<IpAddr, BTreeSet<(IpAddr, u16)>>,
    zorro_to: BTreeSet<IpAddr>,
    rrsig_sources_of: BTreeMap<IpAddr, BTreeSet<IpAddr>>,
    flow_bytes: BTreeMap<FiveTuple, u64>,
    wire_bytes: u64,
}

/// The bytes of the frame's payload that were captured (see the module doc).
fn captured_payload<'a>(frame_bytes: &'a [u8], rec: &PacketRecord) -> &'a [u8] {
    if rec.payload_off() == PAYLOAD_OFF_UNKNOWN {
        return &[];
    }
    frame_bytes.get(usize::from(rec.payload_off())..).unwrap_or(&[])
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The windows of the trace with their facts, and the smallest and largest timestamp of any
/// frame (`None` for an empty buffer).
fn gather(frames: &FrameBuffer) -> (BTreeMap<u64, Window>, Option<(u64, u64)>) {
    let mut windows: BTreeMap<u64, Window> = BTreeMap::new();
    let mut span: Option<(u64, u64)> = None;
    for (i, frame) in frames.iter().enumerate() {
        span = Some(match span {
            None => (frame.ts_ns, frame.ts_ns),
            Some((lo, hi)) => (lo.min(frame.ts_ns), hi.max(frame.ts_ns)),
        });
        let Ok(rec) = parse_frame(&frame, i as u32) else { continue };
        let w = windows.entry(sonata::window_start(rec.ts_ns)).or_default();
        let (src, dst) = (rec.src_ip(), rec.dst_ip());
        let payload = captured_payload(frame.bytes, &rec);

        w.dsts_of.entry(src).or_default().insert(dst);
        w.srcs_of.entry(dst).or_default().insert(src);
        *w.flow_bytes.entry((src, rec.sport, dst, rec.dport, rec.proto)).or_default() +=
            u64::from(rec.wire_len());
        w.wire_bytes += u64::from(rec.wire_len());

        if rec.proto == TCP {
            let f = rec.tcp_flags;
            w.tcp_hosts.insert(src);
            w.tcp_hosts.insert(dst);
            if f == tcp_flags::SYN {
                *w.syns_to.entry(dst).or_default() += 1;
                *w.syns_from.entry(src).or_default() += 1;
            }
            if f == tcp_flags::SYN | tcp_flags::ACK {
                *w.syn_acks_from.entry(src).or_default() += 1;
            }
            if f == tcp_flags::ACK {
                *w.acks_to.entry(dst).or_default() += 1;
            }
            if f & tcp_flags::FIN != 0 {
                *w.fins_from.entry(src).or_default() += 1;
            }
            if rec.dport == 22 {
                w.ssh.entry((dst, rec.ip_len)).or_default().insert(src);
            }
            w.tcp_dports_of.entry(src).or_default().insert(rec.dport);
            w.tcp_conns_to.entry(dst).or_default().insert((src, rec.sport));
            *w.tcp_bytes_to.entry(dst).or_default() += u64::from(rec.ip_len);
            if rec.dport == 23 {
                w.telnet_conns_to.entry(dst).or_default().insert((src, rec.sport));
                if contains(payload, sonata::ZORRO_PAYLOAD) {
                    w.zorro_to.insert(dst);
                }
            }
        }

        if rec.proto == UDP
            && rec.sport == 53
            && let Ok(dns) = DnsView::new_checked(payload)
            && dns.is_response()
        {
            *w.dns_answers_to.entry(dst).or_default() += 1;
            if dns.answer_types().any(|t| t == TYPE_RRSIG) {
                w.rrsig_sources_of.entry(dst).or_default().insert(src);
            }
        }
    }
    (windows, span)
}

fn get(m: &BTreeMap<IpAddr, i64>, k: &IpAddr) -> i64 {
    m.get(k).copied().unwrap_or(0)
}

/// The heavy-hitter key: `src:sport>dst:dport/proto`, IPv6 addresses in brackets.
pub fn flow_key_text(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, proto: u8) -> String {
    let addr = |a: IpAddr| match a {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    };
    format!("{}:{sport}>{}:{dport}/{proto}", addr(src), addr(dst))
}

/// Every alarm of every rule of `wire::sonata`'s table in the trace: (window start, rule, key),
/// keys as the truth file writes them (see the module doc for the readings chosen).
pub fn alarms(frames: &FrameBuffer) -> BTreeSet<AlarmRow> {
    let (windows, span) = gather(frames);
    let mut out = BTreeSet::new();
    let mut raise = |ws: u64, alarm: Alarm, key: String| {
        out.insert((ws, alarm, key));
    };
    for (&ws, w) in &windows {
        for (dst, &n) in &w.syns_to {
            if n as u64 >= sonata::NEW_TCP {
                raise(ws, Alarm::NewTcp, dst.to_string());
            }
        }
        for ((dst, _ip_len), srcs) in &w.ssh {
            if srcs.len() as u64 >= sonata::SSH_BRUTE {
                raise(ws, Alarm::SshBrute, dst.to_string());
            }
        }
        for (src, dsts) in &w.dsts_of {
            if dsts.len() as u64 >= sonata::SUPERSPREADER {
                raise(ws, Alarm::Superspreader, src.to_string());
            }
        }
        for (src, ports) in &w.tcp_dports_of {
            if ports.len() as u64 >= sonata::PORT_SCAN {
                raise(ws, Alarm::PortScan, src.to_string());
            }
        }
        for (dst, srcs) in &w.srcs_of {
            if srcs.len() as u64 >= sonata::DDOS {
                raise(ws, Alarm::Ddos, dst.to_string());
            }
        }
        for host in &w.tcp_hosts {
            let half_open =
                get(&w.syns_to, host) + get(&w.syn_acks_from, host) - get(&w.acks_to, host);
            if half_open >= sonata::SYN_FLOOD {
                raise(ws, Alarm::SynFlood, host.to_string());
            }
            if get(&w.syns_to, host) - get(&w.fins_from, host) >= sonata::COMPLETED_FLOWS {
                raise(ws, Alarm::CompletedFlows, host.to_string());
            }
        }
        for (dst, conns) in &w.tcp_conns_to {
            let conns = conns.len() as u64;
            let bytes = w.tcp_bytes_to.get(dst).copied().unwrap_or(0);
            if conns >= sonata::SLOWLORIS_CONNS
                && bytes >= sonata::SLOWLORIS_BYTES
                && bytes < sonata::SLOWLORIS_BYTES_PER_CONN * conns
            {
                raise(ws, Alarm::Slowloris, dst.to_string());
            }
        }
        let next = windows.get(&(ws + WINDOW_NS));
        for (host, &n) in &w.dns_answers_to {
            let syn_now = get(&w.syns_from, host) > 0;
            let syn_next = next.is_some_and(|nw| get(&nw.syns_from, host) > 0);
            if n >= sonata::DNS_TUNNEL && !syn_now && !syn_next {
                raise(ws, Alarm::DnsTunnel, host.to_string());
            }
        }
        for (dst, conns) in &w.telnet_conns_to {
            if conns.len() as u64 >= sonata::ZORRO && w.zorro_to.contains(dst) {
                raise(ws, Alarm::Zorro, dst.to_string());
            }
        }
        for (dst, srcs) in &w.rrsig_sources_of {
            if srcs.len() as u64 >= sonata::DNS_REFLECTION {
                raise(ws, Alarm::DnsReflection, dst.to_string());
            }
        }
        let inside = span.is_some_and(|(first, last)| ws >= first && ws + WINDOW_NS <= last);
        if inside {
            for (&(src, sport, dst, dport, proto), &bytes) in &w.flow_bytes {
                if bytes as f64 > sonata::HEAVY_HITTER_SHARE * w.wire_bytes as f64 {
                    raise(ws, Alarm::HeavyHitter, flow_key_text(src, sport, dst, dport, proto));
                }
            }
        }
    }
    out
}

/// The alarms of one rule: (window start, key).
pub fn alarms_of(frames: &FrameBuffer, alarm: Alarm) -> BTreeSet<(u64, String)> {
    alarms(frames).into_iter().filter(|(_, a, _)| *a == alarm).map(|(w, _, k)| (w, k)).collect()
}

/// Over every window: the most distinct destinations of any source, and the most distinct
/// sources of any destination (what `sonata-superspreader` and `sonata-ddos` compare with their
/// thresholds). `(0, 0)` for a trace without a parsed frame.
pub fn fan_maxima(frames: &FrameBuffer) -> (usize, usize) {
    let (windows, _) = gather(frames);
    let mut fan_out = 0;
    let mut fan_in = 0;
    for w in windows.values() {
        fan_out = w.dsts_of.values().map(BTreeSet::len).max().unwrap_or(0).max(fan_out);
        fan_in = w.srcs_of.values().map(BTreeSet::len).max().unwrap_or(0).max(fan_in);
    }
    (fan_out, fan_in)
}
