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

use super::common::{Driver, Engine, Even, Params, Queue, Tcp, host, rng_for, victim};
use super::spec::{ScenarioKind, ScenarioSpec, SpecError};
use super::{Scenario, ScenarioEnv};

/// Wire bytes of one data segment.
pub const FRAME: usize = 1514;
/// TCP payload of one data segment (Ethernet, IPv4 and TCP headers take 54 bytes).
const SEGMENT: usize = FRAME - 54;

struct HeavyHitter {
    times: Even,
    conn: Tcp,
    /// Delay of the receiver's ACKs and of the handshake steps.
    rtt_ns: u64,
}

impl Driver for HeavyHitter {
    fn ticks(&self) -> u64 {
        self.times.count()
    }

    fn tick_time(&self, n: u64) -> u64 {
        self.times.at(n)
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
            if n % 2 == 0 {
                out.push(t + r, c.ack(false));
            }
            out.push(t + 2 * r, c.fin(true));
            out.push(t + 3 * r, c.fin(false));
            out.push(t + 4 * r, c.ack(true));
        }
    }
}

/// Builds a `heavy-hitter` from its flag.
pub(super) fn build(spec: &ScenarioSpec, env: &ScenarioEnv) -> Result<Box<dyn Scenario>, SpecError> {
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
    let times = Even::at_rate(timing.start_ns, timing.duration_ns, rate, timing.jitter, rng.random());
    // Handshake and ACKs stay within a tenth of the spacing, below the least gap jitter leaves.
    let rtt_ns = (times.spacing_ns() / 40).clamp(1, 200_000);
    let sender = (host(env, 0), rng.random_range(32_768..=60_999));
    let conn = Tcp::new(sender, (victim(env), port), rng.random(), rng.random());
    let driver = HeavyHitter { times, conn, rtt_ns };
    Ok(Engine::boxed(ScenarioKind::HeavyHitter, env, host(env, 0).to_string(), victim(env).to_string(), driver))
}
