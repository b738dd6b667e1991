//! The plain references on tiny hand-built traces, with the dumps worked out by hand.

use std::net::{IpAddr, Ipv4Addr};

use wire::build::{PacketSpec, Transport};
use wire::dns::{self, DnsMessage, DnsRecord, Rrsig};
use wire::{FrameBuffer, LinkType};

use super::*;

/// A window start (1.7e9 s after the epoch) and the next two.
const T0: u64 = 1_700_000_000 * SECOND;
const T1: u64 = T0 + SECOND;
const T2: u64 = T1 + SECOND;

const SYN: u8 = 0x02;
const SYN_ACK: u8 = 0x12;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;
const FIN_ACK: u8 = 0x11;

/// Host `i` of 10.0.0.0/8.
fn host(i: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i))
}

fn tcp(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, flags: u8, seq: u32) -> PacketSpec {
    PacketSpec {
        src,
        dst,
        transport: Transport::Tcp { sport, dport, seq, ack: 0, flags, window: 1000 },
        ..Default::default()
    }
}

fn with_payload(mut p: PacketSpec, payload: &[u8], len: usize) -> PacketSpec {
    p.payload = payload.to_vec();
    p.payload_len = len;
    p
}

fn udp(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, payload: &[u8]) -> PacketSpec {
    let p =
        PacketSpec { src, dst, transport: Transport::Udp { sport, dport }, ..Default::default() };
    with_payload(p, payload, payload.len())
}

/// A trace under construction: (time, captured bytes, wire length) per frame.
#[derive(Default)]
struct Trace(Vec<(u64, Vec<u8>, u32)>);

impl Trace {
    fn add_cut(&mut self, spec: &PacketSpec, ts: u64, snaplen: usize) -> &mut Self {
        let mut out = Vec::new();
        let wire = spec.write(&mut out, snaplen);
        self.0.push((ts, out, wire));
        self
    }

    /// The frames in the order added, or sorted by time (stable).
    fn buffer(&self, by_time: bool) -> FrameBuffer {
        let mut frames: Vec<_> = self.0.iter().collect();
        if by_time {
            frames.sort_by_key(|f| f.0);
        }
        let mut b = FrameBuffer::new();
        for (ts, bytes, wire) in frames {
            b.push(bytes, *ts, *wire, LinkType::Ethernet);
        }
        b
    }

    fn add(&mut self, spec: &PacketSpec, ts: u64) -> &mut Self {
        self.add_cut(spec, ts, usize::MAX)
    }

    /// The plain reference's dump, checked against the query library's app (run by the
    /// engine's single-threaded reference) on the same frames.
    fn dump_with(&self, app: &str, p: &PlainParams) -> String {
        let frames = self.buffer(true);
        let plain = run_plain(app, p, &frames).expect("known app");
        assert_eq!(query_app_dump(app, p, &frames), plain, "{app}: the query library disagrees");
        plain
    }

    fn dump(&self, app: &str) -> String {
        self.dump_with(app, &PlainParams::default())
    }

    /// The dump's rows (header left off).
    fn rows_with(&self, app: &str, p: &PlainParams) -> Vec<String> {
        self.dump_with(app, p).lines().skip(1).map(str::to_string).collect()
    }

    fn rows(&self, app: &str) -> Vec<String> {
        self.rows_with(app, &PlainParams::default())
    }
}

/// The dump of the query library's app `app` with parameters `p`, by the engine's reference.
fn query_app_dump(app: &str, p: &PlainParams, frames: &FrameBuffer) -> String {
    use crate::query::apps::{AppKind, AppParams};
    use crate::query::{Window, reference::run_reference};
    let kind: AppKind = app.parse().expect("an app of the query library");
    let params = AppParams { threshold: p.threshold, share: p.share, vips: p.vips.clone() };
    let mut spec = kind.spec_with(&params);
    match p.window_ns {
        Some(0) => spec.window = Window::Whole,
        Some(w) => spec.window = Window::tumbling(w),
        None => {}
    }
    run_reference(&spec.compile().expect("the app compiles"), frames, 1, false).to_csv()
}

#[test]
fn counting_apps_sort_by_key_with_ipv4_before_ipv6() {
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    let mut t = Trace::default();
    t.add(&tcp(host(2), 5, host(1), 80, ACK, 0), T0 + 5)
        .add(&tcp(v6, 7, v6, 80, ACK, 0), T0 + 1)
        .add(&tcp(host(2), 5, host(1), 80, ACK, 0), T1)
        .add(&tcp(host(1), 9, host(2), 80, ACK, 0), T2);
    assert_eq!(
        t.dump("flow-counter"),
        "window_start_ns,src,dst,sport,dport,proto,packets,bytes\n\
         0,10.0.0.1,10.0.0.2,9,80,6,1,60\n\
         0,10.0.0.2,10.0.0.1,5,80,6,2,120\n\
         0,2001:db8::1,2001:db8::1,7,80,6,1,74\n"
    );
    assert_eq!(
        t.dump("src-count"),
        "window_start_ns,src,packets,bytes\n0,10.0.0.1,1,60\n0,10.0.0.2,2,120\n\
         0,2001:db8::1,1,74\n"
    );
    assert_eq!(t.dump("passthrough"), "window_start_ns,packets\n0,4\n");
    let p = PlainParams { window_ns: Some(SECOND), ..Default::default() };
    assert_eq!(
        t.dump_with("passthrough", &p),
        format!("window_start_ns,packets\n{T0},2\n{T1},1\n{T2},1\n")
    );
    assert_eq!(Trace::default().dump("passthrough"), "window_start_ns,packets\n");
    let frames = t.buffer(true);
    assert_eq!(run_plain("nope", &PlainParams::default(), &frames), None);
    for app in APPS {
        assert!(run_plain(app, &PlainParams::default(), &frames).is_some(), "{app}");
    }
}

#[test]
fn event_times_never_go_back() {
    // The third frame is stamped before the second: its event time is the second's.
    let mut t = Trace::default();
    let p = tcp(host(2), 5, host(1), 80, ACK, 0);
    t.add(&p, T0).add(&p, T1).add(&p, T1 - 1);
    let w = PlainParams { window_ns: Some(SECOND), ..Default::default() };
    assert_eq!(
        run_plain("passthrough", &w, &t.buffer(false)).unwrap(),
        format!("window_start_ns,packets\n{T0},1\n{T1},2\n")
    );
}

#[test]
fn accounting_lists_each_field_group_in_turn() {
    let mut t = Trace::default();
    t.add(&tcp(host(2), 5, host(1), 80, ACK, 0), T0)
        .add(&tcp(host(1), 80, host(2), 5, ACK, 0), T0)
        .add(&udp(host(1), 53, host(3), 5, b""), T0)
        .add(&PacketSpec { src: host(1), dst: host(3), ..Default::default() }, T0);
    let want = "window_start_ns,src,dst,sport,dport,proto,packets,bytes\n\
                0,10.0.0.1,,,,,3,180\n\
                0,10.0.0.2,,,,,1,60\n\
                0,,10.0.0.1,,,,1,60\n\
                0,,10.0.0.2,,,,1,60\n\
                0,,10.0.0.3,,,,2,120\n\
                0,,,0,,,1,60\n\
                0,,,5,,,1,60\n\
                0,,,53,,,1,60\n\
                0,,,80,,,1,60\n\
                0,,,,0,,1,60\n\
                0,,,,5,,2,120\n\
                0,,,,80,,1,60\n\
                0,,,,,6,2,120\n\
                0,,,,,17,2,120\n";
    assert_eq!(t.dump("accounting"), want);
}

#[test]
fn heavy_hitter_needs_more_than_the_share() {
    // Window 0: one 60 B frame of flow a among 6000 B: exactly 1%, not above. Window 1: 60 B
    // among 5999 B: reported. Window 2: two flows of 60 B each, half the bytes each.
    let a = tcp(host(1), 5, host(2), 6, ACK, 0);
    let filler = |n| with_payload(tcp(host(3), 1, host(4), 2, ACK, 0), b"", n);
    let mut t = Trace::default();
    t.add(&a, T0).add(&filler(5940 - 54), T0 + 1);
    t.add(&a, T1).add(&filler(5939 - 54), T1 + 1);
    t.add(&a, T2).add(&tcp(host(2), 6, host(1), 5, ACK, 0), T2 + 1);
    let rows = t.rows("heavy-hitter");
    assert_eq!(
        rows,
        [
            format!("{T0},10.0.0.3,10.0.0.4,1,2,6,5940,6000,99.000"),
            format!("{T1},10.0.0.1,10.0.0.2,5,6,6,60,5999,1.000"),
            format!("{T1},10.0.0.3,10.0.0.4,1,2,6,5939,5999,99.000"),
            format!("{T2},10.0.0.1,10.0.0.2,5,6,6,60,120,50.000"),
            format!("{T2},10.0.0.2,10.0.0.1,6,5,6,60,120,50.000"),
        ]
    );
    // At a 60% share only the fillers stay.
    let p = PlainParams { share: Some(0.6), ..Default::default() };
    assert_eq!(t.dump_with("heavy-hitter", &p).lines().count(), 3);
}

#[test]
fn shares_and_means_round_half_up() {
    assert_eq!(Milli(2, 3).to_string(), "0.667");
    assert_eq!(Milli(1, 16).to_string(), "0.063");
    assert_eq!(Milli(100 * 60, 5999).to_string(), "1.000");
    assert_eq!(Milli(10_200, 200).to_string(), "51.000");
}

#[test]
fn tcp_seq_counts_segments_before_the_highest_seen_in_the_window() {
    let mut t = Trace::default();
    let seg = |seq| tcp(host(1), 5, host(2), 80, PSH_ACK, seq);
    // Window 0: 100 200 150 300 250 200: 150, 250 and 200 are late; 300 again is not.
    for (i, seq) in [100, 200, 150, 300, 250, 200, 300].into_iter().enumerate() {
        t.add(&seg(seq), T0 + i as u64);
    }
    // Window 1 starts afresh; across the wrap: 0xffff_ff00, 0x10 (after it), 0xffff_ff80
    // (before 0x10: late), 50 (after 0x10).
    for (i, seq) in [0xffff_ff00, 0x10, 0xffff_ff80, 50].into_iter().enumerate() {
        t.add(&seg(seq), T1 + i as u64);
    }
    // Another flow, in order, and UDP, ignored.
    t.add(&tcp(host(2), 80, host(1), 5, ACK, 1), T0).add(&tcp(host(2), 80, host(1), 5, ACK, 1), T0);
    t.add(&udp(host(1), 5, host(2), 80, b""), T0);
    assert_eq!(
        t.dump("tcp-seq"),
        format!(
            "window_start_ns,src,dst,sport,dport,proto,packets,out_of_order\n\
             {T0},10.0.0.1,10.0.0.2,5,80,6,7,3\n{T1},10.0.0.1,10.0.0.2,5,80,6,4,1\n"
        )
    );
    let p = PlainParams { threshold: Some(2), ..Default::default() };
    assert_eq!(t.dump_with("tcp-seq", &p).lines().count(), 2);
}

/// `n` SYNs to `dst`, each from its own source, at `ts`.
fn syns(t: &mut Trace, n: u32, dst: IpAddr, ts: u64) {
    for i in 0..n {
        t.add(&tcp(host(1000 + i), 1000, dst, 80, SYN, 0), ts);
    }
}

#[test]
fn new_tcp_and_the_syn_floods_hold_at_the_threshold_and_not_below() {
    let mut t = Trace::default();
    syns(&mut t, 40, host(1), T0);
    syns(&mut t, 39, host(2), T0);
    // Host 3: 41 SYNs and 2 ACKs (39 half open); it answers 2 SYN-ACKs (41 for Sonata).
    syns(&mut t, 41, host(3), T1);
    for i in 0..2 {
        t.add(&tcp(host(1000 + i), 1000, host(3), 80, ACK, 1), T1);
        t.add(&tcp(host(3), 80, host(1000 + i), 1000, SYN_ACK, 0), T1);
    }
    assert_eq!(
        t.rows("sonata-new-tcp"),
        [format!("{T0},10.0.0.1,40"), format!("{T1},10.0.0.3,41")]
    );
    assert_eq!(t.rows("syn-flood"), [format!("{T0},10.0.0.1,40,0,40")]);
    assert_eq!(
        t.rows("sonata-syn-flood"),
        [format!("{T0},10.0.0.1,40,0,0,40"), format!("{T1},10.0.0.3,41,2,2,41")]
    );
    let p = PlainParams { threshold: Some(39), ..Default::default() };
    assert_eq!(t.dump_with("syn-flood", &p).lines().count(), 4);
    // A SYN-ACK sender alone is a Sonata host; ACKs alone make no host.
    let mut t = Trace::default();
    for i in 0..40 {
        t.add(&tcp(host(1), 80, host(1000 + i), 1000, SYN_ACK, 0), T0);
        t.add(&tcp(host(1000 + i), 1000, host(2), 80, ACK, 0), T0);
    }
    assert_eq!(t.rows("sonata-syn-flood"), [format!("{T0},10.0.0.1,0,40,0,40")]);
    let p = PlainParams { threshold: Some(0), ..Default::default() };
    assert_eq!(t.dump_with("syn-flood", &p).lines().count(), 1, "header only");
}

#[test]
fn completed_flows_subtract_fins_sent() {
    let mut t = Trace::default();
    syns(&mut t, 41, host(1), T0);
    t.add(&tcp(host(1), 80, host(1000), 1000, FIN_ACK, 0), T0);
    t.add(&tcp(host(1), 80, host(1001), 1000, FIN_ACK, 0), T0);
    t.add(&tcp(host(1), 80, host(1001), 1000, FIN_ACK, 0), T1);
    syns(&mut t, 40, host(1), T1);
    // 41 - 2 = 39 in window 0 and 40 - 1 = 39 in window 1: neither holds at 40.
    assert!(t.rows("sonata-completed-flows").is_empty());
    let p = PlainParams { threshold: Some(39), ..Default::default() };
    assert_eq!(
        t.dump_with("sonata-completed-flows", &p),
        format!(
            "window_start_ns,host,syns,fins,open\n{T0},10.0.0.1,41,2,39\n{T1},10.0.0.1,40,1,39\n"
        )
    );
}

#[test]
fn distinct_counts_hold_at_the_threshold_and_not_below() {
    let mut t = Trace::default();
    for i in 0..45 {
        // 45 sources to host 1 (ddos); 44 to host 2.
        t.add(&udp(host(1000 + i), 7, host(1), 80, b""), T0);
        if i < 44 {
            t.add(&udp(host(1000 + i), 7, host(2), 80, b""), T0);
        }
        // Host 3 reaches 40 destinations over TCP on 40 ports; host 4 39 of each.
        if i < 40 {
            t.add(&tcp(host(3), 9, host(2000 + i), 100 + i as u16, SYN, 0), T1);
        }
        if i < 39 {
            t.add(&tcp(host(4), 9, host(2000 + i), 100 + i as u16, SYN, 0), T1);
        }
    }
    assert_eq!(t.rows("sonata-ddos"), [format!("{T0},10.0.0.1,45")]);
    let ss = t.rows("sonata-superspreader");
    // Every source of window 0 reaches 2 hosts at most; host 3 reaches 40.
    assert_eq!(ss, [format!("{T1},10.0.0.3,40")]);
    assert_eq!(t.rows("sonata-port-scan"), [format!("{T1},10.0.0.3,40")]);
}

#[test]
fn ssh_brute_counts_sources_per_length_and_connections() {
    let mut t = Trace::default();
    for i in 0..40u32 {
        let login =
            |len| with_payload(tcp(host(1000 + i), 40_000, host(1), 22, PSH_ACK, 0), b"", len);
        // 40 sources with 100 B logins, 39 of them also 120 B; a second connection each.
        t.add(&login(100), T0);
        if i < 39 {
            t.add(&login(120), T0);
        }
        let mut other = login(100);
        other.transport =
            Transport::Tcp { sport: 40_001, dport: 22, seq: 0, ack: 0, flags: PSH_ACK, window: 1 };
        t.add(&other, T0);
        // 20 sources with 2 connections each to host 2: 40 connections, 20 sources.
        if i < 20 {
            t.add(&tcp(host(1000 + i), 1, host(2), 22, SYN, 0), T1);
            t.add(&tcp(host(1000 + i), 2, host(2), 22, SYN, 0), T1);
        }
    }
    assert_eq!(t.rows("sonata-ssh-brute"), [format!("{T0},10.0.0.1,140,40")]);
    assert_eq!(
        t.rows("ssh-brute"),
        [format!("{T0},10.0.0.1,80,40"), format!("{T1},10.0.0.2,40,20")]
    );
}

#[test]
fn slowloris_needs_small_connections() {
    let mut t = Trace::default();
    for i in 0..10u32 {
        // Window 0: 10 connections x 89 B to host 1 port 80 (890 B); 10 x 90 B to port 81.
        t.add(&with_payload(tcp(host(1000 + i), 7, host(1), 80, ACK, 0), b"", 49), T0);
        t.add(&with_payload(tcp(host(1000 + i), 8, host(1), 81, ACK, 0), b"", 50), T0);
        // Window 1: 5 connections x 100 B, then 5 x 60 B: 800 B over 10 connections.
        if i < 5 {
            t.add(&with_payload(tcp(host(1000 + i), 7, host(2), 80, ACK, 0), b"", 60), T1);
        } else {
            t.add(&with_payload(tcp(host(1000 + i), 7, host(2), 80, ACK, 0), b"", 20), T1);
        }
    }
    assert_eq!(
        t.rows("slowloris"),
        [format!("{T0},10.0.0.1,80,10,890,89.000"), format!("{T1},10.0.0.2,80,10,800,80.000")]
    );
    // Per destination, host 1 has 20 connections and 1790 B: 89.5 B each.
    assert_eq!(
        t.rows("sonata-slowloris"),
        [format!("{T0},10.0.0.1,20,1790,89.500"), format!("{T1},10.0.0.2,10,800,80.000")]
    );
    let p = PlainParams { threshold: Some(11), ..Default::default() };
    assert_eq!(t.dump_with("sonata-slowloris", &p).lines().count(), 2);
    // Fewer than 500 bytes is not an attack.
    let mut t = Trace::default();
    for i in 0..10u32 {
        t.add(&with_payload(tcp(host(1000 + i), 7, host(1), 80, ACK, 0), b"", 9), T0);
    }
    assert!(t.rows("sonata-slowloris").is_empty() && t.rows("slowloris").is_empty());
}

fn answer(id: u16, rtype: u16) -> Vec<u8> {
    let name = "x.example.com";
    let rdata = if rtype == dns::TYPE_RRSIG {
        Rrsig::new(dns::TYPE_A, name, "example.com").rdata()
    } else {
        vec![1, 2, 3, 4]
    };
    let rec = DnsRecord { name: name.into(), rtype, ttl: 60, rdata };
    DnsMessage::response(id, name, dns::TYPE_A, vec![rec]).to_bytes()
}

#[test]
fn dns_tunnel_needs_no_syn_in_the_window_or_the_next() {
    let trace = |same_window: bool| {
        let mut t = Trace::default();
        dns_tunnel_trace(&mut t, same_window);
        t
    };
    let t = trace(false);
    assert_eq!(
        t.rows("sonata-dns-tunnel"),
        [format!("{T0},10.0.0.1,40"), format!("{T0},10.0.0.3,40")]
    );
    // A SYN in the same window counts too; a SYN-ACK does not.
    assert_eq!(trace(true).rows("sonata-dns-tunnel"), [format!("{T0},10.0.0.1,40")]);
    // Over one window spanning the run, host 2's SYN is in it.
    let p = PlainParams { window_ns: Some(0), ..Default::default() };
    assert_eq!(t.rows_with("sonata-dns-tunnel", &p), ["0,10.0.0.1,40"]);
}

fn dns_tunnel_trace(t: &mut Trace, same_window: bool) {
    // Hosts 1, 2, 3 each receive 40 answers in window 0; host 4 39. Host 2 sends a SYN in
    // window 1, host 3 one in window 2 (too late to matter); host 5's 40 answers include a
    // query (not an answer).
    for i in 0..40u32 {
        for h in [1, 2, 3] {
            t.add(&udp(host(100), 53, host(h), 5000 + i as u16, &answer(i as u16, 1)), T0);
        }
        if i < 39 {
            t.add(&udp(host(100), 53, host(4), 5000, &answer(i as u16, 1)), T0);
        }
        let q = DnsMessage::query(1, "x.example.com", dns::TYPE_A).to_bytes();
        let payload = if i == 0 { q } else { answer(1, 1) };
        t.add(&udp(host(100), 53, host(5), 5000, &payload), T0);
    }
    if same_window {
        t.add(&tcp(host(1), 5, host(100), 80, SYN_ACK, 0), T0 + 1);
        t.add(&tcp(host(3), 5, host(100), 80, SYN, 0), T0 + 1);
    }
    t.add(&tcp(host(2), 5, host(100), 80, SYN, 0), T1);
    t.add(&tcp(host(3), 5, host(100), 80, SYN, 0), T2);
}

#[test]
fn dns_reflection_counts_resolvers_of_rrsig_answers() {
    let mut t = Trace::default();
    for i in 0..40u32 {
        t.add(&udp(host(100 + i), 53, host(1), 5000, &answer(1, dns::TYPE_RRSIG)), T0);
        // Host 2: 40 resolvers, one answer without RRSIG.
        let rtype = if i == 7 { dns::TYPE_A } else { dns::TYPE_RRSIG };
        t.add(&udp(host(100 + i), 53, host(2), 5000, &answer(1, rtype)), T0);
        // Host 3: RRSIG answers from port 54: not DNS.
        t.add(&udp(host(100 + i), 54, host(3), 5000, &answer(1, dns::TYPE_RRSIG)), T0);
    }
    assert_eq!(t.rows("sonata-dns-reflection"), [format!("{T0},10.0.0.1,40")]);
    let p = PlainParams { threshold: Some(39), ..Default::default() };
    assert_eq!(t.dump_with("sonata-dns-reflection", &p).lines().count(), 3);
}

#[test]
fn zorro_needs_connections_and_the_payload() {
    let mut t = Trace::default();
    for i in 0..40u16 {
        let cmd = |payload: &[u8]| {
            with_payload(tcp(host(2), 1000 + i, host(1), 23, PSH_ACK, 0), payload, payload.len())
        };
        // Host 1: 40 connections, one `zorro` twice over; host 3 the same, `zorr` only.
        t.add(&cmd(if i == 3 { b"get zorro zorro" } else { b"root" }), T0);
        let mut other = cmd(b"zorr");
        other.dst = host(3);
        t.add(&other, T0);
    }
    t.add(&with_payload(tcp(host(2), 1000, host(1), 23, PSH_ACK, 0), b"zorro", 5), T0);
    for i in 0..40u16 {
        // Host 4: 40 connections, `zorro` captured only up to the headers.
        let cut = with_payload(tcp(host(2), 1000 + i, host(4), 23, PSH_ACK, 0), b"zorro", 5);
        t.add_cut(&cut, T1, 14 + 40);
    }
    assert_eq!(t.rows("sonata-zorro"), [format!("{T0},10.0.0.1,40,2")]);
    let p = PlainParams { threshold: Some(41), ..Default::default() };
    assert!(t.dump_with("sonata-zorro", &p).lines().nth(1).is_none());
}

#[test]
fn lb_profile_keeps_the_vips_and_shares_their_bytes() {
    let mut t = Trace::default();
    t.add(&tcp(host(1000), 5, host(1), 80, ACK, 0), T0)
        .add(&tcp(host(1001), 5, host(1), 80, ACK, 0), T0)
        .add(&tcp(host(1001), 5, host(1), 80, ACK, 0), T0)
        .add(&with_payload(tcp(host(1000), 5, host(0x0101_0001), 80, ACK, 0), b"", 66), T0)
        .add(
            &tcp("2001:db8::1".parse().unwrap(), 5, "2001:db8::2".parse().unwrap(), 80, ACK, 0),
            T0,
        );
    assert_eq!(
        t.dump("lb-profile"),
        format!(
            "window_start_ns,dst,packets,bytes,conns,set_bytes,share_pct\n\
             {T0},10.0.0.1,3,180,2,300,60.000\n{T0},11.1.0.1,1,120,1,300,40.000\n"
        )
    );
    let p = PlainParams {
        vips: vec!["10.0.0.0/24".into(), "2001:db8::/64".into()],
        ..Default::default()
    };
    assert_eq!(
        t.rows_with("lb-profile", &p),
        [
            format!("{T0},10.0.0.1,3,180,2,254,70.866"),
            format!("{T0},2001:db8::2,1,74,1,254,29.134")
        ]
    );
}
