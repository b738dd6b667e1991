//! The run clock: a calibrated TSC clock (`quanta`) read as nanoseconds since the run started.

/// Nanoseconds since the start of the run, from the TSC where the CPU has a stable one.
#[derive(Clone)]
pub struct RunClock {
    clock: quanta::Clock,
    start: u64,
}

impl RunClock {
    /// A clock whose zero is now.
    pub fn start_now() -> Self {
        let clock = quanta::Clock::new();
        let start = clock.raw();
        Self { clock, start }
    }

    /// Nanoseconds since the zero.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.clock.delta_as_nanos(self.start, self.clock.raw())
    }
}
