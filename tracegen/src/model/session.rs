//! The flow model behind `caida-like`, `fais-like` and `datacenter`: flows arrive, live their
//! protocol's life cycle and end, interleaved in time.
//!
//! Time is counted in *slots*, one per packet on average: flows arrive as a Poisson process of
//! rate `1 / mean length` per slot, so the model emits one packet per slot in steady state and
//! the generator's pacing turns the packet order into timestamps. Each flow draws a planned
//! length ([`FlowLengths`]) and a gap between its packets (log-uniform between
//! [`FlowParams::gap_min`] and [`FlowParams::gap_max`] slots, jittered per packet); a gap of
//! at least `gap_min` slots keeps any flow below `1 / gap_min` of the packets. Pending packets
//! sit in a timing wheel (one bucket per slot, intrusive lists), so scheduling costs O(1).
//!
//! The trace starts in steady state: the flows in progress at slot 0 are drawn as a packet
//! picked at random would find them (length-biased, at a uniform point of their life), so long
//! flows are already running and have sent their SYN before the trace.
//!
//! Life cycles: a TCP flow of 3 or more packets opens with SYN, SYN-ACK, ACK (a few slots
//! apart), carries data both ways (server to client with probability
//! [`FlowParams::download_share`]), and, from 6 packets, closes with FIN, FIN, ACK (or with a
//! RST in [`FlowParams::rst_share`] of flows); shorter TCP flows are segments of a connection
//! seen in passing. A DNS flow is a query and its answer, after which the client opens a TCP
//! connection (as a browser does). Other UDP flows and ICMP echo exchange packets both ways.
//!
//! Benign traffic stays below every alarm rule of [`wire::sonata`]: hosts are capped as
//! [`super::hosts`] explains; no flow can exceed `1 / gap_min` of a window's packets; the first
//! TCP segment of each direction of a flow in each window (but SYN and SYN-ACK) carries at least
//! [`MIN_FIRST_SEGMENT_IP_LEN`] IP bytes, so no host sees many connections of few bytes
//! (`sonata-slowloris`); benign traffic never uses telnet, RRSIG answers or 10.0.0.0/8.

use std::collections::HashSet;
use std::net::IpAddr;

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use wire::build::{PacketSpec, Transport};
use wire::dns::{self, DnsMessage, DnsRecord};
use wire::prefetch::prefetch;
use wire::record::tcp_flags;
use wire::sonata::WINDOW_NS;

use super::TrafficModel;
use super::dist::Sampler;
use super::hosts::{AddressPlan, AddressSource, HostPool};
use super::lengths::FlowLengths;
use super::sizes::SizeMixture;

/// IP length given to the first TCP segment of a flow's direction in a window (see module doc).
pub const MIN_FIRST_SEGMENT_IP_LEN: usize = 150;

/// Slots between the packets of a TCP handshake and between a DNS query, its answer and the
/// client's connection.
const HANDSHAKE_GAP: u64 = 8;

/// Planned flow lengths: the built-in plan, or a user's distribution.
#[derive(Clone, Debug)]
pub enum Lengths {
    /// The body-and-tail plan of the built-in profiles.
    Plan(FlowLengths),
    /// A user's distribution (rounded, at least 1), with its mean.
    Custom {
        /// The distribution.
        sampler: Sampler,
        /// Its mean (it must have one: flows arrive at one per mean length slots).
        mean: f64,
    },
}

impl Lengths {
    /// The mean length.
    pub fn mean(&self) -> f64 {
        match self {
            Lengths::Plan(p) => p.mean(),
            Lengths::Custom { mean, .. } => *mean,
        }
    }

    /// Draws a length.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Lengths::Plan(p) => p.sample(rng),
            Lengths::Custom { sampler, .. } => sampler.sample(rng).round().max(1.0) as u64,
        }
    }

    /// Draws a length biased by length (flows in progress at the start). A user's
    /// distribution is resampled: one of 32 draws, picked with probability proportional to its
    /// length.
    pub fn sample_length_biased<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match self {
            Lengths::Plan(p) => p.sample_length_biased(rng),
            Lengths::Custom { .. } => {
                let draws: [u64; 32] = std::array::from_fn(|_| self.sample(rng));
                let total: u64 = draws.iter().sum();
                let mut u = rng.random_range(0..total.max(1));
                for d in draws {
                    if u < d {
                        return d;
                    }
                    u -= d;
                }
                draws[31]
            }
        }
    }
}

/// Wire sizes of data packets: a built-in mixture or a user's distribution.
#[derive(Clone, Debug)]
pub enum Sizes {
    /// A built-in mixture.
    Mixture(SizeMixture),
    /// A user's distribution, rounded and held to 60..=1514 bytes.
    Custom(Sampler),
}

impl Sizes {
    /// Draws a wire length.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        match self {
            Sizes::Mixture(m) => m.sample(rng),
            Sizes::Custom(s) => s.sample(rng).round().clamp(60.0, 1514.0) as u32,
        }
    }
}

/// Parameters of the flow model.
#[derive(Clone, Debug)]
pub struct FlowParams {
    /// Planned flow lengths.
    pub lengths: Lengths,
    /// Smallest mean gap between a flow's packets, in slots.
    pub gap_min: f64,
    /// Largest mean gap between a flow's packets, in slots.
    pub gap_max: f64,
    /// Wire sizes of data packets.
    pub sizes: Sizes,
    /// Share of flows that are IPv6.
    pub ipv6_share: f64,
    /// Share of flows that are DNS exchanges (UDP port 53, then a TCP connection).
    pub dns_share: f64,
    /// Share of flows that are other UDP.
    pub udp_share: f64,
    /// Share of flows that are ICMP echo.
    pub icmp_share: f64,
    /// TCP server ports and their weights.
    pub tcp_ports: Vec<(u16, f64)>,
    /// UDP server ports (other than DNS) and their weights.
    pub udp_ports: Vec<(u16, f64)>,
    /// Share of data packets going from server to client.
    pub download_share: f64,
    /// Share of TCP flows closed by a RST rather than FINs.
    pub rst_share: f64,
    /// Where addresses come from.
    pub addresses: AddressPlan,
    /// Share of new flows the most popular server receives (Zipf popularity of servers).
    pub server_top_share: f64,
    /// Packets per 1 s window the trace is expected to carry (sizes the host pools).
    pub packets_per_window: f64,
    /// Timestamp of the trace's first packet: flows in progress at the start count in its
    /// window.
    pub start_ns: u64,
}

impl FlowParams {
    /// The mean gap of a flow, in slots (log-uniform between the bounds).
    pub fn mean_gap(&self) -> f64 {
        if self.gap_max > self.gap_min {
            (self.gap_max - self.gap_min) / (self.gap_max / self.gap_min).ln()
        } else {
            self.gap_min
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Tcp,
    Udp,
    Dns,
    Icmp,
}

/// Sentinel for "no flow" in the wheel's lists.
const NONE: u32 = u32::MAX;
/// Slots the wheel spans (delays are capped below it): more than any gap a flow draws, and a
/// wheel of 256 KiB stays in cache.
const WHEEL_BITS: u32 = 16;
/// Slots ahead of the cursor whose flow is prefetched.
const PREFETCH_FLOW: u64 = 8;
/// Slots ahead of the cursor whose flow's hosts are prefetched (the flow is in cache by then).
const PREFETCH_HOSTS: u64 = 4;

/// A flow's state: one cache line.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct Flow {
    kind: Kind,
    v6: bool,
    rst_close: bool,
    client: u32,
    server: u32,
    cport: u16,
    sport: u16,
    /// Planned packets and the index of the next one.
    len: u32,
    idx: u32,
    gap: f32,
    /// Next sequence number per direction (client to server, server to client).
    seq: [u32; 2],
    /// Window (low 32 bits of its index) of the last packet per direction, +1 (0: none yet).
    last_window: [u32; 2],
    /// Next flow in the same wheel bucket.
    next: u32,
    /// Client and server addresses of an IPv4 flow, kept here so that a packet touches no
    /// host (IPv6 flows read their pools).
    v4: [u32; 2],
}

/// A yes/no draw of fixed probability: one 64-bit word against a threshold.
#[derive(Clone, Copy, Debug)]
struct Chance(u64);

impl Chance {
    fn new(p: f64) -> Self {
        Chance((p.clamp(0.0, 1.0) * 18_446_744_073_709_551_615.0) as u64)
    }

    #[inline]
    fn draw<R: Rng + ?Sized>(self, rng: &mut R) -> bool {
        rng.next_u64() < self.0
    }
}

/// The flow model.
pub struct SessionModel {
    params: FlowParams,
    /// Whether a data packet goes from server to client.
    download: Chance,
    rng: ChaCha8Rng,
    clients: [HostPool; 2],
    servers: [HostPool; 2],
    used: HashSet<IpAddr>,
    flows: Vec<Flow>,
    free: Vec<u32>,
    wheel: Vec<u32>,
    cursor: u64,
    /// A flow to file in the wheel at the start of the next call, and its slot.
    pending: Option<(u32, u64)>,
    next_arrival: f64,
    arrivals: Exp<f64>,
    flows_started: u64,
    ip_id: u16,
}

impl SessionModel {
    /// Builds the model, its host pools and the flows in progress at the start, from `seed`
    /// (sub-streams: 3 for hosts and flows in progress, 4 for the traffic).
    pub fn new(params: FlowParams, seed: u64) -> Self {
        let mut init = ChaCha8Rng::seed_from_u64(seed);
        init.set_stream(3);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(4);
        let concurrency = params.mean_gap();
        let new_per_window = params.packets_per_window / params.lengths.mean();
        // Enough servers that the caps bind only on the most popular; clients more numerous.
        let servers = (concurrency / 2.0).max(new_per_window / 4.0).max(1024.0) as usize;
        let clients = (concurrency * 2.0).max(new_per_window).max(4096.0) as usize;
        let mut used = HashSet::new();
        let mut pool = |n: usize, top: f64, v6: bool, used: &mut HashSet<IpAddr>| {
            let n = if v6 { (n as f64 * params.ipv6_share.max(0.01)) as usize } else { n };
            let src = AddressSource { plan: params.addresses, v6 };
            HostPool::new(n, top, src, &mut init, used)
        };
        let servers = [
            pool(servers, params.server_top_share, false, &mut used),
            pool(servers, params.server_top_share, true, &mut used),
        ];
        let clients =
            [pool(clients, 0.001, false, &mut used), pool(clients, 0.001, true, &mut used)];
        let mean_len = params.lengths.mean();
        let mut m = Self {
            download: Chance::new(params.download_share),
            arrivals: Exp::new(1.0 / mean_len).expect("positive rate"),
            params,
            rng,
            clients,
            servers,
            used,
            flows: Vec::new(),
            free: Vec::new(),
            wheel: vec![NONE; 1 << WHEEL_BITS],
            cursor: 0,
            pending: None,
            next_arrival: 0.0,
            flows_started: 0,
            ip_id: 0,
        };
        m.next_arrival = m.arrivals.sample(&mut m.rng);
        // Flows in progress at slot 0: as many as are alive on average (arrival rate times mean
        // duration = mean gap), each drawn length-biased, with a gap drawn duration-biased
        // (uniform, for a log-uniform gap) at a uniform point of its life.
        let in_progress = concurrency.round() as u64;
        let first_window = m.params.start_ns / WINDOW_NS;
        for _ in 0..in_progress {
            let len = m.params.lengths.sample_length_biased(&mut init);
            let gap = init.random_range(m.params.gap_min..=m.params.gap_max.max(m.params.gap_min));
            let pos: f64 = init.random();
            let idx = ((pos * len as f64) as u64).min(len - 1);
            let at = (init.random::<f64>() * gap) as u64;
            m.start_flow(len, gap, idx, at, first_window, &mut init);
        }
        m
    }

    /// Flows started so far (in progress at the start included).
    pub fn flows_started(&self) -> u64 {
        self.flows_started
    }

    /// Distinct addresses in use so far.
    pub fn hosts(&self) -> usize {
        self.used.len()
    }

    fn draw_kind<R: Rng + ?Sized>(&self, rng: &mut R) -> Kind {
        let u: f64 = rng.random();
        let p = &self.params;
        if u < p.dns_share {
            Kind::Dns
        } else if u < p.dns_share + p.udp_share {
            Kind::Udp
        } else if u < p.dns_share + p.udp_share + p.icmp_share {
            Kind::Icmp
        } else {
            Kind::Tcp
        }
    }

    /// Starts a flow of planned length `len` whose next packet is number `idx`, due at slot
    /// `at`, in `window`.
    fn start_flow<R: Rng + ?Sized>(
        &mut self,
        len: u64,
        gap: f64,
        idx: u64,
        at: u64,
        window: u64,
        rng: &mut R,
    ) {
        let kind = self.draw_kind(rng);
        let len = if kind == Kind::Dns { 2 } else { len.min(u64::from(u32::MAX)) };
        let idx = idx.min(len - 1);
        let v6 = rng.random_bool(self.params.ipv6_share);
        let fresh = idx == 0;
        let used = &mut self.used;
        let client = self.clients[usize::from(v6)].acquire(rng, window, fresh, used);
        let server = self.servers[usize::from(v6)].acquire(rng, window, fresh, used);
        let flow = Flow::new(&self.params, kind, v6, (client, server), (len, idx), gap, rng);
        self.flows_started += 1;
        let id = self.alloc(flow);
        self.schedule(id, at);
    }

    /// Picks the server a DNS client will connect to after its answer, if the client has room
    /// for one more connection in `window` (else it skips the connection).
    fn prepare_follow_up(&mut self, client: u32, v6: bool, window: u64) -> Option<u32> {
        let pool = usize::from(v6);
        if !self.clients[pool].try_reacquire(client, window) {
            return None;
        }
        Some(self.servers[pool].acquire(&mut self.rng, window, true, &mut self.used))
    }

    /// Starts the TCP connection of a DNS client to `server` (both already acquired).
    fn start_follow_up(&mut self, client: u32, server: u32, v6: bool, at: u64) {
        let rng = &mut self.rng;
        let len = self.params.lengths.sample(rng).max(3);
        let gap = draw_gap(&self.params, rng);
        let flow = Flow::new(&self.params, Kind::Tcp, v6, (client, server), (len, 0), gap, rng);
        self.flows_started += 1;
        let id = self.alloc(flow);
        self.schedule(id, at);
    }

    fn alloc(&mut self, mut flow: Flow) -> u32 {
        if !flow.v6 {
            let v4 = |a: IpAddr| match a {
                IpAddr::V4(a) => u32::from(a),
                IpAddr::V6(_) => 0,
            };
            flow.v4 =
                [v4(self.clients[0].addr(flow.client)), v4(self.servers[0].addr(flow.server))];
        }
        if let Some(id) = self.free.pop() {
            self.flows[id as usize] = flow;
            id
        } else {
            self.flows.push(flow);
            (self.flows.len() - 1) as u32
        }
    }

    fn schedule(&mut self, id: u32, at: u64) {
        let at = at.max(self.cursor).min(self.cursor + (1 << WHEEL_BITS) - 1);
        let b = (at & ((1 << WHEEL_BITS) - 1)) as usize;
        self.flows[id as usize].next = self.wheel[b];
        self.wheel[b] = id;
    }

    /// The flow whose packet is due next, moving the cursor and admitting arrivals.
    fn next_due(&mut self, window: u64) -> u32 {
        if let Some((id, at)) = self.pending.take() {
            self.schedule(id, at);
        }
        loop {
            if self.next_arrival <= self.cursor as f64 {
                let mut rng = std::mem::replace(&mut self.rng, ChaCha8Rng::seed_from_u64(0));
                let len = self.params.lengths.sample(&mut rng);
                let gap = draw_gap(&self.params, &mut rng);
                self.start_flow(len, gap, 0, self.cursor, window, &mut rng);
                self.next_arrival += self.arrivals.sample(&mut rng);
                self.rng = rng;
                continue;
            }
            let b = (self.cursor & ((1 << WHEEL_BITS) - 1)) as usize;
            let id = self.wheel[b];
            if id != NONE {
                self.wheel[b] = self.flows[id as usize].next;
                // Flows are touched in an order the wheel knows ahead: fetch the flow due a
                // few slots on, and the hosts of one due sooner, while this one is built.
                let ahead =
                    self.wheel[((self.cursor + PREFETCH_FLOW) & ((1 << WHEEL_BITS) - 1)) as usize];
                if ahead != NONE {
                    prefetch(&self.flows[ahead as usize]);
                }
                let soon =
                    self.wheel[((self.cursor + PREFETCH_HOSTS) & ((1 << WHEEL_BITS) - 1)) as usize];
                if soon != NONE && self.flows[soon as usize].v6 {
                    let f = &self.flows[soon as usize];
                    self.clients[1].prefetch(f.client);
                    self.servers[1].prefetch(f.server);
                }
                return id;
            }
            self.cursor += 1;
        }
    }

    fn finish(&mut self, id: u32) {
        let f = self.flows[id as usize];
        let pool = usize::from(f.v6);
        self.clients[pool].release(f.client);
        self.servers[pool].release(f.server);
        self.free.push(id);
    }
}

/// A flow's mean gap between packets: log-uniform between the bounds.
fn draw_gap<R: Rng + ?Sized>(params: &FlowParams, rng: &mut R) -> f64 {
    let (a, b) = (params.gap_min, params.gap_max.max(params.gap_min));
    (a.ln() + rng.random::<f64>() * (b / a).ln()).exp()
}

impl Flow {
    /// A flow between `hosts` (client, server) of planned length `len.0`, next packet number
    /// `len.1`, drawing its ports, close and initial sequence numbers.
    fn new<R: Rng + ?Sized>(
        params: &FlowParams,
        kind: Kind,
        v6: bool,
        hosts: (u32, u32),
        len: (u64, u64),
        gap: f64,
        rng: &mut R,
    ) -> Self {
        let sport = match kind {
            Kind::Tcp => weighted_port(&params.tcp_ports, rng),
            Kind::Udp => weighted_port(&params.udp_ports, rng),
            Kind::Dns => 53,
            Kind::Icmp => 0,
        };
        Flow {
            kind,
            v6,
            rst_close: rng.random_bool(params.rst_share),
            client: hosts.0,
            server: hosts.1,
            cport: rng.random_range(1024..=65535),
            sport,
            len: len.0.min(u64::from(u32::MAX)) as u32,
            idx: len.1 as u32,
            gap: gap as f32,
            seq: [rng.random(), rng.random()],
            last_window: [0, 0],
            next: NONE,
            v4: [0, 0],
        }
    }
}

fn weighted_port<R: Rng + ?Sized>(ports: &[(u16, f64)], rng: &mut R) -> u16 {
    let total: f64 = ports.iter().map(|p| p.1).sum();
    let mut u = rng.random::<f64>() * total;
    for &(port, w) in ports {
        if u < w {
            return port;
        }
        u -= w;
    }
    ports.last().map_or(80, |p| p.0)
}

/// What a TCP packet of a life cycle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Syn,
    SynAck,
    HandshakeAck,
    Data,
    FinClient,
    FinServer,
    LastAck,
    Rst,
}

fn tcp_step(f: &Flow) -> Step {
    let (i, n) = (f.idx, f.len);
    if n < 3 {
        return Step::Data;
    }
    match i {
        0 => Step::Syn,
        1 => Step::SynAck,
        2 => Step::HandshakeAck,
        _ if f.rst_close && n >= 4 && i == n - 1 => Step::Rst,
        _ if !f.rst_close && n >= 6 && i == n - 3 => Step::FinClient,
        _ if !f.rst_close && n >= 6 && i == n - 2 => Step::FinServer,
        _ if !f.rst_close && n >= 6 && i == n - 1 => Step::LastAck,
        _ => Step::Data,
    }
}

impl TrafficModel for SessionModel {
    fn next_packet(&mut self, spec: &mut PacketSpec, now_ns: u64) {
        let window = now_ns / WINDOW_NS;
        let id = self.next_due(window);
        let mut f = self.flows[id as usize];
        let rng = &mut self.rng;
        let pool = usize::from(f.v6);
        let (client, server) = if f.v6 {
            (self.clients[pool].addr(f.client), self.servers[pool].addr(f.server))
        } else {
            (IpAddr::V4(f.v4[0].into()), IpAddr::V4(f.v4[1].into()))
        };
        let ip_header = if f.v6 { 40 } else { 20 };
        spec.vlans.clear();
        spec.payload.clear();
        self.ip_id = self.ip_id.wrapping_add(1);
        spec.ip_id = self.ip_id;
        let mut delay = HANDSHAKE_GAP as f64;
        let mut follow_up = None;
        let forward; // client to server
        match f.kind {
            Kind::Tcp => {
                let step = tcp_step(&f);
                forward = match step {
                    Step::Syn | Step::HandshakeAck | Step::FinClient | Step::LastAck => true,
                    Step::SynAck | Step::FinServer => false,
                    Step::Rst | Step::Data => !self.download.draw(rng),
                };
                let dir = usize::from(!forward);
                let (flags, mut payload) = match step {
                    Step::Syn => (tcp_flags::SYN, 0),
                    Step::SynAck => (tcp_flags::SYN | tcp_flags::ACK, 0),
                    Step::HandshakeAck => (tcp_flags::ACK, 0),
                    Step::FinClient | Step::FinServer => (tcp_flags::FIN | tcp_flags::ACK, 0),
                    Step::LastAck => (tcp_flags::ACK, 0),
                    Step::Rst => (tcp_flags::RST | tcp_flags::ACK, 0),
                    Step::Data => {
                        let wire = self.params.sizes.sample(rng) as usize;
                        (tcp_flags::ACK, wire.saturating_sub(14 + ip_header + 20))
                    }
                };
                // The first segment of this direction in this window carries some bytes.
                let stamp = (window as u32).wrapping_add(1);
                let is_syn = matches!(step, Step::Syn | Step::SynAck);
                if f.last_window[dir] != stamp && !is_syn {
                    payload = payload.max(MIN_FIRST_SEGMENT_IP_LEN - ip_header - 20);
                }
                f.last_window[dir] = stamp;
                let flags =
                    if payload > 0 && step == Step::Data { flags | tcp_flags::PSH } else { flags };
                let seq = f.seq[dir];
                let ack = if step == Step::Syn { 0 } else { f.seq[1 - dir] };
                let advance = payload as u32
                    + u32::from(is_syn || matches!(step, Step::FinClient | Step::FinServer));
                f.seq[dir] = seq.wrapping_add(advance);
                let (sp, dp) = if forward { (f.cport, f.sport) } else { (f.sport, f.cport) };
                spec.transport =
                    Transport::Tcp { sport: sp, dport: dp, seq, ack, flags, window: 65_535 };
                spec.payload_len = payload;
                // Data and the close come a flow gap apart; handshake packets follow quickly.
                let mut after = f;
                after.idx += 1;
                if matches!(tcp_step(&after), Step::Data | Step::FinClient | Step::Rst) {
                    delay = f64::from(f.gap);
                }
            }
            Kind::Dns => {
                forward = f.idx == 0;
                let (sp, dp) = if forward { (f.cport, 53) } else { (53, f.cport) };
                spec.transport = Transport::Udp { sport: sp, dport: dp };
                // The client asks for the name of the server it will connect to; the answer
                // gives that server's address (the resolver's own when the client is at its cap
                // and will not connect).
                let pool = usize::from(f.v6);
                if !forward {
                    follow_up = self.prepare_follow_up(f.client, f.v6, window);
                }
                let target = follow_up.unwrap_or(f.server);
                let name = format!("h{target}.example{}.com", target % 97);
                let qtype = if f.v6 { dns::TYPE_AAAA } else { dns::TYPE_A };
                let id = f.seq[0] as u16;
                let msg = if forward {
                    DnsMessage::query(id, &name, qtype)
                } else {
                    let rdata = match self.servers[pool].addr(target) {
                        IpAddr::V4(a) => dns::a_rdata(a),
                        IpAddr::V6(a) => dns::aaaa_rdata(a),
                    };
                    let answer = DnsRecord { name: name.clone(), rtype: qtype, ttl: 300, rdata };
                    DnsMessage::response(id, &name, qtype, vec![answer])
                };
                msg.write(&mut spec.payload);
                spec.payload_len = spec.payload.len();
            }
            Kind::Udp => {
                forward = !self.download.draw(rng);
                let (sp, dp) = if forward { (f.cport, f.sport) } else { (f.sport, f.cport) };
                spec.transport = Transport::Udp { sport: sp, dport: dp };
                let wire = self.params.sizes.sample(rng) as usize;
                spec.payload_len = wire.saturating_sub(14 + ip_header + 8);
                delay = f64::from(f.gap);
            }
            Kind::Icmp => {
                forward = f.idx.is_multiple_of(2);
                let ty = match (f.v6, forward) {
                    (true, true) => 128,
                    (true, false) => 129,
                    (false, true) => 8,
                    (false, false) => 0,
                };
                let rest = (u32::from(f.cport) << 16) | ((f.idx / 2) & 0xffff);
                spec.transport = Transport::Icmp { ty, code: 0, rest };
                spec.payload_len = 56;
                delay = if forward { HANDSHAKE_GAP as f64 } else { f64::from(f.gap) };
            }
        }
        spec.src = if forward { client } else { server };
        spec.dst = if forward { server } else { client };
        spec.ttl = if forward { 57 } else { 121 };
        f.idx += 1;
        let done = f.idx >= f.len;
        self.flows[id as usize] = f;
        if done {
            if let Some(server) = follow_up {
                self.start_follow_up(f.client, server, f.v6, self.cursor + HANDSHAKE_GAP);
            }
            self.finish(id);
        } else {
            let jitter = 0.5 + self.rng.random::<f64>();
            // Positive, so adding a half and truncating rounds (without a libm call).
            let at = self.cursor + ((delay * jitter + 0.5) as u64).max(1);
            // Filed at the start of the next call: the bucket is fetched meanwhile, while the
            // generator writes this packet.
            prefetch(&self.wheel[(at & ((1 << WHEEL_BITS) - 1)) as usize]);
            self.pending = Some((id, at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{ModelOptions, Profile};

    fn blank() -> PacketSpec {
        PacketSpec {
            link: wire::LinkType::Ethernet,
            vlans: vec![],
            src: std::net::Ipv4Addr::UNSPECIFIED.into(),
            dst: std::net::Ipv4Addr::UNSPECIFIED.into(),
            ttl: 0,
            ip_id: 0,
            transport: Transport::Udp { sport: 0, dport: 0 },
            payload_len: 0,
            payload: vec![],
        }
    }

    #[test]
    fn the_trace_starts_in_steady_state_at_one_packet_per_slot() {
        let opts = ModelOptions { packets_per_window: 1e6, ipv6_share: None, start_ns: 0 };
        for profile in [Profile::CaidaLike, Profile::Datacenter] {
            let mut m = SessionModel::new(profile.flow_params(&opts).unwrap(), 5);
            let mut spec = blank();
            let n = 1_000_000u64;
            let mut first_half_slots = 0;
            for i in 0..n {
                m.next_packet(&mut spec, i * 1000);
                if i == n / 2 {
                    first_half_slots = m.cursor;
                }
            }
            let (a, b) = (first_half_slots as f64, (m.cursor - first_half_slots) as f64);
            eprintln!("{profile}: {} slots for {n} packets ({a} then {b})", m.cursor);
            // Both halves of the trace run at the same rate, near one packet per slot.
            assert!((0.8..1.25).contains(&(a / b)), "{profile}: {a} vs {b}");
            assert!((0.8..1.25).contains(&(m.cursor as f64 / n as f64)), "{profile}: {}", m.cursor);
        }
    }
}
