//! Query state: the flat flow table (the flow counter), flat per-window tables (windowed
//! queries that evict nothing early), hash-map windowed state with eviction, HyperLogLog.

pub mod flat_index;
pub mod flat_windows;
pub mod flow_table;
pub mod hll;
pub mod huge;
pub mod open_windows;
pub mod windowed;

pub use flow_table::{Counters, FlowEstimate, FlowTable};
