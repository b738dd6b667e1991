//! The rate flags `run` and `replay` share: `--mbps`, `--pps`, `--multiplier`, at most one.

use clap::Args;
use tracegen::replay::Pacing;

/// How fast to release frames; at most one flag.
#[derive(Debug, Args, Clone, Default, PartialEq)]
pub struct RateArgs {
    /// Release frames at this rate of wire bits, in Mb/s (orig_len, as tcpreplay counts).
    #[arg(long, conflicts_with_all = ["pps", "multiplier"])]
    pub mbps: Option<f64>,
    /// Release frames at this many packets per second.
    #[arg(long, conflicts_with = "multiplier")]
    pub pps: Option<f64>,
    /// Release frames at the capture's own timing, this many times faster.
    #[arg(long)]
    pub multiplier: Option<f64>,
}

impl RateArgs {
    /// The pacing the flags ask for; `None` when none was given.
    pub fn pacing(&self) -> Option<Pacing> {
        match (self.mbps, self.pps, self.multiplier) {
            (Some(r), _, _) => Some(Pacing::Mbps(r)),
            (_, Some(r), _) => Some(Pacing::Pps(r)),
            (_, _, Some(m)) => Some(Pacing::Original { multiplier: m }),
            _ => None,
        }
    }
}
