//! `superspreader`: one source sends a SYN to one port of many destinations in turn (a worm
//! looking for hosts); the destinations stay silent.
//!
//! Parameters: `rate` (SYNs per second, default 400), `destinations` (hosts contacted in turn,
//! default 1000), `port` (default 445). Every whole window holds `min(rate, destinations)`
//! distinct destinations: 400 with the defaults against the `sonata-superspreader` threshold
//! of 40. The source is pool host 0, the destinations pool hosts 1 on.

use std::net::Ipv4Addr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{Driver, Engine, Even, POOL, Params, Queue, Tcp, host, host_range, rng_for};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

struct Superspreader {
    env: ScenarioEnv,
    times: Even,
    destinations: u64,
    port: u16,
    source: Ipv4Addr,
    rng: ChaCha8Rng,
}

impl Driver for Superspreader {
    fn ticks(&self) -> u64 {
        self.times.count()
    }

    fn tick_time(&self, n: u64) -> u64 {
        self.times.at(n)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let dst = host(&self.env, 1 + n % self.destinations);
        // Source ports walk up from an ephemeral start, as a scanning process's sockets do.
        let sport = 32_768 + (n % 28_000) as u16;
        let mut c = Tcp::new((self.source, sport), (dst, self.port), self.rng.random(), 0);
        out.push(t, c.syn());
    }
}

/// Builds a `superspreader` from its flag.
pub(super) fn build(spec: &ScenarioSpec, env: &ScenarioEnv) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "destinations", "port"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(400.0, "SYNs per second")?;
    let destinations = p.int("destinations", 1000, 1, POOL - 1, "destinations")?;
    let port = p.port("port", 445)?;
    let mut rng = rng_for(env);
    let times = Even::at_rate(timing.start_ns, timing.duration_ns, rate, timing.jitter, rng.random());
    let source = host(env, 0);
    let driver = Superspreader { env: env.clone(), times, destinations, port, source, rng };
    let victims = host_range(env, 1, destinations);
    Ok(Engine::boxed(ScenarioKind::Superspreader, env, source.to_string(), victims, driver))
}
