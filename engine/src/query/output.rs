//! A query's output: the rows its stages emitted, merged per (window, side, key), thresholds,
//! join and top-k applied, finished and sorted, so it does not depend on where or when a key's
//! partials were computed.

use std::collections::BTreeMap;

use super::aggregate::Value;
use super::key::PackedKey;
use super::spec::CompiledQuery;
use crate::state::windowed::Row;

/// One output row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutRow {
    /// Start of the window (0 for the one spanning the run).
    pub window_start_ns: u64,
    /// The key.
    pub key: PackedKey,
    /// The values, in column order (left side's aggregates, then the join's).
    pub values: Vec<Value>,
}

/// A query's finished output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryOutput {
    /// The dump's header line.
    pub header: String,
    /// Rows sorted by window, then key (field by field; IPv4 before IPv6 where the key holds
    /// an address).
    pub rows: Vec<OutRow>,
    /// How to print keys (the left side's layout).
    layout: super::key::KeyLayout,
}

impl QueryOutput {
    /// Merges emitted partial rows and finishes them.
    pub fn collect(q: &CompiledQuery, rows: impl IntoIterator<Item = Row>) -> Self {
        let mut windows: BTreeMap<u64, Vec<Row>> = BTreeMap::new();
        for r in rows {
            windows.entry(r.window).or_default().push(r);
        }
        let layout = q.sides[0].key.clone();
        let mut out = Vec::new();
        for (window, mut rows) in windows {
            // Side, then key: a packed key orders as its fields do, one after the other (IPv4
            // before IPv6 where the key holds an address), the order of dumps.
            rows.sort_unstable_by_key(|a| (a.side, a.key));
            // Merge duplicates: a key's partials from evictions, or from workers that each saw
            // part of it.
            let mut merged: [Vec<(PackedKey, Vec<Value>)>; 2] = [Vec::new(), Vec::new()];
            let mut it = rows.into_iter().peekable();
            while let Some(mut r) = it.next() {
                let side = &q.sides[usize::from(r.side)];
                while let Some(next) = it.next_if(|n| n.side == r.side && n.key == r.key) {
                    side.aggs.merge(&mut r.acc, next.acc);
                }
                let values = side.aggs.finish(&r.acc);
                if side.passes(&values) {
                    merged[usize::from(r.side)].push((r.key, values));
                }
            }
            let [left, right] = merged;
            let mut rows: Vec<OutRow> = if q.sides.len() == 2 {
                // Inner join of two key-sorted lists.
                let mut right = right.into_iter().peekable();
                left.into_iter()
                    .filter_map(|(key, mut values)| {
                        while right.next_if(|(k, _)| *k < key).is_some() {}
                        let (_, rv) = right.next_if(|(k, _)| *k == key)?;
                        values.extend(rv);
                        Some(OutRow { window_start_ns: window, key, values })
                    })
                    .collect()
            } else {
                left.into_iter()
                    .map(|(key, values)| OutRow { window_start_ns: window, key, values })
                    .collect()
            };
            if let Some((k, col)) = q.top_k {
                // Largest first; the stable sort keeps key order among ties.
                rows.sort_by(|a, b| b.values[col].cmp_value(&a.values[col]));
                rows.truncate(k);
                rows.sort_unstable_by_key(|r| r.key);
            }
            out.extend(rows);
        }
        Self { header: q.header(), rows: out, layout }
    }

    /// The `--dump` CSV: the header, then one line per row.
    pub fn to_csv(&self) -> String {
        let mut s = String::with_capacity(64 * (self.rows.len() + 1));
        s.push_str(&self.header);
        s.push('\n');
        for r in &self.rows {
            s.push_str(&r.window_start_ns.to_string());
            s.push(',');
            if !self.layout.fields().is_empty() {
                self.layout.format(&r.key, &mut s);
                s.push(',');
            }
            for (i, v) in r.values.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                v.format(&mut s);
            }
            s.push('\n');
        }
        s
    }

    /// Sum of the integer values of column `col` over all rows (tests: total packets).
    pub fn column_sum(&self, col: usize) -> u64 {
        self.rows
            .iter()
            .map(|r| match r.values.get(col) {
                Some(Value::Int(v)) => *v,
                _ => 0,
            })
            .sum()
    }
}
