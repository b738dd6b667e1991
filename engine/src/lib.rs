//! The multicore analytics engine: frames in, analytics results out.
//!
//! Emulated NIC receive rings, queues, query operators, topologies and the runtime arrive with
//! the end-to-end issue; this crate is deliberately empty until then (see `DESIGN.md`).
