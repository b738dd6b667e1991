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
