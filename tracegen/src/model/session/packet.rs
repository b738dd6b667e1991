//! One packet of the flow model: the flow due next, its step in its protocol's life cycle, and
//! the packet that step sends.

use std::net::IpAddr;

use rand::Rng;
use wire::build::{PacketSpec, Transport};
use wire::dns::{self, DnsMessage, DnsRecord};
use wire::prefetch::prefetch;
use wire::record::tcp_flags;
use wire::sonata::WINDOW_NS;

use super::{Flow, HANDSHAKE_GAP, Kind, MIN_FIRST_SEGMENT_IP_LEN, SessionModel, WHEEL_BITS};
use crate::model::TrafficModel;

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

/// Handshake steps by packet number.
const HANDSHAKE: [Step; 3] = [Step::Syn, Step::SynAck, Step::HandshakeAck];
/// Steps of a FIN close, from [`Flow::close_at`] on.
const FIN_CLOSE: [Step; 3] = [Step::FinClient, Step::FinServer, Step::LastAck];

fn tcp_step(f: &Flow) -> Step {
    let (i, n) = (f.idx, f.len);
    if n < 3 {
        Step::Data
    } else if i < 3 {
        HANDSHAKE[i as usize]
    } else if i < f.close_at {
        Step::Data
    } else if f.rst_close {
        Step::Rst
    } else {
        FIN_CLOSE[(i - f.close_at).min(2) as usize]
    }
}

/// Whether the packet after this one comes a flow gap later (data, or the first packet of the
/// close) rather than right away (the rest of the handshake or of the close).
fn next_after_gap(f: &Flow) -> bool {
    let next = f.idx + 1;
    f.len < 3 || (next >= 3 && next <= f.close_at)
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
        let mut delay = HANDSHAKE_GAP;
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
                if next_after_gap(&f) {
                    delay = f.gap;
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
                delay = f.gap;
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
                delay = if forward { HANDSHAKE_GAP } else { f.gap };
            }
        }
        spec.src = if forward { client } else { server };
        spec.dst = if forward { server } else { client };
        spec.ttl = if forward { 57 } else { 121 };
        self.from_client = forward;
        f.idx += 1;
        let done = f.idx >= f.len;
        self.flows[id as usize] = f;
        if done {
            if let Some(server) = follow_up {
                self.start_follow_up(
                    f.client,
                    server,
                    f.v6,
                    self.cursor + u64::from(HANDSHAKE_GAP),
                );
            }
            self.finish(id);
        } else {
            // Jittered uniformly over [0.5, 1.5) of the delay, in integers.
            let jitter = (u64::from(self.rng.next_u32()) * u64::from(delay)) >> 32;
            let at = self.cursor + (u64::from(delay / 2) + jitter).max(1);
            // Filed at the start of the next call: the bucket is fetched meanwhile, while the
            // generator writes this packet.
            prefetch(&self.wheel[(at & ((1 << WHEEL_BITS) - 1)) as usize]);
            self.pending = Some((id, at));
        }
    }

    fn last_from_client(&self) -> bool {
        self.from_client
    }
}
