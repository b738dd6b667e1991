//! A query's output: the rows its stages emitted, merged per (window, side, key), thresholds,
//! join and top-k applied, finished and sorted, so it does not depend on where or when a key's
//! partials were computed.

use super::aggregate::Value;
use super::key::PackedKey;
use super::spec::CompiledQuery;
use crate::state::windowed::Row;

/// One output row's window and key; its values are [`QueryOutput::values_of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutRow {
    /// Start of the window (0 for the one spanning the run).
    pub window_start_ns: u64,
    /// The key.
    pub key: PackedKey,
}

/// A query's finished output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryOutput {
    /// The dump's header line.
    pub header: String,
    /// Rows sorted by window, then key (field by field; IPv4 before IPv6 where the key holds
    /// an address).
    pub rows: Vec<OutRow>,
    /// Every row's values, `columns` per row, in row order (one allocation for all rows).
    values: Vec<Value>,
    columns: usize,
    /// How to print keys (the left side's layout).
    layout: super::key::KeyLayout,
}

impl QueryOutput {
    /// Merges emitted partial rows and finishes them.
    ///
    /// The rows are sorted in place by (window, side, key) — a packed key orders as its fields
    /// do, one after the other, IPv4 before IPv6 where it holds an address: the order of dumps
    /// — then merged in one pass (a key's partials from evictions, or from workers that each
    /// saw part of it), finished, thresholded, joined and cut to the top k per window.
    pub fn collect(q: &CompiledQuery, rows: impl IntoIterator<Item = Row>) -> Self {
        let mut rows: Vec<Row> = rows.into_iter().collect();
        rows.sort_unstable_by_key(|r| (r.window, r.side, r.key));
        let columns = q.columns.len();
        let mut out = Self {
            header: q.header(),
            rows: Vec::new(),
            values: Vec::new(),
            columns,
            layout: q.sides[0].key.clone(),
        };
        let simple = q.sides.len() == 1 && q.top_k.is_none();
        if simple {
            // Most rows survive: size the output once.
            out.rows.reserve(rows.len());
            out.values.reserve(rows.len() * columns);
        }
        // One window's finished rows per side, for joins and top-k.
        let mut sides: [Vec<(PackedKey, Vec<Value>)>; 2] = [Vec::new(), Vec::new()];
        let mut current = None;
        let mut it = rows.into_iter().peekable();
        while let Some(mut r) = it.next() {
            if current != Some(r.window) {
                if let Some(w) = current {
                    out.finish_window(q, w, &mut sides);
                }
                current = Some(r.window);
            }
            let side = &q.sides[usize::from(r.side)];
            while let Some(next) =
                it.next_if(|n| (n.window, n.side, n.key) == (r.window, r.side, r.key))
            {
                side.aggs.merge(&mut r.acc, next.acc);
            }
            let values = side.aggs.finish(&r.acc);
            if !side.passes(&values) {
                continue;
            }
            if simple {
                out.rows.push(OutRow { window_start_ns: r.window, key: r.key });
                out.values.extend(values);
            } else {
                sides[usize::from(r.side)].push((r.key, values));
            }
        }
        if let Some(w) = current {
            out.finish_window(q, w, &mut sides);
        }
        out
    }

    /// Joins and cuts one window's finished rows (key-sorted per side) into the output.
    fn finish_window(
        &mut self,
        q: &CompiledQuery,
        window: u64,
        sides: &mut [Vec<(PackedKey, Vec<Value>)>; 2],
    ) {
        let [left, right] = sides;
        let mut rows: Vec<(PackedKey, Vec<Value>)> = if q.sides.len() == 2 {
            // Inner join of two key-sorted lists.
            let mut right = right.drain(..).peekable();
            left.drain(..)
                .filter_map(|(key, mut values)| {
                    while right.next_if(|(k, _)| *k < key).is_some() {}
                    let (_, rv) = right.next_if(|(k, _)| *k == key)?;
                    values.extend(rv);
                    Some((key, values))
                })
                .collect()
        } else {
            std::mem::take(left)
        };
        right.clear();
        if let Some((k, col)) = q.top_k {
            // Largest first; the stable sort keeps key order among ties.
            rows.sort_by(|a, b| b.1[col].cmp_value(&a.1[col]));
            rows.truncate(k);
            rows.sort_unstable_by_key(|r| r.0);
        }
        for (key, values) in rows {
            self.rows.push(OutRow { window_start_ns: window, key });
            self.values.extend(values);
        }
    }

    /// The values of row `i`, in column order.
    pub fn values_of(&self, i: usize) -> &[Value] {
        &self.values[i * self.columns..(i + 1) * self.columns]
    }

    /// Rows with their values.
    pub fn iter(&self) -> impl Iterator<Item = (&OutRow, &[Value])> {
        self.rows.iter().zip(self.values.chunks(self.columns.max(1)))
    }

    /// The `--dump` CSV: the header, then one line per row.
    pub fn to_csv(&self) -> String {
        let mut s = String::with_capacity(64 * (self.rows.len() + 1));
        s.push_str(&self.header);
        s.push('\n');
        for (r, values) in self.iter() {
            s.push_str(&r.window_start_ns.to_string());
            s.push(',');
            if !self.layout.fields().is_empty() {
                self.layout.format(&r.key, &mut s);
                s.push(',');
            }
            for (i, v) in values.iter().enumerate() {
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
        self.iter()
            .map(|(_, values)| match values.get(col) {
                Some(Value::Int(v)) => *v,
                _ => 0,
            })
            .sum()
    }
}
