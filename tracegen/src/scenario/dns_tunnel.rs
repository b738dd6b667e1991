//! `dns-tunnel`: one host carries data over DNS: TXT queries whose names hold base32-encoded
//! data go to its resolver, and TXT answers holding more data come back; the host never opens
//! a TCP connection.
//!
//! Parameters: `rate` (queries per second, default 200), `bytes` (data bytes encoded in each
//! name, default 60), `answer` (text bytes of each TXT answer, default 120). The tunnelling
//! host is pool host 0 (reported as the attacker), the resolver the victim address. Every whole
//! window holds about `rate` answers to the host: 200 with the defaults against the
//! `sonata-dns-tunnel` threshold of 40. Needs `--full-payload`.

use std::net::Ipv4Addr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{
    Driver, Engine, Even, Params, Queue, Ticks, host, noise, rng_for, udp, victim,
};
use wire::dns::{DnsMessage, DnsRecord, TYPE_TXT, txt_rdata};

use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// The tunnel's domain, below which the data labels go.
const DOMAIN: &str = "t.tunnel.example";
/// Time the resolver takes to answer (it asks the tunnel's name server).
const ANSWER_DELAY_NS: u64 = 2_000_000;

struct DnsTunnel {
    times: Even,
    bytes: usize,
    answer: usize,
    client: (Ipv4Addr, u16),
    resolver: Ipv4Addr,
    rng: ChaCha8Rng,
}

impl Driver for DnsTunnel {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, _n: u64, t: u64, out: &mut Queue) {
        let id: u16 = self.rng.random();
        let seed: u64 = self.rng.random();
        let name = format!("{}.{DOMAIN}", labels(&base32(&noise(seed, self.bytes))));
        let query = DnsMessage::query(id, &name, TYPE_TXT).to_bytes();
        let text = base32(&noise(seed ^ 1, self.answer * 5 / 8));
        let record = DnsRecord {
            name: name.clone(),
            rtype: TYPE_TXT,
            ttl: 0,
            rdata: txt_rdata(text.as_bytes()),
        };
        let answer = DnsMessage::response(id, &name, TYPE_TXT, vec![record]).to_bytes();
        let (client, cport) = self.client;
        out.push(t, udp(client, cport, self.resolver, 53, query));
        out.push(t + ANSWER_DELAY_NS, udp(self.resolver, 53, client, cport, answer));
    }
}

/// Base32 (RFC 4648 alphabet, lower case, no padding): how DNS tunnels put data in names.
fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(data.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// ASCII `text` cut into labels of at most 63 characters, joined by dots.
fn labels(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 63);
    for (i, c) in text.chars().enumerate() {
        if i > 0 && i % 63 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Builds a `dns-tunnel` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "bytes", "answer"])?;
    p.need_payload(env)?;
    let timing = p.timing(env)?;
    let rate = p.rate(200.0, "queries per second")?;
    let bytes = p.int("bytes", 60, 1, 100, "data bytes per name")? as usize;
    let answer = p.int("answer", 120, 8, 1000, "text bytes per answer")? as usize;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let client = (host(env, 0), rng.random_range(32_768..=60_999));
    let driver = DnsTunnel { times, bytes, answer, client, resolver: victim(env), rng };
    Ok(Engine::on_victim(ScenarioKind::DnsTunnel, env, host(env, 0).to_string(), driver))
}

#[cfg(test)]
mod tests {
    use wire::build::Transport;
    use wire::sonata::Alarm;

    use super::super::SpecError;
    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };

    #[test]
    fn defaults_raise_dns_tunnel_on_the_client_in_every_window() {
        let rows = check_main_rule("dns-tunnel", &env(9), Alarm::DnsTunnel, "10.9.1.0", None);
        assert!(rows.iter().all(|r| r.alarm != Alarm::NewTcp));
    }

    #[test]
    fn parameters_set_rate_and_sizes() {
        let env = env(0);
        let p = run("dns-tunnel:rate=30,bytes=100,answer=200", &env);
        check_packets(&p, &env);
        assert_eq!(p.len(), 180);
        assert!(p.iter().all(|(_, s)| matches!(s.transport, Transport::Udp { .. })));
        // Queries: header, name of 160 base32 characters in 3 labels plus the domain, type
        // and class.
        let query = &p[0].1;
        assert_eq!(query.payload_len, 12 + (160 + 3 + 18) + 4);
        assert!(windows_of(&truth(&p), Alarm::DnsTunnel, "10.0.1.0").is_empty());
        assert!(p.iter().all(|(_, s)| !matches!(s.transport, Transport::Tcp { .. })));
    }

    #[test]
    fn names_hold_base32_labels() {
        assert_eq!(super::base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(super::base32(b"f"), "my");
        let l = super::labels(&"a".repeat(130));
        assert_eq!(l.split('.').map(str::len).collect::<Vec<_>>(), [63, 63, 4]);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut env = env(0);
        assert!(matches!(error("dns-tunnel:bytes=300", &env), SpecError::BadValue { .. }));
        assert!(matches!(error("dns-tunnel:domain=x", &env), SpecError::UnknownParam { .. }));
        env.full_payload = false;
        assert_eq!(error("dns-tunnel", &env), SpecError::NeedsPayload("dns-tunnel"));
    }
}
