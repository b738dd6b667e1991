//! Queries: written once with composable operators, run unchanged on every topology.
//!
//! A query ([`QuerySpec`]) is data — what `run --config` files, suites and results describe —
//! built in Rust with its builder methods or read from TOML:
//! `filter` (conditions on record fields), `map` (rewrites such as address masks), `key_by`,
//! a [`Window`] on packet time (tumbling, sliding, or one spanning the run), aggregates
//! ([`AggSpec`]: count, sum, min, max, mean, distinct exact or HyperLogLog), thresholds
//! (`having`), joins of more keyed aggregations on the key in the same window (inner, left,
//! outer, anti, union; a side without a key is a window total), computed columns (linear
//! combinations and ratios), and `top_k`. Fields may come from the payload (DNS header fields,
//! `payload contains`), which the parsing thread reads ([`probe`]).
//!
//! It runs in two stages, each of which any topology may place on any thread: a
//! [`partial::PartialAgg`] turns records into partial aggregates per (window, key), a
//! [`merge::MergeStage`] merges the partials of several threads as windows close, and
//! [`output::QueryOutput::collect`] merges whatever was emitted, applies thresholds, join and
//! top-k, and sorts, so the output does not depend on the topology, queue, batch size, worker
//! count or pinning. [`reference`] is the single-threaded oracle.

pub mod aggregate;
pub mod apps;
mod batched;
mod compile;
pub mod compute;
pub mod exact_set;
pub mod field;
pub mod key;
pub mod map;
pub mod merge;
pub mod output;
pub mod partial;
pub mod probe;
pub mod reference;
pub mod side;
pub mod spec;
pub mod window;

pub use aggregate::{AggOp, AggSpec, Value};
pub use apps::AppKind;
pub use compile::CompiledQuery;
pub use compute::{Computed, Expr, Term};
pub use field::{CmpOp, Field, Literal, Predicate, QueryError};
pub use map::MapOp;
pub use output::QueryOutput;
pub use probe::PayloadProbe;
pub use side::CompiledSide;
pub use spec::{Cmp, JoinHow, QuerySpec, SideSpec, Threshold, TopK};
pub use window::Window;

/// An unknown name on the command line, with the valid list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{name}'; valid {what}s: {valid}")]
pub struct UnknownName {
    /// What kind of name (`app`, `topology`, ...).
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The valid names, comma-separated.
    pub valid: String,
}

#[cfg(all(test, not(loom)))]
mod tests;
