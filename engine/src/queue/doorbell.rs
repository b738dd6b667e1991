//! A doorbell: one thread sleeps on it until another thread, having made progress the sleeper
//! waits for (a batch published, room freed, a batch recycled, a half dropped), rings it.
//!
//! The protocol is Dekker's, so no wake-up is lost:
//! - the **waiter** announces that it is about to sleep (it publishes its thread handle and
//!   stores `WAITING`), issues a `SeqCst` fence, **re-checks** its condition, and parks only if
//!   the condition is still false;
//! - the **ringer** publishes its data, issues a `SeqCst` fence, and unparks the waiter only if
//!   one is announced.
//!
//! Of the two fences one comes first in the single total order of `SeqCst` fences: if the
//! ringer's does, the waiter's re-check sees the data and it does not park; if the waiter's
//! does, the ringer sees `WAITING` and unparks it (an unpark before the park makes the park
//! return at once). Ringing with nobody waiting costs one fence and one load, no system call.
//!
//! A waiter may also sleep with a time limit (a flush deadline). Parks may end spuriously, so
//! callers loop on their condition. One thread waits on a doorbell at a time; any thread may
//! ring it.

use std::time::Duration;

use super::sync::{AtomicUsize, Ordering, UnsafeCell, fence, thread};

/// No waiter is announced; the waiter owns `Doorbell::waiter` (only it writes the cell).
const IDLE: usize = 0;
/// A waiter announced itself and published its handle in `Doorbell::waiter`; whoever moves the
/// state away from `WAITING` by compare-and-swap owns the cell next.
const WAITING: usize = 1;
/// A ringer took the announcement and is taking the handle out of the cell.
const RINGING: usize = 2;

/// Where one thread sleeps until another rings; see the [module docs](self).
pub(crate) struct Doorbell {
    /// `IDLE`, `WAITING` or `RINGING`.
    state: AtomicUsize,
    /// The announced waiter's thread; accessed only by the side that owns it (see the states).
    waiter: UnsafeCell<Option<thread::Thread>>,
}

// SAFETY: `waiter` is written by the waiter only while the state is `IDLE` (after an acquire
// load saw the last ringer's release store of `IDLE`), and read by a ringer only while the
// state is `RINGING`, which that ringer alone reached by an acquire compare-and-swap from the
// waiter's release store of `WAITING`. So the two never touch the cell at the same time, and
// each access happens after the other's last one. `Thread` handles are `Send` and `Sync`.
unsafe impl Sync for Doorbell {}

impl Doorbell {
    /// A doorbell nobody waits on.
    pub(crate) fn new() -> Self {
        Doorbell { state: AtomicUsize::new(IDLE), waiter: UnsafeCell::new(None) }
    }

    /// Sleeps until rung, unless `ready()` is true once the sleep is announced; sleeps at most
    /// `max_wait` when one is given. May also return early (a spurious wake-up, or a ring meant
    /// for an earlier sleep): callers re-check their condition and call again.
    ///
    /// `ready` is the caller's condition (a batch waiting, room freed, the other side gone); it
    /// is checked after the announcement, so a ring that happened before it is never missed.
    pub(crate) fn sleep(&self, ready: impl FnOnce() -> bool, max_wait: Option<Duration>) {
        // A ringer that took the previous announcement may still be taking the handle out of
        // the cell; it is a few instructions from done. Acquire: its read of the cell happens
        // before our write below.
        while self.state.load(Ordering::Acquire) != IDLE {
            thread::yield_now();
        }
        let me = thread::current();
        // SAFETY: the state is `IDLE`, so no ringer reads the cell (it reads only in `RINGING`,
        // which needs our `WAITING` first), and the acquire load above ordered the last ringer's
        // access before this write.
        self.waiter.with_mut(|cell| unsafe { *cell = Some(me) });
        // Release: a ringer's acquire compare-and-swap from `WAITING` sees the handle written
        // above.
        self.state.store(WAITING, Ordering::Release);
        // SeqCst: the Dekker fence. Orders the announcement above before the re-check below
        // against the ringer's publish, fence, and load of `state` (module docs).
        fence(Ordering::SeqCst);
        if !ready() {
            park(max_wait);
        }
        // Withdraw the announcement. Relaxed: on success nobody read the cell, and our own next
        // write to it is sequenced after this; on failure a ringer owns the cell, and the next
        // sleep waits (with acquire) for it to set `IDLE`.
        let _ = self.state.compare_exchange(WAITING, IDLE, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Wakes the waiter, if one is announced. Call it after publishing what the waiter waits
    /// for (with at least release ordering, as every queue publishes).
    pub(crate) fn ring(&self) {
        // SeqCst: the Dekker fence. Orders the caller's publish before it against the waiter's
        // announcement and re-check (module docs).
        fence(Ordering::SeqCst);
        // Relaxed: the fence above orders this load; the handle is acquired by the
        // compare-and-swap below, not by this load.
        if self.state.load(Ordering::Relaxed) != WAITING {
            return;
        }
        // Acquire: pairs with the waiter's release store of `WAITING`, so its handle is visible.
        // Relaxed on failure: the waiter withdrew (it re-checks its condition after every sleep)
        // or another ringer took the announcement and will unpark it.
        if self
            .state
            .compare_exchange(WAITING, RINGING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        // SAFETY: we moved the state from `WAITING` to `RINGING`, so we alone own the cell until
        // the store of `IDLE` below, and the acquire above ordered the waiter's write before
        // this read.
        let waiter = self.waiter.with_mut(|cell| unsafe { (*cell).take() });
        // Release: our read of the cell happens before the waiter's next write, which follows
        // its acquire load of `IDLE`.
        self.state.store(IDLE, Ordering::Release);
        if let Some(waiter) = waiter {
            waiter.unpark();
        }
    }
}

impl Default for Doorbell {
    fn default() -> Self {
        Doorbell::new()
    }
}

impl std::fmt::Debug for Doorbell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Relaxed: a snapshot for debugging only.
        let waiting = self.state.load(Ordering::Relaxed) != IDLE;
        f.debug_struct("Doorbell").field("waiting", &waiting).finish()
    }
}

/// Parks the current thread until unparked, or for at most `max_wait`.
#[cfg(not(loom))]
fn park(max_wait: Option<Duration>) {
    match max_wait {
        Some(limit) => thread::park_timeout(limit),
        None => thread::park(),
    }
}

/// Loom has no timed park: a timed park is modelled as one that ends at once (a spurious
/// wake-up, which every caller must already handle), so the models check the untimed path.
#[cfg(loom)]
fn park(max_wait: Option<Duration>) {
    match max_wait {
        Some(_) => thread::yield_now(),
        None => thread::park(),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    #[test]
    fn a_ready_condition_returns_without_parking() {
        let bell = Doorbell::new();
        // Untimed: this would hang if the re-check did not come before the park.
        bell.sleep(|| true, None);
        assert_eq!(format!("{bell:?}"), "Doorbell { waiting: false }");
    }

    #[test]
    fn ringing_with_nobody_waiting_does_nothing() {
        let bell = Doorbell::new();
        bell.ring();
        bell.sleep(|| true, None);
        bell.ring();
    }

    #[test]
    fn a_timed_sleep_returns() {
        let bell = Doorbell::default();
        bell.sleep(|| false, Some(Duration::from_micros(10)));
    }

    #[test]
    fn a_ring_wakes_a_sleeper_on_another_thread() {
        let bell = Arc::new(Doorbell::new());
        let flag = Arc::new(AtomicBool::new(false));
        let (b, f) = (bell.clone(), flag.clone());
        let waiter = std::thread::spawn(move || {
            while !f.load(Ordering::Acquire) {
                b.sleep(|| f.load(Ordering::Acquire), None);
            }
        });
        flag.store(true, Ordering::Release);
        bell.ring();
        waiter.join().unwrap();
    }
}
