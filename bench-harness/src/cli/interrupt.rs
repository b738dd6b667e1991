//! Ctrl-C during a suite: the first one is caught and only noted, so the suite can stop after the
//! trial in flight (whose process the same Ctrl-C usually ends) and write what it measured,
//! marked partial; a second one ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the handler, read by the suite between trials. The flag publishes nothing else, so
/// any ordering would do; `SeqCst` is used because it costs nothing at this rate (once per
/// trial) and needs no argument.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // SAFETY: signal() is async-signal-safe (POSIX.1-2008, signal-safety(7)); SIG_DFL is a valid
    // disposition for SIGINT.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// Catches the next Ctrl-C (SIGINT) instead of dying of it. Child processes start with the
/// default disposition (exec resets caught signals), so a Ctrl-C still ends the trial running.
pub(super) fn catch_ctrl_c() {
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: the handler only stores to an atomic and calls the async-signal-safe signal().
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// True once a Ctrl-C was caught.
pub(super) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
