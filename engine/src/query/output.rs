//! A query's output: the rows its stages emitted, merged per (window, side, key), thresholds,
//! join and top-k applied, finished and sorted, so it does not depend on where or when a key's
//! partials were computed.

use super::aggregate::Value;
use super::compile::CompiledQuery;
use super::field::Field;
use super::key::{KeyLayout, PackedKey};
use super::spec::JoinHow;
use crate::state::windowed::Row;

/// One output row's window and key; its values are [`QueryOutput::values_of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutRow {
    /// Start of the window (0 for the one spanning the run).
    pub window_start_ns: u64,
    /// The key.
    pub key: PackedKey,
    /// The side whose key layout the key has (0 but in a union).
    pub side: u8,
}

/// A query's finished output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryOutput {
    /// The dump's header line.
    pub header: String,
    /// Rows sorted by window, then (in a union) side, then key (field by field; IPv4 before
    /// IPv6 where the key holds an address).
    pub rows: Vec<OutRow>,
    /// Every row's values, `columns` per row, in row order (one allocation for all rows).
    values: Vec<Value>,
    columns: usize,
    /// Each side's key layout.
    layouts: Vec<KeyLayout>,
    /// The key columns.
    key_fields: Vec<Field>,
}

/// One window's finished rows of one side, key-sorted.
type SideRows = Vec<(PackedKey, Vec<Value>)>;

impl QueryOutput {
    /// Merges emitted partial rows and finishes them.
    ///
    /// The rows are sorted in place by (window, side, key) — a packed key orders as its fields
    /// do, one after the other, IPv4 before IPv6 where it holds an address: the order of dumps
    /// — then merged in one pass (a key's partials from evictions, or from workers that each
    /// saw part of it), finished and thresholded per side; then each window's sides are
    /// joined, computed columns added, row thresholds applied and the top k kept.
    pub fn collect(q: &CompiledQuery, rows: impl IntoIterator<Item = Row>) -> Self {
        let mut rows: Vec<Row> = rows.into_iter().collect();
        rows.sort_unstable_by_key(|r| (r.window, r.side, r.key));
        let columns = q.columns.len();
        let mut out = Self {
            header: q.header(),
            rows: Vec::new(),
            values: Vec::new(),
            columns,
            layouts: q.sides.iter().map(|s| s.key.clone()).collect(),
            key_fields: q.key_fields.clone(),
        };
        let simple = q.sides.len() == 1
            && q.top_k.is_none()
            && q.computed.is_empty()
            && q.row_having.is_empty();
        if simple {
            // Most rows survive: size the output once.
            out.rows.reserve(rows.len());
            out.values.reserve(rows.len() * columns);
        }
        // Every window's finished rows per side, for joins and top-k.
        let mut windows: Vec<(u64, Vec<SideRows>)> = Vec::new();
        let mut it = rows.into_iter().peekable();
        while let Some(mut r) = it.next() {
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
                out.rows.push(OutRow { window_start_ns: r.window, key: r.key, side: 0 });
                out.values.extend(values);
                continue;
            }
            if windows.last().is_none_or(|(w, _)| *w != r.window) {
                windows.push((r.window, vec![Vec::new(); q.sides.len()]));
            }
            if let Some((_, sides)) = windows.last_mut() {
                sides[usize::from(r.side)].push((r.key, values));
            }
        }
        for i in 0..windows.len() {
            let (start, sides) = &windows[i];
            let end = q.window().end_of(*start);
            let next = windows.get(i + 1).filter(|(s, _)| *s == end).map(|(_, n)| &n[..]);
            out.finish_window(q, *start, sides, next);
        }
        out
    }

    /// Joins one window's finished rows, computes, thresholds and cuts them into the output.
    /// `next` is the next window's rows, when it has any.
    fn finish_window(
        &mut self,
        q: &CompiledQuery,
        window: u64,
        sides: &[SideRows],
        next: Option<&[SideRows]>,
    ) {
        let mut rows: Vec<(u8, PackedKey, Vec<Value>)> = if q.union {
            let tagged = sides
                .iter()
                .enumerate()
                .flat_map(|(i, rows)| rows.iter().map(move |(k, v)| (i as u8, *k, v.clone())));
            tagged.collect()
        } else {
            join(q, sides, next).into_iter().map(|(k, v)| (0, k, v)).collect()
        };
        if let Some((k, col)) = q.top_k {
            // Largest first; the stable sort keeps (side, key) order among ties.
            rows.sort_by(|a, b| b.2[col].cmp_value(&a.2[col]));
            rows.truncate(k);
            rows.sort_unstable_by_key(|r| (r.0, r.1));
        }
        for (side, key, values) in rows {
            self.rows.push(OutRow { window_start_ns: window, key, side });
            if q.visible.len() == values.len() {
                self.values.extend(values);
            } else {
                self.values.extend(q.visible.iter().map(|&c| values[c]));
            }
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
            if !self.key_fields.is_empty() {
                let layout = &self.layouts[usize::from(r.side)];
                if layout.fields() == self.key_fields {
                    layout.format(&r.key, &mut s);
                } else {
                    self.format_union_key(layout, &r.key, &mut s);
                }
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

    /// A union row's key: its side's fields in their columns, the other columns empty.
    fn format_union_key(&self, layout: &KeyLayout, key: &PackedKey, out: &mut String) {
        let (values, v6) = layout.unpack(key);
        for (i, f) in self.key_fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(j) = layout.fields().iter().position(|g| g == f) {
                f.format(values[j], v6, out);
            }
        }
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

/// Joins one window's sides on the key: the keys of the first side and of outer sides; each
/// side's values (zeros where a left or outer side lacks the key), inner sides required, anti
/// sides (in this window, or the next with `or_next_window`) excluded; then computed columns
/// and row thresholds.
fn join(q: &CompiledQuery, sides: &[SideRows], next: Option<&[SideRows]>) -> SideRows {
    let mut keys: Vec<PackedKey> = sides[0].iter().map(|(k, _)| *k).collect();
    let outer = q.sides.iter().enumerate().filter(|(_, s)| s.how == JoinHow::Outer);
    let mut extra = false;
    for (i, _) in outer {
        keys.extend(sides[i].iter().map(|(k, _)| *k));
        extra = true;
    }
    if extra {
        keys.sort_unstable();
        keys.dedup();
    }
    let find = |rows: &'_ SideRows, i: usize, key: &PackedKey| -> Option<usize> {
        if q.sides[i].key.fields().is_empty() {
            // A window total joins every key.
            return (!rows.is_empty()).then_some(0);
        }
        rows.binary_search_by(|(k, _)| k.cmp(key)).ok()
    };
    let mut out = Vec::with_capacity(keys.len());
    'keys: for key in keys {
        let mut values = Vec::with_capacity(q.row_columns.len());
        for (i, side) in q.sides.iter().enumerate() {
            let found = find(&sides[i], i, &key);
            match (side.how, found) {
                (JoinHow::Anti, Some(_)) => continue 'keys,
                (JoinHow::Anti, None) => {
                    let later =
                        side.or_next_window && next.is_some_and(|n| find(&n[i], i, &key).is_some());
                    if later {
                        continue 'keys;
                    }
                }
                (_, Some(j)) => values.extend_from_slice(&sides[i][j].1),
                (JoinHow::Inner, None) if i > 0 => continue 'keys,
                (_, None) => values.extend((0..side.aggs.names().len()).map(|_| Value::Int(0))),
            }
        }
        if q.finish_row(&mut values) {
            out.push((key, values));
        }
    }
    out
}
