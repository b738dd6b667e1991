//! The waiting the benchmark threads do: a two-thread spinning barrier that a failing thread
//! can break, a spin-then-yield backoff, and pinning.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Spins before a waiting thread starts yielding its core each turn: long enough (tens of
/// microseconds) never to matter while both threads run, short enough that two threads sharing
/// a core (an oversubscribed machine, parallel tests) still make progress.
const YIELD_AFTER: u32 = 1 << 12;

/// How often (in spins) a waiting thread checks whether the other side has gone.
const CHECK_EVERY: u32 = 64;

/// Spins once, or yields after a long wait. Returns false, every [`CHECK_EVERY`] spins, when
/// `gone()` says the thread waited on will never come.
#[inline]
pub(super) fn backoff(spins: &mut u32, gone: impl FnOnce() -> bool) -> bool {
    *spins = spins.wrapping_add(1);
    if spins.is_multiple_of(CHECK_EVERY) && gone() {
        return false;
    }
    if *spins < YIELD_AFTER {
        spin_loop();
    } else {
        std::thread::yield_now();
    }
    true
}

/// A barrier for exactly two threads, waited on in numbered phases (1, 2, ...), that spins
/// so that both threads leave it within a cache miss of each other. A thread that stops
/// (returns or panics) breaks it through [`SpinBarrier::break_on_drop`], so the other never
/// waits forever.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(super) struct SpinBarrier {
    arrived: AtomicUsize,
    broken: AtomicBool,
}

impl SpinBarrier {
    /// Arrives at phase `phase` (the first is 1) and waits for the other thread. Returns false
    /// when the barrier broke before the other thread arrived.
    pub(super) fn wait(&self, phase: usize) -> bool {
        // AcqRel: what this thread did before arriving happens before the other leaves, and
        // what the other did before arriving happens before we leave (with the loads below).
        self.arrived.fetch_add(1, Ordering::AcqRel);
        let mut spins = 0;
        loop {
            // Acquire: pairs with the other thread's release in its `fetch_add`.
            if self.arrived.load(Ordering::Acquire) >= 2 * phase {
                return true;
            }
            if !backoff(&mut spins, || self.is_broken()) {
                // The other thread may have arrived and then stopped: its arrival happens
                // before its break, which we have seen with acquire, so this load sees it.
                return self.arrived.load(Ordering::Acquire) >= 2 * phase;
            }
        }
    }

    /// True once a thread has stopped.
    pub(super) fn is_broken(&self) -> bool {
        // Acquire: pairs with the release in `BreakOnDrop::drop`, so everything the stopped
        // thread did (its arrivals included) is visible once we see the break.
        self.broken.load(Ordering::Acquire)
    }

    /// A guard that breaks the barrier when dropped: hold one for the life of each thread.
    /// Breaking it after both threads passed their last phase changes nothing.
    pub(super) fn break_on_drop(&self) -> BreakOnDrop<'_> {
        BreakOnDrop(self)
    }
}

/// Breaks its [`SpinBarrier`] when dropped (the thread holding it returned or panicked).
pub(super) struct BreakOnDrop<'a>(&'a SpinBarrier);

impl Drop for BreakOnDrop<'_> {
    fn drop(&mut self) {
        // Release: the thread's arrivals happen before another thread sees it broken.
        self.0.broken.store(true, Ordering::Release);
    }
}

/// Pins the calling thread to `core`, if one is given; true when it is pinned.
pub(super) fn pin(core: Option<usize>) -> bool {
    // `pin_current` indexes a fixed-size CPU set and panics beyond it, so a core number past
    // any CPU set is refused here, as one the OS does not have.
    let in_cpu_set = |&core: &usize| core < libc::CPU_SETSIZE as usize;
    core.filter(in_cpu_set).is_some_and(engine::runtime::pin::pin_current)
}
