//! The alarm vocabulary shared by the traffic generator's ground truth and the query library:
//! Sonata's eleven telemetry queries and Jetstream's heavy-hitter detector, with their default
//! thresholds and the exact counting rules pktstream uses.
//!
//! Every rule counts per tumbling window of [`WINDOW_NS`] on packet time, aligned to multiples of
//! the window since the Unix epoch; a query raises one alarm per (window, reported key) where the
//! rule holds. "SYN" means a TCP packet whose flags are exactly SYN; "SYN-ACK" exactly SYN|ACK;
//! "ACK" exactly ACK; "FIN" any TCP packet with the FIN flag. Lengths are the IP total length
//! (`ip_len`) unless said otherwise. Addresses of both IP versions take part.
//!
//! | query | rule (per window) | reported key |
//! |---|---|---|
//! | `sonata-new-tcp` | SYNs to a host >= [`NEW_TCP`] | destination |
//! | `sonata-ssh-brute` | distinct sources sending TCP to port 22 of a host with the same IP length >= [`SSH_BRUTE`] | destination |
//! | `sonata-superspreader` | distinct destinations of a source >= [`SUPERSPREADER`] | source |
//! | `sonata-port-scan` | distinct TCP destination ports of a source >= [`PORT_SCAN`] | source |
//! | `sonata-ddos` | distinct sources of a destination >= [`DDOS`] | destination |
//! | `sonata-syn-flood` | SYNs to a host + SYN-ACKs from it - ACKs to it >= [`SYN_FLOOD`] | the host |
//! | `sonata-completed-flows` | SYNs to a host - FINs from it >= [`COMPLETED_FLOWS`] | the host |
//! | `sonata-slowloris` | TCP to a host: distinct (source, source port) >= [`SLOWLORIS_CONNS`], IP bytes >= [`SLOWLORIS_BYTES`], bytes per connection < [`SLOWLORIS_BYTES_PER_CONN`] | destination |
//! | `sonata-dns-tunnel` | DNS answers (UDP from port 53, QR set) received by a host >= [`DNS_TUNNEL`] with no SYN sent by it in this window or the next | the receiving host |
//! | `sonata-zorro` | distinct (source, source port) sending TCP to port 23 of a host >= [`ZORRO`], and a TCP packet to its port 23 whose payload holds `zorro` | destination |
//! | `sonata-dns-reflection` | distinct sources of DNS answers with an RRSIG record (type 46) to a host >= [`DNS_REFLECTION`] | destination |
//! | `heavy-hitter` | a directional 5-tuple's wire bytes > [`HEAVY_HITTER_SHARE`] of the window's wire bytes, windows wholly inside the trace only | the 5-tuple |
//!
//! Two thresholds differ from a literal reading of Sonata's table, because at the literal value
//! no benign traffic can stay silent: `sonata-completed-flows` is listed there with 1, which fires
//! on every server that opens one more connection than it closes in a window, as any busy server
//! does whenever a connection spans a window boundary; and `sonata-syn-flood` and
//! `sonata-dns-tunnel` have no published count. All three use 40, the count threshold of the
//! other host queries.

/// Length of the windows of every rule: 1 s.
pub const WINDOW_NS: u64 = 1_000_000_000;

/// `sonata-new-tcp`: SYNs per destination.
pub const NEW_TCP: u64 = 40;
/// `sonata-ssh-brute`: distinct sources per (destination, IP length) on port 22.
pub const SSH_BRUTE: u64 = 40;
/// `sonata-superspreader`: distinct destinations per source.
pub const SUPERSPREADER: u64 = 40;
/// `sonata-port-scan`: distinct TCP destination ports per source.
pub const PORT_SCAN: u64 = 40;
/// `sonata-ddos`: distinct sources per destination.
pub const DDOS: u64 = 45;
/// `sonata-syn-flood`: SYN + SYN-ACK - ACK per host.
pub const SYN_FLOOD: i64 = 40;
/// `sonata-completed-flows`: SYN - FIN per host (see the module doc for why not 1).
pub const COMPLETED_FLOWS: i64 = 40;
/// `sonata-slowloris`: distinct connections per destination.
pub const SLOWLORIS_CONNS: u64 = 5;
/// `sonata-slowloris`: IP bytes per destination.
pub const SLOWLORIS_BYTES: u64 = 500;
/// `sonata-slowloris`: bytes per connection below which the host is reported.
pub const SLOWLORIS_BYTES_PER_CONN: u64 = 90;
/// `sonata-dns-tunnel`: DNS answers received without a new TCP connection afterwards.
pub const DNS_TUNNEL: u64 = 40;
/// `sonata-zorro`: distinct telnet connections per destination.
pub const ZORRO: u64 = 40;
/// `sonata-dns-reflection`: distinct sources of RRSIG answers per destination.
pub const DNS_REFLECTION: u64 = 40;
/// `heavy-hitter`: share of the window's wire bytes above which a flow is reported.
pub const HEAVY_HITTER_SHARE: f64 = 0.01;
/// The payload `sonata-zorro` looks for.
pub const ZORRO_PAYLOAD: &[u8] = b"zorro";
/// DNS record type RRSIG.
pub const DNS_TYPE_RRSIG: u16 = 46;

/// An alarm kind: one of the rules of the module doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alarm {
    /// `sonata-new-tcp`.
    NewTcp,
    /// `sonata-ssh-brute`.
    SshBrute,
    /// `sonata-superspreader`.
    Superspreader,
    /// `sonata-port-scan`.
    PortScan,
    /// `sonata-ddos`.
    Ddos,
    /// `sonata-syn-flood`.
    SynFlood,
    /// `sonata-completed-flows`.
    CompletedFlows,
    /// `sonata-slowloris`.
    Slowloris,
    /// `sonata-dns-tunnel`.
    DnsTunnel,
    /// `sonata-zorro`.
    Zorro,
    /// `sonata-dns-reflection`.
    DnsReflection,
    /// `heavy-hitter`.
    HeavyHitter,
}

impl Alarm {
    /// Every alarm kind with its name.
    pub const ALL: [(&'static str, Alarm); 12] = [
        ("sonata-new-tcp", Alarm::NewTcp),
        ("sonata-ssh-brute", Alarm::SshBrute),
        ("sonata-superspreader", Alarm::Superspreader),
        ("sonata-port-scan", Alarm::PortScan),
        ("sonata-ddos", Alarm::Ddos),
        ("sonata-syn-flood", Alarm::SynFlood),
        ("sonata-completed-flows", Alarm::CompletedFlows),
        ("sonata-slowloris", Alarm::Slowloris),
        ("sonata-dns-tunnel", Alarm::DnsTunnel),
        ("sonata-zorro", Alarm::Zorro),
        ("sonata-dns-reflection", Alarm::DnsReflection),
        ("heavy-hitter", Alarm::HeavyHitter),
    ];

    /// The alarm's name, as apps and truth files spell it.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, a)| *a == self).map_or("?", |(n, _)| n)
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Alarm> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// Whether the rule needs captured payload (DNS fields or `zorro`), beyond headers.
    pub fn needs_payload(self) -> bool {
        matches!(self, Alarm::DnsTunnel | Alarm::Zorro | Alarm::DnsReflection)
    }
}

/// The start of the window holding `ts_ns`.
pub fn window_start(ts_ns: u64) -> u64 {
    ts_ns - ts_ns % WINDOW_NS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_windows_align() {
        for (n, a) in Alarm::ALL {
            assert_eq!(Alarm::from_name(n), Some(a));
            assert_eq!(a.name(), n);
        }
        assert_eq!(Alarm::from_name("nope"), None);
        assert_eq!(window_start(3_999_999_999), 3_000_000_000);
        assert_eq!(window_start(4_000_000_000), 4_000_000_000);
    }
}
