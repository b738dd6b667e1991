//! Aggregates per (window, key): count, sum, min, max, mean and distinct (exact, or a
//! HyperLogLog), as partial states that merge in any order to the state of the whole stream.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use wire::PacketRecord;

use super::exact_set::ExactSet;
use super::field::{Field, QueryError};
use super::key::{KeyLayout, key_hash};
use crate::state::hll::{Hll, MAX_PRECISION, MIN_PRECISION};

/// What an aggregate computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggOp {
    /// Records.
    Count,
    /// Sum of a field.
    Sum,
    /// Smallest value of a field.
    Min,
    /// Largest value of a field.
    Max,
    /// Mean of a field, from an integer sum and count, written with three decimals.
    Mean,
    /// Distinct values of one or more fields (exact, or a HyperLogLog with `hll`).
    Distinct,
    /// TCP segments out of order (field `seq`): a record whose sequence number comes before
    /// (RFC 1982 serial order) the highest one the key saw earlier in the window. It depends on
    /// the order records arrive in, so it needs every record of a key in one place, in trace
    /// order: flow keys on a topology that keeps flows together, no cap or idle timeout.
    OutOfOrder,
}

/// One aggregate of a query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggSpec {
    /// What it computes.
    pub op: AggOp,
    /// The fields it reads: one for sum, min, max and mean, one or more for distinct, none for
    /// count.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// HyperLogLog precision (4 to 16) for `distinct`; absent: exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hll: Option<u8>,
    /// The column name in dumps; default `op` or `op_field` (`sum_wire_len`).
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl AggSpec {
    fn of(op: AggOp, fields: Vec<Field>) -> Self {
        Self { op, fields, hll: None, name: None }
    }
    /// Counts records.
    pub fn count() -> Self {
        Self::of(AggOp::Count, vec![])
    }
    /// Sums a field.
    pub fn sum(f: Field) -> Self {
        Self::of(AggOp::Sum, vec![f])
    }
    /// Smallest value of a field.
    pub fn min(f: Field) -> Self {
        Self::of(AggOp::Min, vec![f])
    }
    /// Largest value of a field.
    pub fn max(f: Field) -> Self {
        Self::of(AggOp::Max, vec![f])
    }
    /// Mean of a field.
    pub fn mean(f: Field) -> Self {
        Self::of(AggOp::Mean, vec![f])
    }
    /// Segments out of order (see [`AggOp::OutOfOrder`]).
    pub fn out_of_order() -> Self {
        Self::of(AggOp::OutOfOrder, vec![Field::Seq])
    }
    /// Exact distinct count of the tuple of `fields`.
    pub fn distinct(fields: &[Field]) -> Self {
        Self::of(AggOp::Distinct, fields.to_vec())
    }
    /// Approximate distinct count with a HyperLogLog of `2^precision` registers.
    pub fn distinct_hll(fields: &[Field], precision: u8) -> Self {
        Self { hll: Some(precision), ..Self::distinct(fields) }
    }
    /// Names the output column.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The output column's name.
    pub fn column(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let op = match self.op {
            AggOp::Count => return "count".into(),
            AggOp::Sum => "sum",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Mean => "mean",
            AggOp::Distinct => "distinct",
            AggOp::OutOfOrder => return "out_of_order".into(),
        };
        let fields: Vec<&str> = self.fields.iter().map(|f| f.name()).collect();
        format!("{op}_{}", fields.join("_"))
    }
}

/// The most numeric slots a side's aggregates take (a mean takes two, the others one).
pub const MAX_NUM_SLOTS: usize = 6;

/// An aggregate made ready to run: where its state lives in an [`Acc`].
#[derive(Clone, Debug)]
enum Slot {
    Count(usize),
    Sum(Field, usize),
    Min(Field, usize),
    Max(Field, usize),
    Mean(Field, usize),
    /// Out-of-order count at `i`, the highest sequence number seen (bit 32 set once one was)
    /// at `i + 1`.
    OutOfOrder(usize),
    Distinct {
        layout: KeyLayout,
        set: usize,
        hll: Option<u8>,
    },
}

/// A side's aggregates, compiled.
#[derive(Clone, Debug)]
pub struct AggLayout {
    slots: Vec<Slot>,
    names: Vec<String>,
    /// Number of distinct sets an [`Acc`] carries.
    sets: usize,
    /// The initial numeric slots (minima start at the largest value).
    init: [u64; MAX_NUM_SLOTS],
    /// Numeric slots in use.
    nums: usize,
    /// The slots of the order-free counters alone (what distinct pairs may carry).
    counters: Vec<Slot>,
}

/// The state of one (window, key): numeric slots and distinct sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acc {
    /// Counts, sums, minima, maxima; a mean's sum and count.
    pub nums: [u64; MAX_NUM_SLOTS],
    /// The distinct sets, when the side has a distinct aggregate.
    pub sets: Option<Box<[DistinctSet]>>,
}

/// The state of one distinct aggregate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DistinctSet {
    /// Every value seen.
    Exact(ExactSet),
    /// A sketch.
    Sketch(Hll),
}

/// A finished value: an integer, or a mean as its sum and count. (The derived order is
/// structural; [`Value::cmp_value`] compares magnitudes.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// An integer.
    Int(u64),
    /// A signed integer (a computed difference).
    Signed(i64),
    /// `sum / count`, written with three decimals (`nan` for a count of 0).
    Mean {
        /// The sum.
        sum: u64,
        /// The count (at least 1).
        count: u64,
    },
}

impl Value {
    /// Appends the value's text to a dump line.
    pub fn format(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = match *self {
            Value::Int(v) => write!(out, "{v}"),
            Value::Signed(v) => write!(out, "{v}"),
            Value::Mean { count: 0, .. } => write!(out, "nan"),
            Value::Mean { sum, count } => {
                let milli = (u128::from(sum) * 1000 + u128::from(count) / 2) / u128::from(count);
                write!(out, "{}.{:03}", milli / 1000, milli % 1000)
            }
        };
    }

    /// Compares with an integer threshold, exactly (a mean as `sum` against `t * count`).
    pub fn cmp_int(&self, t: i64) -> std::cmp::Ordering {
        let (num, den) = self.ratio();
        num.cmp(&(i128::from(t) * den))
    }

    /// The value as `num / den` (`den` at least 1, but 0 for a mean of nothing).
    pub fn ratio(&self) -> (i128, i128) {
        match *self {
            Value::Int(v) => (i128::from(v), 1),
            Value::Signed(v) => (i128::from(v), 1),
            Value::Mean { sum, count } => (i128::from(sum), i128::from(count)),
        }
    }

    /// The value as a signed integer (computed columns; a mean is not one).
    pub fn as_int(&self) -> Option<i128> {
        match *self {
            Value::Int(v) => Some(i128::from(v)),
            Value::Signed(v) => Some(i128::from(v)),
            Value::Mean { .. } => None,
        }
    }

    /// The ordering of `top_k` (means compared exactly).
    pub fn cmp_value(&self, other: &Value) -> std::cmp::Ordering {
        // Means of nothing (`nan`) order below every number.
        let ((a, b), (c, d)) = (self.ratio(), other.ratio());
        match (b, d) {
            (0, 0) => std::cmp::Ordering::Equal,
            (0, _) => std::cmp::Ordering::Less,
            (_, 0) => std::cmp::Ordering::Greater,
            _ => (a * d).cmp(&(c * b)),
        }
    }
}

impl AggLayout {
    /// Compiles a side's aggregates; `at` names the side in errors.
    pub fn new(specs: &[AggSpec], at: &str) -> Result<Self, QueryError> {
        if specs.is_empty() {
            return Err(QueryError::new(at, "a query needs at least one aggregate"));
        }
        let mut slots = Vec::with_capacity(specs.len());
        let mut init = [0u64; MAX_NUM_SLOTS];
        let (mut num, mut sets) = (0usize, 0usize);
        for (i, s) in specs.iter().enumerate() {
            let where_ = format!("{at}.aggregate[{i}]");
            let want = |n: usize| -> Result<(), QueryError> {
                if s.fields.len() == n {
                    Ok(())
                } else {
                    Err(QueryError::new(
                        &where_,
                        format!("{:?} takes {n} field(s), found {}", s.op, s.fields.len()),
                    ))
                }
            };
            let need = if matches!(s.op, AggOp::Mean | AggOp::OutOfOrder) {
                2
            } else if s.op == AggOp::Distinct {
                0
            } else {
                1
            };
            if num + need > MAX_NUM_SLOTS {
                return Err(QueryError::new(
                    &where_,
                    format!("a side holds at most {MAX_NUM_SLOTS} counters (a mean takes two)"),
                ));
            }
            let slot = match s.op {
                AggOp::Count => {
                    want(0)?;
                    Slot::Count(num)
                }
                AggOp::Sum => {
                    want(1)?;
                    Slot::Sum(s.fields[0], num)
                }
                AggOp::Min => {
                    want(1)?;
                    init[num] = u64::MAX;
                    Slot::Min(s.fields[0], num)
                }
                AggOp::Max => {
                    want(1)?;
                    Slot::Max(s.fields[0], num)
                }
                AggOp::Mean => {
                    want(1)?;
                    Slot::Mean(s.fields[0], num)
                }
                AggOp::OutOfOrder => {
                    if s.fields != [Field::Seq] {
                        return Err(QueryError::new(&where_, "out_of_order takes the field seq"));
                    }
                    Slot::OutOfOrder(num)
                }
                AggOp::Distinct => {
                    if s.fields.is_empty() {
                        return Err(QueryError::new(&where_, "distinct takes one or more fields"));
                    }
                    if let Some(p) = s.hll
                        && !(MIN_PRECISION..=MAX_PRECISION).contains(&p)
                    {
                        return Err(QueryError::new(
                            &where_,
                            format!(
                                "hll precision must be {MIN_PRECISION} to {MAX_PRECISION}, found {p}"
                            ),
                        ));
                    }
                    sets += 1;
                    Slot::Distinct {
                        layout: KeyLayout::new(&s.fields, &where_)?,
                        set: sets - 1,
                        hll: s.hll,
                    }
                }
            };
            if matches!(s.op, AggOp::Sum | AggOp::Min | AggOp::Max | AggOp::Mean)
                && s.fields[0].is_payload_test()
            {
                return Err(QueryError::new(
                    &where_,
                    format!("{} is a test on the payload: only a filter takes it", s.fields[0]),
                ));
            }
            if matches!(s.op, AggOp::Sum | AggOp::Min | AggOp::Max | AggOp::Mean)
                && s.fields[0].bits() > 64
            {
                return Err(QueryError::new(
                    &where_,
                    format!(
                        "{} is an address: only count, distinct and key_by take it",
                        s.fields[0]
                    ),
                ));
            }
            num += need;
            slots.push(slot);
        }
        let names: Vec<String> = specs.iter().map(AggSpec::column).collect();
        let counters = slots.iter().filter(|s| !matches!(s, Slot::Distinct { .. })).cloned();
        let counters = counters.collect();
        Ok(Self { slots, names, sets, init, nums: num, counters })
    }

    /// The output columns.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether column `i` is a mean (a fraction, not an integer).
    pub fn is_mean(&self, i: usize) -> bool {
        matches!(self.slots.get(i), Some(Slot::Mean(..)))
    }

    /// A fresh state.
    pub fn new_acc(&self) -> Acc {
        let sets = (self.sets > 0).then(|| {
            // Sized exactly, so the one allocation is the only one.
            let mut sets = Vec::with_capacity(self.sets);
            for s in &self.slots {
                match s {
                    Slot::Distinct { hll: Some(p), .. } => {
                        sets.push(DistinctSet::Sketch(Hll::new(*p)))
                    }
                    Slot::Distinct { hll: None, .. } => {
                        sets.push(DistinctSet::Exact(ExactSet::default()))
                    }
                    _ => {}
                }
            }
            sets.into_boxed_slice()
        });
        Acc { nums: self.init, sets }
    }

    /// Adds a record to a state.
    #[inline]
    pub fn update(&self, acc: &mut Acc, r: &PacketRecord) {
        update_slots(&self.slots, &mut acc.nums, &mut acc.sets, r, true);
    }

    /// Adds a record to a state, except to its exact distinct sets: the caller keeps their
    /// values elsewhere (see [`AggLayout::exact_sets`]) and fills the sets later.
    #[inline]
    pub fn update_without_exact(&self, acc: &mut Acc, r: &PacketRecord) {
        update_slots(&self.slots, &mut acc.nums, &mut acc.sets, r, false);
    }

    /// Aggregates present and all exact distinct sets: only a new value changes a key's state.
    pub fn only_exact_sets(&self) -> bool {
        !self.slots.is_empty()
            && self.slots.iter().all(|s| matches!(s, Slot::Distinct { hll: None, .. }))
    }

    /// The set whose distinct pairs can carry the side's counters, if any: the first exact
    /// distinct set, when every other aggregate is an exact distinct set or an order-free
    /// counter (count, sum, min, max, mean) and there is at least one counter. A record then
    /// makes exactly one pair of that set per window, so the pairs' counters, folded into
    /// their key's with [`AggLayout::merge_counters`], give the key's own.
    pub fn carrying_set(&self) -> Option<usize> {
        let order_free = |s: &Slot| {
            matches!(
                s,
                Slot::Count(_) | Slot::Sum(..) | Slot::Min(..) | Slot::Max(..) | Slot::Mean(..)
            )
        };
        let exact = |s: &Slot| matches!(s, Slot::Distinct { hll: None, .. });
        if !self.slots.iter().all(|s| order_free(s) || exact(s))
            || !self.slots.iter().any(order_free)
        {
            return None;
        }
        self.slots.iter().find_map(|s| match s {
            Slot::Distinct { set, hll: None, .. } => Some(*set),
            _ => None,
        })
    }

    /// The counters of a fresh state: the numeric slots in use ([`Acc::nums`] holds more).
    pub fn new_counters(&self) -> &[u64] {
        &self.init[..self.nums]
    }

    /// Adds a record to counters alone (what [`AggLayout::carrying_set`]'s pairs carry), as
    /// many as [`AggLayout::new_counters`] gives.
    #[inline]
    pub fn update_counters(&self, nums: &mut [u64], r: &PacketRecord) {
        update_slots(&self.counters, nums, &mut None, r, false);
    }

    /// Merges counters `b` into `a` (distinct sets aside); `b` may hold only the slots in use.
    pub fn merge_counters(&self, a: &mut [u64; MAX_NUM_SLOTS], b: &[u64]) {
        for s in &self.slots {
            match s {
                Slot::Count(i) | Slot::Sum(_, i) => a[*i] = a[*i].saturating_add(b[*i]),
                Slot::Min(_, i) => a[*i] = a[*i].min(b[*i]),
                Slot::Max(_, i) => a[*i] = a[*i].max(b[*i]),
                Slot::Mean(_, i) => {
                    a[*i] = a[*i].saturating_add(b[*i]);
                    a[*i + 1] += b[*i + 1];
                }
                Slot::OutOfOrder(i) => {
                    // Exact when one side is empty (the only merge the plans allow: a key's
                    // records stay in one place); otherwise the later partial's first record
                    // was not compared with the earlier's highest.
                    a[*i] += b[*i];
                    let (x, y) = (a[*i + 1], b[*i + 1]);
                    if x >> 32 == 0 || (y >> 32 != 0 && serial_before(x as u32, y as u32)) {
                        a[*i + 1] = y;
                    }
                }
                Slot::Distinct { .. } => {}
            }
        }
    }

    /// The exact distinct aggregates: (set index in [`Acc::sets`], the layout of its values).
    pub fn exact_sets(&self) -> Vec<(usize, KeyLayout)> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Distinct { layout, set, hll: None } => Some((*set, layout.clone())),
                _ => None,
            })
            .collect()
    }

    /// Merges partial state `b` into `a`.
    pub fn merge(&self, a: &mut Acc, b: Acc) {
        self.merge_counters(&mut a.nums, &b.nums);
        if let (Some(sa), Some(sb)) = (&mut a.sets, b.sets) {
            for (x, y) in sa.iter_mut().zip(sb.into_vec()) {
                match (x, y) {
                    (DistinctSet::Exact(x), DistinctSet::Exact(y)) => x.merge(y),
                    (DistinctSet::Sketch(x), DistinctSet::Sketch(y)) => x.merge(&y),
                    // Every state of one aggregate has the same kind.
                    _ => {}
                }
            }
        }
    }

    /// The finished values of a state, one per aggregate.
    pub fn finish(&self, acc: &Acc) -> Vec<Value> {
        self.slots
            .iter()
            .map(|s| match s {
                Slot::Count(i)
                | Slot::Sum(_, i)
                | Slot::Min(_, i)
                | Slot::Max(_, i)
                | Slot::OutOfOrder(i) => Value::Int(acc.nums[*i]),
                Slot::Mean(_, i) => {
                    Value::Mean { sum: acc.nums[*i], count: acc.nums[*i + 1].max(1) }
                }
                Slot::Distinct { set, .. } => {
                    Value::Int(match acc.sets.as_ref().map(|s| &s[*set]) {
                        Some(DistinctSet::Exact(h)) => h.len() as u64,
                        Some(DistinctSet::Sketch(h)) => h.estimate(),
                        None => 0,
                    })
                }
            })
            .collect()
    }

    /// Whether the state carries distinct sets (heap memory beyond the table's entry).
    pub fn has_sets(&self) -> bool {
        self.sets > 0
    }
}

/// Adds a record to the state `slots` describe (leaving exact distinct sets out unless
/// `exact`).
#[inline(always)]
fn update_slots(
    slots: &[Slot],
    nums: &mut [u64],
    sets: &mut Option<Box<[DistinctSet]>>,
    r: &PacketRecord,
    exact: bool,
) {
    for s in slots {
        match s {
            Slot::Distinct { hll: None, .. } if !exact => {}
            Slot::Count(i) => nums[*i] += 1,
            Slot::Sum(f, i) => nums[*i] = nums[*i].saturating_add(f.get(r) as u64),
            Slot::Min(f, i) => nums[*i] = nums[*i].min(f.get(r) as u64),
            Slot::Max(f, i) => nums[*i] = nums[*i].max(f.get(r) as u64),
            Slot::Mean(f, i) => {
                nums[*i] = nums[*i].saturating_add(f.get(r) as u64);
                nums[*i + 1] += 1;
            }
            Slot::OutOfOrder(i) => {
                let highest = nums[*i + 1];
                if highest >> 32 == 0 {
                    nums[*i + 1] = SEEN | u64::from(r.seq);
                } else if serial_before(r.seq, highest as u32) {
                    nums[*i] += 1;
                } else {
                    nums[*i + 1] = SEEN | u64::from(r.seq);
                }
            }
            Slot::Distinct { layout, set, .. } => {
                if let Some(sets) = sets {
                    let v = layout.pack(r);
                    match &mut sets[*set] {
                        DistinctSet::Exact(h) => h.insert(v),
                        DistinctSet::Sketch(h) => h.add_hash(key_hash(&v)),
                    }
                }
            }
        }
    }
}

/// Marks the highest-sequence slot of `out_of_order` as holding a value.
const SEEN: u64 = 1 << 32;

/// Whether sequence number `a` comes before `b` (RFC 1982 serial order on 32 bits).
#[inline]
fn serial_before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// Heap bytes a state holds beyond its table entry (distinct sets).
pub fn heap_bytes(acc: &Acc) -> usize {
    acc.sets.as_ref().map_or(0, |sets| {
        sets.iter()
            .map(|s| match s {
                DistinctSet::Exact(h) => h.allocation_size(),
                DistinctSet::Sketch(h) => h.bytes(),
            })
            .sum::<usize>()
            + std::mem::size_of_val(&**sets)
    })
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
