//! The backbone model behind the `caida-like` profile (first version).
//!
//! A fixed population of flows, each a 5-tuple between a client and a server; every packet
//! picks its flow by Zipf popularity (exponent calibrated so the busiest flow carries at most
//! [`BackboneParams::top_flow_share`] of the packets), a direction (client to server with
//! probability 0.6) and a wire size from the backbone mixture. Servers are drawn by Zipf
//! popularity too, so some hosts are busy; clients are spread uniformly. About 10% of flows are
//! IPv6; flows are TCP, UDP or (rarely) ICMP echo.
//!
//! What this version leaves to the traffic issue: flow arrivals in time and TCP life cycles
//! (SYN, data, FIN), heavy-tailed flow lengths, DNS, burstiness. They slot in as other
//! [`TrafficModel`]s.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Zipf};
use wire::build::{PacketSpec, Transport};
use wire::record::tcp_flags;

use super::TrafficModel;
use super::sizes::{BACKBONE, SizeMixture};
use super::zipf::exponent_for_top_share;

/// Parameters of the backbone model.
#[derive(Clone, Debug, PartialEq)]
pub struct BackboneParams {
    /// Number of flows in the population.
    pub flows: u64,
    /// Largest share of packets one flow may carry (sets the Zipf exponent).
    pub top_flow_share: f64,
    /// Share of flows that are IPv6.
    pub ipv6_share: f64,
    /// Share of flows that are UDP (the rest TCP, but for `icmp_share`).
    pub udp_share: f64,
    /// Share of flows that are ICMP echo.
    pub icmp_share: f64,
}

impl BackboneParams {
    /// Defaults for a trace of `packets` packets: a population of one flow per 16 packets.
    /// Zipf sampling leaves part of the tail unseen while both directions of a connection count
    /// as flows, so a 2 M packet trace holds about 240 K distinct (directional) 5-tuples, about
    /// 8 packets each: denser in flows than CAIDA minutes (about 30 packets per connection), so
    /// flow tables are stressed rather than flattered.
    pub fn for_packets(packets: u64) -> Self {
        Self {
            flows: (packets / 16).max(1),
            top_flow_share: 0.01,
            ipv6_share: 0.10,
            udp_share: 0.12,
            icmp_share: 0.01,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum FlowProto {
    Tcp,
    Udp,
    Icmp,
}

#[derive(Clone, Copy, Debug)]
struct FlowState {
    client: IpAddr,
    server: IpAddr,
    cport: u16,
    sport: u16,
    proto: FlowProto,
    /// Next TCP sequence number per direction (client->server, server->client).
    seq: [u32; 2],
    /// Packets sent so far (ICMP echo sequence).
    sent: u32,
}

/// Well-known server ports, most popular first, and how often each serves a TCP flow.
const TCP_PORTS: [u16; 8] = [443, 80, 22, 25, 993, 8080, 3306, 5222];
const TCP_PORT_WEIGHTS: [f64; 8] = [0.55, 0.25, 0.05, 0.03, 0.04, 0.04, 0.02, 0.02];

/// An index drawn with probability proportional to `weights`.
fn weighted<R: Rng + ?Sized>(rng: &mut R, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}
const UDP_PORTS: [u16; 5] = [53, 443, 123, 4500, 5353];

/// The backbone traffic model.
pub struct BackboneModel {
    flows: Vec<FlowState>,
    popularity: Zipf<f64>,
    sizes: SizeMixture,
    rng: ChaCha8Rng,
}

fn random_v4<R: Rng + ?Sized>(rng: &mut R) -> IpAddr {
    // Public-looking unicast: first octet 1..=223 but not 10, 100, 127, 169, 172, 192.
    loop {
        let a: u32 = rng.random();
        let first = (a >> 24) as u8;
        if (1..=223).contains(&first) && ![10, 100, 127, 169, 172, 192].contains(&first) {
            return IpAddr::V4(Ipv4Addr::from(a));
        }
    }
}

fn random_v6<R: Rng + ?Sized>(rng: &mut R) -> IpAddr {
    // Global unicast 2000::/3 with a random interface identifier.
    let a: u128 = rng.random();
    IpAddr::V6(Ipv6Addr::from((a >> 3) | (0b001u128 << 125)))
}

impl BackboneModel {
    /// Builds the flow population from `seed`. Sub-streams: 1 for the population, 2 for packets.
    pub fn new(params: &BackboneParams, seed: u64) -> Self {
        let mut pop = ChaCha8Rng::seed_from_u64(seed);
        pop.set_stream(1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(2);
        let n = params.flows.max(1);
        let s = exponent_for_top_share(n, params.top_flow_share);
        // Servers: one per 8 flows, picked by Zipf popularity (top server about 5% of flows).
        let servers = (n / 8).max(1);
        let server_s = exponent_for_top_share(servers, 0.05);
        let server_pick = Zipf::new(servers as f64, server_s).expect("valid Zipf parameters");
        let server_v4: Vec<IpAddr> = (0..servers).map(|_| random_v4(&mut pop)).collect();
        let server_v6: Vec<IpAddr> = (0..servers).map(|_| random_v6(&mut pop)).collect();
        let flows = (0..n)
            .map(|_| {
                let v6 = pop.random_bool(params.ipv6_share);
                let server_idx = server_pick.sample(&mut pop) as usize - 1;
                let server = if v6 { server_v6[server_idx] } else { server_v4[server_idx] };
                let client = if v6 { random_v6(&mut pop) } else { random_v4(&mut pop) };
                let u: f64 = pop.random();
                let proto = if u < params.icmp_share {
                    FlowProto::Icmp
                } else if u < params.icmp_share + params.udp_share {
                    FlowProto::Udp
                } else {
                    FlowProto::Tcp
                };
                let sport = match proto {
                    FlowProto::Tcp => TCP_PORTS[weighted(&mut pop, &TCP_PORT_WEIGHTS)],
                    FlowProto::Udp => UDP_PORTS[pop.random_range(0..UDP_PORTS.len())],
                    FlowProto::Icmp => 0,
                };
                FlowState {
                    client,
                    server,
                    cport: pop.random_range(1024..=65535),
                    sport,
                    proto,
                    seq: [pop.random(), pop.random()],
                    sent: 0,
                }
            })
            .collect();
        Self {
            flows,
            popularity: Zipf::new(n as f64, s).expect("valid Zipf parameters"),
            sizes: SizeMixture::new(&BACKBONE),
            rng,
        }
    }

    /// Number of flows in the population.
    pub fn flows(&self) -> usize {
        self.flows.len()
    }
}

impl TrafficModel for BackboneModel {
    fn next_packet(&mut self, spec: &mut PacketSpec) {
        let rng = &mut self.rng;
        let f = &mut self.flows[self.popularity.sample(rng) as usize - 1];
        let forward = rng.random_bool(0.6);
        let wire = self.sizes.sample(rng) as usize;
        let (src, dst) = if forward { (f.client, f.server) } else { (f.server, f.client) };
        let (sp, dp) = if forward { (f.cport, f.sport) } else { (f.sport, f.cport) };
        let ip_header = if src.is_ipv6() { 40 } else { 20 };
        spec.src = src;
        spec.dst = dst;
        spec.ttl = if forward { 57 } else { 121 };
        spec.ip_id = f.sent as u16;
        spec.vlans.clear();
        spec.payload.clear();
        spec.transport = match f.proto {
            FlowProto::Tcp => {
                let dir = usize::from(!forward);
                let seq = f.seq[dir];
                let ack = f.seq[1 - dir];
                let flags =
                    if wire <= 60 { tcp_flags::ACK } else { tcp_flags::ACK | tcp_flags::PSH };
                Transport::Tcp { sport: sp, dport: dp, seq, ack, flags, window: 65_535 }
            }
            FlowProto::Udp => Transport::Udp { sport: sp, dport: dp },
            FlowProto::Icmp => {
                let ty = if src.is_ipv6() {
                    if forward { 128 } else { 129 }
                } else if forward {
                    8
                } else {
                    0
                };
                Transport::Icmp { ty, code: 0, rest: (0x1234 << 16) | (f.sent & 0xffff) }
            }
        };
        let headers = 14 + ip_header + spec.transport.header_len();
        // A minimum-size frame is a bare header; Ethernet padding fills it to 60 bytes.
        spec.payload_len = if wire <= 60 { 0 } else { wire.saturating_sub(headers) };
        if let (FlowProto::Tcp, dir) = (f.proto, usize::from(!forward)) {
            f.seq[dir] = f.seq[dir].wrapping_add(spec.payload_len as u32);
        }
        f.sent = f.sent.wrapping_add(1);
    }
}
