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

use serde::{Deserialize, Serialize};

use super::aggregate::{AggLayout, AggSpec};
use super::field::{CompiledPredicate, Field, MapOp, Predicate, QueryError};
use super::key::KeyLayout;
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

/// `value op threshold` on a finished aggregate (`having`): rows that fail it are not output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    /// The aggregate's column name.
    pub value: String,
    /// The comparison.
    pub op: Cmp,
    /// The threshold.
    pub threshold: u64,
}

/// The `k` rows with the largest `by` per window (ties: smaller key first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopK {
    /// How many rows per window.
    pub k: usize,
    /// The aggregate's column name.
    pub by: String,
}

/// One keyed aggregation: filter, map, key, aggregates, thresholds.
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
}

/// A query: one keyed aggregation over windows, optionally joined with a second one on the
/// key in the same window, then thresholds and top-k.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuerySpec {
    /// The (left) keyed aggregation.
    #[serde(flatten)]
    pub side: SideSpec,
    /// Windows on packet time (default: one window spanning the run).
    #[serde(default)]
    pub window: Window,
    /// A second keyed aggregation joined with the first on the key (inner join: keys present
    /// on both sides in a window), its key fields of the same widths as the first's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<Box<SideSpec>>,
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
    /// Adds a threshold on an aggregate column.
    pub fn having(mut self, value: &str, op: Cmp, threshold: u64) -> Self {
        self.side.having.push(Threshold { value: value.into(), op, threshold });
        self
    }
    /// Joins a second keyed aggregation on the key.
    pub fn join(mut self, other: SideSpec) -> Self {
        self.join = Some(Box::new(other));
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
        self.window.validate()?;
        let mut sides = vec![CompiledSide::new(&self.side, "query")?];
        if let Some(j) = &self.join {
            let right = CompiledSide::new(j, "query.join")?;
            let widths =
                |s: &CompiledSide| s.key.fields().iter().map(|f| f.bits()).collect::<Vec<_>>();
            if widths(&sides[0]) != widths(&right) {
                return Err(QueryError::new(
                    "query.join.key_by",
                    "the key fields must have the same widths as the left side's (an address for an address, a port for a port)",
                ));
            }
            sides.push(right);
        }
        let mut columns: Vec<String> = vec![];
        for s in &sides {
            for c in s.aggs.names() {
                if columns.contains(c) {
                    return Err(QueryError::new(
                        "query",
                        format!("two aggregates are named '{c}': name one with `as`"),
                    ));
                }
                columns.push(c.clone());
            }
        }
        let top_k = match &self.top_k {
            Some(t) => {
                let col = columns.iter().position(|c| *c == t.by).ok_or_else(|| {
                    QueryError::new(
                        "query.top_k.by",
                        format!(
                            "no aggregate is named '{}'; the columns are {}",
                            t.by,
                            columns.join(", ")
                        ),
                    )
                })?;
                if t.k == 0 {
                    return Err(QueryError::new("query.top_k.k", "k must be at least 1"));
                }
                Some((t.k, col))
            }
            None => None,
        };
        if self.state_cap == Some(0) {
            return Err(QueryError::new("query.state_cap", "the cap must be at least 1 entry"));
        }
        if self.idle_timeout_ns == Some(0) {
            return Err(QueryError::new(
                "query.idle_timeout_ns",
                "the timeout must be at least 1 ns",
            ));
        }
        Ok(CompiledQuery { spec: self.clone(), sides, columns, top_k })
    }
}

/// A side ready to run.
#[derive(Clone, Debug)]
pub struct CompiledSide {
    /// The filter's conditions.
    pub filter: Vec<CompiledPredicate>,
    /// The rewrites.
    pub map: Vec<MapOp>,
    /// The key layout.
    pub key: KeyLayout,
    /// The aggregates.
    pub aggs: AggLayout,
    /// Thresholds as (aggregate index, op, threshold).
    pub having: Vec<(usize, Cmp, u64)>,
}

impl CompiledSide {
    fn new(s: &SideSpec, at: &str) -> Result<Self, QueryError> {
        let filter = s
            .filter
            .iter()
            .enumerate()
            .map(|(i, p)| CompiledPredicate::compile(p, &format!("{at}.filter[{i}]")))
            .collect::<Result<_, _>>()?;
        for (i, m) in s.map.iter().enumerate() {
            m.validate(&format!("{at}.map[{i}]"))?;
        }
        let key = KeyLayout::new(&s.key_by, &format!("{at}.key_by"))?;
        let aggs = AggLayout::new(&s.aggregate, at)?;
        let having = s
            .having
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let idx = aggs.names().iter().position(|n| *n == t.value).ok_or_else(|| {
                    QueryError::new(
                        format!("{at}.having[{i}]"),
                        format!(
                            "no aggregate is named '{}'; the columns are {}",
                            t.value,
                            aggs.names().join(", ")
                        ),
                    )
                })?;
                Ok((idx, t.op, t.threshold))
            })
            .collect::<Result<_, QueryError>>()?;
        Ok(Self { filter, map: s.map.clone(), key, aggs, having })
    }

    /// The record as this side keys it: `None` when the filter drops it, else the mapped copy.
    #[inline]
    pub fn select(&self, r: &wire::PacketRecord) -> Option<wire::PacketRecord> {
        if !self.filter.iter().all(|p| p.test(r)) {
            return None;
        }
        let mut m = *r;
        for op in &self.map {
            op.apply(&mut m);
        }
        Some(m)
    }

    /// [`CompiledSide::select`] without a copy when the side has no map: the record itself,
    /// or its mapped copy written into `buf`.
    #[inline]
    pub fn keep<'r>(
        &self,
        r: &'r wire::PacketRecord,
        buf: &'r mut wire::PacketRecord,
    ) -> Option<&'r wire::PacketRecord> {
        if !self.filter.iter().all(|p| p.test(r)) {
            return None;
        }
        if self.map.is_empty() {
            return Some(r);
        }
        *buf = *r;
        for op in &self.map {
            op.apply(buf);
        }
        Some(buf)
    }

    /// The routing hash of the record's key on this side (see [`KeyLayout::hash_record`]),
    /// `None` when the filter drops it.
    #[inline]
    pub fn route_hash(&self, r: &wire::PacketRecord) -> Option<u64> {
        if self.map.is_empty() {
            if !self.filter.iter().all(|p| p.test(r)) {
                return None;
            }
            return Some(self.key.hash_record(r));
        }
        self.select(r).map(|m| self.key.hash_record(&m))
    }

    /// Whether every threshold holds for finished values.
    pub fn passes(&self, values: &[super::aggregate::Value]) -> bool {
        self.having.iter().all(|&(i, op, t)| {
            let o = values[i].cmp_int(t);
            match op {
                Cmp::Ge => o.is_ge(),
                Cmp::Gt => o.is_gt(),
                Cmp::Le => o.is_le(),
                Cmp::Lt => o.is_lt(),
                Cmp::Eq => o.is_eq(),
            }
        })
    }

    /// Whether the key is the flow: the 5-tuple, unmasked, so RSS (which sends both directions
    /// of a connection to one ring) puts all of a key's records on one worker.
    fn keyed_by_flow(&self) -> bool {
        let flow = [Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto];
        flow.iter().all(|f| self.key.fields().contains(f))
            && self.map.iter().all(|m| matches!(m, MapOp::Reverse | MapOp::Canonical))
    }
}

/// A query ready to run.
#[derive(Clone, Debug)]
pub struct CompiledQuery {
    /// What it was compiled from.
    pub spec: QuerySpec,
    /// The left side, and the right side of a join.
    pub sides: Vec<CompiledSide>,
    /// The value columns of the output (left then right).
    pub columns: Vec<String>,
    /// `top_k` as (k, column index).
    pub top_k: Option<(usize, usize)>,
}

impl CompiledQuery {
    /// The window.
    pub fn window(&self) -> Window {
        self.spec.window
    }

    /// Whether every side is keyed by the flow, so `rtc` can run the query without a merge.
    pub fn keyed_by_flow(&self) -> bool {
        self.sides.iter().all(CompiledSide::keyed_by_flow)
    }

    /// The dump's header line (without the newline).
    pub fn header(&self) -> String {
        let mut h = String::from("window_start_ns");
        for f in self.sides[0].key.fields() {
            h.push(',');
            h.push_str(f.name());
        }
        for c in &self.columns {
            h.push(',');
            h.push_str(c);
        }
        h
    }

    /// Whether the query is one keyed aggregation and nothing else: no join, filter, map,
    /// threshold, cap or timeout, one window spanning the run. The fast shapes below are such
    /// queries with particular keys and aggregates.
    fn is_bare(&self) -> bool {
        let s = &self.spec.side;
        self.sides.len() == 1
            && s.filter.is_empty()
            && s.map.is_empty()
            && s.having.is_empty()
            && self.spec.window == Window::Whole
            && self.spec.state_cap.is_none()
            && self.spec.idle_timeout_ns.is_none()
    }

    /// Whether the query only counts records: a bare query with no key and one `count`
    /// (passthrough's shape: a counter, no table).
    pub fn is_plain_count(&self) -> bool {
        let s = &self.spec.side;
        self.is_bare()
            && s.key_by.is_empty()
            && s.aggregate.len() == 1
            && s.aggregate[0].op == super::aggregate::AggOp::Count
    }

    /// Whether this is the flow counter's shape (a bare query on the 5-tuple counting records
    /// and wire bytes), which runs on the flat flow table.
    pub fn is_flow_count(&self) -> bool {
        use super::aggregate::AggOp;
        let s = &self.spec.side;
        self.is_bare()
            && self.sides[0].key.is_flow_tuple()
            && s.aggregate.len() == 2
            && s.aggregate[0].op == AggOp::Count
            && s.aggregate[1].op == AggOp::Sum
            && s.aggregate[1].fields == [Field::WireLen]
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
        assert!(e.contains("query.join.key_by"), "{e}");
        let q = QuerySpec::new().key_by(&[Field::Src]).aggregate(AggSpec::count()).join(SideSpec {
            key_by: vec![Field::Dst],
            aggregate: vec![AggSpec::count()],
            ..Default::default()
        });
        let e = q.compile().unwrap_err().to_string();
        assert!(e.contains("two aggregates are named 'count'"), "{e}");
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
