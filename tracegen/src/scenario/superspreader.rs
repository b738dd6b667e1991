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

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, Tcp, Ticks, host, host_range, rng_for,
};
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
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
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
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "destinations", "port"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(400.0, "SYNs per second")?;
    let destinations = p.int("destinations", 1000, 1, POOL - 1, "destinations")?;
    let port = p.port("port", 445)?;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let source = host(env, 0);
    let driver = Superspreader { env: env.clone(), times, destinations, port, source, rng };
    let victims = host_range(env, 1, destinations);
    Ok(Engine::boxed(ScenarioKind::Superspreader, env, source.to_string(), victims, driver))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use wire::build::Transport;
    use wire::sonata::Alarm;

    use super::super::SpecError;
    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };

    #[test]
    fn defaults_raise_superspreader_on_the_source_in_every_window() {
        check_main_rule("superspreader", &env(4), Alarm::Superspreader, "10.4.1.0", None);
    }

    #[test]
    fn parameters_set_destinations_and_port() {
        let env = env(0);
        let p = run("superspreader:destinations=30,port=23,rate=90", &env);
        check_packets(&p, &env);
        let dsts: HashSet<_> = p.iter().map(|(_, s)| s.dst).collect();
        assert_eq!(dsts.len(), 30);
        assert!(p.iter().all(|(_, s)| matches!(s.transport, Transport::Tcp { dport: 23, .. })));
        assert!(windows_of(&truth(&p), Alarm::Superspreader, "10.0.1.0").is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let env = env(0);
        assert!(matches!(error("superspreader:dests=3", &env), SpecError::UnknownParam { .. }));
        assert!(matches!(
            error("superspreader:destinations=65280", &env),
            SpecError::BadValue { .. }
        ));
        assert!(matches!(error("superspreader:port=0", &env), SpecError::BadValue { .. }));
    }
}
