//! [`QuerySpec::compile`]: checks a query, naming the place of any mistake, and makes it ready
//! to run ([`CompiledQuery`]).

use super::aggregate::{AggOp, Value};
use super::compute::{ColumnKind, CompiledExpr};
use super::field::{Field, QueryError};
use super::key::KeyLayout;
use super::probe::PayloadProbe;
use super::side::CompiledSide;
use super::spec::{Cmp, JoinHow, QuerySpec};
use super::window::Window;

/// A query ready to run.
#[derive(Clone, Debug)]
pub struct CompiledQuery {
    /// What it was compiled from.
    pub spec: QuerySpec,
    /// The first side, then the joined ones.
    pub sides: Vec<CompiledSide>,
    /// The output's value columns (the sides' with columns, then the computed ones not
    /// hidden).
    pub columns: Vec<String>,
    /// Every column of a joined row before hidden ones are dropped: the sides' values (anti
    /// sides have none), then the computed ones.
    pub(crate) row_columns: Vec<String>,
    /// Which of `row_columns` are output, in order.
    pub(crate) visible: Vec<usize>,
    /// The computed columns, in order.
    pub(crate) computed: Vec<CompiledExpr>,
    /// Thresholds tested on joined rows: (row column, op, threshold).
    pub(crate) row_having: Vec<(usize, Cmp, i64)>,
    /// `top_k` as (k, row column).
    pub top_k: Option<(usize, usize)>,
    /// Whether the joined sides are a union (rows of their own).
    pub union: bool,
    /// The key columns of dumps (a union's: every side's fields, in order of appearance).
    pub key_fields: Vec<Field>,
    /// What the parsing thread reads of the payload for this query.
    pub probe: PayloadProbe,
}

pub(super) fn compile(q: &QuerySpec) -> Result<CompiledQuery, QueryError> {
    q.window.validate()?;
    let mut probe = PayloadProbe::default();
    let mut sides = vec![CompiledSide::new(&q.side, "query", &mut probe)?];
    if q.side.how != JoinHow::Inner || q.side.or_next_window {
        return Err(QueryError::new(
            "query.how",
            "the first side has no join kind: set how and or_next_window on joined sides",
        ));
    }
    let union = q.join.iter().any(|j| j.how == JoinHow::Union);
    for (i, j) in q.join.iter().enumerate() {
        let at = format!("query.join[{i}]");
        let mut side = CompiledSide::new(j, &at, &mut probe)?;
        side.set_having(j, &at)?;
        check_join(&sides[0], &side, union, q.window, &at)?;
        sides.push(side);
    }
    let (mut row_columns, mut kinds) = (Vec::new(), Vec::new());
    for (i, s) in sides.iter().enumerate() {
        if !s.has_columns() || (union && i > 0) {
            continue;
        }
        for (c, name) in s.aggs.names().iter().enumerate() {
            if row_columns.contains(name) {
                return Err(QueryError::new(
                    "query",
                    format!("two columns are named '{name}': name one with `as`"),
                ));
            }
            row_columns.push(name.clone());
            kinds.push(if s.aggs.is_mean(c) { ColumnKind::Fraction } else { ColumnKind::Int });
        }
    }
    let mut computed = Vec::new();
    let mut visible: Vec<usize> = (0..row_columns.len()).collect();
    for (i, c) in q.compute.iter().enumerate() {
        let at = format!("query.compute[{i}]");
        if union {
            return Err(QueryError::new(at, "a union's rows take no computed columns"));
        }
        if row_columns.contains(&c.name) {
            return Err(QueryError::new(at, format!("two columns are named '{}'", c.name)));
        }
        let e = CompiledExpr::new(c, &row_columns, &kinds, &at)?;
        kinds.push(e.kind());
        if !c.hidden {
            visible.push(row_columns.len());
        }
        row_columns.push(c.name.clone());
        computed.push(e);
    }
    // The first side's thresholds on its own aggregates run before the join; the others
    // (computed columns, other sides' columns) on joined rows.
    let mut row_having = Vec::new();
    let mut first = q.side.clone();
    first.having.clear();
    for (i, t) in q.side.having.iter().enumerate() {
        if sides[0].column(&t.value).is_some() {
            first.having.push(t.clone());
        } else if let Some(c) = row_columns.iter().position(|n| *n == t.value) {
            row_having.push((c, t.op, t.threshold));
        } else {
            return Err(QueryError::new(
                format!("query.having[{i}]"),
                format!(
                    "no column is named '{}'; the columns are {}",
                    t.value,
                    row_columns.join(", ")
                ),
            ));
        }
    }
    sides[0].set_having(&first, "query")?;
    let top_k = match &q.top_k {
        Some(t) => {
            let col = row_columns.iter().position(|c| *c == t.by).ok_or_else(|| {
                QueryError::new(
                    "query.top_k.by",
                    format!(
                        "no column is named '{}'; the columns are {}",
                        t.by,
                        row_columns.join(", ")
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
    if q.state_cap == Some(0) {
        return Err(QueryError::new("query.state_cap", "the cap must be at least 1 entry"));
    }
    if q.idle_timeout_ns == Some(0) {
        return Err(QueryError::new("query.idle_timeout_ns", "the timeout must be at least 1 ns"));
    }
    if sides.iter().any(|s| s.order_dependent)
        && (q.state_cap.is_some() || q.idle_timeout_ns.is_some())
    {
        return Err(QueryError::new(
            "query",
            "out_of_order depends on record order: a key's state cannot be evicted part way \
             (no state_cap or idle_timeout_ns)",
        ));
    }
    if let Some(i) = sides.iter().position(|s| s.order_dependent && !s.keyed_by_flow()) {
        return Err(QueryError::new(
            if i == 0 {
                "query.key_by".to_string()
            } else {
                format!("query.join[{}].key_by", i - 1)
            },
            "out_of_order needs the flow as the key (src, dst, sport, dport, proto): only then \
             do a key's records arrive in order in one place",
        ));
    }
    let mut key_fields: Vec<Field> = Vec::new();
    for s in if union { &sides[..] } else { &sides[..1] } {
        for f in s.key.fields() {
            if !key_fields.contains(f) {
                key_fields.push(*f);
            }
        }
    }
    if !q.key_names.is_empty() && q.key_names.len() != key_fields.len() {
        return Err(QueryError::new(
            "query.key_names",
            format!("{} names for {} key columns", q.key_names.len(), key_fields.len()),
        ));
    }
    let columns = visible.iter().map(|&i| row_columns[i].clone()).collect();
    Ok(CompiledQuery {
        spec: q.clone(),
        sides,
        columns,
        row_columns,
        visible,
        computed,
        row_having,
        top_k,
        union,
        key_fields,
        probe,
    })
}

/// Checks that a joined side fits the first.
fn check_join(
    first: &CompiledSide,
    side: &CompiledSide,
    union: bool,
    window: Window,
    at: &str,
) -> Result<(), QueryError> {
    if union {
        if side.how != JoinHow::Union {
            return Err(QueryError::new(
                format!("{at}.how"),
                "a union cannot mix with other joins: every joined side of it is a union",
            ));
        }
        if side.aggs.names() != first.aggs.names() {
            return Err(QueryError::new(
                format!("{at}.aggregate"),
                format!(
                    "a union's sides output the same columns: {}",
                    first.aggs.names().join(", ")
                ),
            ));
        }
        return Ok(());
    }
    let widths = |k: &KeyLayout| k.fields().iter().map(|f| f.bits()).collect::<Vec<_>>();
    let total = side.key.fields().is_empty();
    if !total && widths(&side.key) != widths(&first.key) {
        return Err(QueryError::new(
            format!("{at}.key_by"),
            "the key fields must have the same widths as the first side's (an address for an \
             address, a port for a port), or be empty (a window total)",
        ));
    }
    if total && matches!(side.how, JoinHow::Outer | JoinHow::Anti) {
        return Err(QueryError::new(
            format!("{at}.how"),
            "a side without a key (a window total) joins inner or left",
        ));
    }
    if side.or_next_window && matches!(window, Window::Sliding { .. }) {
        return Err(QueryError::new(
            format!("{at}.or_next_window"),
            "'the next window' needs tumbling windows (or one spanning the run, which has none)",
        ));
    }
    Ok(())
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

    /// Whether an aggregate depends on the order of records (see `AggOp::OutOfOrder`).
    pub fn order_dependent(&self) -> bool {
        self.sides.iter().any(|s| s.order_dependent)
    }

    /// The dump's header line (without the newline).
    pub fn header(&self) -> String {
        let mut h = String::from("window_start_ns");
        for (i, f) in self.key_fields.iter().enumerate() {
            h.push(',');
            h.push_str(self.spec.key_names.get(i).map_or(f.name(), String::as_str));
        }
        for c in &self.columns {
            h.push(',');
            h.push_str(c);
        }
        h
    }

    /// Whether the query is one keyed aggregation and nothing else: no join, filter, map,
    /// threshold, computed column, cap or timeout, one window spanning the run. The fast
    /// shapes below are such queries with particular keys and aggregates.
    fn is_bare(&self) -> bool {
        let s = &self.spec.side;
        self.sides.len() == 1
            && s.filter.is_empty()
            && s.map.is_empty()
            && s.having.is_empty()
            && self.computed.is_empty()
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
            && s.aggregate[0].op == AggOp::Count
    }

    /// Whether this is the flow counter's shape (a bare query on the 5-tuple counting records
    /// and wire bytes), which runs on the flat flow table.
    pub fn is_flow_count(&self) -> bool {
        let s = &self.spec.side;
        self.is_bare()
            && self.sides[0].key.is_flow_tuple()
            && s.aggregate.len() == 2
            && s.aggregate[0].op == AggOp::Count
            && s.aggregate[1].op == AggOp::Sum
            && s.aggregate[1].fields == [Field::WireLen]
    }

    /// The computed columns and row thresholds of a joined row (`values`: the sides'
    /// values): appends the computed values; false when a threshold fails.
    pub(crate) fn finish_row(&self, values: &mut Vec<Value>) -> bool {
        for e in &self.computed {
            let v = e.eval(values);
            values.push(v);
        }
        self.row_having.iter().all(|&(c, op, t)| op.holds(values[c].cmp_int(t)))
    }
}
