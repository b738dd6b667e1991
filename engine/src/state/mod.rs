//! Query state: the flow table every keyed operator keeps its per-flow values in.

pub mod flat_index;
pub mod flat_windows;
pub mod flow_table;
pub mod hll;
pub mod huge;
pub mod windowed;

pub use flow_table::{Counters, FlowEstimate, FlowTable};
