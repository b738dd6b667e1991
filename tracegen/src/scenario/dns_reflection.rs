//! `dns-reflection`: DNSSEC answers from many open resolvers (source port 53) to the victim,
//! whose address the attacker spoofed in the queries (not in the trace): each answer carries
//! the zone's DNSKEY and its RRSIG, about 1200 bytes.
//!
//! Parameters: `rate` (answers per second, default 1000), `resolvers` (default 200, answering
//! in turn), `size` (DNS message bytes, default 1200; the key fills what the size leaves).
//! Every whole window holds `min(rate, resolvers)` distinct sources of RRSIG answers: 200 with
//! the defaults against the `sonata-dns-reflection` threshold of 40. Needs `--full-payload`.

use std::net::Ipv4Addr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, Ticks, host, host_range, noise, rng_for, udp, victim,
};
use wire::dns::{DnsMessage, DnsRecord, Rrsig, TYPE_RRSIG};

use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// The zone whose keys the answers carry.
const ZONE: &str = "dnssec.example";
/// Record type DNSKEY.
const TYPE_DNSKEY: u16 = 48;
/// Fewest key bytes.
const MIN_KEY: usize = 64;

/// Record data of a DNSKEY record (key-signing key, RSA/SHA-256) holding `key`.
fn dnskey_rdata(key: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(4 + key.len());
    r.extend_from_slice(&257u16.to_be_bytes()); // zone key, secure entry point
    r.push(3); // protocol
    r.push(8); // RSA/SHA-256
    r.extend_from_slice(key);
    r
}

/// The answer: the zone's key of `key` bytes and its signature (a 2048-bit RSA signature).
fn answer(id: u16, key: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut rrsig = Rrsig::new(TYPE_DNSKEY, ZONE, ZONE).rdata();
    let sig_at = rrsig.len() - signature.len();
    rrsig[sig_at..].copy_from_slice(signature);
    let answers = vec![
        DnsRecord { name: ZONE.into(), rtype: TYPE_DNSKEY, ttl: 3600, rdata: dnskey_rdata(key) },
        DnsRecord { name: ZONE.into(), rtype: TYPE_RRSIG, ttl: 3600, rdata: rrsig },
    ];
    DnsMessage::response(id, ZONE, TYPE_DNSKEY, answers).to_bytes()
}

/// Bytes of the signature of [`Rrsig::new`].
fn signature_len() -> usize {
    Rrsig::new(TYPE_DNSKEY, ZONE, ZONE).signature_len
}

/// DNS message bytes besides the key.
fn fixed_len() -> usize {
    answer(0, &[], &vec![0; signature_len()]).len()
}

struct DnsReflection {
    env: ScenarioEnv,
    times: Even,
    resolvers: u64,
    key_len: usize,
    victim: Ipv4Addr,
    rng: ChaCha8Rng,
}

impl Driver for DnsReflection {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let resolver = host(&self.env, n % self.resolvers);
        let seed: u64 = self.rng.random();
        let msg = answer(self.rng.random(), &noise(7, self.key_len), &noise(seed, signature_len()));
        let dport = self.rng.random_range(1024..=65535);
        out.push(t, udp(resolver, 53, self.victim, dport, msg));
    }
}

/// Builds a `dns-reflection` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "resolvers", "size"])?;
    p.need_payload(env)?;
    let timing = p.timing(env)?;
    let rate = p.rate(1000.0, "answers per second")?;
    let resolvers = p.int("resolvers", 200, 1, POOL, "resolvers")?;
    let min = (fixed_len() + MIN_KEY) as u64;
    let size = p.int("size", 1200, min, 1472, "DNS message bytes")? as usize;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let key_len = size - fixed_len();
    let driver =
        DnsReflection { env: env.clone(), times, resolvers, key_len, victim: victim(env), rng };
    let attackers = host_range(env, 0, resolvers);
    Ok(Engine::on_victim(ScenarioKind::DnsReflection, env, attackers, driver))
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
    fn defaults_raise_dns_reflection_on_the_victim_in_every_window() {
        check_main_rule("dns-reflection", &env(8), Alarm::DnsReflection, "10.8.0.1", None);
    }

    #[test]
    fn parameters_set_resolvers_and_size() {
        let env = env(0);
        let p = run("dns-reflection:resolvers=39,size=600,rate=100", &env);
        check_packets(&p, &env);
        assert!(p.iter().all(|(_, s)| s.payload_len == 600
            && s.payload.len() == 600
            && matches!(s.transport, Transport::Udp { sport: 53, .. })));
        assert!(windows_of(&truth(&p), Alarm::DnsReflection, "10.0.0.1").is_empty());
        let big = run("dns-reflection:duration=0.01", &env);
        assert!(big.iter().all(|(_, s)| s.ip_len() == 1228));
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut env = env(0);
        assert!(matches!(error("dns-reflection:size=100", &env), SpecError::BadValue { .. }));
        assert!(matches!(
            error("dns-reflection:amplification=3", &env),
            SpecError::UnknownParam { .. }
        ));
        env.full_payload = false;
        assert_eq!(error("dns-reflection", &env), SpecError::NeedsPayload("dns-reflection"));
    }
}
