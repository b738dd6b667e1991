//! `pktstream compare A B`: B against A, configuration by configuration, with bootstrap
//! intervals (the logic is [`crate::results::compare`]; this file holds the flags and the
//! tables).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::results::compare::{Change, Comparison, Direction, Table, Trials, compare};
use crate::results::write_json;

/// Flags of `pktstream compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline: a suite results folder (holding trials.csv) or a trials CSV file.
    pub a: PathBuf,
    /// What to hold against A: a suite results folder or a trials CSV file.
    pub b: PathBuf,
    /// Compare only this numeric column (default: every known metric either side has, each
    /// its own table).
    #[arg(long)]
    pub metric: Option<String>,
    /// Write the comparison as one JSON object to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub(super) fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let a = Trials::read(&args.a)?;
    let b = Trials::read(&args.b)?;
    let comparison = compare(&a, &b, args.metric.as_deref())?;
    for note in &comparison.notes {
        eprintln!("pktstream: note: {note}");
    }
    for (name, t) in [("A", &a), ("B", &b)] {
        println!(
            "{name}: {} ({} trials; {} warm-up or failed left out)",
            t.source.display(),
            t.len(),
            t.left_out
        );
    }
    print!("{}", render(&comparison));
    if let Some(out) = &args.json {
        write_json(out, &comparison)?;
    }
    Ok(())
}

/// The tables of `c`, then the configurations only one side has.
fn render(c: &Comparison) -> String {
    let mut s = String::new();
    for table in &c.tables {
        s.push('\n');
        s.push_str(&render_table(c, table));
    }
    for (side, configs) in [("A", &c.only_in_a), ("B", &c.only_in_b)] {
        if !configs.is_empty() {
            let _ = writeln!(s, "\nonly in {side} ({}):", configs.len());
            for config in configs {
                let _ = writeln!(s, "  {}", config.label());
            }
        }
    }
    s
}

/// One metric's table: the key columns, the sample sizes and medians, B/A with its interval,
/// and the verdict; then how many rows got each verdict.
fn render_table(c: &Comparison, t: &Table) -> String {
    let direction = match t.direction {
        Direction::HigherIsBetter => " (higher is better)",
        Direction::LowerIsBetter => " (lower is better)",
        Direction::Unknown => "",
    };
    let mut s = format!(
        "{}{direction}: B/A of the medians, {:.0}% bootstrap interval\n",
        t.metric,
        c.confidence * 100.0
    );
    if t.rows.is_empty() {
        s.push_str("  no values in the configurations both have\n");
        return s;
    }
    let mut header: Vec<String> = c.key_columns.clone();
    let keys = header.len();
    let interval = format!("{:.0}% interval", c.confidence * 100.0);
    header.extend(
        ["n_A", "n_B", "median A", "median B", "B/A", &interval, "verdict"].map(String::from),
    );
    let opt = |v: Option<f64>, f: fn(f64) -> String| v.map_or_else(|| "-".to_string(), f);
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            let mut cells: Vec<String> = r
                .config
                .0
                .iter()
                .map(|(_, v)| if v.is_empty() { "-".to_string() } else { v.clone() })
                .collect();
            let interval = r.ratio.map_or("-".into(), |r| format!("[{:.3}, {:.3}]", r.lo, r.hi));
            cells.extend([
                r.n_a.to_string(),
                r.n_b.to_string(),
                opt(r.median_a, value),
                opt(r.median_b, value),
                opt(r.ratio.map(|r| r.median), |x| format!("{x:.3}")),
                interval,
                r.verdict.label().to_string(),
            ]);
            cells
        })
        .collect();
    // Keys and the verdict read left to right; numbers line up on the right.
    let left = |i: usize| i < keys || i == header.len() - 1;
    s.push_str(&grid(&header, &rows, left));
    let mut counts: Vec<(Change, usize)> = Vec::new();
    for r in &t.rows {
        match counts.iter_mut().find(|(v, _)| *v == r.verdict) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.verdict, 1)),
        }
    }
    let counts: Vec<String> = counts.iter().map(|(v, n)| format!("{n} {}", v.label())).collect();
    let _ = writeln!(s, "{}: {} configurations: {}", t.metric, t.rows.len(), counts.join(", "));
    s
}

/// A value with about four significant digits.
fn value(v: f64) -> String {
    match v.abs() {
        a if a >= 1000.0 => format!("{v:.0}"),
        a if a >= 100.0 => format!("{v:.1}"),
        a if a >= 10.0 => format!("{v:.2}"),
        _ => format!("{v:.3}"),
    }
}

/// Lays out `header` and `rows` in columns two spaces apart; column `i` is left-aligned where
/// `left(i)`, else right-aligned.
fn grid(header: &[String], rows: &[Vec<String>], left: impl Fn(usize) -> bool) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(
                |(i, (cell, &w))| {
                    if left(i) { format!("{cell:<w$}") } else { format!("{cell:>w$}") }
                },
            )
            .collect();
        s.push_str(cells.join("  ").trim_end());
        s.push('\n');
    }
    s
}
