//! `heavy-hitter`: one bulk TCP transfer (full 1514-byte frames) into the victim, at a share
//! of the benign traffic's bytes: handshake, data segments acknowledged every second segment,
//! and a close at the end.
//!
//! Parameters: `share` (of the benign wire bytes per second, default 0.05), or `rate` (data
//! segments per second, which overrides `share`), `port` (the victim's port, default 5201).
//! With the defaults the flow carries about 0.05 / 1.05 = 4.8% of each window's bytes against
//! the `heavy-hitter` threshold of 1%. The key reported is the data direction,
//! `10.i.1.0:SPORT>10.i.0.1:5201/6`.

use rand::RngExt;

use super::common::{Driver, Engine, Even, Params, Queue, Tcp, Ticks, host, rng_for, victim};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// Wire bytes of one data segment.
pub(super) const FRAME: usize = 1514;
/// TCP payload of one data segment (Ethernet, IPv4 and TCP headers take 54 bytes).
const SEGMENT: usize = FRAME - 54;

struct HeavyHitter {
    times: Even,
    conn: Tcp,
    /// Delay of the receiver's ACKs and of the handshake steps.
    rtt_ns: u64,
}

impl Driver for HeavyHitter {
    fn times(&self) -> Ticks {
        Ticks::One(self.times)
    }

    fn tick(&mut self, n: u64, mut t: u64, out: &mut Queue) {
        let r = self.rtt_ns;
        let c = &mut self.conn;
        if n == 0 {
            out.push(t, c.syn());
            out.push(t + r, c.syn_ack());
            out.push(t + 2 * r, c.ack(true));
            t += 3 * r;
        }
        out.push(t, c.bulk(true, SEGMENT));
        if n % 2 == 1 {
            out.push(t + r, c.ack(false));
        }
        if n + 1 == self.times.count() {
            if n.is_multiple_of(2) {
                out.push(t + r, c.ack(false));
            }
            out.push(t + 2 * r, c.fin(true));
            out.push(t + 3 * r, c.fin(false));
            out.push(t + 4 * r, c.ack(true));
        }
    }
}

/// Builds a `heavy-hitter` from its flag.
pub(super) fn build(
    spec: &ScenarioSpec,
    env: &ScenarioEnv,
) -> Result<Box<dyn Scenario>, SpecError> {
    let p = Params::new(spec, &["share", "rate", "port"])?;
    let timing = p.timing(env)?;
    let share = p.real("share", 0.05, 0.0, 100.0, "a share of the benign bytes per second")?;
    let port = p.port("port", 5201)?;
    let rate = if spec.params.contains_key("rate") {
        p.rate(1.0, "data segments per second")?
    } else {
        let rate = share * env.benign_bytes_per_s / FRAME as f64;
        if rate < 1.0 {
            return Err(SpecError::BadValue {
                kind: spec.kind.name(),
                key: "share".into(),
                value: share.to_string(),
                expected: format!(
                    "a share of the benign {:.0} B/s worth at least one {FRAME}-byte frame per \
                     second (or give rate)",
                    env.benign_bytes_per_s
                ),
            });
        }
        rate.min(1e6)
    };
    let mut rng = rng_for(env);
    let times = timing.even(rate, rng.random());
    // Handshake and ACKs stay within a tenth of the spacing, below the least gap jitter leaves.
    let rtt_ns = (times.spacing_ns() / 40).clamp(1, 200_000);
    let sender = (host(env, 0), rng.random_range(32_768..=60_999));
    let conn = Tcp::new(sender, (victim(env), port), rng.random(), rng.random());
    let driver = HeavyHitter { times, conn, rtt_ns };
    Ok(Engine::on_victim(ScenarioKind::HeavyHitter, env, host(env, 0).to_string(), driver))
}

#[cfg(test)]
mod tests {
    use wire::build::{PacketSpec, Transport};
    use wire::sonata::Alarm;

    use super::super::testkit::{check_packets, env, error, run, whole_windows};
    use super::super::{ScenarioEnv, SpecError, TruthCounter, TruthRow, flow_key_text};

    /// The alarms of the packets over benign traffic of `env.benign_bytes_per_s` (1000-byte
    /// packets every 80 us) from the trace start to a second after the attack.
    fn with_benign(p: &[(u64, PacketSpec)], env: &ScenarioEnv) -> Vec<TruthRow> {
        let mut t = TruthCounter::new();
        for (ts, s) in p {
            t.observe_attack(*ts, s);
            t.observe_bytes(*ts, s.wire_len() as u32);
        }
        let gap = (1000.0 / env.benign_bytes_per_s * 1e9) as u64;
        let end = p.last().unwrap().0 + 1_000_000_000;
        for ts in (env.trace_start_ns..end).step_by(gap as usize) {
            t.observe_bytes(ts, 1000);
        }
        t.finish(env.trace_start_ns, end)
    }

    fn data_key(p: &[(u64, PacketSpec)]) -> String {
        let s = &p[0].1;
        let Transport::Tcp { sport, dport, .. } = s.transport else { panic!("TCP") };
        flow_key_text(s.src, sport, s.dst, dport, 6)
    }

    #[test]
    fn defaults_raise_heavy_hitter_for_the_flow_in_every_window() {
        let env = env(11);
        let p = run("heavy-hitter", &env);
        check_packets(&p, &env);
        assert_eq!(
            p.iter().filter(|(_, s)| s.wire_len() == 1514).count(),
            1238,
            "5% of 12.5 MB/s for 3 s"
        );
        let rows = with_benign(&p, &env);
        let key = data_key(&p);
        assert!(key.starts_with("10.11.1.0:") && key.ends_with(">10.11.0.1:5201/6"), "{key}");
        let whole = whole_windows(p[0].0, p.last().unwrap().0);
        assert!(whole.len() >= 2);
        let hh: Vec<&TruthRow> = rows.iter().filter(|r| r.alarm == Alarm::HeavyHitter).collect();
        for w in whole {
            assert!(hh.iter().any(|r| r.window_start_ns == w && r.key == key), "window {w}");
        }
        assert!(hh.iter().all(|r| r.key == key), "only the data direction");
    }

    #[test]
    fn parameters_set_share_or_rate() {
        let env = env(0);
        let small = run("heavy-hitter:share=0.005", &env);
        assert!(with_benign(&small, &env).iter().all(|r| r.alarm != Alarm::HeavyHitter));
        let p = run("heavy-hitter:rate=100,duration=1,port=80", &env);
        check_packets(&p, &env);
        assert_eq!(p.iter().filter(|(_, s)| s.payload_len == 1460).count(), 100);
        assert!(data_key(&p).ends_with(":80/6"));
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut env = env(0);
        assert!(matches!(error("heavy-hitter:share=x", &env), SpecError::BadValue { .. }));
        assert!(matches!(error("heavy-hitter:size=3", &env), SpecError::UnknownParam { .. }));
        env.benign_bytes_per_s = 0.0;
        assert!(
            matches!(error("heavy-hitter", &env), SpecError::BadValue { ref key, .. } if key == "share")
        );
    }
}
