//! Pinning plans: which core each thread of a run is bound to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which cores threads are pinned to.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinPlan {
    /// No pinning: the scheduler places threads.
    None,
    /// Thread `i` on core `i mod cores`.
    #[default]
    Auto,
    /// Thread `i` on the `i mod len`-th listed core.
    Cores(Vec<usize>),
}

impl PinPlan {
    /// The core of thread `i`, if it is pinned.
    pub fn core_of(&self, i: usize, cores: usize) -> Option<usize> {
        match self {
            PinPlan::None => None,
            PinPlan::Auto => Some(i % cores.max(1)),
            PinPlan::Cores(list) if list.is_empty() => None,
            PinPlan::Cores(list) => Some(list[i % list.len()]),
        }
    }
}

impl fmt::Display for PinPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinPlan::None => f.write_str("none"),
            PinPlan::Auto => f.write_str("auto"),
            PinPlan::Cores(c) => {
                let s: Vec<String> = c.iter().map(usize::to_string).collect();
                f.write_str(&s.join(","))
            }
        }
    }
}

/// A `--pin` value that is neither `none`, `auto` nor a core list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --pin '{0}': expected none, auto, or a comma-separated core list such as 0,1")]
pub struct BadPin(pub String);

impl FromStr for PinPlan {
    type Err = BadPin;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(PinPlan::None),
            "auto" => Ok(PinPlan::Auto),
            _ => s
                .split(',')
                .map(|c| c.trim().parse::<usize>())
                .collect::<Result<Vec<_>, _>>()
                .map(PinPlan::Cores)
                .map_err(|_| BadPin(s.into())),
        }
    }
}

/// The most cores a CPU set holds (`CPU_SETSIZE`); `core_affinity` panics beyond it.
const MAX_CORES: usize = 1024;

/// Pins the calling thread to `core`; false when the OS refused or the core does not exist.
pub fn pin_current(core: usize) -> bool {
    core < MAX_CORES && core_affinity::set_for_current(core_affinity::CoreId { id: core })
}

/// Makes the calling thread's timed sleeps (parks) end as close to their deadline as the
/// scheduler allows, instead of up to the default 50 µs of timer slack late: a worker parked
/// until a paced frame's release wakes in time for it.
pub fn tight_timer_slack() {
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument and changes only this thread's
    // timer slack; no memory is passed.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_assigns() {
        assert_eq!("none".parse(), Ok(PinPlan::None));
        assert_eq!("0,2".parse(), Ok(PinPlan::Cores(vec![0, 2])));
        assert!("x".parse::<PinPlan>().is_err());
        assert_eq!(PinPlan::Cores(vec![0, 2]).core_of(3, 8), Some(2));
        assert_eq!(PinPlan::Auto.core_of(3, 2), Some(1));
        assert_eq!(PinPlan::None.core_of(0, 2), None);
        assert_eq!(PinPlan::Cores(vec![1, 3]).to_string(), "1,3");
    }

    #[test]
    fn a_core_beyond_the_cpu_set_is_refused_not_a_panic() {
        assert!(!pin_current(5000));
    }
}
