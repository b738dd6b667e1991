//! Flattens results JSON into CSV rows: nested fields become `parent_child` columns.

use serde_json::Value;

/// Flattens a JSON object into `(column, text)` pairs in field order; nested objects join
/// their keys with `_`, arrays of objects get their index (`per_worker_0_packets`), `null` is
/// empty.
pub fn flatten(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk("", v, &mut out);
    out
}

/// Top-level fields of `trace-stats` results that their CSV rows leave out (the JSON keeps
/// them): `top_talkers` and `largest_flows` are lists of the trace's own addresses and flows, so
/// a column such as `top_talkers_0_addr` means a different host in every row and compares
/// nothing across traces; `generator` is the sidecar object of `pktstream gen`, whose keys are
/// the generator's to choose and would change the columns with its version. Every other field,
/// the fixed-bin `size_histogram` included (`size_histogram_0_count`), flattens as usual.
pub const TRACE_STATS_CSV_OMITS: [&str; 3] = ["top_talkers", "largest_flows", "generator"];

/// [`flatten`], leaving out the top-level fields named in `omit`.
pub fn flatten_without(v: &Value, omit: &[&str]) -> Vec<(String, String)> {
    match v {
        Value::Object(m) => {
            let mut out = Vec::new();
            m.iter()
                .filter(|(k, _)| !omit.contains(&k.as_str()))
                .for_each(|(k, v)| walk(k, v, &mut out));
            out
        }
        other => flatten(other),
    }
}

fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}_{k}") };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| walk(&join(k), v, out)),
        Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, v)| walk(&join(&i.to_string()), v, out))
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Quotes a CSV field where it needs it (RFC 4180).
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV document (header and one line per row) from flattened rows; columns are the union of
/// every row's columns in first-seen order.
pub fn to_csv(rows: &[Vec<(String, String)>]) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        for (k, _) in row {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let mut s = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",");
    s.push('\n');
    for row in rows {
        let line: Vec<String> = columns
            .iter()
            .map(|c| row.iter().find(|(k, _)| k == c).map_or(String::new(), |(_, v)| quote(v)))
            .collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_fields_flatten_with_underscores() {
        let v = json!({"mpps": 1.5, "latency_ns": {"p99": 10}, "per_worker": [{"packets": 3}],
                       "truncated_at_offset": null, "app": "a,b"});
        let rows = vec![flatten(&v)];
        let csv = to_csv(&rows);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("mpps,latency_ns_p99,per_worker_0_packets,truncated_at_offset,app")
        );
        assert_eq!(lines.next(), Some("1.5,10,3,,\"a,b\""));
    }

    #[test]
    fn trace_stats_rows_leave_out_the_per_trace_lists() {
        let v = json!({"packets": 2, "size_histogram": [{"bin": "<=60", "count": 2, "share": 1.0}],
                       "top_talkers": [{"addr": "10.0.0.1"}], "largest_flows": [],
                       "generator": {"generator_version": 1}, "windows": {"count": 1}});
        let columns: Vec<String> =
            flatten_without(&v, &TRACE_STATS_CSV_OMITS).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            columns,
            [
                "packets",
                "size_histogram_0_bin",
                "size_histogram_0_count",
                "size_histogram_0_share",
                "windows_count"
            ]
        );
    }
}
