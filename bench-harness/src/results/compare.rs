//! Compares two suites' trials (`pktstream compare A B`): for every configuration both have, the
//! ratio B/A of a metric's medians with a 95% bootstrap interval, and whether the difference is
//! within noise (the interval contains 1.0).
//!
//! It knows no suite: any `trials.csv` works. Rows whose `warmup` is `true`, and rows whose
//! `status` (where the column exists) is not `ok`, and a search's probes (`kind` starting with
//! `probe`: sweep suites keep them as raw rows) are left out. Metric columns come from a
//! fixed list ([`KNOWN_METRICS`]); bookkeeping columns ([`BOOKKEEPING_COLUMNS`],
//! [`BOOKKEEPING_PREFIXES`]) are never keys; every other column is a key column, and a
//! configuration is the tuple of its key columns' values.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Serialize, Serializer};

use crate::stats::{self, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, Summary};

/// Version of the `--json` comparison document.
pub const SCHEMA_VERSION: u32 = 1;

/// The metric columns compared by default, in the order their tables print.
#[rustfmt::skip]
pub const KNOWN_METRICS: [&str; 14] = [
    "mpps", "mitems_per_s", "pipeline_mpps", "gbps", "rtt_ns", "atomic_pingpong_rtt_ns",
    "latency_ns_p50", "latency_ns_p99", "latency_ns_p999", "imbalance", "cpu_ns_per_packet",
    "zero_loss_gbps", "zero_loss_mpps", "drop_share",
];

/// Metrics where lower is better (besides every `latency_ns_*` and `result_delay_ns_*` column).
const LOWER_IS_BETTER: [&str; 5] =
    ["rtt_ns", "atomic_pingpong_rtt_ns", "imbalance", "cpu_ns_per_packet", "drop_share"];

/// Column-name prefixes of lower-is-better metrics.
const LOWER_IS_BETTER_PREFIXES: [&str; 2] = ["latency_ns_", "result_delay_ns_"];

/// Columns that describe how a trial ran, not what it measured: never key columns. `status` is
/// one too: rows that are not `ok` are left out, so it holds the same value in every row kept.
#[rustfmt::skip]
pub const BOOKKEEPING_COLUMNS: [&str; 16] = [
    "warmup", "round", "order", "loops", "packets", "processed", "duration_s", "seconds", "items",
    "trial", "process", "repeat", "status", "dropped", "offered_mpps", "max_rss_bytes",
];

/// Prefixes of columns that are never key columns (per-host details and flattened
/// distributions).
pub const BOOKKEEPING_PREFIXES: [&str; 3] = ["host_", "latency_ns_", "result_delay_ns_"];

/// True when `column` identifies a configuration: it is not bookkeeping, not a known metric and
/// not the metric chosen with `--metric`.
pub fn is_key_column(column: &str, metric: Option<&str>) -> bool {
    !BOOKKEEPING_COLUMNS.contains(&column)
        && !KNOWN_METRICS.contains(&column)
        && Some(column) != metric
        && !BOOKKEEPING_PREFIXES.iter().any(|p| column.starts_with(p))
}

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Throughputs: a ratio above 1 means B is faster.
    HigherIsBetter,
    /// Round trips, latencies, imbalance, CPU time per packet: a ratio above 1 means B is worse.
    LowerIsBetter,
    /// A column named with `--metric` that is not a known metric: only higher or lower.
    Unknown,
}

impl Direction {
    /// The direction of the metric `column`.
    pub fn of(column: &str) -> Self {
        if LOWER_IS_BETTER.contains(&column)
            || LOWER_IS_BETTER_PREFIXES.iter().any(|p| column.starts_with(p))
        {
            Direction::LowerIsBetter
        } else if KNOWN_METRICS.contains(&column) {
            Direction::HigherIsBetter
        } else {
            Direction::Unknown
        }
    }
}

/// What the interval of B/A says about B against A (serialised as its [`Change::label`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Higher-is-better metric, interval above 1.
    Faster,
    /// Higher-is-better metric, interval below 1.
    Slower,
    /// Lower-is-better metric, interval below 1.
    Better,
    /// Lower-is-better metric, interval above 1.
    Worse,
    /// Metric of unknown direction, interval above 1.
    Higher,
    /// Metric of unknown direction, interval below 1.
    Lower,
    /// The interval contains 1.0: the measurements cannot tell A and B apart.
    WithinNoise,
    /// No ratio: one side has no value, or A's median is zero.
    NoRatio,
}

impl Change {
    /// Judges the interval of B/A (`None`: no ratio) for a metric of direction `direction`.
    pub fn judge(ratio: Option<&Summary>, direction: Direction) -> Self {
        let Some(r) = ratio else { return Change::NoRatio };
        if r.contains(1.0) {
            return Change::WithinNoise;
        }
        let (up, down) = match direction {
            Direction::HigherIsBetter => (Change::Faster, Change::Slower),
            Direction::LowerIsBetter => (Change::Worse, Change::Better),
            Direction::Unknown => (Change::Higher, Change::Lower),
        };
        if r.lo > 1.0 { up } else { down }
    }

    /// How tables print it: `faster`, `within noise`, ...
    pub fn label(self) -> &'static str {
        match self {
            Change::Faster => "faster",
            Change::Slower => "slower",
            Change::Better => "better",
            Change::Worse => "worse",
            Change::Higher => "higher",
            Change::Lower => "lower",
            Change::WithinNoise => "within noise",
            Change::NoRatio => "n/a",
        }
    }
}

/// One measured row of a trials file.
#[derive(Clone, Debug)]
struct Record {
    /// Line number in the file, from 1.
    line: usize,
    fields: Vec<String>,
}

/// The measured rows of one trials CSV file (warm-ups and failed trials left out).
#[derive(Clone, Debug)]
pub struct Trials {
    /// The CSV file read.
    pub source: PathBuf,
    /// Column names, in file order.
    pub header: Vec<String>,
    /// Rows left out: warm-ups, search probes and trials whose `status` is not `ok`.
    pub left_out: usize,
    rows: Vec<Record>,
}

impl Trials {
    /// Reads `path`: a trials CSV file, or a suite results folder holding `trials.csv`.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let file = if path.is_dir() { path.join("trials.csv") } else { path.to_path_buf() };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        Self::parse(&file, &text)
    }

    /// Parses the CSV `text` read from `source` (named in errors).
    pub fn parse(source: &Path, text: &str) -> anyhow::Result<Self> {
        let name = source.display();
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let Some((head_line, head)) = lines.by_ref().find(|(_, l)| !l.trim().is_empty()) else {
            bail!("{name}: empty file, no header line");
        };
        let header = split_fields(head).with_context(|| format!("{name} line {head_line}"))?;
        check_header(&header).with_context(|| format!("{name} line {head_line}"))?;
        let warmup = header.iter().position(|c| c == "warmup");
        let status = header.iter().position(|c| c == "status");
        let kind = header.iter().position(|c| c == "kind");
        let (mut rows, mut left_out) = (Vec::new(), 0);
        for (line, text) in lines.filter(|(_, l)| !l.trim().is_empty()) {
            let fields = split_fields(text).with_context(|| format!("{name} line {line}"))?;
            let (n, columns) = (fields.len(), header.len());
            if n != columns {
                bail!("{name} line {line}: {n} fields where the header has {columns} columns");
            }
            let is_warmup = warmup.is_some_and(|i| fields[i].trim() == "true");
            let failed = status.is_some_and(|i| fields[i].trim() != "ok");
            let probe = kind.is_some_and(|i| fields[i].trim().starts_with("probe"));
            if is_warmup || failed || probe {
                left_out += 1;
            } else {
                rows.push(Record { line, fields });
            }
        }
        Ok(Self { source: source.to_path_buf(), header, left_out, rows })
    }

    /// Measured rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row is left to compare.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|c| c == name)
    }

    /// Every row's value of the numeric column `name` (`None` where empty or where the file has
    /// no such column); an error names the file, line and column of a value that is no number.
    fn numbers(&self, name: &str) -> anyhow::Result<Vec<Option<f64>>> {
        let Some(i) = self.column(name) else { return Ok(vec![None; self.rows.len()]) };
        let source = self.source.display();
        let number = |r: &Record| match r.fields[i].trim() {
            "" => Ok(None),
            text => text.parse::<f64>().map(Some).map_err(|_| {
                anyhow::anyhow!(
                    "{source} line {}, column `{name}`: `{text}` is not a number",
                    r.line
                )
            }),
        };
        self.rows.iter().map(number).collect()
    }

    /// The rows grouped by their values of `keys` ("" for a column this file lacks), groups in
    /// the order of their first row.
    fn groups(&self, keys: &[String]) -> Vec<(Vec<String>, Vec<usize>)> {
        let cols: Vec<Option<usize>> = keys.iter().map(|k| self.column(k)).collect();
        let mut out: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
        let mut index: HashMap<Vec<String>, usize> = HashMap::new();
        for (r, rec) in self.rows.iter().enumerate() {
            let key: Vec<String> = cols
                .iter()
                .map(|c| c.map_or(String::new(), |i| rec.fields[i].trim().to_string()))
                .collect();
            let g = *index.entry(key.clone()).or_insert_with(|| {
                out.push((key, Vec::new()));
                out.len() - 1
            });
            out[g].1.push(r);
        }
        out
    }
}

/// Splits one CSV line into fields, undoing RFC 4180 quoting (as `results::csv::quote` writes).
fn split_fields(line: &str) -> anyhow::Result<Vec<String>> {
    let (mut out, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut was_quoted) = (false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() && !was_quoted => (quoted, was_quoted) = (true, true),
            ',' if !quoted => {
                out.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        bail!("a quoted field is not closed");
    }
    out.push(field);
    Ok(out)
}

/// A header names every column once, and is no row of values.
fn check_header(header: &[String]) -> anyhow::Result<()> {
    let value = |s: &str| s.parse::<f64>().is_ok() || s == "true" || s == "false";
    if let Some((i, v)) = header.iter().enumerate().find(|(_, c)| value(c.trim())) {
        bail!("no header line: column {} holds the value `{v}`, not a column name", i + 1);
    }
    if let Some(i) = header.iter().position(|c| c.trim().is_empty()) {
        bail!("no header line: column {} has no name", i + 1);
    }
    if let Some((i, c)) = header.iter().enumerate().find(|(i, c)| header[..*i].contains(c)) {
        bail!("column {} repeats the name `{c}`", i + 1);
    }
    Ok(())
}

/// A configuration: each key column with its value (empty where a trial had none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config(pub Vec<(String, String)>);

impl Config {
    fn new(keys: &[String], values: &[String]) -> Self {
        Self(keys.iter().cloned().zip(values.iter().cloned()).collect())
    }

    /// `key=value` pairs joined by spaces, leaving out empty values.
    pub fn label(&self) -> String {
        let pairs: Vec<String> =
            self.0.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
        pairs.join(" ")
    }
}

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl Serialize for Config {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One configuration's comparison of one metric.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The configuration.
    pub config: Config,
    /// A's values of the metric (finite ones).
    pub n_a: usize,
    /// B's values of the metric (finite ones).
    pub n_b: usize,
    /// Median of A's values.
    pub median_a: Option<f64>,
    /// Median of B's values.
    pub median_b: Option<f64>,
    /// `median_b / median_a` as `median`, with its bootstrap interval `lo`..`hi` (`None` where
    /// a side has no value or A's median is zero).
    pub ratio: Option<Summary>,
    /// What the interval says.
    pub verdict: Change,
}

/// One metric's comparison over the configurations both sides have.
#[derive(Clone, Debug, Serialize)]
pub struct Table {
    /// The metric column.
    pub metric: String,
    /// Which way it improves.
    pub direction: Direction,
    /// One per configuration with a value on either side, in A's order.
    pub rows: Vec<Row>,
}

/// The comparison of two trials files (the `--json` document).
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// A's trials file.
    pub a: String,
    /// B's trials file.
    pub b: String,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Bootstrap resamples per interval.
    pub resamples: usize,
    /// The columns whose values make a configuration.
    pub key_columns: Vec<String>,
    /// One per metric with values.
    pub tables: Vec<Table>,
    /// Configurations only A has.
    pub only_in_a: Vec<Config>,
    /// Configurations only B has.
    pub only_in_b: Vec<Config>,
    /// What the reader should know (key columns only one side has, metrics without values).
    pub notes: Vec<String>,
}

/// Compares B against A: one table per metric (`metric`, or every known metric either file
/// has), rows in A's order, then the configurations only one side has.
pub fn compare(a: &Trials, b: &Trials, metric: Option<&str>) -> anyhow::Result<Comparison> {
    let (an, bn) = (a.source.display(), b.source.display());
    let metrics: Vec<&str> = match metric {
        Some(m) if a.column(m).is_none() && b.column(m).is_none() => {
            bail!("no column `{m}` in {an} or {bn}; {an} has: {}", a.header.join(", "))
        }
        Some(m) => vec![m],
        None => KNOWN_METRICS
            .into_iter()
            .filter(|m| a.column(m).is_some() || b.column(m).is_some())
            .collect(),
    };
    let known = KNOWN_METRICS.join(", ");
    if metrics.is_empty() {
        bail!("no metric column ({known}) in {an} or {bn}; name a numeric one with --metric");
    }
    let mut key_columns: Vec<String> = Vec::new();
    for c in a.header.iter().chain(&b.header) {
        if is_key_column(c, metric) && !key_columns.contains(c) {
            key_columns.push(c.clone());
        }
    }
    let mut notes = Vec::new();
    for k in &key_columns {
        for (has, lacks, name) in [(a, b, "B"), (b, a, "A")] {
            if has.column(k).is_some() && lacks.column(k).is_none() {
                notes.push(format!("key column `{k}` is missing from {name}: empty there"));
            }
        }
    }
    let (groups_a, groups_b) = (a.groups(&key_columns), b.groups(&key_columns));
    let index_b: HashMap<&[String], &[usize]> =
        groups_b.iter().map(|(k, rows)| (k.as_slice(), rows.as_slice())).collect();
    let in_a: HashSet<&[String]> = groups_a.iter().map(|(k, _)| k.as_slice()).collect();

    let mut tables = Vec::new();
    for m in metrics {
        let (va, vb) = (a.numbers(m)?, b.numbers(m)?);
        let pick = |values: &[Option<f64>], rows: &[usize]| -> Vec<f64> {
            rows.iter().filter_map(|&r| values[r]).filter(|v| v.is_finite()).collect()
        };
        let direction = Direction::of(m);
        let mut rows = Vec::new();
        for (key, rows_a) in &groups_a {
            let Some(rows_b) = index_b.get(key.as_slice()) else { continue };
            let (sa, sb) = (pick(&va, rows_a), pick(&vb, rows_b));
            if sa.is_empty() && sb.is_empty() {
                continue;
            }
            let ratio = stats::ratio_ci(&sb, &sa, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES);
            rows.push(Row {
                config: Config::new(&key_columns, key),
                n_a: sa.len(),
                n_b: sb.len(),
                median_a: stats::median(&sa),
                median_b: stats::median(&sb),
                ratio,
                verdict: Change::judge(ratio.as_ref(), direction),
            });
        }
        if rows.is_empty() {
            notes.push(format!("no values of `{m}` in the configurations both have"));
            if metric.is_none() {
                continue;
            }
        }
        tables.push(Table { metric: m.to_string(), direction, rows });
    }
    let only = |groups: &[(Vec<String>, Vec<usize>)], other: &dyn Fn(&[String]) -> bool| {
        let keys = groups.iter().map(|(k, _)| k).filter(|k| !other(k));
        keys.map(|k| Config::new(&key_columns, k)).collect::<Vec<_>>()
    };
    Ok(Comparison {
        schema_version: SCHEMA_VERSION,
        a: an.to_string(),
        b: bn.to_string(),
        confidence: DEFAULT_CONFIDENCE,
        resamples: DEFAULT_RESAMPLES,
        only_in_a: only(&groups_a, &|k| index_b.contains_key(k)),
        only_in_b: only(&groups_b, &|k| in_a.contains(k)),
        key_columns,
        tables,
        notes,
    })
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
