//! `syn-flood`: SYNs to one port of the victim from many spoofed sources; the victim answers
//! each with a SYN-ACK that no one acknowledges.
//!
//! Parameters: `rate` (SYNs per second, default 2000), `sources` (spoofed source addresses,
//! default 1000, each SYN from one of them at random with a random source port), `port`
//! (default 80). With the defaults every whole window holds about 2000 SYNs and 2000 SYN-ACKs:
//! `sonata-syn-flood` counts about 4000 for the victim against a threshold of 40.

use std::net::Ipv4Addr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, Tcp, Ticks, host, host_range, rng_for, victim,
};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// The victim's answer delay.
const RTT_NS: u64 = 150_000;

struct SynFlood {
    env: ScenarioEnv,
    times: Even,
    sources: u64,
    port: u16,
    victim: Ipv4Addr,
    rng: ChaCha8Rng,
}

impl Driver for SynFlood {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, _n: u64, t: u64, out: &mut Queue) {
        let src = host(&self.env, self.rng.random_range(0..self.sources));
        let sport = self.rng.random_range(1024..=65535);
        let mut c =
            Tcp::new((src, sport), (self.victim, self.port), self.rng.random(), self.rng.random());
        out.push(t, c.syn());
        out.push(t + RTT_NS, c.syn_ack());
    }
}

/// Builds a `syn-flood` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "sources", "port"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(2000.0, "SYNs per second")?;
    let sources = p.int("sources", 1000, 1, POOL, "spoofed sources")?;
    let port = p.port("port", 80)?;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let driver = SynFlood { env: env.clone(), times, sources, port, victim: victim(env), rng };
    let attacker = host_range(env, 0, sources);
    Ok(Engine::on_victim(ScenarioKind::SynFlood, env, attacker, driver))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use wire::build::Transport;
    use wire::sonata::Alarm;

    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };
    use super::super::{ScenarioEnv, SpecError};

    #[test]
    fn defaults_raise_syn_flood_on_the_victim_in_every_window() {
        let rows = check_main_rule("syn-flood", &env(2), Alarm::SynFlood, "10.2.0.1", None);
        assert!(!windows_of(&rows, Alarm::NewTcp, "10.2.0.1").is_empty());
    }

    #[test]
    fn parameters_set_rate_sources_and_port() {
        let env = env(0);
        let p = run("syn-flood:rate=100,sources=3,port=443,start=0,duration=1", &env);
        check_packets(&p, &env);
        assert_eq!(p.len(), 200, "a SYN and a SYN-ACK per tick");
        let srcs: HashSet<_> =
            p.iter().filter(|(_, s)| s.dst.to_string() == "10.0.0.1").map(|(_, s)| s.src).collect();
        assert!(srcs.len() <= 3);
        assert!(p.iter().all(|(_, s)| matches!(
            s.transport,
            Transport::Tcp { dport: 443, .. } | Transport::Tcp { sport: 443, .. }
        )));
        assert_eq!(p[0].0, env.trace_start_ns + p[0].0 - env.trace_start_ns);
        assert!(
            p[0].0 >= env.trace_start_ns
                && p.last().unwrap().0 < env.trace_start_ns + 1_001_000_000
        );
        // 15 SYNs and 15 SYN-ACKs a second stay below the threshold of 40.
        let quiet = run("syn-flood:rate=15", &env);
        assert!(windows_of(&truth(&quiet), Alarm::SynFlood, "10.0.0.1").is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let env: ScenarioEnv = env(0);
        assert!(
            matches!(error("syn-flood:speed=3", &env), SpecError::UnknownParam { ref valid, .. } if valid == "start, duration, jitter, rate, sources, port")
        );
        for flag in [
            "syn-flood:rate=0",
            "syn-flood:sources=0",
            "syn-flood:port=70000",
            "syn-flood:start=-1",
            "syn-flood:duration=x",
            "syn-flood:jitter=2",
        ] {
            assert!(matches!(error(flag, &env), SpecError::BadValue { .. }), "{flag}");
        }
    }
}
