//! `slowloris`: many connections to the victim's web server, opened in a short ramp and then
//! kept alive by one tiny header line each per `interval`, never finishing the request.
//!
//! Parameters: `connections` (default 200), `sources` (client hosts, default 1; connections
//! are spread over them), `interval` (seconds between two header lines of a connection,
//! default 1.0), `port` (default 80). `start` is when the connections open (over
//! [`OPEN_RAMP_NS`], each sending its request line); the trickle of header lines fills the
//! `duration` after [`TRICKLE_DELAY_NS`]. In every whole window of the trickle each connection
//! sends one 51-byte (IP length) packet, so `sonata-slowloris` sees 200 connections, about
//! 10 200 bytes and 51 bytes per connection (thresholds: 5 connections, 500 bytes, below 90 per
//! connection). A window holding the openings (SYN, ACK and request line: 40 + 40 + 61 bytes per
//! connection) is above 90 bytes per connection and raises no `sonata-slowloris`.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::common::{
    Driver, Engine, Even, POOL, Params, Queue, SEC, Tcp, Ticks, host, host_range, rng_for, victim,
};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// Time over which the connections open.
pub(super) const OPEN_RAMP_NS: u64 = 80_000_000;
/// Time from `start` to the first header line.
pub(super) const TRICKLE_DELAY_NS: u64 = 100_000_000;
/// The server's answer delay.
const RTT_NS: u64 = 200_000;

struct Slowloris {
    opens: Even,
    trickle: Even,
    conns: Vec<Tcp>,
    rng: ChaCha8Rng,
}

impl Driver for Slowloris {
    fn times(&self) -> Ticks {
        Ticks::Two(self.opens, self.trickle)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let opens = self.opens.count();
        if n < opens {
            let c = &mut self.conns[n as usize];
            let path: u32 = self.rng.random_range(1000..10_000);
            out.push(t, c.syn());
            out.push(t + RTT_NS, c.syn_ack());
            out.push(t + 2 * RTT_NS, c.ack(true));
            out.push(
                t + 2 * RTT_NS,
                c.data(true, format!("GET /?{path} HTTP/1.1\r\n").into_bytes()),
            );
            out.push(t + 3 * RTT_NS, c.ack(false));
        } else {
            let c = &mut self.conns[((n - opens) % opens) as usize];
            let value: u32 = self.rng.random_range(1000..10_000);
            out.push(t, c.data(true, format!("X-a: {value}\r\n").into_bytes()));
            out.push(t + RTT_NS, c.ack(false));
        }
    }
}

/// Builds a `slowloris` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["connections", "sources", "interval", "port"])?;
    let timing = p.timing(env)?;
    let connections = p.int("connections", 200, 1, 45_000, "connections")?;
    let sources = p.int("sources", 1, 1, POOL, "client hosts")?;
    let interval = p.real("interval", 1.0, 0.1, 60.0, "seconds between header lines")?;
    let port = p.port("port", 80)?;
    let mut rng = rng_for(env);
    let server = (victim(env), port);
    let conns = (0..connections)
        .map(|c| {
            let client = (host(env, c % sources), 20_000 + (c / sources) as u16);
            Tcp::new(client, server, rng.random(), rng.random())
        })
        .collect();
    let opens = Even::new(timing.start_ns, OPEN_RAMP_NS, connections, timing.jitter, rng.random());
    let lines = ((timing.duration_ns as f64 / SEC / interval) * connections as f64).round() as u64;
    let trickle = Even::new(
        timing.start_ns + TRICKLE_DELAY_NS,
        timing.duration_ns,
        lines.max(1),
        timing.jitter,
        rng.random(),
    );
    let driver = Slowloris { opens, trickle, conns, rng };
    let attackers = host_range(env, 0, sources.min(connections));
    Ok(Engine::on_victim(ScenarioKind::Slowloris, env, attackers, driver))
}

#[cfg(test)]
mod tests {
    use wire::sonata::Alarm;

    use super::super::SpecError;
    use super::super::testkit::{
        check_main_rule, check_packets, env, error, run, truth, windows_of,
    };
    use super::TRICKLE_DELAY_NS;

    #[test]
    fn defaults_raise_slowloris_on_the_victim_in_every_window_of_the_trickle() {
        let env = env(7);
        let trickle = env.trace_start_ns + 500_000_000 + TRICKLE_DELAY_NS;
        check_main_rule("slowloris", &env, Alarm::Slowloris, "10.7.0.1", Some(trickle));
    }

    #[test]
    fn parameters_set_connections_and_interval() {
        let env = env(0);
        let p = run("slowloris:connections=30,sources=2,interval=2,duration=4,port=8080", &env);
        check_packets(&p, &env);
        // Each connection: 5 packets to open, then 2 a header line (line and ACK), 2 lines; in a
        // window half the connections send a line: 15 connections, 765 bytes.
        assert_eq!(p.len(), 30 * 5 + 30 * 2 * 2);
        let rows = truth(&p);
        assert!(!windows_of(&rows, Alarm::Slowloris, "10.0.0.1").is_empty());
        // 4 connections are below the threshold of 5; header lines every 0.4 s exceed 90
        // bytes a connection.
        for flag in ["slowloris:connections=4", "slowloris:interval=0.4"] {
            assert!(
                windows_of(&truth(&run(flag, &env)), Alarm::Slowloris, "10.0.0.1").is_empty(),
                "{flag}"
            );
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        let env = env(0);
        assert!(matches!(error("slowloris:rate=3", &env), SpecError::UnknownParam { .. }));
        assert!(matches!(error("slowloris:interval=0", &env), SpecError::BadValue { .. }));
        assert!(matches!(error("slowloris:connections=0", &env), SpecError::BadValue { .. }));
    }
}
