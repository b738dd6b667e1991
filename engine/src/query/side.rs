//! One keyed aggregation of a query, compiled: filter, map, key, aggregates, thresholds, and
//! how it joins the first side.

use wire::PacketRecord;

use super::aggregate::{AggLayout, AggOp, Value};
use super::field::{CompiledPredicate, Field, QueryError};
use super::key::KeyLayout;
use super::map::MapOp;
use super::probe::PayloadProbe;
use super::spec::{Cmp, JoinHow, SideSpec};

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
    /// Thresholds on this side's values, as (aggregate index, op, threshold).
    pub having: Vec<(usize, Cmp, i64)>,
    /// How it joins the first side (the first side's own is `Inner`).
    pub how: JoinHow,
    /// Whether a key also matches when it is in this side's next window.
    pub or_next_window: bool,
    /// Whether an aggregate depends on the order records arrive in.
    pub order_dependent: bool,
}

impl CompiledSide {
    /// Compiles a side; `at` names it in errors. Its payload tests take bits of `probe`.
    /// Thresholds are left to the caller (the first side's may name computed columns).
    pub(crate) fn new(
        s: &SideSpec,
        at: &str,
        probe: &mut PayloadProbe,
    ) -> Result<Self, QueryError> {
        let filter: Vec<CompiledPredicate> = s
            .filter
            .iter()
            .enumerate()
            .map(|(i, p)| {
                CompiledPredicate::compile(p, &format!("{at}.filter[{i}]"), &mut |t| {
                    probe.bit_for(t)
                })
            })
            .collect::<Result<_, _>>()?;
        probe.guard(&filter);
        for (i, m) in s.map.iter().enumerate() {
            m.validate(&format!("{at}.map[{i}]"))?;
        }
        let key = KeyLayout::new(&s.key_by, &format!("{at}.key_by"))?;
        // An anti-join side only says whether a key is there: a count will do.
        let aggregate = if s.how == JoinHow::Anti && s.aggregate.is_empty() {
            vec![super::AggSpec::count()]
        } else {
            s.aggregate.clone()
        };
        let aggs = AggLayout::new(&aggregate, at)?;
        let reads = s
            .filter
            .iter()
            .map(|p| p.field)
            .chain(s.key_by.iter().copied())
            .chain(aggregate.iter().flat_map(|a| a.fields.iter().copied()));
        if reads.into_iter().any(Field::is_dns) {
            probe.read_dns();
        }
        Ok(Self {
            filter,
            map: s.map.clone(),
            key,
            aggs,
            having: Vec::new(),
            how: s.how,
            or_next_window: s.or_next_window,
            order_dependent: aggregate.iter().any(|a| a.op == AggOp::OutOfOrder),
        })
    }

    /// Compiles the side's thresholds (all of them must name its own aggregates).
    pub(crate) fn set_having(&mut self, s: &SideSpec, at: &str) -> Result<(), QueryError> {
        self.having = s
            .having
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let idx = self.column(&t.value).ok_or_else(|| {
                    QueryError::new(
                        format!("{at}.having[{i}]"),
                        format!(
                            "no aggregate is named '{}'; the columns are {}",
                            t.value,
                            self.aggs.names().join(", ")
                        ),
                    )
                })?;
                Ok((idx, t.op, t.threshold))
            })
            .collect::<Result<_, QueryError>>()?;
        Ok(())
    }

    /// The index of the aggregate named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.aggs.names().iter().position(|n| n == name)
    }

    /// Whether the side's values are output columns (an anti-join side's are not).
    pub fn has_columns(&self) -> bool {
        self.how != JoinHow::Anti
    }

    /// The record as this side keys it: `None` when the filter drops it, else the mapped copy.
    #[inline]
    pub fn select(&self, r: &PacketRecord) -> Option<PacketRecord> {
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
        r: &'r PacketRecord,
        buf: &'r mut PacketRecord,
    ) -> Option<&'r PacketRecord> {
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
    pub fn route_hash(&self, r: &PacketRecord) -> Option<u64> {
        if self.map.is_empty() {
            if !self.filter.iter().all(|p| p.test(r)) {
                return None;
            }
            return Some(self.key.hash_record(r));
        }
        self.select(r).map(|m| self.key.hash_record(&m))
    }

    /// Whether every threshold holds for finished values.
    pub fn passes(&self, values: &[Value]) -> bool {
        self.having.iter().all(|&(i, op, t)| op.holds(values[i].cmp_int(t)))
    }

    /// Whether the key is the flow: the 5-tuple, unmasked, so RSS (which sends both directions
    /// of a connection to one ring) puts all of a key's records on one worker.
    pub(crate) fn keyed_by_flow(&self) -> bool {
        let flow = [Field::Src, Field::Dst, Field::Sport, Field::Dport, Field::Proto];
        flow.iter().all(|f| self.key.fields().contains(f))
            && self.map.iter().all(|m| matches!(m, MapOp::Reverse | MapOp::Canonical))
    }
}
