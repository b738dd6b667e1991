//! `ddos`: many sources flood one UDP port of the victim, each source in turn (round robin)
//! from its own fixed source port.
//!
//! Parameters: `rate` (datagrams per second, default 2000), `sources` (default 500), `port`
//! (default 80), `size` (UDP payload bytes, default 512). Every whole window holds
//! `min(rate, sources)` distinct sources: 500 with the defaults against the `sonata-ddos`
//! threshold of 45.

use std::net::Ipv4Addr;

use rand::RngExt;

use super::common::{Driver, Engine, Even, POOL, Params, Queue, host, host_range, mix, noise, rng_for, udp, victim};
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
    fn ticks(&self) -> u64 {
        self.times.count()
    }

    fn tick_time(&self, n: u64) -> u64 {
        self.times.at(n)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let k = n % self.sources;
        let sport = 1024 + (mix(self.seed ^ k) % 64_000) as u16;
        let payload = noise(self.seed ^ n, self.size);
        out.push(t, udp(host(&self.env, k), sport, self.victim, self.port, payload));
    }
}

/// Builds a `ddos` from its flag.
pub(super) fn build(spec: &ScenarioSpec, env: &ScenarioEnv) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "sources", "port", "size"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(2000.0, "datagrams per second")?;
    let sources = p.int("sources", 500, 1, POOL, "sources")?;
    let port = p.port("port", 80)?;
    let size = p.int("size", 512, 0, 1472, "UDP payload bytes")? as usize;
    let mut rng = rng_for(env);
    let times = Even::at_rate(timing.start_ns, timing.duration_ns, rate, timing.jitter, rng.random());
    let driver = Ddos { env: env.clone(), times, sources, port, size, victim: victim(env), seed: rng.random() };
    let attackers = host_range(env, 0, sources);
    Ok(Engine::boxed(ScenarioKind::Ddos, env, attackers, victim(env).to_string(), driver))
}
