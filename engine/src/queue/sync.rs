//! The loom shim: the atomics, `Arc` and `thread` the queue layer's own synchronisation uses.
//!
//! Under `--cfg loom` these are loom's model-checked versions, so the loom tests explore every
//! interleaving of code written against this module; otherwise they are `std`'s. Code in
//! `queue/` that writes its own atomics imports them from here, never from `std` directly.
//! Run the loom tests with
//! `RUSTFLAGS="--cfg loom" cargo test -p engine --lib --release loom`.

// Not every name is used by every build (today only the loom tests use them); the shim still
// offers the full set so that a queue design can switch to it without touching this file.
#![allow(unused_imports)]

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, atomic::*};
#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, atomic::*};
#[cfg(not(loom))]
pub(crate) use std::thread;

/// A cell whose accesses loom tracks under `--cfg loom` (`loom::cell::UnsafeCell`); otherwise
/// a thin wrapper over [`std::cell::UnsafeCell`] with the same closure-based API, so queue code
/// is written once for both builds.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// A thin wrapper over [`std::cell::UnsafeCell`] with loom's `with`/`with_mut` API.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// A cell holding `data`.
    pub(crate) const fn new(data: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(data))
    }

    /// Calls `f` with a shared pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with an exclusive pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
