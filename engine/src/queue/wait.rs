//! Wait strategies: what a poll loop does while its queue is empty (or full), and the
//! [`Backoff`] helper that carries them out and counts idle events for the run report.
//!
//! A poll loop calls [`Backoff::snooze`] each time it finds nothing to do and
//! [`Backoff::reset`] each time it makes progress:
//!
//! ```
//! use engine::queue::{Backoff, WaitStrategy};
//!
//! let mut backoff = Backoff::new(WaitStrategy::SpinPark);
//! let mut work = vec![1, 2, 3];
//! let mut done = 0;
//! while done < 3 {
//!     match work.pop() {
//!         Some(_) => {
//!             done += 1;
//!             backoff.reset();
//!         }
//!         None => backoff.snooze(),
//!     }
//! }
//! assert_eq!(backoff.idle_events(), 0);
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::QueueError;

/// How a thread waits while its queue is empty or full. Names are kebab-case
/// (`spin`, `spin-park`, `block`); the default is `spin-park`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitStrategy {
    /// Busy-spin with [`std::hint::spin_loop`]: the lowest latency, and one core per thread
    /// whether or not there is work. Only for runs with a core per busy thread.
    Spin,
    /// Spin a little, then yield, then park for [`SPIN_PARK_TIMEOUT`] at a time, so a run
    /// with more busy threads than cores still progresses.
    #[default]
    SpinPark,
    /// For now the same as `SpinPark` with longer parks ([`BLOCK_PARK_TIMEOUT`]): nothing
    /// wakes a parked thread early yet. True blocking, where the other side wakes the waiter,
    /// arrives with the queue-designs issue.
    Block,
}

/// How long one park of [`WaitStrategy::SpinPark`] lasts.
pub const SPIN_PARK_TIMEOUT: Duration = Duration::from_micros(50);

/// How long one park of [`WaitStrategy::Block`] lasts.
pub const BLOCK_PARK_TIMEOUT: Duration = Duration::from_micros(500);

/// Snoozes `0..SPIN_STEPS` spin `2^step` times each (1, 2, ..., 64 spins).
const SPIN_STEPS: u32 = 7;

/// Snoozes `SPIN_STEPS..YIELD_STEPS` yield the core; later ones park.
const YIELD_STEPS: u32 = 10;

impl WaitStrategy {
    /// Every strategy, in the order error messages list them.
    pub const ALL: [WaitStrategy; 3] =
        [WaitStrategy::Spin, WaitStrategy::SpinPark, WaitStrategy::Block];

    /// The strategy's name, as configurations and the command line spell it.
    pub const fn name(self) -> &'static str {
        match self {
            WaitStrategy::Spin => "spin",
            WaitStrategy::SpinPark => "spin-park",
            WaitStrategy::Block => "block",
        }
    }

    /// The names of every strategy, in the order of [`WaitStrategy::ALL`].
    pub fn names() -> Vec<&'static str> {
        WaitStrategy::ALL.iter().map(|s| s.name()).collect()
    }
}

impl fmt::Display for WaitStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WaitStrategy {
    type Err = QueueError;

    /// Parses a strategy's name exactly; an unknown one is an error listing the valid names.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        WaitStrategy::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| QueueError::UnknownWaitStrategy { name: name.to_owned() })
    }
}

/// Carries out a [`WaitStrategy`] in a poll loop and counts what it did.
///
/// The counters only grow (reset does not clear them), so a worker can read them into its
/// report at the end of a run.
#[derive(Debug, Clone)]
pub struct Backoff {
    strategy: WaitStrategy,
    /// Snoozes since the last reset; picks spin, yield or park.
    step: u32,
    idle_events: u64,
    parks: u64,
}

impl Backoff {
    /// A backoff that waits by `strategy`, with zeroed counters.
    pub fn new(strategy: WaitStrategy) -> Self {
        Backoff { strategy, step: 0, idle_events: 0, parks: 0 }
    }

    /// The strategy this backoff carries out.
    pub fn strategy(&self) -> WaitStrategy {
        self.strategy
    }

    /// Waits once, because the caller found nothing to do; counts one idle event.
    ///
    /// `Spin`: `2^k` spin-loop hints, `k` growing to 6 and staying there.
    /// `SpinPark` and `Block`: the same spins for the first 7 snoozes after a reset, then
    /// 3 [`std::thread::yield_now`], then a [`std::thread::park_timeout`] of
    /// [`SPIN_PARK_TIMEOUT`] (or [`BLOCK_PARK_TIMEOUT`]) on every later snooze.
    pub fn snooze(&mut self) {
        self.idle_events += 1;
        let step = self.step;
        if step < SPIN_STEPS || self.strategy == WaitStrategy::Spin {
            for _ in 0..1u32 << step.min(SPIN_STEPS - 1) {
                std::hint::spin_loop();
            }
            if step < SPIN_STEPS {
                self.step += 1;
            }
            return;
        }
        if step < YIELD_STEPS {
            self.step += 1;
            std::thread::yield_now();
            return;
        }
        self.parks += 1;
        // Nothing unparks this thread yet, so the park is a short sleep; a spurious wake-up
        // only means the caller polls a little early.
        std::thread::park_timeout(match self.strategy {
            WaitStrategy::Block => BLOCK_PARK_TIMEOUT,
            WaitStrategy::Spin | WaitStrategy::SpinPark => SPIN_PARK_TIMEOUT,
        });
    }

    /// Starts the next wait from the shortest spin again; call it after making progress.
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// True once the next snooze will park rather than spin or yield: a caller may take that
    /// moment to flush a partial batch or check for shutdown.
    pub fn is_parking(&self) -> bool {
        self.strategy != WaitStrategy::Spin && self.step >= YIELD_STEPS
    }

    /// How many times [`Backoff::snooze`] has been called since this backoff was made.
    pub fn idle_events(&self) -> u64 {
        self.idle_events
    }

    /// How many of those snoozes parked the thread.
    pub fn parks(&self) -> u64 {
        self.parks
    }
}

impl Default for Backoff {
    /// A backoff with the default strategy, [`WaitStrategy::SpinPark`].
    fn default() -> Self {
        Backoff::new(WaitStrategy::default())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_lists_all() {
        for s in WaitStrategy::ALL {
            assert_eq!(s.name().parse::<WaitStrategy>(), Ok(s));
            assert_eq!(s.to_string(), s.name());
            let value = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s.name());
            assert_eq!(WaitStrategy::deserialize(value), Ok(s));
        }
        assert_eq!(WaitStrategy::default(), WaitStrategy::SpinPark);
        let message = "nap".parse::<WaitStrategy>().unwrap_err().to_string();
        assert!(message.contains("`nap`"), "{message}");
        for name in WaitStrategy::names() {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn spin_park_spins_then_yields_then_parks() {
        let mut backoff = Backoff::new(WaitStrategy::SpinPark);
        for _ in 0..YIELD_STEPS {
            assert!(!backoff.is_parking());
            backoff.snooze();
        }
        assert_eq!(backoff.parks(), 0);
        assert!(backoff.is_parking());
        backoff.snooze();
        backoff.snooze();
        assert_eq!((backoff.idle_events(), backoff.parks()), (u64::from(YIELD_STEPS) + 2, 2));
        backoff.reset();
        assert!(!backoff.is_parking());
        backoff.snooze();
        assert_eq!((backoff.idle_events(), backoff.parks()), (u64::from(YIELD_STEPS) + 3, 2));
    }

    #[test]
    fn spin_never_parks() {
        let mut backoff = Backoff::new(WaitStrategy::Spin);
        for _ in 0..100 {
            backoff.snooze();
        }
        assert!(!backoff.is_parking());
        assert_eq!((backoff.idle_events(), backoff.parks()), (100, 0));
    }
}
