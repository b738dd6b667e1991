//! `port-scan`: one source SYN-scans the TCP ports of the victim in order; closed ports answer
//! RST|ACK, open ports (22, 80, 443) answer SYN-ACK and the scanner resets them.
//!
//! Parameters: `rate` (probes per second, default 400), `first_port` (default 1), `ports`
//! (ports in the scanned range, default 1024; the scan starts over when it reaches the end).
//! Every whole window holds `min(rate, ports)` distinct ports: 400 with the defaults against
//! the `sonata-port-scan` threshold of 40.

use std::net::Ipv4Addr;

use rand::RngExt;

use super::common::{Driver, Engine, Even, Params, Queue, Tcp, Ticks, host, rng_for, victim};
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
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
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
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["rate", "first_port", "ports"])?;
    let timing = p.timing(env)?;
    let rate = p.rate(400.0, "probes per second")?;
    let first_port = p.port("first_port", 1)?;
    let ports =
        p.int("ports", 1024, 1, 65536 - u64::from(first_port), "ports from first_port on")?;
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    let scanner = (host(env, 0), rng.random_range(40_000..=60_000));
    let driver =
        PortScan { times, first_port, ports, scanner, victim: victim(env), seed: rng.random() };
    Ok(Engine::on_victim(ScenarioKind::PortScan, env, host(env, 0).to_string(), driver))
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
    fn defaults_raise_port_scan_on_the_scanner_in_every_window() {
        check_main_rule("port-scan", &env(1), Alarm::PortScan, "10.1.1.0", None);
    }

    #[test]
    fn parameters_set_the_port_range_and_open_ports_answer() {
        let env = env(0);
        let p = run("port-scan:rate=50,first_port=20,ports=5,duration=1", &env);
        check_packets(&p, &env);
        let flags_of = |want: u8| {
            p.iter()
                .filter(
                    |(_, s)| matches!(s.transport, Transport::Tcp { flags, .. } if flags == want),
                )
                .count()
        };
        // 50 probes over ports 20..=24: 10 reach port 22 (open), 40 closed ports.
        assert_eq!(flags_of(tcp_flags::SYN), 50);
        assert_eq!(flags_of(tcp_flags::SYN | tcp_flags::ACK), 10);
        assert_eq!(flags_of(tcp_flags::RST), 10);
        assert_eq!(flags_of(tcp_flags::RST | tcp_flags::ACK), 40);
        assert!(p.iter().all(|(_, s)| match s.transport {
            Transport::Tcp { sport, dport, .. } =>
                (20..=24).contains(&sport) || (20..=24).contains(&dport),
            _ => false,
        }));
        // 30 ports a window are below the threshold of 40.
        let few = run("port-scan:ports=30", &env);
        assert!(windows_of(&truth(&few), Alarm::PortScan, "10.0.1.0").is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let env = env(0);
        assert!(matches!(error("port-scan:sources=3", &env), SpecError::UnknownParam { .. }));
        for flag in [
            "port-scan:ports=0",
            "port-scan:first_port=65000,ports=1000",
            "port-scan:first_port=0",
            "port-scan:rate=-5",
        ] {
            assert!(matches!(error(flag, &env), SpecError::BadValue { .. }), "{flag}");
        }
    }
}
