//! What every scenario shares: parameter parsing, address allocation in the scenario's block,
//! the even packet schedule, the queue that hands out each tick's packets in time order, and
//! TCP and UDP packet helpers.
//!
//! A scenario is a [`Driver`]: a number of *ticks* at non-decreasing times (one attack step
//! each: a SYN, a login attempt, a DNS answer...), each expanding into one or more packets at
//! that time or a little later (replies come a round trip after what they answer). [`Engine`]
//! expands ticks just far enough ahead that the earliest queued packet is the earliest of the
//! whole attack, so packets leave in time order whatever the overlap between ticks.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use wire::LinkType;
use wire::build::{PacketSpec, Transport};
use wire::record::tcp_flags;

use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{AttackRow, Scenario, ScenarioEnv};

/// Parameters every kind takes.
pub(super) const COMMON_KEYS: [&str; 3] = ["start", "duration", "jitter"];

/// Hosts a scenario can allocate besides the `10.i.0.x` row: `10.i.1.0` to `10.i.255.255`.
pub(super) const POOL: u64 = 255 * 256;

/// Nanoseconds per second.
pub(super) const SEC: f64 = 1e9;

/// The checked parameters of one `--scenario` flag.
pub(super) struct Params<'a> {
    spec: &'a ScenarioSpec,
}

/// When an attack runs, from the common parameters.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timing {
    /// First tick (ns since the Unix epoch).
    pub start_ns: u64,
    /// Length of the attack's main phase.
    pub duration_ns: u64,
    /// Largest jitter of a tick, as a share of the spacing between ticks.
    pub jitter: f64,
}

impl Timing {
    /// Ticks at `rate` per second over the main phase, jittered from `seed`.
    pub(super) fn even(&self, rate: f64, seed: u64) -> Even {
        Even::at_rate(self.start_ns, self.duration_ns, rate, self.jitter, seed)
    }
}

impl<'a> Params<'a> {
    /// Checks that every key of `spec` is a common key or one of `own`.
    pub(super) fn new(spec: &'a ScenarioSpec, own: &[&str]) -> Result<Self, SpecError> {
        let valid: Vec<&str> = COMMON_KEYS.iter().chain(own).copied().collect();
        if let Some(key) = spec.params.keys().find(|k| !valid.contains(&k.as_str())) {
            return Err(SpecError::UnknownParam {
                kind: spec.kind.name(),
                key: key.clone(),
                valid: valid.join(", "),
            });
        }
        Ok(Self { spec })
    }

    fn kind(&self) -> ScenarioKind {
        self.spec.kind
    }

    fn bad(&self, key: &str, value: &str, expected: String) -> SpecError {
        SpecError::BadValue {
            kind: self.kind().name(),
            key: key.to_string(),
            value: value.to_string(),
            expected,
        }
    }

    /// A real number in `[lo, hi]`, `default` when absent.
    pub(super) fn real(
        &self,
        key: &str,
        default: f64,
        lo: f64,
        hi: f64,
        what: &str,
    ) -> Result<f64, SpecError> {
        let Some(v) = self.spec.params.get(key) else { return Ok(default) };
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Ok(x),
            _ => Err(self.bad(key, v, format!("{what} from {lo} to {hi}"))),
        }
    }

    /// An integer in `[lo, hi]`, `default` when absent.
    pub(super) fn int(
        &self,
        key: &str,
        default: u64,
        lo: u64,
        hi: u64,
        what: &str,
    ) -> Result<u64, SpecError> {
        let Some(v) = self.spec.params.get(key) else { return Ok(default) };
        match v.parse::<u64>() {
            Ok(x) if (lo..=hi).contains(&x) => Ok(x),
            _ => Err(self.bad(key, v, format!("{what}: an integer from {lo} to {hi}"))),
        }
    }

    /// A port number (1 to 65535), `default` when absent.
    pub(super) fn port(&self, key: &str, default: u16) -> Result<u16, SpecError> {
        Ok(self.int(key, u64::from(default), 1, 65535, "a port")? as u16)
    }

    /// `rate` in packets (or attack steps) per second.
    pub(super) fn rate(&self, default: f64, what: &str) -> Result<f64, SpecError> {
        self.real("rate", default, 1.0, 1e6, what)
    }

    /// `start`, `duration` and `jitter`.
    pub(super) fn timing(&self, env: &ScenarioEnv) -> Result<Timing, SpecError> {
        let start = self.real("start", 0.5, 0.0, 86_400.0, "seconds after the trace start")?;
        let duration = self.real("duration", 3.0, 0.001, 86_400.0, "seconds")?;
        let jitter = self.real("jitter", 0.2, 0.0, 0.9, "a share of the packet spacing")?;
        Ok(Timing {
            start_ns: env.trace_start_ns + (start * SEC).round() as u64,
            duration_ns: (duration * SEC).round() as u64,
            jitter,
        })
    }

    /// Fails with `NeedsPayload` unless frames are captured whole.
    pub(super) fn need_payload(&self, env: &ScenarioEnv) -> Result<(), SpecError> {
        if env.full_payload { Ok(()) } else { Err(SpecError::NeedsPayload(self.kind().name())) }
    }
}

/// A well-mixed 64-bit hash (splitmix64 finaliser).
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The random stream of scenario `env.index` (independent of the benign models' streams).
pub(super) fn rng_for(env: &ScenarioEnv) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(env.seed);
    rng.set_stream(0x5ce0_0000 + u64::from(env.index));
    rng
}

/// The scenario's victim, `10.i.0.1`.
pub(super) fn victim(env: &ScenarioEnv) -> Ipv4Addr {
    Ipv4Addr::new(10, env.index, 0, 1)
}

/// Host `k` (below [`POOL`]) of the scenario's pool: `10.i.1.0 + k`.
pub(super) fn host(env: &ScenarioEnv, k: u64) -> Ipv4Addr {
    debug_assert!(k < POOL);
    Ipv4Addr::from(u32::from(Ipv4Addr::new(10, env.index, 1, 0)) + k as u32)
}

/// Hosts `first..first + count` of the pool as `first-last` (a single host when `count` is 1).
pub(super) fn host_range(env: &ScenarioEnv, first: u64, count: u64) -> String {
    if count <= 1 {
        host(env, first).to_string()
    } else {
        format!("{}-{}", host(env, first), host(env, first + count - 1))
    }
}

/// Evenly spaced tick times: `count` ticks from `start_ns` over `span_ns`, each delayed by a
/// seeded jitter below `jitter` of the spacing (so times never decrease).
#[derive(Clone, Copy, Debug)]
pub(super) struct Even {
    start_ns: u64,
    span_ns: u64,
    count: u64,
    jitter_max_ns: u64,
    seed: u64,
}

impl Even {
    /// `round(rate * span)` ticks (at least one) over `span_ns` from `start_ns`.
    pub(super) fn at_rate(start_ns: u64, span_ns: u64, rate: f64, jitter: f64, seed: u64) -> Self {
        let count = ((rate * span_ns as f64 / SEC).round() as u64).max(1);
        Self::new(start_ns, span_ns, count, jitter, seed)
    }

    /// `count` ticks (at least one) over `span_ns` from `start_ns`.
    pub(super) fn new(start_ns: u64, span_ns: u64, count: u64, jitter: f64, seed: u64) -> Self {
        let count = count.max(1);
        let spacing = span_ns / count;
        let jitter_max_ns = (spacing as f64 * jitter) as u64;
        Self { start_ns, span_ns, count, jitter_max_ns, seed }
    }

    /// Number of ticks.
    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// Mean spacing between ticks.
    pub(super) fn spacing_ns(&self) -> u64 {
        self.span_ns / self.count
    }

    /// Time of tick `n`.
    pub(super) fn at(&self, n: u64) -> u64 {
        let base = (u128::from(n) * u128::from(self.span_ns) / u128::from(self.count)) as u64;
        let jitter =
            if self.jitter_max_ns == 0 { 0 } else { mix(self.seed ^ n) % self.jitter_max_ns };
        self.start_ns + base + jitter
    }
}

/// The steps of one attack.
/// The tick times of a driver: one even schedule, or two one after the other.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ticks {
    /// One schedule.
    One(Even),
    /// Two schedules, the second's ticks numbered after the first's.
    Two(Even, Even),
}

impl Ticks {
    /// Number of ticks.
    pub(super) fn count(&self) -> u64 {
        match self {
            Ticks::One(a) => a.count(),
            Ticks::Two(a, b) => a.count() + b.count(),
        }
    }

    /// Time of tick `n` (non-decreasing in `n`).
    pub(super) fn at(&self, n: u64) -> u64 {
        match self {
            Ticks::One(a) => a.at(n),
            Ticks::Two(a, _) if n < a.count() => a.at(n),
            Ticks::Two(a, b) => b.at(n - a.count()),
        }
    }
}

pub(super) trait Driver {
    /// The tick times.
    fn times(&self) -> Ticks;
    /// Queues the packets of tick `n`, all at `t` or later.
    fn tick(&mut self, n: u64, t: u64, out: &mut Queue);
}

struct Pending {
    t: u64,
    seq: u64,
    spec: PacketSpec,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.t, self.seq) == (other.t, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.t, self.seq).cmp(&(other.t, other.seq))
    }
}

/// Packets queued by ticks, handed out by time (then in the order queued).
pub(super) struct Queue {
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    seed: u64,
}

impl Queue {
    /// Queues `spec` for time `t`, stamping it with a pseudo-random IP identification.
    pub(super) fn push(&mut self, t: u64, mut spec: PacketSpec) {
        spec.ip_id = (mix(self.seed ^ self.seq) >> 48) as u16;
        self.heap.push(Reverse(Pending { t, seq: self.seq, spec }));
        self.seq += 1;
    }

    fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|p| p.0.t)
    }
}

/// A [`Scenario`] made of a [`Driver`]: expands ticks in order, hands packets out in time
/// order and counts what it sent.
pub(super) struct Engine<D> {
    kind: ScenarioKind,
    attacker: String,
    victim: String,
    driver: D,
    next_tick: u64,
    queue: Queue,
    first_ns: Option<u64>,
    last_ns: u64,
    packets: u64,
}

impl<D: Driver + 'static> Engine<D> {
    /// The scenario of `driver`, reported with the given attacker and victim.
    pub(super) fn boxed(
        kind: ScenarioKind,
        env: &ScenarioEnv,
        attacker: String,
        victim: String,
        driver: D,
    ) -> Box<dyn Scenario> {
        let seed = mix(env.seed ^ (u64::from(env.index) << 32) ^ 0x1d);
        let queue = Queue { heap: BinaryHeap::new(), seq: 0, seed };
        let mut e = Engine {
            kind,
            attacker,
            victim,
            driver,
            next_tick: 0,
            queue,
            first_ns: None,
            last_ns: 0,
            packets: 0,
        };
        e.fill();
        Box::new(e)
    }

    /// The scenario of `driver` against the block's victim ([`victim`]).
    pub(super) fn on_victim(
        kind: ScenarioKind,
        env: &ScenarioEnv,
        attacker: String,
        driver: D,
    ) -> Box<dyn Scenario> {
        Self::boxed(kind, env, attacker, victim(env).to_string(), driver)
    }

    /// Expands ticks until no later tick can hold a packet before the earliest queued one.
    fn fill(&mut self) {
        let ticks = self.driver.times();
        while self.next_tick < ticks.count() {
            let t = ticks.at(self.next_tick);
            if self.queue.peek_time().is_some_and(|top| t > top) {
                break;
            }
            self.driver.tick(self.next_tick, t, &mut self.queue);
            self.next_tick += 1;
        }
    }
}

impl<D: Driver + 'static> Scenario for Engine<D> {
    fn next_time(&self) -> Option<u64> {
        self.queue.peek_time()
    }

    fn emit(&mut self, spec: &mut PacketSpec) {
        let Some(Reverse(p)) = self.queue.heap.pop() else { return };
        *spec = p.spec;
        self.first_ns.get_or_insert(p.t);
        self.last_ns = p.t;
        self.packets += 1;
        self.fill();
    }

    fn attack(&self) -> AttackRow {
        AttackRow {
            kind: self.kind.name().to_string(),
            attacker: self.attacker.clone(),
            victim: self.victim.clone(),
            start_ns: self.first_ns.unwrap_or(0),
            end_ns: self.last_ns,
            packets: self.packets,
        }
    }
}

/// A packet from `src` to `dst` over `transport` with the given payload bytes (all of them
/// captured: `payload_len` is their length).
pub(super) fn packet(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    transport: Transport,
    payload: Vec<u8>,
) -> PacketSpec {
    PacketSpec {
        link: LinkType::Ethernet,
        vlans: Vec::new(),
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        ttl: 64,
        ip_id: 0,
        transport,
        payload_len: payload.len(),
        payload,
    }
}

/// A UDP datagram with the given payload.
pub(super) fn udp(
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
    payload: Vec<u8>,
) -> PacketSpec {
    packet(src, dst, Transport::Udp { sport, dport }, payload)
}

/// Receive window a client advertises.
const CLIENT_WINDOW: u16 = 64240;
/// Receive window a server advertises.
const SERVER_WINDOW: u16 = 65160;

/// One TCP connection, client to server, with the next sequence number of each side: each
/// packet it makes advances the sender's sequence number by what it carries.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tcp {
    /// Client address and port.
    pub client: (Ipv4Addr, u16),
    /// Server address and port.
    pub server: (Ipv4Addr, u16),
    /// Next sequence number of the client.
    pub cseq: u32,
    /// Next sequence number of the server.
    pub sseq: u32,
}

impl Tcp {
    /// A connection whose sides start at the given initial sequence numbers.
    pub(super) fn new(
        client: (Ipv4Addr, u16),
        server: (Ipv4Addr, u16),
        cisn: u32,
        sisn: u32,
    ) -> Self {
        Self { client, server, cseq: cisn, sseq: sisn }
    }

    fn make(
        &mut self,
        from_client: bool,
        flags: u8,
        payload: Vec<u8>,
        consumes: u32,
    ) -> PacketSpec {
        let (src, dst, seq, ack, window) = if from_client {
            (self.client, self.server, self.cseq, self.sseq, CLIENT_WINDOW)
        } else {
            (self.server, self.client, self.sseq, self.cseq, SERVER_WINDOW)
        };
        let ack = if flags & tcp_flags::ACK != 0 { ack } else { 0 };
        let used = consumes.wrapping_add(payload.len() as u32);
        if from_client {
            self.cseq = self.cseq.wrapping_add(used);
        } else {
            self.sseq = self.sseq.wrapping_add(used);
        }
        let transport = Transport::Tcp { sport: src.1, dport: dst.1, seq, ack, flags, window };
        packet(src.0, dst.0, transport, payload)
    }

    /// The client's SYN.
    pub(super) fn syn(&mut self) -> PacketSpec {
        self.make(true, tcp_flags::SYN, Vec::new(), 1)
    }

    /// The server's SYN-ACK.
    pub(super) fn syn_ack(&mut self) -> PacketSpec {
        self.make(false, tcp_flags::SYN | tcp_flags::ACK, Vec::new(), 1)
    }

    /// A bare ACK.
    pub(super) fn ack(&mut self, from_client: bool) -> PacketSpec {
        self.make(from_client, tcp_flags::ACK, Vec::new(), 0)
    }

    /// A data segment (PSH|ACK).
    pub(super) fn data(&mut self, from_client: bool, payload: Vec<u8>) -> PacketSpec {
        self.make(from_client, tcp_flags::PSH | tcp_flags::ACK, payload, 0)
    }

    /// A data segment (ACK) of `len` payload bytes left as zeros (bulk transfer).
    pub(super) fn bulk(&mut self, from_client: bool, len: usize) -> PacketSpec {
        let mut p = self.make(from_client, tcp_flags::ACK, Vec::new(), len as u32);
        p.payload_len = len;
        p
    }

    /// A FIN (FIN|ACK).
    pub(super) fn fin(&mut self, from_client: bool) -> PacketSpec {
        self.make(from_client, tcp_flags::FIN | tcp_flags::ACK, Vec::new(), 1)
    }

    /// A reset: RST|ACK, or a bare RST where `with_ack` is false.
    pub(super) fn rst(&mut self, from_client: bool, with_ack: bool) -> PacketSpec {
        let flags = if with_ack { tcp_flags::RST | tcp_flags::ACK } else { tcp_flags::RST };
        self.make(from_client, flags, Vec::new(), 0)
    }
}

/// Pseudo-random bytes (`n` of them) from `seed`, for encrypted-looking payloads.
pub(super) fn noise(seed: u64, n: usize) -> Vec<u8> {
    (0..n.div_ceil(8) as u64)
        .flat_map(|i| mix(seed ^ i.wrapping_mul(0x2545_f491)).to_le_bytes())
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> ScenarioEnv {
        ScenarioEnv {
            index: 3,
            seed: 1,
            trace_start_ns: 10_000_000_000,
            full_payload: true,
            benign_bytes_per_s: 1e6,
        }
    }

    #[test]
    fn even_times_are_spread_and_never_decrease() {
        let e = Even::at_rate(1_000, 1_000_000_000, 1000.0, 0.9, 7);
        assert_eq!(e.count(), 1000);
        assert_eq!(e.spacing_ns(), 1_000_000);
        let times: Vec<u64> = (0..e.count()).map(|n| e.at(n)).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert!(times[0] >= 1_000 && *times.last().unwrap() < 1_000 + 1_000_000_000);
    }

    #[test]
    fn hosts_stay_in_the_block() {
        let env = env();
        assert_eq!(victim(&env), Ipv4Addr::new(10, 3, 0, 1));
        assert_eq!(host(&env, 0), Ipv4Addr::new(10, 3, 1, 0));
        assert_eq!(host(&env, POOL - 1), Ipv4Addr::new(10, 3, 255, 255));
        assert_eq!(host_range(&env, 0, 300), "10.3.1.0-10.3.2.43");
        assert_eq!(host_range(&env, 5, 1), "10.3.1.5");
    }

    #[test]
    fn tcp_sequence_numbers_advance() {
        let a = Ipv4Addr::new(10, 0, 1, 0);
        let b = Ipv4Addr::new(10, 0, 0, 1);
        let mut c = Tcp::new((a, 1000), (b, 80), 100, 5000);
        let syn = c.syn();
        let sa = c.syn_ack();
        let d = c.data(true, b"abc".to_vec());
        let ack = c.ack(false);
        let seqs = |p: &PacketSpec| match p.transport {
            Transport::Tcp { seq, ack, .. } => (seq, ack),
            _ => unreachable!(),
        };
        assert_eq!(seqs(&syn), (100, 0));
        assert_eq!(seqs(&sa), (5000, 101));
        assert_eq!(seqs(&d), (101, 5001));
        assert_eq!(seqs(&ack), (5001, 104));
        assert_eq!(noise(3, 13).len(), 13);
    }
}
