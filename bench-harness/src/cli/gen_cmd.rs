//! `pktstream gen`: a seeded synthetic trace from a profile, with injected attacks, written as a
//! capture with two sidecars: `F.gen.json` (how it was made) and, with scenarios, `F.truth.csv`
//! (what the attacks should trigger).

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use tracegen::generator::{DEFAULT_SNAPLEN, FULL_PAYLOAD_SNAPLEN, OnOff};
use tracegen::pcap::{CaptureFormat, CaptureMeta, PcapWriter, PcapngWriter, TsResolution};
use tracegen::profile_file::UserProfile;
use tracegen::scenario::{ScenarioSpec, write_truth};
use tracegen::{GENERATOR_VERSION, GenConfig, Generator, Pacing, Profile};

/// Flags of `pktstream gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Traffic profile: caida-like, fais-like, imix, min64, datacenter, flow-flood, or a
    /// profile file (FILE.toml; see the tracegen `profile_file` docs).
    #[arg(long)]
    pub profile: String,
    /// Number of packets (attack packets included); with --duration, whichever ends first.
    #[arg(long, required_unless_present = "duration")]
    pub packets: Option<u64>,
    /// Length of the trace in seconds of packet time.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Seed of the random streams: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output capture file.
    #[arg(long)]
    pub out: PathBuf,
    /// Pace benign packets at this many Mb/s of wire bytes (default 10000).
    #[arg(long, conflicts_with = "pps")]
    pub mbps: Option<f64>,
    /// Pace benign packets at this many packets per second.
    #[arg(long)]
    pub pps: Option<f64>,
    /// ON/OFF bursts: mean ON and OFF periods in microseconds, as ON:OFF (Pareto periods; the
    /// rate stays the long-run mean).
    #[arg(long, value_name = "ON_US:OFF_US")]
    pub burst: Option<String>,
    /// Share of IPv6 flows, 0 to 1 (default: the profile's).
    #[arg(long)]
    pub ipv6: Option<f64>,
    /// 802.1Q VLAN id on every frame; give it twice for QinQ (outer first).
    #[arg(long = "vlan")]
    pub vlans: Vec<u16>,
    /// Captured bytes per frame (default: the link header and 64 bytes of IP; the true size
    /// stays in orig_len).
    #[arg(long, conflicts_with = "full_payload")]
    pub snaplen: Option<u32>,
    /// Capture every byte of every frame (DNS and payload scenarios need it).
    #[arg(long)]
    pub full_payload: bool,
    /// Write microsecond timestamps instead of nanoseconds.
    #[arg(long)]
    pub micro: bool,
    /// Capture format: pcap or pcapng (default: pcapng for a .pcapng file, else pcap). pcapng
    /// files carry the generator version and configuration in their section header.
    #[arg(long)]
    pub format: Option<String>,
    /// Inject an attack: KIND[:k=v,...] (repeatable). Kinds: syn-flood, port-scan,
    /// superspreader, ddos, ssh-brute, slowloris, dns-reflection, dns-tunnel, zorro,
    /// heavy-hitter; common parameters start=S and duration=S (seconds), rate=PPS.
    #[arg(long = "scenario", value_name = "KIND[:k=v,...]")]
    pub scenarios: Vec<String>,
    /// Zipf skew of flow popularity: spread the profile's packets over a fixed population of
    /// flows (one per 8 packets, 1024 to 2^20) so that the k-th most popular flow carries a
    /// share proportional to k^-S; sizes, protocol mix and addresses stay the profile's.
    /// S is a finite number above 0 (sharding experiments use 0.8 to 1.4).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub flow_skew: Option<f64>,
}

impl GenArgs {
    /// The generator configuration these flags describe.
    pub fn config(&self) -> anyhow::Result<GenConfig> {
        let (profile, file) = if self.profile.ends_with(".toml") {
            let user = UserProfile::load(Path::new(&self.profile))?;
            (user.base, Some(user.path))
        } else {
            (self.profile.parse::<Profile>()?, None)
        };
        let mut cfg = GenConfig::new(profile, self.packets.unwrap_or(u64::MAX), self.seed);
        cfg.profile_file = file;
        if let Some(d) = self.duration {
            if !(d.is_finite() && d > 0.0) {
                bail!("--duration {d}: expected a positive number of seconds");
            }
            cfg.duration_ns = Some((d * 1e9).round() as u64);
        }
        cfg.snaplen = if self.full_payload {
            FULL_PAYLOAD_SNAPLEN
        } else {
            self.snaplen.unwrap_or(DEFAULT_SNAPLEN + 4 * self.vlans.len() as u32)
        };
        if let Some(m) = self.mbps {
            cfg.pacing = Pacing::Mbps(m);
        }
        if let Some(p) = self.pps {
            cfg.pacing = Pacing::Pps(p);
        }
        if let Some(b) = &self.burst {
            cfg.burst = Some(parse_burst(b)?);
        }
        cfg.ipv6_share = self.ipv6;
        if let Some(s) = self.flow_skew {
            if !(s.is_finite() && s > 0.0) {
                bail!(
                    "--flow-skew {s}: expected a finite Zipf exponent above 0 \
                     (sharding experiments use 0.8 to 1.4)"
                );
            }
            cfg.flow_skew = Some(s);
        }
        cfg.vlans.clone_from(&self.vlans);
        cfg.scenarios =
            self.scenarios.iter().map(|s| s.parse::<ScenarioSpec>()).collect::<Result<_, _>>()?;
        Ok(cfg)
    }
}

fn parse_burst(text: &str) -> anyhow::Result<OnOff> {
    let parse = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
    match text.split_once(':').map(|(a, b)| (parse(a), parse(b))) {
        Some((Some(on_us), Some(off_us))) => Ok(OnOff { on_us, off_us }),
        _ => bail!("--burst {text}: expected ON_US:OFF_US, two positive numbers of microseconds"),
    }
}

/// What `F.gen.json` records.
#[derive(Debug, Serialize)]
struct GenRecord<'a> {
    generator_version: u32,
    profile: String,
    config: &'a GenConfig,
    packets: u64,
    bytes: u64,
    first_ts_ns: u64,
    last_ts_ns: u64,
    truth_file: Option<String>,
}

/// The metadata sidecar of a generated capture: `F.gen.json`.
pub fn gen_json_path(capture: &Path) -> PathBuf {
    let mut name = capture.as_os_str().to_owned();
    name.push(".gen.json");
    PathBuf::from(name)
}

fn temp_beside(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".tmp{}", std::process::id()));
    PathBuf::from(name)
}

pub(super) fn run(args: &GenArgs) -> anyhow::Result<()> {
    let cfg = args.config()?;
    let mut generator = Generator::new(&cfg)?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let resolution = if args.micro { TsResolution::Micro } else { TsResolution::Nano };
    let tmp = temp_beside(&args.out);
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let format = match &args.format {
        Some(f) => f.parse::<CaptureFormat>()?,
        None => CaptureFormat::from_path(&args.out),
    };
    let out = BufWriter::with_capacity(1 << 20, file);
    let link = wire::LinkType::Ethernet;
    let mut writer = match format {
        CaptureFormat::Pcap => Sink::Pcap(PcapWriter::new(out, link, cfg.snaplen, resolution)?),
        CaptureFormat::Pcapng => {
            let meta = CaptureMeta {
                application: format!("pktstream gen (generator version {GENERATOR_VERSION})"),
                comment: Some(serde_json::to_string(&cfg)?),
            };
            Sink::Pcapng(PcapngWriter::new(out, link, cfg.snaplen, resolution, &meta)?)
        }
    };
    let progress = progress_bar(&cfg);
    let (mut bytes, mut first, mut last) = (0u64, None, 0u64);
    let mut buf = Vec::with_capacity(2048);
    let written = (|| -> anyhow::Result<()> {
        loop {
            buf.clear();
            let Some(info) = generator.next_frame(&mut buf) else { break };
            writer.write_frame(info.ts_ns, info.wire_len, &buf)?;
            bytes += u64::from(info.wire_len);
            first.get_or_insert(info.ts_ns);
            last = info.ts_ns;
            if let Some(p) =
                progress.as_ref().filter(|_| generator.emitted().is_multiple_of(65_536))
            {
                p.set_position(progress_position(&cfg, generator.emitted(), info.ts_ns));
            }
        }
        writer.finish()?;
        Ok(())
    })();
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(format!("cannot write {}", args.out.display())));
    }
    std::fs::rename(&tmp, &args.out)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), args.out.display()))?;
    let packets = generator.emitted();
    let truth = generator.truth();
    let truth_file = if cfg.scenarios.is_empty() {
        None
    } else {
        let path = write_truth(&args.out, &truth.attacks, &truth.alarms)
            .with_context(|| format!("cannot write the truth file of {}", args.out.display()))?;
        Some(path.display().to_string())
    };
    let record = GenRecord {
        generator_version: GENERATOR_VERSION,
        profile: cfg
            .profile_file
            .as_ref()
            .map_or(cfg.profile.name().to_string(), |p| p.display().to_string()),
        config: &cfg,
        packets,
        bytes,
        first_ts_ns: first.unwrap_or(cfg.start_ns),
        last_ts_ns: last,
        truth_file: truth_file.clone(),
    };
    crate::results::write_json(&gen_json_path(&args.out), &record)?;
    println!(
        "wrote {packets} packets ({bytes} wire bytes, mean {:.1} B, {:.3} s) of profile {} seed {} to {}",
        bytes as f64 / packets.max(1) as f64,
        (last.saturating_sub(first.unwrap_or(last))) as f64 / 1e9,
        record.profile,
        cfg.seed,
        args.out.display()
    );
    if let Some(t) = truth_file {
        println!(
            "ground truth: {} attacks, {} expected alarms in {t}",
            truth.attacks.len(),
            truth.alarms.len()
        );
    }
    for (flag, until) in generator.cut_short() {
        eprintln!(
            "pktstream: warning: the trace ended before scenario {flag} was over (its next packet was \
             due {:.2} s after the start); \
             give a longer --duration or more --packets",
            until as f64 / 1e9
        );
    }
    let _ = std::io::stdout().flush();
    Ok(())
}

/// The capture being written, in either format.
enum Sink {
    Pcap(PcapWriter<BufWriter<std::fs::File>>),
    Pcapng(PcapngWriter<BufWriter<std::fs::File>>),
}

impl Sink {
    fn write_frame(&mut self, ts_ns: u64, wire_len: u32, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Pcap(w) => w.write_frame(ts_ns, wire_len, bytes),
            Sink::Pcapng(w) => w.write_frame(ts_ns, wire_len, bytes),
        }
    }

    /// Flushes and syncs the file.
    fn finish(self) -> anyhow::Result<()> {
        let out = match self {
            Sink::Pcap(w) => w.into_inner(),
            Sink::Pcapng(w) => w.into_inner(),
        };
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(())
    }
}

/// A progress bar on stderr when it is a terminal: by packets, or by packet time with only a
/// duration.
fn progress_bar(cfg: &GenConfig) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let (len, template) = match (cfg.packets, cfg.duration_ns) {
        (u64::MAX, Some(d)) => (d / 1_000_000, "{bar:40} {pos}/{len} ms of packet time {eta}"),
        (n, _) => (n, "{bar:40} {human_pos}/{human_len} packets {per_sec} {eta}"),
    };
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    Some(bar)
}

fn progress_position(cfg: &GenConfig, emitted: u64, ts_ns: u64) -> u64 {
    match (cfg.packets, cfg.duration_ns) {
        (u64::MAX, Some(_)) => ts_ns.saturating_sub(cfg.start_ns) / 1_000_000,
        _ => emitted,
    }
}
