//! The ground truth of injected attacks, counted from the packets themselves: every rule of
//! [`wire::sonata`] evaluated per window over the attack packets, the way the module doc's
//! table words it.
//!
//! The generator hands the counter every attack packet ([`TruthCounter::observe_attack`]) and
//! the wire length of every packet of the trace ([`TruthCounter::observe_bytes`], benign and
//! attack alike: `heavy-hitter` compares a flow with the window's total). Host rules only see
//! attack packets, which is exact because each scenario keeps to its own `10.i.0.0/16` block
//! that benign traffic never uses. Payload rules read the packet description's leading payload
//! bytes ([`PacketSpec::payload`]), which is what a full-payload capture holds (less Ethernet
//! padding, zeros that can neither spell `zorro` nor an RRSIG type). A DNS answer is a UDP
//! packet from port 53 whose payload holds a whole DNS header with QR set; it counts for
//! `sonata-dns-reflection` when [`wire::dns::DnsView::answer_types`] yields RRSIG, i.e. when the
//! record is in the answer section. `sonata-syn-flood` and `sonata-completed-flows` are signed
//! sums per host; `sonata-slowloris`'s "bytes per connection < 90" is `bytes < 90 *
//! connections`; for `sonata-dns-tunnel` a window past the last attack packet holds no SYN.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};

use wire::build::{PacketSpec, Transport};
use wire::dns::DnsView;
use wire::record::tcp_flags;
use wire::sonata::{self, Alarm, WINDOW_NS, window_start};

use super::TruthRow;

/// A directional 5-tuple (addresses, ports, protocol).
type FiveTuple = (IpAddr, u16, IpAddr, u16, u8);
/// A connection as the rules see it: (source, source port).
type Conn = (IpAddr, u16);

/// What one window holds, per rule.
#[derive(Default)]
struct Window {
    /// `sonata-new-tcp`: SYNs per destination.
    syns_to: HashMap<IpAddr, u64>,
    /// `sonata-ssh-brute`: sources per (destination, IP length) on port 22.
    ssh: HashMap<(IpAddr, usize), HashSet<IpAddr>>,
    /// `sonata-superspreader`: destinations per source.
    dsts_of: HashMap<IpAddr, HashSet<IpAddr>>,
    /// `sonata-port-scan`: TCP destination ports per source.
    ports_of: HashMap<IpAddr, HashSet<u16>>,
    /// `sonata-ddos`: sources per destination.
    srcs_of: HashMap<IpAddr, HashSet<IpAddr>>,
    /// `sonata-syn-flood`: SYNs to + SYN-ACKs from - ACKs to, per host.
    syn_flood: HashMap<IpAddr, i64>,
    /// `sonata-completed-flows`: SYNs to - FINs from, per host.
    completed: HashMap<IpAddr, i64>,
    /// `sonata-slowloris`: connections and IP bytes of TCP per destination.
    slow: HashMap<IpAddr, (HashSet<Conn>, u64)>,
    /// `sonata-dns-tunnel`: DNS answers per receiving host.
    dns_answers_to: HashMap<IpAddr, u64>,
    /// `sonata-dns-tunnel`: hosts that sent a SYN.
    syn_senders: HashSet<IpAddr>,
    /// `sonata-zorro`: telnet connections per destination, and whether one carried `zorro`.
    telnet: HashMap<IpAddr, (HashSet<Conn>, bool)>,
    /// `sonata-dns-reflection`: sources of RRSIG answers per destination.
    rrsig_srcs: HashMap<IpAddr, HashSet<IpAddr>>,
    /// `heavy-hitter`: wire bytes per directional 5-tuple.
    flows: HashMap<FiveTuple, u64>,
}

/// Counts attack packets per window and tells which alarms they raise.
#[derive(Default)]
pub struct TruthCounter {
    windows: BTreeMap<u64, Window>,
    /// Wire bytes of every packet of the trace, per window.
    totals: BTreeMap<u64, u64>,
}

/// What the DNS rules need of a UDP payload from port 53.
struct DnsFacts {
    /// An answer: a whole DNS header with QR set.
    answer: bool,
    /// An answer with a record of type RRSIG in its answer section.
    rrsig: bool,
}

fn dns_facts(payload: &[u8]) -> DnsFacts {
    match DnsView::new_checked(payload) {
        Ok(dns) if dns.is_response() => {
            DnsFacts { answer: true, rrsig: dns.has_answer_type(sonata::DNS_TYPE_RRSIG) }
        }
        _ => DnsFacts { answer: false, rrsig: false },
    }
}

/// The text key of a 5-tuple: `src:sport>dst:dport/proto`, IPv6 addresses in brackets.
pub fn flow_key_text(src: IpAddr, sport: u16, dst: IpAddr, dport: u16, proto: u8) -> String {
    format!("{}>{}/{proto}", SocketAddr::new(src, sport), SocketAddr::new(dst, dport))
}

impl TruthCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one attack packet sent at `ts_ns` (call [`TruthCounter::observe_bytes`] for it
    /// too).
    pub fn observe_attack(&mut self, ts_ns: u64, spec: &PacketSpec) {
        let w = self.windows.entry(window_start(ts_ns)).or_default();
        let (src, dst) = (spec.src, spec.dst);
        let v6 = spec.is_v6();
        let proto = spec.transport.proto(v6);
        let ip_len = spec.ip_len();
        let payload = &spec.payload[..spec.payload.len().min(spec.payload_len)];
        let (sport, dport) = match spec.transport {
            Transport::Tcp { sport, dport, .. } | Transport::Udp { sport, dport } => (sport, dport),
            Transport::Icmp { .. } => (0, 0),
        };

        w.dsts_of.entry(src).or_default().insert(dst);
        w.srcs_of.entry(dst).or_default().insert(src);
        *w.flows.entry((src, sport, dst, dport, proto)).or_default() += spec.wire_len() as u64;

        match spec.transport {
            Transport::Tcp { flags, .. } => {
                let syn = flags == tcp_flags::SYN;
                if syn {
                    *w.syns_to.entry(dst).or_default() += 1;
                    *w.syn_flood.entry(dst).or_default() += 1;
                    *w.completed.entry(dst).or_default() += 1;
                    w.syn_senders.insert(src);
                }
                if flags == tcp_flags::SYN | tcp_flags::ACK {
                    *w.syn_flood.entry(src).or_default() += 1;
                }
                if flags == tcp_flags::ACK {
                    *w.syn_flood.entry(dst).or_default() -= 1;
                }
                if flags & tcp_flags::FIN != 0 {
                    *w.completed.entry(src).or_default() -= 1;
                }
                w.ports_of.entry(src).or_default().insert(dport);
                if dport == 22 {
                    w.ssh.entry((dst, ip_len)).or_default().insert(src);
                }
                let slow = w.slow.entry(dst).or_default();
                slow.0.insert((src, sport));
                slow.1 += ip_len as u64;
                if dport == 23 {
                    let telnet = w.telnet.entry(dst).or_default();
                    telnet.0.insert((src, sport));
                    telnet.1 |= contains(payload, sonata::ZORRO_PAYLOAD);
                }
            }
            Transport::Udp { .. } if sport == 53 => {
                // The frame holds zeros after the given bytes: up to `payload_len`, then any
                // Ethernet padding. They can complete a DNS header, never set QR or an RRSIG
                // type, so a header shorter than given is only padded.
                let padding = spec.wire_len() - spec.link_header_len() - ip_len;
                let held = spec.payload_len + padding;
                let mut short = [0u8; wire::dns::HEADER_LEN];
                let payload = if payload.len() < short.len() && held > payload.len() {
                    short[..payload.len()].copy_from_slice(payload);
                    &short[..held.min(short.len())]
                } else {
                    payload
                };
                let facts = dns_facts(payload);
                if facts.answer {
                    *w.dns_answers_to.entry(dst).or_default() += 1;
                }
                if facts.rrsig {
                    w.rrsig_srcs.entry(dst).or_default().insert(src);
                }
            }
            _ => {}
        }
    }

    /// Counts the wire length of one packet of the trace (benign or attack) sent at `ts_ns`.
    pub fn observe_bytes(&mut self, ts_ns: u64, wire_len: u32) {
        *self.totals.entry(window_start(ts_ns)).or_default() += u64::from(wire_len);
    }

    /// Every (window, alarm, key) the attack packets raise, sorted. `heavy-hitter` is only
    /// judged in windows wholly inside the trace, whose first and last packets are at
    /// `first_ts_ns` and `last_ts_ns`.
    pub fn finish(&self, first_ts_ns: u64, last_ts_ns: u64) -> Vec<TruthRow> {
        let mut rows = Vec::new();
        for (&start, w) in &self.windows {
            let mut add = |alarm: Alarm, key: String| {
                rows.push(TruthRow { window_start_ns: start, alarm, key });
            };
            let hosts = |alarm, m: &HashMap<IpAddr, u64>, min: u64| -> Vec<(Alarm, String)> {
                m.iter().filter(|(_, n)| **n >= min).map(|(h, _)| (alarm, h.to_string())).collect()
            };
            let distinct = |alarm, m: &HashMap<IpAddr, HashSet<IpAddr>>, min: u64| {
                m.iter()
                    .filter(|(_, s)| s.len() as u64 >= min)
                    .map(|(h, _)| (alarm, h.to_string()))
                    .collect::<Vec<_>>()
            };
            let mut found = hosts(Alarm::NewTcp, &w.syns_to, sonata::NEW_TCP);
            found.extend(distinct(Alarm::Superspreader, &w.dsts_of, sonata::SUPERSPREADER));
            found.extend(distinct(Alarm::Ddos, &w.srcs_of, sonata::DDOS));
            found.extend(distinct(Alarm::DnsReflection, &w.rrsig_srcs, sonata::DNS_REFLECTION));
            for ((dst, _), srcs) in &w.ssh {
                if srcs.len() as u64 >= sonata::SSH_BRUTE {
                    found.push((Alarm::SshBrute, dst.to_string()));
                }
            }
            for (src, ports) in &w.ports_of {
                if ports.len() as u64 >= sonata::PORT_SCAN {
                    found.push((Alarm::PortScan, src.to_string()));
                }
            }
            for (h, n) in &w.syn_flood {
                if *n >= sonata::SYN_FLOOD {
                    found.push((Alarm::SynFlood, h.to_string()));
                }
            }
            for (h, n) in &w.completed {
                if *n >= sonata::COMPLETED_FLOWS {
                    found.push((Alarm::CompletedFlows, h.to_string()));
                }
            }
            for (h, (conns, bytes)) in &w.slow {
                let conns = conns.len() as u64;
                if conns >= sonata::SLOWLORIS_CONNS
                    && *bytes >= sonata::SLOWLORIS_BYTES
                    && *bytes < sonata::SLOWLORIS_BYTES_PER_CONN * conns
                {
                    found.push((Alarm::Slowloris, h.to_string()));
                }
            }
            let next = self.windows.get(&(start + WINDOW_NS));
            for (h, n) in &w.dns_answers_to {
                let opened = w.syn_senders.contains(h)
                    || next.is_some_and(|next| next.syn_senders.contains(h));
                if *n >= sonata::DNS_TUNNEL && !opened {
                    found.push((Alarm::DnsTunnel, h.to_string()));
                }
            }
            for (h, (conns, zorro)) in &w.telnet {
                if *zorro && conns.len() as u64 >= sonata::ZORRO {
                    found.push((Alarm::Zorro, h.to_string()));
                }
            }
            let whole = start >= first_ts_ns && start + WINDOW_NS <= last_ts_ns;
            let total = self.totals.get(&start).copied().unwrap_or(0);
            if whole {
                for (&(src, sport, dst, dport, proto), &bytes) in &w.flows {
                    if bytes as f64 > sonata::HEAVY_HITTER_SHARE * total as f64 {
                        found.push((
                            Alarm::HeavyHitter,
                            flow_key_text(src, sport, dst, dport, proto),
                        ));
                    }
                }
            }
            for (alarm, key) in found {
                add(alarm, key);
            }
        }
        rows.sort();
        rows.dedup();
        rows
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use wire::LinkType;

    fn tcp(
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        flags: u8,
        payload: &[u8],
    ) -> PacketSpec {
        PacketSpec {
            link: LinkType::Ethernet,
            vlans: vec![],
            src: IpAddr::V4(Ipv4Addr::from(src)),
            dst: IpAddr::V4(Ipv4Addr::from(dst)),
            ttl: 64,
            ip_id: 0,
            transport: Transport::Tcp { sport, dport, seq: 0, ack: 0, flags, window: 1000 },
            payload_len: payload.len(),
            payload: payload.to_vec(),
        }
    }

    fn keys(rows: &[TruthRow], alarm: Alarm) -> Vec<(u64, String)> {
        rows.iter()
            .filter(|r| r.alarm == alarm)
            .map(|r| (r.window_start_ns, r.key.clone()))
            .collect()
    }

    #[test]
    fn counts_hold_at_the_threshold_and_not_below() {
        let mut t = TruthCounter::new();
        // 40 SYNs to 10.0.0.1 from 40 sources in window 0; 39 to 10.0.0.2 in window 1.
        for i in 0..40u8 {
            let p = tcp([10, 0, 1, i], 1000, [10, 0, 0, 1], 80, tcp_flags::SYN, b"");
            t.observe_attack(u64::from(i), &p);
            t.observe_bytes(u64::from(i), p.wire_len() as u32);
        }
        for i in 0..39u8 {
            let p = tcp([10, 0, 1, i], 1000, [10, 0, 0, 2], 80, tcp_flags::SYN, b"");
            t.observe_attack(WINDOW_NS + u64::from(i), &p);
        }
        // Window 1 is not wholly inside the trace: no heavy hitter judged there.
        let rows = t.finish(0, WINDOW_NS + 38);
        assert_eq!(keys(&rows, Alarm::NewTcp), [(0, "10.0.0.1".to_string())]);
        assert_eq!(keys(&rows, Alarm::SynFlood), [(0, "10.0.0.1".to_string())]);
        assert_eq!(keys(&rows, Alarm::CompletedFlows), [(0, "10.0.0.1".to_string())]);
        assert!(keys(&rows, Alarm::Ddos).is_empty(), "40 sources are below 45");
        // Window 0's flows each carry 1/40 of the window's bytes.
        assert_eq!(keys(&rows, Alarm::HeavyHitter).len(), 40);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn heavy_hitter_needs_a_whole_window_and_more_than_the_share() {
        let mut t = TruthCounter::new();
        let p = tcp([10, 0, 1, 0], 5, [10, 0, 0, 1], 6, tcp_flags::ACK, &[]);
        t.observe_attack(WINDOW_NS + 10, &p);
        t.observe_bytes(WINDOW_NS + 10, 60);
        t.observe_bytes(WINDOW_NS + 20, 5940); // flow is exactly 1%: not above
        t.observe_attack(2 * WINDOW_NS + 10, &p);
        t.observe_bytes(2 * WINDOW_NS + 10, 60);
        t.observe_bytes(2 * WINDOW_NS + 20, 5939);
        let key = "10.0.1.0:5>10.0.0.1:6/6".to_string();
        assert_eq!(keys(&t.finish(0, 3 * WINDOW_NS), Alarm::HeavyHitter), [(2 * WINDOW_NS, key)]);
        assert!(keys(&t.finish(0, 3 * WINDOW_NS - 1), Alarm::HeavyHitter).is_empty());
        assert!(keys(&t.finish(WINDOW_NS + 1, 5 * WINDOW_NS), Alarm::HeavyHitter).len() == 1);
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(flow_key_text(v6, 1, v6, 2, 58), "[2001:db8::1]:1>[2001:db8::1]:2/58");
    }

    #[test]
    fn slowloris_needs_small_connections_and_zorro_its_payload() {
        let mut t = TruthCounter::new();
        for i in 0..10u8 {
            // 10 connections x 89 bytes: 890 bytes, 89 per connection.
            t.observe_attack(
                5,
                &tcp([10, 0, 1, i], 7, [10, 0, 0, 1], 80, tcp_flags::ACK, &[0; 49]),
            );
        }
        for i in 0..10u8 {
            // 10 connections x 90 bytes: not below 90.
            t.observe_attack(WINDOW_NS, &tcp([10, 0, 1, i], 7, [10, 0, 0, 1], 80, 0x18, &[0; 50]));
        }
        for i in 0..40u8 {
            let payload: &[u8] = if i == 3 { b"get zorro now" } else { b"root" };
            t.observe_attack(
                2 * WINDOW_NS,
                &tcp([10, 0, 1, 1], 1000 + u16::from(i), [10, 0, 0, 2], 23, 0x18, payload),
            );
            t.observe_attack(
                3 * WINDOW_NS,
                &tcp([10, 0, 1, 1], 1000 + u16::from(i), [10, 0, 0, 2], 23, 0x18, b"zorr"),
            );
        }
        let rows = t.finish(0, 0);
        let slow = keys(&rows, Alarm::Slowloris);
        assert!(slow.contains(&(0, "10.0.0.1".to_string())));
        assert!(!slow.contains(&(WINDOW_NS, "10.0.0.1".to_string())));
        assert_eq!(keys(&rows, Alarm::Zorro), [(2 * WINDOW_NS, "10.0.0.2".to_string())]);
    }

    #[test]
    fn dns_facts_find_answers_and_rrsig_records() {
        let mut msg = vec![0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        msg.extend_from_slice(&[1, b'a', 0, 0, 48, 0, 1]); // question a. DNSKEY
        msg.extend_from_slice(&[0xc0, 12, 0, 46, 0, 1, 0, 0, 0, 0, 0, 2, 9, 9]); // RRSIG
        assert!(dns_facts(&msg).rrsig);
        let mut additional = msg.clone();
        additional[7] = 0; // the RRSIG as an additional record: not an answer
        additional[11] = 1;
        assert!(!dns_facts(&additional).rrsig);
        msg[22] = 47; // NSEC instead
        let f = dns_facts(&msg);
        assert!(f.answer && !f.rrsig);
        msg[2] = 0x01; // a query
        assert!(!dns_facts(&msg).answer);
        assert!(!dns_facts(&msg[..11]).answer);
    }

    #[test]
    fn a_dns_header_completed_by_zeros_counts() {
        // Three bytes given, QR set; the frame's zeros (payload then padding) make the header.
        let spec = |payload_len| PacketSpec {
            link: LinkType::Ethernet,
            vlans: vec![],
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 1, 0)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            ttl: 64,
            ip_id: 0,
            transport: Transport::Udp { sport: 53, dport: 5000 },
            payload_len,
            payload: vec![0, 0, 0x80],
        };
        for (payload_len, answers) in [(3, 40), (12, 40), (2, 0)] {
            let mut t = TruthCounter::new();
            for i in 0..40 {
                t.observe_attack(i, &spec(payload_len));
            }
            let fired = !keys(&t.finish(0, 0), Alarm::DnsTunnel).is_empty();
            assert_eq!(fired, answers == 40, "payload_len {payload_len}");
        }
    }
}
