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
///
/// Whatever the strategy, a wait never outlasts the deadline its caller gives
/// ([`Backoff::snooze_until`], [`Backoff::plan`]): a thread holding a partial batch publishes it
/// within the flush timeout even while its input is idle.
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
    /// Spin a little, then yield, then sleep until the other side of the queue rings the
    /// thread's doorbell (a batch published, room freed, a batch recycled, a half dropped):
    /// an idle thread uses no CPU, and wakes as soon as there is work. Channels built for
    /// `Block` ([`batch_channel_with`](super::batch::batch_channel_with)) ring on every
    /// publish; the others cost nothing extra.
    ///
    /// A wait nothing rings, such as a thread polling an emulated NIC ring for frames whose
    /// release time has not come, falls back to a bounded park of [`BLOCK_PARK_TIMEOUT`].
    Block,
}

/// How long one park of [`WaitStrategy::SpinPark`] lasts.
pub const SPIN_PARK_TIMEOUT: Duration = Duration::from_micros(50);

/// How long one park of [`WaitStrategy::Block`] lasts where nothing rings the thread (a NIC
/// ring input), and the longest sleep on a channel built without a doorbell.
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

    /// Waits once, because the caller found nothing to do; counts one idle event. The same as
    /// [`Backoff::snooze_until`] with no deadline.
    ///
    /// `Spin`: `2^k` spin-loop hints, `k` growing to 6 and staying there.
    /// `SpinPark` and `Block`: the same spins for the first 7 snoozes after a reset, then
    /// 3 [`std::thread::yield_now`], then a [`std::thread::park_timeout`] of
    /// [`SPIN_PARK_TIMEOUT`] (or [`BLOCK_PARK_TIMEOUT`]) on every later snooze.
    pub fn snooze(&mut self) {
        self.snooze_until(None, 0);
    }

    /// Waits once, as [`Backoff::snooze`] does, but parks no later than `deadline_ns` (a
    /// pending flush; `now_ns` is the time now, on the same clock). There is no doorbell here,
    /// so `Block` parks for a bounded time; see [`Backoff::snooze_on`] for one that sleeps.
    pub fn snooze_until(&mut self, deadline_ns: Option<u64>, now_ns: u64) {
        let pause = self.plan(time_left(deadline_ns, now_ns), false);
        pause.carry_out();
    }

    /// Waits once; where the strategy is `Block` and the wait is long enough to sleep, calls
    /// `sleep` with the longest sleep allowed (`None`: until rung) instead of parking. `sleep`
    /// sleeps on the doorbell of the queue the caller waits for, for instance
    /// [`BatchReceiver::wait_for_input`](super::BatchReceiver::wait_for_input).
    pub fn snooze_on(
        &mut self,
        deadline_ns: Option<u64>,
        now_ns: u64,
        sleep: impl FnOnce(Option<Duration>),
    ) {
        match self.plan(time_left(deadline_ns, now_ns), true) {
            Pause::Sleep(max_wait) => sleep(max_wait),
            pause => pause.carry_out(),
        }
    }

    /// Chooses the next wait and counts it (one idle event; a park or sleep also counts as a
    /// park), without waiting: [`Backoff::snooze`] and its variants carry the choice out.
    ///
    /// `max_wait` is the time left until the caller's deadline (`None`: no deadline); no park
    /// or sleep chosen lasts longer, and none is chosen once it is zero (a yield instead, so
    /// the caller gets back to its deadline at once). `doorbell` tells whether the caller can
    /// sleep on a doorbell something will ring; only then does `Block` choose
    /// [`Pause::Sleep`], else it parks for at most [`BLOCK_PARK_TIMEOUT`].
    pub fn plan(&mut self, max_wait: Option<Duration>, doorbell: bool) -> Pause {
        self.idle_events += 1;
        let step = self.step;
        if step < SPIN_STEPS || self.strategy == WaitStrategy::Spin {
            if step < SPIN_STEPS {
                self.step += 1;
            }
            return Pause::Spin(1 << step.min(SPIN_STEPS - 1));
        }
        if step < YIELD_STEPS || max_wait == Some(Duration::ZERO) {
            self.step = (step + 1).min(YIELD_STEPS);
            return Pause::Yield;
        }
        self.parks += 1;
        let capped = |limit: Duration| max_wait.map_or(limit, |left| left.min(limit));
        match self.strategy {
            WaitStrategy::Block if doorbell => Pause::Sleep(max_wait),
            WaitStrategy::Block => Pause::Park(capped(BLOCK_PARK_TIMEOUT)),
            WaitStrategy::Spin | WaitStrategy::SpinPark => Pause::Park(capped(SPIN_PARK_TIMEOUT)),
        }
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

/// One wait, as [`Backoff::plan`] chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// Busy-spin this many [`std::hint::spin_loop`] hints.
    Spin(u32),
    /// Give the core to another thread once.
    Yield,
    /// Park for this long; nothing is expected to wake the thread earlier.
    Park(Duration),
    /// Sleep on a doorbell until rung, for at most this long (`None`: until rung).
    Sleep(Option<Duration>),
}

impl Pause {
    /// Carries the wait out on the current thread. A [`Pause::Sleep`] has no doorbell here, so
    /// it parks for at most its limit or [`BLOCK_PARK_TIMEOUT`], whichever is shorter.
    pub fn carry_out(self) {
        match self {
            Pause::Spin(spins) => {
                for _ in 0..spins {
                    std::hint::spin_loop();
                }
            }
            Pause::Yield => std::thread::yield_now(),
            // A spurious wake-up, or an unpark meant for a doorbell sleep, only means the
            // caller polls a little early.
            Pause::Park(limit) => std::thread::park_timeout(limit),
            Pause::Sleep(max_wait) => std::thread::park_timeout(
                max_wait.map_or(BLOCK_PARK_TIMEOUT, |limit| limit.min(BLOCK_PARK_TIMEOUT)),
            ),
        }
    }
}

/// The time left from `now_ns` until `deadline_ns` (zero once it has passed); `None` without
/// a deadline.
pub fn time_left(deadline_ns: Option<u64>, now_ns: u64) -> Option<Duration> {
    deadline_ns.map(|deadline| Duration::from_nanos(deadline.saturating_sub(now_ns)))
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

    /// Drives a fresh backoff past its spins and yields.
    fn parking(strategy: WaitStrategy) -> Backoff {
        let mut backoff = Backoff::new(strategy);
        for _ in 0..YIELD_STEPS {
            assert!(matches!(backoff.plan(None, true), Pause::Spin(_) | Pause::Yield));
        }
        assert_eq!(backoff.is_parking(), strategy != WaitStrategy::Spin);
        backoff
    }

    #[test]
    fn no_park_or_sleep_outlasts_the_deadline() {
        let us = Duration::from_micros;
        let limits = [None, Some(Duration::ZERO), Some(us(5)), Some(us(80)), Some(us(10_000))];
        for strategy in [WaitStrategy::SpinPark, WaitStrategy::Block] {
            for doorbell in [false, true] {
                let mut backoff = parking(strategy);
                for max_wait in limits {
                    let waited = match backoff.plan(max_wait, doorbell) {
                        Pause::Park(limit) => Some(limit),
                        Pause::Sleep(limit) => {
                            assert!(strategy == WaitStrategy::Block && doorbell);
                            limit
                        }
                        Pause::Yield => {
                            assert_eq!(max_wait, Some(Duration::ZERO), "yields only when due");
                            continue;
                        }
                        Pause::Spin(_) => panic!("{strategy}: spun after the yields"),
                    };
                    if let Some(left) = max_wait {
                        assert!(waited.is_some_and(|w| w <= left), "{strategy}: {waited:?}");
                    }
                    if strategy == WaitStrategy::SpinPark || !doorbell {
                        let bound = if strategy == WaitStrategy::Block {
                            BLOCK_PARK_TIMEOUT
                        } else {
                            SPIN_PARK_TIMEOUT
                        };
                        assert!(waited.is_some_and(|w| w <= bound), "{strategy}: {waited:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn block_sleeps_until_rung_only_with_a_doorbell() {
        let mut backoff = parking(WaitStrategy::Block);
        assert_eq!(backoff.plan(None, true), Pause::Sleep(None));
        assert_eq!(backoff.plan(None, false), Pause::Park(BLOCK_PARK_TIMEOUT));
        let five = Duration::from_micros(5);
        assert_eq!(backoff.plan(Some(five), true), Pause::Sleep(Some(five)));
        assert_eq!(backoff.parks(), 3);
        let mut spin = Backoff::new(WaitStrategy::Spin);
        for _ in 0..20 {
            assert!(matches!(spin.plan(Some(Duration::ZERO), true), Pause::Spin(_)));
        }
    }

    #[test]
    fn time_left_counts_down_to_zero() {
        assert_eq!(time_left(None, 5), None);
        assert_eq!(time_left(Some(15), 5), Some(Duration::from_nanos(10)));
        assert_eq!(time_left(Some(5), 15), Some(Duration::ZERO));
    }

    #[test]
    fn snoozes_with_a_passed_deadline_return() {
        for strategy in WaitStrategy::ALL {
            let mut backoff = parking(strategy);
            backoff.snooze_until(Some(10), 20);
            backoff.snooze_on(Some(10), 20, |_| panic!("no sleep once the deadline passed"));
            backoff.snooze_on(None, 0, |max| assert_eq!(max, None));
        }
    }
}
