//! `port-scan`: one source SYN-scans the TCP ports of the victim in order; closed ports answer
//! RST|ACK, open ports (22, 80, 443) answer SYN-ACK and the scanner resets them.
//!
//! Parameters: `rate` (probes per second, default 400), `first_port` (default 1), `ports`
//! (ports in the scanned range, default 1024; the scan starts over when it reaches the end).
//! Every whole window holds `min(rate, ports)` distinct ports: 400 with the defaults against
//! the `sonata-port-scan` threshold of 40.

use std::net::Ipv4Addr;

use rand::RngExt;

use super::common::{Driver, Engine, Even, Params, Queue, Tcp, host, rng_for, victim};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// Ports of the victim that accept connections.
pub(super) const OPEN_PORTS: [u16; 3] = [22, 80, 443];

/// The victim's answer delay.
const RTT_NS: u64 = 120_000;

struct PortScan {
    times: Even,
    first_port: u16,
    ports: u64,
    scanner: (Ipv4Addr, u16),
    victim: Ipv4Addr,
    seed: u64,
}

impl Driver for PortScan {
    fn ticks(&self) -> u64 {
        self.times.count()
    }

    fn tick_time(&self, n: u64) -> u64 {
        self.times.at(n)
    }

    fn tick(&mut self, n: u64, t: u64, out: &mut Queue) {
        let port = self.first_port + (n % self.ports) as u16;
        // A SYN scanner derives each probe's sequence number from the target, to match answers.
        let isn = (super::common::mix(self.seed ^ u64::from(port)) >> 32) as u32;
        // Closed ports answer RST|ACK with sequence number 0 (RFC 9293, SYN without ACK).
        let open = OPEN_PORTS.contains(&port);
        let sisn = if open { (super::common::mix(self.seed ^ n ^ 0xa5a5) >> 32) as u32 } else { 0 };
        let mut c = Tcp::new(self.scanner, (self.victim, port), isn, sisn);
        out.push(t, c.syn());
        if open {
            out.push(t + RTT_NS, c.syn_ack());
            out.push(t + 2 * RTT_NS, c.rst(true, false));
        } else {
            out.push(t + RTT_NS, c.rst(false, true));
        }
    }
}

/// Builds a `port-scan` from its flag.
pub(super) fn build(spec: &ScenarioSpec, env: &ScenarioEnv) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "first_port", "ports"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(400.0, "probes per second")?;
    let first_port = p.port("first_port", 1)?;
    let ports = p.int("ports", 1024, 1, 65536 - u64::from(first_port), "ports from first_port on")?;
    let mut rng = rng_for(env);
    let times = Even::at_rate(timing.start_ns, timing.duration_ns, rate, timing.jitter, rng.random());
    let scanner = (host(env, 0), rng.random_range(40_000..=60_000));
    let driver = PortScan { times, first_port, ports, scanner, victim: victim(env), seed: rng.random() };
    Ok(Engine::boxed(ScenarioKind::PortScan, env, host(env, 0).to_string(), victim(env).to_string(), driver))
}
