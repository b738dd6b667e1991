//! The trace generator: a profile's packets (and injected attacks), timed by the pacing.
//!
//! [`Generator`] is a stream: [`Generator::next_frame`] writes one frame's captured bytes and
//! returns its timestamp and wire length, so traces larger than memory can go straight to a
//! file; [`generate`] collects a whole trace into a [`FrameBuffer`]. Benign packets are timed by
//! the pacing (a constant rate of wire bits or packets, optionally in ON/OFF bursts); attack
//! packets of the scenarios come at their own times on top, merged in time order.

use std::path::PathBuf;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use wire::build::PacketSpec;
use wire::{FrameBuffer, LinkType};

use crate::model::TrafficModel;
use crate::model::session::SessionModel;
use crate::model::skew::{InvalidSkew, SkewedModel, population_size};
use crate::profile::{ModelOptions, Profile};
use crate::profile_file::{ProfileFileError, UserProfile};
use crate::scenario::{
    AttackRow, Scenario, ScenarioEnv, ScenarioSpec, SpecError, TruthCounter, TruthRow,
};

/// Version of the generator's output. Bump it whenever the same configuration would give other
/// bytes: results carry it, and the trace cache is keyed by it.
pub const GENERATOR_VERSION: u32 = 2;

/// Captured bytes per generated frame unless asked otherwise: the Ethernet header and 64 bytes
/// of IP (CAIDA's header-only traces keep 64 bytes of IP); each VLAN tag adds 4.
pub const DEFAULT_SNAPLEN: u32 = 14 + 64;

/// Captured bytes per frame with `--full-payload`: every byte.
pub const FULL_PAYLOAD_SNAPLEN: u32 = 65_535;

/// The default start time of generated traces: 2026-01-01T00:00:00Z, in ns.
pub const DEFAULT_START_NS: u64 = 1_767_225_600_000_000_000;

/// How generated packets are spaced in time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pacing {
    /// A constant bit rate of wire bytes (`orig_len`, as tcpreplay counts): each packet starts
    /// when the previous one's bits have gone out at this rate.
    Mbps(f64),
    /// A constant packet rate.
    Pps(f64),
}

impl Default for Pacing {
    /// 10 Gb/s, the link rate of Fais et al.'s first experiment.
    fn default() -> Self {
        Pacing::Mbps(10_000.0)
    }
}

/// ON/OFF burstiness: the source alternates between sending at a peak rate and silence, with
/// Pareto-distributed period lengths (shape 1.5: heavy-tailed, so the aggregate is
/// self-similar), keeping the pacing's rate as the long-run mean.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnOff {
    /// Mean ON period, microseconds.
    pub on_us: f64,
    /// Mean OFF period, microseconds.
    pub off_us: f64,
}

/// Pareto shape of ON and OFF periods.
const ON_OFF_SHAPE: f64 = 1.5;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenConfig {
    /// Traffic profile.
    pub profile: Profile,
    /// Number of packets (attack packets included); with `duration_ns`, whichever ends first.
    pub packets: u64,
    /// Length of the trace in ns of packet time (`None`: only `packets` bounds it).
    pub duration_ns: Option<u64>,
    /// Seed of every random stream.
    pub seed: u64,
    /// Timing of benign packets.
    pub pacing: Pacing,
    /// ON/OFF burstiness of benign packets (`None`: smooth).
    pub burst: Option<OnOff>,
    /// Share of IPv6 flows (`None`: the profile's own).
    pub ipv6_share: Option<f64>,
    /// 802.1Q tags on every frame, outermost first (two make QinQ).
    pub vlans: Vec<u16>,
    /// Captured bytes per frame.
    pub snaplen: u32,
    /// Timestamp of the first packet (ns since the Unix epoch).
    pub start_ns: u64,
    /// Injected attacks.
    #[serde(with = "specs_as_text")]
    pub scenarios: Vec<ScenarioSpec>,
    /// A user profile file (TOML): when given, the traffic comes from it (its base is
    /// `profile`).
    pub profile_file: Option<PathBuf>,
    /// Zipf exponent of flow popularity (`None`: the profile's own flows): packets are
    /// regrouped into a fixed population of flows, the `k`-th most popular carrying a share
    /// proportional to `k^-S` (see [`crate::model::skew`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_skew: Option<f64>,
}

mod specs_as_text {
    use super::ScenarioSpec;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[ScenarioSpec], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ScenarioSpec>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts.iter().map(|t| t.parse().map_err(serde::de::Error::custom)).collect()
    }
}

impl GenConfig {
    /// A configuration with the defaults: 10 Gb/s, header-only, starting 2026-01-01.
    pub fn new(profile: Profile, packets: u64, seed: u64) -> Self {
        Self {
            profile,
            packets,
            duration_ns: None,
            seed,
            pacing: Pacing::default(),
            burst: None,
            ipv6_share: None,
            vlans: Vec::new(),
            snaplen: DEFAULT_SNAPLEN,
            start_ns: DEFAULT_START_NS,
            scenarios: Vec::new(),
            profile_file: None,
            flow_skew: None,
        }
    }

    /// Whether frames are captured whole.
    pub fn full_payload(&self) -> bool {
        self.snaplen >= FULL_PAYLOAD_SNAPLEN
    }

    /// Benign packets per second the pacing gives (by the profile's nominal mean size).
    pub fn benign_pps(&self) -> f64 {
        self.benign_pps_at(self.profile.nominal_mean_wire_len())
    }

    fn benign_pps_at(&self, mean_wire_len: f64) -> f64 {
        match self.pacing {
            Pacing::Pps(p) => p,
            Pacing::Mbps(m) => m * 1e6 / 8.0 / mean_wire_len,
        }
    }
}

/// Invalid generator settings.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GenError {
    /// A rate that is not a positive finite number.
    #[error("invalid rate {0}: expected a positive number")]
    BadRate(f64),
    /// A snap length below what holds the headers.
    #[error("snap length {0} is too small: expected at least 14")]
    BadSnaplen(u32),
    /// An IPv6 share outside [0, 1].
    #[error("IPv6 share {0}: expected a number from 0 to 1")]
    BadIpv6Share(f64),
    /// ON/OFF periods that are not positive.
    #[error("ON/OFF periods {on_us} us / {off_us} us: expected positive numbers")]
    BadBurst {
        /// Mean ON period.
        on_us: f64,
        /// Mean OFF period.
        off_us: f64,
    },
    /// More than two VLAN tags, or an id above 4095.
    #[error("VLAN tags {0:?}: expected at most two ids from 0 to 4095")]
    BadVlans(Vec<u16>),
    /// A bad scenario.
    #[error(transparent)]
    Scenario(#[from] SpecError),
    /// A bad user profile file.
    #[error(transparent)]
    ProfileFile(#[from] ProfileFileError),
    /// A flow skew that is not a finite number above 0.
    #[error(transparent)]
    FlowSkew(#[from] InvalidSkew),
}

/// The timestamp of each benign packet: pacing, then ON/OFF gaps.
struct Clock {
    start_ns: u64,
    /// ns per pacing unit (wire byte or packet), at the peak rate when bursty.
    per_unit: f64,
    per_byte: bool,
    units: f64,
    burst: Option<Bursts>,
}

struct Bursts {
    rng: ChaCha8Rng,
    on_mean: f64,
    off_mean: f64,
    /// Active (ON) time at which the current ON period ends, ns.
    on_end: f64,
    /// Total OFF time so far, ns.
    offset: f64,
}

/// A Pareto draw with the given mean (shape [`ON_OFF_SHAPE`]).
fn pareto_with_mean(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    let scale = mean * (ON_OFF_SHAPE - 1.0) / ON_OFF_SHAPE;
    let u: f64 = 1.0 - rng.random::<f64>();
    scale * u.powf(-1.0 / ON_OFF_SHAPE)
}

impl Clock {
    fn new(cfg: &GenConfig) -> Result<Self, GenError> {
        let (per_unit, per_byte) = match cfg.pacing {
            Pacing::Mbps(r) | Pacing::Pps(r) if !(r.is_finite() && r > 0.0) => {
                return Err(GenError::BadRate(r));
            }
            Pacing::Mbps(mbps) => (8.0 * 1e3 / mbps, true),
            Pacing::Pps(pps) => (1e9 / pps, false),
        };
        let mut clock =
            Self { start_ns: cfg.start_ns, per_unit, per_byte, units: 0.0, burst: None };
        if let Some(b) = cfg.burst {
            if !(b.on_us.is_finite() && b.on_us > 0.0 && b.off_us.is_finite() && b.off_us > 0.0) {
                return Err(GenError::BadBurst { on_us: b.on_us, off_us: b.off_us });
            }
            // Send at the peak rate while ON so the long-run mean is the pacing's rate.
            clock.per_unit *= b.on_us / (b.on_us + b.off_us);
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            rng.set_stream(6);
            let on_end = pareto_with_mean(&mut rng, b.on_us * 1e3);
            clock.burst = Some(Bursts {
                rng,
                on_mean: b.on_us * 1e3,
                off_mean: b.off_us * 1e3,
                on_end,
                offset: 0.0,
            });
        }
        Ok(clock)
    }

    /// Timestamp of the next benign packet.
    fn peek(&mut self) -> u64 {
        let mut active = self.units * self.per_unit;
        if let Some(b) = &mut self.burst {
            while active >= b.on_end {
                b.offset += pareto_with_mean(&mut b.rng, b.off_mean);
                b.on_end += pareto_with_mean(&mut b.rng, b.on_mean);
            }
            active += b.offset;
        }
        // Non-negative: adding a half and truncating rounds, without a libm call.
        self.start_ns + (active + 0.5) as u64
    }

    /// Moves past a benign packet of `wire_len` bytes.
    fn advance(&mut self, wire_len: u32) {
        self.units += if self.per_byte { f64::from(wire_len) } else { 1.0 };
    }
}

/// Where one generated frame came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Timestamp, ns since the Unix epoch.
    pub ts_ns: u64,
    /// Length on the wire (`orig_len`).
    pub wire_len: u32,
}

/// The ground truth of a generated trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Truth {
    /// What each attack did, in flag order.
    pub attacks: Vec<AttackRow>,
    /// The alarms the attacks should trigger.
    pub alarms: Vec<TruthRow>,
}

/// A trace being generated.
pub struct Generator {
    cfg: GenConfig,
    model: Box<dyn TrafficModel>,
    scenarios: Vec<Box<dyn Scenario>>,
    truth: TruthCounter,
    clock: Clock,
    spec: PacketSpec,
    emitted: u64,
    first_ts: Option<u64>,
    last_ts: u64,
    end_ns: u64,
}

impl Generator {
    /// Checks the configuration and builds the model and scenarios.
    pub fn new(cfg: &GenConfig) -> Result<Self, GenError> {
        if cfg.snaplen < 14 {
            return Err(GenError::BadSnaplen(cfg.snaplen));
        }
        if let Some(s) = cfg.ipv6_share.filter(|s| !(0.0..=1.0).contains(s)) {
            return Err(GenError::BadIpv6Share(s));
        }
        if cfg.vlans.len() > 2 || cfg.vlans.iter().any(|&v| v > 4095) {
            return Err(GenError::BadVlans(cfg.vlans.clone()));
        }
        if cfg.scenarios.len() > 256 {
            return Err(SpecError::TooMany.into());
        }
        if let Some(s) = cfg.flow_skew.filter(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(InvalidSkew(s).into());
        }
        let clock = Clock::new(cfg)?;
        let user = cfg.profile_file.as_deref().map(UserProfile::load).transpose()?;
        let mean_wire_len = user
            .as_ref()
            .map_or(cfg.profile.nominal_mean_wire_len(), |u| u.nominal_mean_wire_len());
        let pps = cfg.benign_pps_at(mean_wire_len);
        let opts = ModelOptions {
            packets_per_window: pps,
            ipv6_share: cfg.ipv6_share,
            start_ns: cfg.start_ns,
        };
        let model: Box<dyn TrafficModel> = match &user {
            Some(u) => Box::new(SessionModel::new(u.flow_params(&opts)?, cfg.seed)),
            None => cfg.profile.model(&opts, cfg.seed),
        };
        let model: Box<dyn TrafficModel> = match cfg.flow_skew {
            Some(s) => {
                // The population scales with the benign packets the trace is expected to hold.
                let by_duration =
                    cfg.duration_ns.map_or(u64::MAX, |d| (pps * d as f64 / 1e9) as u64);
                let flows = population_size(cfg.packets.min(by_duration));
                Box::new(SkewedModel::new(model, s, flows, cfg.seed, cfg.start_ns)?)
            }
            None => model,
        };
        let scenarios = cfg
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let env = ScenarioEnv {
                    index: i as u8,
                    seed: cfg.seed,
                    trace_start_ns: cfg.start_ns,
                    full_payload: cfg.full_payload(),
                    benign_bytes_per_s: pps * mean_wire_len,
                };
                s.build(&env)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let spec = PacketSpec::default();
        let end_ns = cfg.duration_ns.map_or(u64::MAX, |d| cfg.start_ns.saturating_add(d));
        Ok(Self {
            cfg: cfg.clone(),
            model,
            scenarios,
            truth: TruthCounter::new(),
            clock,
            spec,
            emitted: 0,
            first_ts: None,
            last_ts: 0,
            end_ns,
        })
    }

    /// Appends the next frame's captured bytes to `out` and says when and how long it is;
    /// `None` when the trace is complete.
    pub fn next_frame(&mut self, out: &mut Vec<u8>) -> Option<FrameInfo> {
        if self.emitted >= self.cfg.packets {
            return None;
        }
        let benign_ts = self.clock.peek();
        let attack = self
            .scenarios
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.next_time().map(|t| (t, i)))
            .min()
            .filter(|&(t, _)| t < benign_ts);
        let snap = self.cfg.snaplen as usize;
        let info = if let Some((ts, i)) = attack {
            if ts >= self.end_ns {
                return None;
            }
            self.scenarios[i].emit(&mut self.spec);
            self.spec.vlans.clone_from(&self.cfg.vlans);
            let wire_len = self.spec.write(out, snap);
            self.truth.observe_attack(ts, &self.spec);
            FrameInfo { ts_ns: ts, wire_len }
        } else {
            if benign_ts >= self.end_ns {
                return None;
            }
            self.model.next_packet(&mut self.spec, benign_ts);
            if !self.cfg.vlans.is_empty() {
                self.spec.vlans.clone_from(&self.cfg.vlans);
            }
            let wire_len = self.spec.write(out, snap);
            self.clock.advance(wire_len);
            FrameInfo { ts_ns: benign_ts, wire_len }
        };
        if !self.scenarios.is_empty() {
            self.truth.observe_bytes(info.ts_ns, info.wire_len);
        }
        self.first_ts.get_or_insert(info.ts_ns);
        self.last_ts = info.ts_ns;
        self.emitted += 1;
        Some(info)
    }

    /// Frames generated so far.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// The configuration.
    pub fn config(&self) -> &GenConfig {
        &self.cfg
    }

    /// Attacks that were cut short by the end of the trace: (flag, time its packets would
    /// have run to, ns after the trace start).
    pub fn cut_short(&self) -> Vec<(String, u64)> {
        self.scenarios
            .iter()
            .zip(&self.cfg.scenarios)
            .filter_map(|(s, spec)| {
                s.next_time().map(|t| (spec.to_string(), t.saturating_sub(self.cfg.start_ns)))
            })
            .collect()
    }

    /// The ground truth of what was generated (empty without scenarios).
    pub fn truth(&self) -> Truth {
        if self.scenarios.is_empty() {
            return Truth::default();
        }
        let first = self.first_ts.unwrap_or(self.cfg.start_ns);
        Truth {
            attacks: self.scenarios.iter().map(|s| s.attack()).collect(),
            alarms: self.truth.finish(first, self.last_ts),
        }
    }
}

/// A generated trace in memory, with its ground truth.
#[derive(Debug)]
pub struct Generated {
    /// The frames.
    pub frames: FrameBuffer,
    /// What the injected attacks did and should trigger.
    pub truth: Truth,
}

/// Generates the whole trace into memory.
pub fn generate(cfg: &GenConfig) -> Result<FrameBuffer, GenError> {
    generate_with_truth(cfg).map(|g| g.frames)
}

/// Generates the whole trace into memory, with the ground truth of its attacks.
pub fn generate_with_truth(cfg: &GenConfig) -> Result<Generated, GenError> {
    let mut g = Generator::new(cfg)?;
    // Reserve for the expected trace (a bounded guess: the buffer grows past it if need be).
    let by_duration =
        cfg.duration_ns.map_or(u64::MAX, |d| (cfg.benign_pps() * d as f64 / 1e9) as u64 + 1024);
    let n = usize::try_from(cfg.packets.min(by_duration).min(1 << 24)).unwrap_or(0);
    let per_frame = (cfg.snaplen as usize).min(cfg.profile.nominal_mean_wire_len() as usize + 64);
    let mut frames = FrameBuffer::with_capacity(n, n.saturating_mul(per_frame));
    // Frames are written straight into the buffer.
    while frames.push_with(LinkType::Ethernet, |out| {
        g.next_frame(out).map(|info| (info.ts_ns, info.wire_len))
    }) {}
    Ok(Generated { truth: g.truth(), frames })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_frames_other_seed_differs() {
        let a = generate(&GenConfig::new(Profile::CaidaLike, 2000, 7)).unwrap();
        let b = generate(&GenConfig::new(Profile::CaidaLike, 2000, 7)).unwrap();
        let c = generate(&GenConfig::new(Profile::CaidaLike, 2000, 8)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.data(), c.data());
        assert_eq!(a.len(), 2000);
    }

    #[test]
    fn pacing_sets_the_rate() {
        let mut cfg = GenConfig::new(Profile::CaidaLike, 10_000, 1);
        cfg.pacing = Pacing::Mbps(1000.0);
        let f = generate(&cfg).unwrap();
        let bytes: u64 = f.metas().iter().map(|m| u64::from(m.wire_len)).sum();
        let last = f.metas().last().unwrap();
        let span = (last.ts_ns - cfg.start_ns) as f64 + f64::from(last.wire_len) * 8.0;
        let mbps = bytes as f64 * 8.0 / span * 1e3;
        assert!((mbps - 1000.0).abs() < 1.0, "{mbps}");
        cfg.pacing = Pacing::Pps(1e6);
        let f = generate(&cfg).unwrap();
        assert_eq!(f.metas()[1000].ts_ns - cfg.start_ns, 1_000_000);
        cfg.pacing = Pacing::Pps(0.0);
        assert_eq!(generate(&cfg).unwrap_err(), GenError::BadRate(0.0));
    }

    #[test]
    fn bursts_keep_the_mean_rate_and_leave_gaps() {
        let mut cfg = GenConfig::new(Profile::Imix, 200_000, 1);
        cfg.pacing = Pacing::Pps(1e6);
        cfg.burst = Some(OnOff { on_us: 1000.0, off_us: 1000.0 });
        let f = generate(&cfg).unwrap();
        let m = f.metas();
        let span = (m[m.len() - 1].ts_ns - m[0].ts_ns) as f64;
        // Long-run rate within 20% of 1 Mpps (heavy-tailed periods converge slowly).
        let rate = m.len() as f64 / span * 1e9;
        assert!((rate - 1e6).abs() < 0.2e6, "{rate}");
        // While ON, packets go at twice the rate: 500 ns apart; OFF leaves gaps far longer.
        let gaps: Vec<u64> = m.windows(2).map(|w| w[1].ts_ns - w[0].ts_ns).collect();
        assert!(gaps.iter().filter(|&&g| g == 500).count() > gaps.len() / 2);
        assert!(gaps.iter().any(|&g| g > 100_000));
        cfg.burst = Some(OnOff { on_us: 0.0, off_us: 1.0 });
        assert!(matches!(generate(&cfg), Err(GenError::BadBurst { .. })));
    }

    #[test]
    fn duration_bounds_the_trace_and_vlans_are_tagged() {
        let mut cfg = GenConfig::new(Profile::Min64, u64::MAX, 1);
        cfg.pacing = Pacing::Pps(1e6);
        cfg.duration_ns = Some(2_000_000);
        cfg.vlans = vec![100];
        cfg.snaplen = DEFAULT_SNAPLEN + 4;
        let f = generate(&cfg).unwrap();
        assert_eq!(f.len(), 2000);
        let frame = f.get(0).unwrap();
        assert_eq!(&frame.bytes[12..14], &[0x81, 0x00]);
        assert_eq!(frame.wire_len, 64, "60 B frame plus its tag");
        cfg.vlans = vec![1, 2, 3];
        assert!(matches!(generate(&cfg), Err(GenError::BadVlans(_))));
    }

    #[test]
    fn frames_are_header_only_with_true_length() {
        let f = generate(&GenConfig::new(Profile::CaidaLike, 5000, 3)).unwrap();
        assert!(f.metas().iter().all(|m| m.cap_len <= DEFAULT_SNAPLEN && m.cap_len <= m.wire_len));
    }
}
