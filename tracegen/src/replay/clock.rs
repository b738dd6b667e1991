//! The release clock: a calibrated TSC clock (`quanta`) read as nanoseconds since the replay
//! started, and the wait for a release time.
//!
//! [`ReleaseClock::wait_until`] busy-waits (`std::hint::spin_loop`) until the release time. A
//! wait longer than [`SLEEP_THRESHOLD_NS`] (low rates, gaps in original timing) first sleeps
//! for all of it but [`SLEEP_MARGIN_NS`], then spins the rest, so a slow replay does not burn a
//! core and still releases on time. [`ReleaseClock::start_now`] lowers the thread's timer slack
//! to 1 ns (Linux `PR_SET_TIMERSLACK`), so those sleeps overshoot by the scheduler's wake-up
//! latency only, not the default 50 µs slack on top.

use std::time::Duration;

/// Waits longer than this sleep first (hybrid wait).
pub const SLEEP_THRESHOLD_NS: u64 = 200_000;

/// How much of a long wait is left to spin after sleeping: more than a sleep overshoots on a
/// loaded machine, so the release itself is always timed by spinning.
pub const SLEEP_MARGIN_NS: u64 = 100_000;

/// Nanoseconds since the replay started, from the TSC where the CPU has a stable one.
#[derive(Clone, Debug)]
pub struct ReleaseClock {
    clock: quanta::Clock,
    start: u64,
}

impl ReleaseClock {
    /// A clock whose zero is now. Sets the calling thread's timer slack to 1 ns (Linux; a hint
    /// elsewhere ignored), since the replay thread's sleeps are the only ones it makes.
    pub fn start_now() -> Self {
        lower_timer_slack();
        let clock = quanta::Clock::new();
        let start = clock.raw();
        Self { clock, start }
    }

    /// Nanoseconds since the zero.
    #[inline(always)]
    pub fn now_ns(&self) -> u64 {
        self.clock.delta_as_nanos(self.start, self.clock.raw())
    }

    /// Waits until `release_ns` (ns since the zero) and returns the time read when the wait
    /// ended: at least `release_ns`, or the current time where that has already passed.
    #[inline]
    pub fn wait_until(&self, release_ns: u64) -> u64 {
        let mut now = self.now_ns();
        if now >= release_ns {
            return now;
        }
        if release_ns - now > SLEEP_THRESHOLD_NS {
            std::thread::sleep(Duration::from_nanos(release_ns - now - SLEEP_MARGIN_NS));
            now = self.now_ns();
        }
        while now < release_ns {
            std::hint::spin_loop();
            now = self.now_ns();
        }
        now
    }
}

/// `prctl(PR_SET_TIMERSLACK, 1)`: sleeps of this thread end as close to their deadline as the
/// scheduler allows.
fn lower_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument and changes only this thread's timer
    // slack; it reads and writes no memory of ours, and its failure is harmless.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_end_at_or_after_the_release_time() {
        let c = ReleaseClock::start_now();
        let mut last = 0;
        for t in [1_000u64, 50_000, 400_000, 400_000, 450_000] {
            let now = c.wait_until(t);
            assert!(now >= t && now >= last);
            last = now;
        }
        // A release time in the past returns at once.
        assert!(c.wait_until(10) >= 450_000);
    }
}
