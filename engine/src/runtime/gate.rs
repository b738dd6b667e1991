//! The start gate: every thread of a run finishes its setup, then all start together, or none
//! starts at all when the run cannot be set up (a thread could not be spawned).

use std::sync::{Condvar, Mutex, PoisonError};

#[derive(Default)]
struct GateState {
    /// Threads that finished their setup.
    ready: usize,
    /// `Some(true)`: start; `Some(false)`: give up.
    open: Option<bool>,
}

/// A one-shot gate between a run's setup and its measurement.
#[derive(Default)]
pub(crate) struct StartGate {
    state: Mutex<GateState>,
    changed: Condvar,
}

impl StartGate {
    /// A thread's setup is done: counts it ready, then waits for the verdict. True means start.
    pub(crate) fn arrive_and_wait(&self) -> bool {
        // The state is a counter and a flag: a panic elsewhere cannot leave it inconsistent.
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.ready += 1;
        self.changed.notify_all();
        loop {
            if let Some(open) = s.open {
                return open;
            }
            s = self.changed.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Waits until `n` threads are ready.
    pub(crate) fn wait_ready(&self, n: usize) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while s.ready < n {
            s = self.changed.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Tells every waiting (and every later) thread to start (`true`) or give up (`false`).
    pub(crate) fn open(&self, start: bool) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.open = Some(start);
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_start_after_all_are_ready_or_none_does() {
        for start in [true, false] {
            let gate = StartGate::default();
            let started = std::thread::scope(|s| {
                let hs: Vec<_> = (0..4).map(|_| s.spawn(|| gate.arrive_and_wait())).collect();
                gate.wait_ready(4);
                gate.open(start);
                hs.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>()
            });
            assert_eq!(started, vec![start; 4]);
        }
    }
}
