//! `pktstream gen`: a seeded synthetic trace from a named profile, written as pcap.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tracegen::pcap::{TsResolution, write_file};
use tracegen::{GenConfig, Pacing, Profile};

/// Flags of `pktstream gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Traffic profile (caida-like).
    #[arg(long)]
    pub profile: String,
    /// Number of packets.
    #[arg(long)]
    pub packets: u64,
    /// Seed of the random streams: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output pcap file.
    #[arg(long)]
    pub out: PathBuf,
    /// Pace packets at this many Mb/s of wire bytes (default 10000).
    #[arg(long, conflicts_with = "pps")]
    pub mbps: Option<f64>,
    /// Pace packets at this many packets per second.
    #[arg(long)]
    pub pps: Option<f64>,
    /// Captured bytes per frame (header-only by default; the true size stays in orig_len).
    #[arg(long, default_value_t = tracegen::generator::DEFAULT_SNAPLEN)]
    pub snaplen: u32,
    /// Write microsecond timestamps (classic pcap magic) instead of nanoseconds.
    #[arg(long)]
    pub micro: bool,
}

impl GenArgs {
    /// The generator configuration these flags describe.
    pub fn config(&self) -> anyhow::Result<GenConfig> {
        let profile: Profile = self.profile.parse()?;
        let mut cfg = GenConfig::new(profile, self.packets, self.seed);
        cfg.snaplen = self.snaplen;
        if let Some(m) = self.mbps {
            cfg.pacing = Pacing::Mbps(m);
        }
        if let Some(p) = self.pps {
            cfg.pacing = Pacing::Pps(p);
        }
        Ok(cfg)
    }
}

pub(super) fn run(args: &GenArgs) -> anyhow::Result<()> {
    let cfg = args.config()?;
    let frames = tracegen::generate(&cfg)?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let resolution = if args.micro { TsResolution::Micro } else { TsResolution::Nano };
    write_file(&args.out, &frames, wire::LinkType::Ethernet, cfg.snaplen, resolution)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let bytes: u64 = frames.metas().iter().map(|m| u64::from(m.wire_len)).sum();
    println!(
        "wrote {} packets ({} wire bytes, mean {:.1} B) of profile {} seed {} to {}",
        frames.len(),
        bytes,
        bytes as f64 / frames.len().max(1) as f64,
        cfg.profile,
        cfg.seed,
        args.out.display()
    );
    Ok(())
}
