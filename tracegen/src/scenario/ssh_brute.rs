//! `ssh-brute`: many sources each open SSH connections to port 22 of the victim in turn and
//! try one password per connection: handshake, banners, key exchange, one login packet of the
//! same size from every source, the server's refusal, then both sides close.
//!
//! Parameters: `rate` (login attempts per second, default 200), `sources` (default 200),
//! `size` (payload bytes of the login packet, default 100). Every whole window holds
//! `min(rate, sources)` distinct sources sending packets of each size to port 22: 200 with
//! the defaults against the `sonata-ssh-brute` threshold of 40.

use std::net::Ipv4Addr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, Tcp, Ticks, host, host_range, noise, rng_for, victim,
};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// Time between the steps of a connection.
const STEP_NS: u64 = 300_000;
const SERVER_BANNER: &[u8] = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n";
const CLIENT_BANNER: &[u8] = b"SSH-2.0-libssh_0.9.6\r\n";

struct SshBrute {
    env: ScenarioEnv,
    times: Even,
    sources: u64,
    size: usize,
    victim: Ipv4Addr,
    rng: ChaCha8Rng,
}

impl Driver for SshBrute {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let client = (host(&self.env, n % self.sources), self.rng.random_range(32_768..=60_999));
        let mut c = Tcp::new(client, (self.victim, 22), self.rng.random(), self.rng.random());
        let seed: u64 = self.rng.random();
        let steps = [
            c.syn(),
            c.syn_ack(),
            c.ack(true),
            c.data(false, SERVER_BANNER.to_vec()),
            c.data(true, CLIENT_BANNER.to_vec()),
            c.data(true, noise(seed, 48)),
            c.data(false, noise(seed ^ 1, 560)),
            c.data(true, noise(seed ^ 2, self.size)),
            c.data(false, noise(seed ^ 3, 52)),
            c.fin(true),
            c.fin(false),
            c.ack(true),
        ];
        for (i, p) in steps.into_iter().enumerate() {
            out.push(t + i as u64 * STEP_NS, p);
        }
    }
}

/// Builds an `ssh-brute` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "sources", "size"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(200.0, "login attempts per second")?;
    let sources = p.int("sources", 200, 1, POOL, "sources")?;
    let size = p.int("size", 100, 1, 1400, "login packet payload bytes")? as usize;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let driver = SshBrute { env: env.clone(), times, sources, size, victim: victim(env), rng };
    let attackers = host_range(env, 0, sources);
    Ok(Engine::on_victim(ScenarioKind::SshBrute, env, attackers, driver))
}

#[cfg(test)]
mod tests {
    use wire::build::Transport;
    use wire::record::tcp_flags;
    use wire::sonata::Alarm;

    use super::super::SpecError;
    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };

    #[test]
    fn defaults_raise_ssh_brute_on_the_victim_in_every_window() {
        let rows = check_main_rule("ssh-brute", &env(6), Alarm::SshBrute, "10.6.0.1", None);
        // Handshakes are completed and connections closed: no SYN flood.
        assert!(windows_of(&rows, Alarm::SynFlood, "10.6.0.1").is_empty());
    }

    #[test]
    fn connections_are_whole_and_logins_the_same_size() {
        let env = env(0);
        let p = run("ssh-brute:rate=50,sources=39,size=64", &env);
        check_packets(&p, &env);
        let count = |f: u8| {
            p.iter()
                .filter(|(_, s)| matches!(s.transport, Transport::Tcp { flags, .. } if flags == f))
                .count()
        };
        assert_eq!(count(tcp_flags::SYN), 150);
        assert_eq!(count(tcp_flags::SYN | tcp_flags::ACK), 150);
        assert_eq!(count(tcp_flags::FIN | tcp_flags::ACK), 300);
        assert_eq!(
            p.iter().filter(|(_, s)| s.ip_len() == 104).count(),
            150,
            "one 64-byte login per connection"
        );
        // 39 sources are below the threshold of 40.
        assert!(windows_of(&truth(&p), Alarm::SshBrute, "10.0.0.1").is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let env = env(0);
        assert!(matches!(error("ssh-brute:port=2222", &env), SpecError::UnknownParam { .. }));
        assert!(matches!(error("ssh-brute:size=0", &env), SpecError::BadValue { .. }));
    }
}
