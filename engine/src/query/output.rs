//! A query's output: the rows its stages emitted, merged per (window, side, key), thresholds,
//! join and top-k applied, finished and sorted, so it does not depend on where or when a key's
//! partials were computed.

use std::collections::BTreeMap;

use hashbrown::HashMap;

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
    /// Rows sorted by window, then key (field by field).
    pub rows: Vec<OutRow>,
    /// How to print keys (the left side's layout).
    layout: super::key::KeyLayout,
}

impl QueryOutput {
    /// Merges emitted partial rows and finishes them.
    pub fn collect(q: &CompiledQuery, rows: impl IntoIterator<Item = Row>) -> Self {
        // Merge duplicates (a key's partials from evictions, or from workers that each saw part
        // of it), per window.
        type Merged = HashMap<(u8, PackedKey), super::aggregate::Acc, foldhash::fast::FixedState>;
        let mut windows: BTreeMap<u64, Merged> = BTreeMap::new();
        for r in rows {
            let t = windows
                .entry(r.window)
                .or_insert_with(|| HashMap::with_hasher(foldhash::fast::FixedState::with_seed(1)));
            let aggs = &q.sides[usize::from(r.side)].aggs;
            match t.get_mut(&(r.side, r.key)) {
                Some(a) => aggs.merge(a, r.acc),
                None => {
                    t.insert((r.side, r.key), r.acc);
                }
            }
        }
        let layout = q.sides[0].key.clone();
        let mut out = Vec::new();
        for (window, t) in windows {
            let mut finished: [HashMap<PackedKey, Vec<Value>>; 2] =
                [HashMap::new(), HashMap::new()];
            for ((side, key), acc) in &t {
                let s = &q.sides[usize::from(*side)];
                let values = s.aggs.finish(acc);
                if s.passes(&values) {
                    finished[usize::from(*side)].insert(*key, values);
                }
            }
            let [left, right] = finished;
            let mut rows: Vec<(Vec<u128>, bool, OutRow)> = left
                .into_iter()
                .filter_map(|(key, mut values)| {
                    if q.sides.len() == 2 {
                        values.extend(right.get(&key)?.iter().copied());
                    }
                    let (sk, v6) = layout.sort_key(&key);
                    Some((sk, v6, OutRow { window_start_ns: window, key, values }))
                })
                .collect();
            rows.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            if let Some((k, col)) = q.top_k {
                // Largest first; the sort above breaks ties by key.
                rows.sort_by(|a, b| b.2.values[col].cmp_value(&a.2.values[col]));
                rows.truncate(k);
                rows.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            }
            out.extend(rows.into_iter().map(|(_, _, r)| r));
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
