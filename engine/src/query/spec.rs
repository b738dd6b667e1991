//! A query as data: what `run --config` files, suite files and results describe, and what the
//! builder methods make. [`QuerySpec::compile`] checks it and makes it ready to run.
//!
//! ```
//! use engine::query::{AggSpec, Cmp, Field, Predicate, CmpOp, QuerySpec, Window};
//! // SYNs per destination per second, the hosts with at least 40, the ten busiest.
//! let q = QuerySpec::new()
//!     .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, 0x02))
//!     .key_by(&[Field::Dst])
//!     .window(Window::tumbling(1_000_000_000))
//!     .aggregate(AggSpec::count().named("syns"))
//!     .having("syns", Cmp::Ge, 40)
//!     .top_k(10, "syns");
//! assert!(q.compile().is_ok());
//! ```
//!
//! A query is one keyed aggregation (its first side), optionally joined on the key in the same
//! window with more sides ([`JoinHow`]: inner, left, outer, anti, or a union of rows), then
//! computed columns ([`Computed`]), thresholds and top-k. A joined side whose key is empty
//! holds one row per window that joins every key (a window total).

use serde::{Deserialize, Deserializer, Serialize};

use super::CompiledQuery;
use super::aggregate::AggSpec;
use super::compute::Computed;
use super::field::{Field, Predicate, QueryError};
use super::map::MapOp;
use super::window::Window;

/// The comparison of a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    /// At least.
    Ge,
    /// Greater than.
    Gt,
    /// At most.
    Le,
    /// Less than.
    Lt,
    /// Equal.
    Eq,
}

impl Cmp {
    /// Whether an ordering of `value` against the threshold passes.
    pub fn holds(self, o: std::cmp::Ordering) -> bool {
        match self {
            Cmp::Ge => o.is_ge(),
            Cmp::Gt => o.is_gt(),
            Cmp::Le => o.is_le(),
            Cmp::Lt => o.is_lt(),
            Cmp::Eq => o.is_eq(),
        }
    }
}

/// `value op threshold` on a finished column (`having`): rows that fail it are not output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    /// The column's name: an aggregate of the side, or (on the first side) any output or
    /// computed column, tested after the join.
    pub value: String,
    /// The comparison.
    pub op: Cmp,
    /// The threshold.
    pub threshold: i64,
}

/// The `k` rows with the largest `by` per window (ties: smaller key first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopK {
    /// How many rows per window.
    pub k: usize,
    /// The aggregate's column name.
    pub by: String,
}

/// How a joined side meets the first side's keys, per window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinHow {
    /// Keys present on both (the first side's default).
    #[default]
    Inner,
    /// Keys of the first side; this side's values read 0 where it lacks the key.
    Left,
    /// Keys of either: the first side's and this side's (missing values read 0).
    Outer,
    /// Keys of the first side that this side lacks (its values are not output).
    Anti,
    /// This side's rows are output as rows of their own, beside the first side's (its key
    /// may differ; its aggregates must be named as the first side's).
    Union,
}

/// One keyed aggregation: filter, map, key, aggregates, thresholds; and, on a joined side,
/// how it joins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideSpec {
    /// Conditions a record must meet (all of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Predicate>,
    /// Rewrites applied in order before keying.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub map: Vec<MapOp>,
    /// The key fields (none: one key for all records).
    #[serde(default)]
    pub key_by: Vec<Field>,
    /// The aggregates.
    #[serde(default)]
    pub aggregate: Vec<AggSpec>,
    /// Thresholds on the finished aggregates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub having: Vec<Threshold>,
    /// How a joined side joins (ignored on the first side, which must leave it inner).
    #[serde(default, skip_serializing_if = "is_inner")]
    pub how: JoinHow,
    /// A joined side's key also matches when it is in the side's next window: "in this
    /// window or the next" (tumbling windows; one spanning the run has no next; not sliding).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub or_next_window: bool,
}

fn is_inner(h: &JoinHow) -> bool {
    *h == JoinHow::Inner
}

impl SideSpec {
    /// An empty side.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a filter condition.
    pub fn filter(mut self, p: Predicate) -> Self {
        self.filter.push(p);
        self
    }
    /// Adds a record rewrite.
    pub fn map(mut self, m: MapOp) -> Self {
        self.map.push(m);
        self
    }
    /// Sets the key fields.
    pub fn key_by(mut self, fields: &[Field]) -> Self {
        self.key_by = fields.to_vec();
        self
    }
    /// Adds an aggregate.
    pub fn aggregate(mut self, a: AggSpec) -> Self {
        self.aggregate.push(a);
        self
    }
    /// Adds a threshold.
    pub fn having(mut self, value: &str, op: Cmp, threshold: i64) -> Self {
        self.having.push(Threshold { value: value.into(), op, threshold });
        self
    }
    /// Sets how the side joins.
    pub fn how(mut self, how: JoinHow) -> Self {
        self.how = how;
        self
    }
    /// Lets the key match in the side's next window too.
    pub fn or_next_window(mut self) -> Self {
        self.or_next_window = true;
        self
    }
}

/// A query: keyed aggregations over windows joined on the key, computed columns, thresholds
/// and top-k.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuerySpec {
    /// The first keyed aggregation.
    #[serde(flatten)]
    pub side: SideSpec,
    /// Windows on packet time (default: one window spanning the run).
    #[serde(default)]
    pub window: Window,
    /// Keyed aggregations joined with the first on the key (a table, or an array of them),
    /// their key fields of the same widths as the first's (or none: a window total).
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub join: Vec<SideSpec>,
    /// Columns computed from each joined row, in order (each may read the ones before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compute: Vec<Computed>,
    /// Names of the key columns in dumps, in key order (default: the fields' names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_names: Vec<String>,
    /// The top rows per window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<TopK>,
    /// Per-worker cap on the aggregation state (entries of keyed state); at the cap the
    /// engine evicts an entry and sends its partial aggregate on to be merged, so totals stay
    /// exact. Absent: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_cap: Option<usize>,
    /// A key not updated for this long in packet time is evicted the same way (its partial
    /// goes on to be merged). Absent: keys stay until their window closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_ns: Option<u64>,
}

/// `join = { ... }` or `join = [{ ... }, ...]`.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SideSpec>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Box<SideSpec>),
        Many(Vec<SideSpec>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![*s],
        OneOrMany::Many(v) => v,
    })
}

impl QuerySpec {
    /// An empty query: add a key and aggregates with the builder methods.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a filter condition.
    pub fn filter(mut self, p: Predicate) -> Self {
        self.side.filter.push(p);
        self
    }
    /// Adds a record rewrite.
    pub fn map(mut self, m: MapOp) -> Self {
        self.side.map.push(m);
        self
    }
    /// Sets the key fields.
    pub fn key_by(mut self, fields: &[Field]) -> Self {
        self.side.key_by = fields.to_vec();
        self
    }
    /// Sets the window.
    pub fn window(mut self, w: Window) -> Self {
        self.window = w;
        self
    }
    /// Adds an aggregate.
    pub fn aggregate(mut self, a: AggSpec) -> Self {
        self.side.aggregate.push(a);
        self
    }
    /// Adds a threshold on a column (an aggregate of the first side, or a computed column).
    pub fn having(mut self, value: &str, op: Cmp, threshold: i64) -> Self {
        self.side.having.push(Threshold { value: value.into(), op, threshold });
        self
    }
    /// Joins another keyed aggregation on the key (see [`SideSpec::how`]).
    pub fn join(mut self, other: SideSpec) -> Self {
        self.join.push(other);
        self
    }
    /// Adds a computed column.
    pub fn compute(mut self, c: Computed) -> Self {
        self.compute.push(c);
        self
    }
    /// Names the key columns.
    pub fn key_names(mut self, names: &[&str]) -> Self {
        self.key_names = names.iter().map(|n| (*n).into()).collect();
        self
    }
    /// Keeps the top `k` rows per window by a column.
    pub fn top_k(mut self, k: usize, by: &str) -> Self {
        self.top_k = Some(TopK { k, by: by.into() });
        self
    }
    /// Caps the keyed state per worker.
    pub fn state_cap(mut self, entries: usize) -> Self {
        self.state_cap = Some(entries);
        self
    }
    /// Evicts keys idle for `ns` of packet time.
    pub fn idle_timeout_ns(mut self, ns: u64) -> Self {
        self.idle_timeout_ns = Some(ns);
        self
    }

    /// Checks the query and makes it ready to run.
    pub fn compile(&self) -> Result<CompiledQuery, QueryError> {
        super::compile::compile(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::field::CmpOp;

    #[test]
    fn queries_read_from_toml_as_the_builder_writes_them() {
        let text = r#"
            key_by = ["dst"]
            filter = [{ field = "tcp_flags", op = "eq", value = 2 }, { field = "dst", op = "in", value = "10.0.0.0/8" }]
            map = [{ mask_src = 24 }, "canonical"]
            aggregate = [{ op = "count", as = "syns" }, { op = "distinct", fields = ["src"], hll = 12 }]
            having = [{ value = "syns", op = "ge", threshold = 40 }]
            window = { type = "sliding", length_ns = 2000, slide_ns = 1000 }
            top_k = { k = 3, by = "syns" }
        "#;
        let q: QuerySpec = toml::from_str(text).unwrap();
        let built = QuerySpec::new()
            .filter(Predicate::new(Field::TcpFlags, CmpOp::Eq, 2))
            .filter(Predicate::new(Field::Dst, CmpOp::In, "10.0.0.0/8"))
            .map(MapOp::MaskSrc(24))
            .map(MapOp::Canonical)
            .key_by(&[Field::Dst])
            .aggregate(AggSpec::count().named("syns"))
            .aggregate(AggSpec::distinct_hll(&[Field::Src], 12))
            .having("syns", Cmp::Ge, 40)
            .window(Window::sliding(2000, 1000))
            .top_k(3, "syns");
        assert_eq!(q, built);
        let c = q.compile().unwrap();
        assert_eq!(c.header(), "window_start_ns,dst,syns,distinct_src");
        assert!(!c.keyed_by_flow());
        let back: QuerySpec = toml::from_str(&toml::to_string(&q).unwrap()).unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn mistakes_name_their_place() {
        let q =
            QuerySpec::new().key_by(&[Field::Src]).aggregate(AggSpec::count()).top_k(3, "bytes");
        let e = q.compile().unwrap_err().to_string();
        assert!(e.contains("query.top_k.by") && e.contains("the columns are count"), "{e}");
        let q = QuerySpec::new().key_by(&[Field::Src]).aggregate(AggSpec::count()).join(SideSpec {
            key_by: vec![Field::Dport],
            aggregate: vec![AggSpec::count().named("c2")],
            ..Default::default()
        });
        let e = q.compile().unwrap_err().to_string();
        assert!(e.contains("query.join[0].key_by"), "{e}");
        let q = QuerySpec::new().key_by(&[Field::Src]).aggregate(AggSpec::count()).join(SideSpec {
            key_by: vec![Field::Dst],
            aggregate: vec![AggSpec::count()],
            ..Default::default()
        });
        let e = q.compile().unwrap_err().to_string();
        assert!(e.contains("two columns are named 'count'"), "{e}");
        let q = QuerySpec::new().key_by(&[Field::Src]).aggregate(AggSpec::count()).having(
            "x",
            Cmp::Ge,
            1,
        );
        assert!(q.compile().unwrap_err().to_string().contains("query.having[0]"));
    }

    #[test]
    fn flow_keyed_queries_are_recognised() {
        let flow = [Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto];
        let q = QuerySpec::new()
            .key_by(&flow)
            .aggregate(AggSpec::count())
            .aggregate(AggSpec::sum(Field::WireLen));
        let c = q.compile().unwrap();
        assert!(c.keyed_by_flow() && c.is_flow_count());
        let masked = q.clone().map(MapOp::MaskSrc(24)).compile().unwrap();
        assert!(!masked.keyed_by_flow());
        let windowed = q.window(Window::tumbling(10)).compile().unwrap();
        assert!(windowed.keyed_by_flow() && !windowed.is_flow_count());
    }
}
