//! `ddos`: many sources flood one UDP port of the victim, each source in turn (round robin)
//! from its own fixed source port.
//!
//! Parameters: `rate` (datagrams per second, default 2000), `sources` (default 500), `port`
//! (default 80), `size` (UDP payload bytes, default 512). Every whole window holds
//! `min(rate, sources)` distinct sources: 500 with the defaults against the `sonata-ddos`
//! threshold of 45.

use std::net::Ipv4Addr;

use rand::RngExt;

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, Ticks, host, host_range, mix, noise, rng_for, udp,
    victim,
};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

struct Ddos {
    env: ScenarioEnv,
    times: Even,
    sources: u64,
    port: u16,
    size: usize,
    victim: Ipv4Addr,
    seed: u64,
}

impl Driver for Ddos {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let k = n % self.sources;
        let sport = 1024 + (mix(self.seed ^ k) % 64_000) as u16;
        let payload = noise(self.seed ^ n, self.size);
        out.push(t, udp(host(&self.env, k), sport, self.victim, self.port, payload));
    }
}

/// Builds a `ddos` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "sources", "port", "size"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(2000.0, "datagrams per second")?;
    let sources = p.int("sources", 500, 1, POOL, "sources")?;
    let port = p.port("port", 80)?;
    let size = p.int("size", 512, 0, 1472, "UDP payload bytes")? as usize;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let driver = Ddos {
        env: env.clone(),
        times,
        sources,
        port,
        size,
        victim: victim(env),
        seed: rng.random(),
    };
    let attackers = host_range(env, 0, sources);
    Ok(Engine::on_victim(ScenarioKind::Ddos, env, attackers, driver))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use wire::sonata::Alarm;

    use super::super::SpecError;
    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };

    #[test]
    fn defaults_raise_ddos_on_the_victim_in_every_window() {
        check_main_rule("ddos", &env(5), Alarm::Ddos, "10.5.0.1", None);
    }

    #[test]
    fn parameters_set_sources_and_size() {
        let env = env(0);
        let p = run("ddos:sources=44,size=100,rate=500", &env);
        check_packets(&p, &env);
        let srcs: HashSet<_> = p.iter().map(|(_, s)| s.src).collect();
        assert_eq!(srcs.len(), 44);
        assert!(p.iter().all(|(_, s)| s.payload_len == 100 && s.ip_len() == 128));
        // 44 sources are below the threshold of 45.
        assert!(windows_of(&truth(&p), Alarm::Ddos, "10.0.0.1").is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let env = env(0);
        assert!(matches!(error("ddos:bytes=3", &env), SpecError::UnknownParam { .. }));
        assert!(matches!(error("ddos:size=1500", &env), SpecError::BadValue { .. }));
        assert!(matches!(error("ddos:sources=many", &env), SpecError::BadValue { .. }));
    }
}
