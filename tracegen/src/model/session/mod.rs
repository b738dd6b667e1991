//! The flow model behind `caida-like`, `fais-like` and `datacenter`: flows arrive, live their
//! protocol's life cycle and end, interleaved in time.
//!
//! Time is counted in *slots*, one per packet on average: flows arrive as a Poisson process of
//! rate `1 / mean length` per slot, so the model emits one packet per slot in steady state and
//! the generator's pacing turns the packet order into timestamps. Each flow draws a planned
//! length ([`FlowLengths`](crate::model::lengths::FlowLengths)) and a gap between its packets (log-uniform between
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
use wire::prefetch::prefetch;
use wire::sonata::WINDOW_NS;

use super::hosts::{AddressSource, HostPool};

/// IP length given to the first TCP segment of a flow's direction in a window (see module doc).
pub const MIN_FIRST_SEGMENT_IP_LEN: usize = 150;

/// Slots between the packets of a TCP handshake and between a DNS query, its answer and the
/// client's connection.
const HANDSHAKE_GAP: u32 = 8;

mod packet;
mod params;
#[cfg(test)]
mod tests;

pub use params::{FlowParams, Lengths, Sizes};

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
    /// Mean slots between the flow's packets.
    gap: u32,
    /// Number of the first packet of the close (FIN, or RST when `rst_close`); `u32::MAX` for a
    /// flow too short to close.
    close_at: u32,
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
    /// Whether the last packet went from its flow's client to its server.
    from_client: bool,
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
            from_client: true,
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
        let n = len.0.min(u64::from(u32::MAX)) as u32;
        let rst_close = rng.random_bool(params.rst_share);
        // A RST ends a flow of 4 or more packets; FIN, FIN, ACK end one of 6 or more.
        let close_at = match (rst_close, n) {
            (true, 4..) => n - 1,
            (false, 6..) => n - 3,
            _ => u32::MAX,
        };
        Flow {
            kind,
            v6,
            rst_close,
            client: hosts.0,
            server: hosts.1,
            cport: rng.random_range(1024..=65535),
            sport,
            len: n,
            idx: len.1 as u32,
            gap: gap.round().clamp(1.0, f64::from(u32::MAX)) as u32,
            close_at,
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
