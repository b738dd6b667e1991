//! The figure of one sweep-suite experiment (`<suite>_<experiment>.png` and `.svg`): one panel
//! per metric side by side, the x axis the experiment's (workers, a rate on a log scale, the
//! flow skew) or, without one, the series themselves as categories (an ablation's steps, each
//! labelled with its gain over the step before). Every value is a median with its 95% bootstrap
//! interval as an error bar; the papers' numbers are dashed lines.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::chart::{Axes, Swatch, design_colour, design_marker, frame};
use super::figure::{Draw, DrawResult, nice_max, render, to_plot_px};
use super::queues::SMALL_FIGURE_SIZE;
use super::style::{self, TickedAxis};
use super::text::{Label, TextMode};
use crate::stats::Summary;
use crate::suite::spec::{Experiment, Metric};
use crate::suite::sweep::PointSummary;

/// Draws `e`'s figure from its points' summaries to `<stem>.png` and `<stem>.svg`.
pub fn draw_experiment(
    e: &Experiment,
    points: &[&PointSummary],
    caption: &str,
    stem: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let x = XAxis::of(e, points);
    let mut legend: Vec<(Swatch, String)> = Vec::new();
    if e.x.is_some() {
        legend
            .extend(e.series.iter().enumerate().map(|(i, s)| (Swatch::Series(i), s.label.clone())));
    }
    legend.push((Swatch::ErrorBar, "marker: median; bar: 95% bootstrap interval".into()));
    legend.extend(
        e.plot.reference.iter().enumerate().map(|(k, r)| (Swatch::Dashed(k), r.label.clone())),
    );
    let size = if e.plot.metrics.len() > 1 { style::FIGURE_SIZE } else { SMALL_FIGURE_SIZE };
    let fig = SweepFigure { e, points, x, legend, caption };
    render(stem, size, &fig)
}

/// Where points go along x, and the tick labels.
#[derive(Clone, Debug)]
struct XAxis {
    axis: TickedAxis,
    labels: Vec<(f64, String)>,
    desc: String,
    /// Values are plotted as log2 (rates spanning a wide range).
    log2: bool,
    /// Categories (the series) rather than numbers.
    categorical: bool,
}

impl XAxis {
    fn of(e: &Experiment, points: &[&PointSummary]) -> Self {
        let Some(a) = &e.x else {
            let n = e.series.len();
            return XAxis {
                axis: TickedAxis {
                    lo: -0.6,
                    hi: n as f64 - 0.4,
                    ticks: (0..n).map(|i| i as f64).collect(),
                },
                labels: e
                    .series
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i as f64, s.label.clone()))
                    .collect(),
                desc: "step (each adds to the ones before)".into(),
                log2: false,
                categorical: true,
            };
        };
        let mut xs: Vec<f64> = points.iter().filter_map(|p| p.x).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let (min, max) = (xs.first().copied().unwrap_or(0.0), xs.last().copied().unwrap_or(1.0));
        let log2 = min > 0.0 && max / min >= 8.0;
        let pos = |v: f64| if log2 { v.log2() } else { v };
        let (lo, hi) = (pos(min), pos(max));
        let pad = if hi > lo { (hi - lo) * 0.08 } else { 0.5 };
        XAxis {
            axis: TickedAxis {
                lo: lo - pad,
                hi: hi + pad,
                ticks: xs.iter().map(|&v| pos(v)).collect(),
            },
            labels: xs.iter().map(|&v| (pos(v), compact(v))).collect(),
            desc: if log2 { format!("{} (log scale)", a.label) } else { a.label.clone() },
            log2,
            categorical: false,
        }
    }

    /// The position of point `p` of series `series`.
    fn pos(&self, series: usize, x: Option<f64>) -> f64 {
        match (self.categorical, x) {
            (true, _) | (false, None) => series as f64,
            (false, Some(v)) if self.log2 => v.log2(),
            (false, Some(v)) => v,
        }
    }
}

/// A tick label: `500k`, `2M`, `1.2`.
fn compact(v: f64) -> String {
    if v >= 1e6 && (v / 1e6).fract() == 0.0 {
        format!("{}M", v / 1e6)
    } else if v >= 1e3 && (v / 1e3).fract() == 0.0 {
        format!("{}k", v / 1e3)
    } else {
        style::tick_label(v)
    }
}

struct SweepFigure<'a> {
    e: &'a Experiment,
    points: &'a [&'a PointSummary],
    x: XAxis,
    legend: Vec<(Swatch, String)>,
    caption: &'a str,
}

impl SweepFigure<'_> {
    /// Series `i`'s (position, summary in axis units) for `m`, in x order.
    fn series_points(&self, i: usize, m: Metric) -> Vec<(f64, Summary)> {
        let label = &self.e.series[i].label;
        let (_, scale) = m.axis();
        let mut v: Vec<(f64, Summary)> = self
            .points
            .iter()
            .filter(|p| &p.series == label)
            .filter_map(|p| {
                p.metrics.get(m.name()).map(|s| {
                    let s = Summary {
                        median: s.median * scale,
                        lo: s.lo * scale,
                        hi: s.hi * scale,
                        n: s.n,
                    };
                    (self.x.pos(i, p.x), s)
                })
            })
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    }
}

/// The y value as plotted: log10 on a log axis.
fn y_of(v: f64, log: bool) -> f64 {
    if log { v.max(1e-9).log10() } else { v }
}

impl Draw for SweepFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<(), DB> {
        let (panels, _) = frame(root, &self.legend, self.caption, mode)?;
        let metrics = &self.e.plot.metrics;
        let n = metrics.len().max(1) as u32;
        let (width, _) = panels.dim_in_pixel();
        let column_w = (width - (n - 1) * style::PANEL_GAP) / n;
        let log = self.e.plot.log_y;
        for (k, &m) in metrics.iter().enumerate() {
            let left = k as u32 * (column_w + style::PANEL_GAP);
            let area = panels.margin(0, 0, left, width - left - column_w);
            let (desc, scale) = m.axis();
            let series: Vec<Vec<(f64, Summary)>> =
                (0..self.e.series.len()).map(|i| self.series_points(i, m)).collect();
            let refs: Vec<_> =
                self.e.plot.reference.iter().enumerate().filter(|(_, r)| r.metric == m).collect();
            let xs_max = self.points.iter().filter_map(|p| p.x).fold(0.0, f64::max);
            let ref_top = refs
                .iter()
                .map(|(_, r)| r.value.unwrap_or(0.0).max(r.per_x.unwrap_or(0.0) * xs_max) * scale);
            let finite = series.iter().flatten().map(|(_, s)| s.hi).filter(|v| v.is_finite());
            let top = finite.clone().chain(ref_top).fold(0.0, f64::max);
            let (y_max, y_ticks) = if log {
                let bottom = series
                    .iter()
                    .flatten()
                    .map(|(_, s)| s.lo)
                    .filter(|v| *v > 0.0)
                    .fold(f64::INFINITY, f64::min);
                let lo_exp = if bottom.is_finite() { bottom.log10().floor() } else { 0.0 };
                let hi_exp =
                    if top > 0.0 { top.log10().ceil().max(lo_exp + 1.0) } else { lo_exp + 1.0 };
                let ticks = (lo_exp as i32..=hi_exp as i32)
                    .map(|e| (f64::from(e), style::tick_label(10f64.powi(e))))
                    .collect();
                (hi_exp, Some((lo_exp, ticks)))
            } else {
                (nice_max(top), None)
            };
            let title = if n > 1 {
                format!("({}) {}", (b'a' + k as u8) as char, desc)
            } else {
                self.e.title.clone()
            };
            let y_desc = if log { format!("{desc}, log scale") } else { desc.to_string() };
            let axes = Axes {
                title: &title,
                x: self.x.axis.clone(),
                x_labels: &self.x.labels,
                stagger_labels: self.x.categorical && self.x.labels.len() > 4,
                x_desc: &self.x.desc,
                y_max,
                y_desc: &y_desc,
                y_ticks,
            };
            let chart = axes.draw(&area, mode)?;
            let to_px = |x: f64, y: f64| to_plot_px(&chart, x, y_of(y, log));
            let plot = chart.plotting_area().strip_coord_spec();
            for (ri, r) in &refs {
                let (colour, dash) = style::reference_style(*ri);
                let (x0, x1) = (self.x.axis.lo, self.x.axis.hi);
                let (from, to) = match (r.value, r.per_x) {
                    (Some(v), _) => (to_px(x0, v * scale), to_px(x1, v * scale)),
                    (None, Some(per)) => {
                        // y = per * x in data units, drawn between the first and last x.
                        let xs: Vec<f64> = self.points.iter().filter_map(|p| p.x).collect();
                        let (a, b) = (
                            xs.iter().copied().fold(f64::INFINITY, f64::min),
                            xs.iter().copied().fold(0.0, f64::max),
                        );
                        if !a.is_finite() {
                            continue;
                        }
                        let px = |v: f64| if self.x.log2 { v.log2() } else { v };
                        (to_px(px(a), per * a * scale), to_px(px(b), per * b * scale))
                    }
                    (None, None) => continue,
                };
                style::draw_dashed_segment(&plot, from, to, colour, dash)?;
            }
            let count = series.len() as i32;
            for (i, pts) in series.iter().enumerate() {
                let dodge = if self.x.categorical { 0 } else { (2 * i as i32 - (count - 1)) * 3 };
                let colour = if self.x.categorical { design_colour(0) } else { design_colour(i) };
                let marker = if self.x.categorical { design_marker(0) } else { design_marker(i) };
                let mut line = Vec::new();
                for (x, s) in pts {
                    if !s.median.is_finite() {
                        continue;
                    }
                    let (px, top) = to_px(*x, s.hi);
                    let (_, bottom) = to_px(*x, s.lo);
                    style::draw_error_bar(&plot, px + dodge, top, bottom, colour.stroke_width(2))?;
                    let (px, py) = to_px(*x, s.median);
                    line.push((px + dodge, py));
                }
                if !self.x.categorical && line.len() > 1 {
                    plot.draw(&PathElement::new(
                        line.clone(),
                        colour.stroke_width(style::DATA_STROKE),
                    ))?;
                }
                for c in &line {
                    style::draw_marker(&plot, *c, marker, colour)?;
                }
            }
            if self.x.categorical && self.e.plot.gains {
                let medians: Vec<(f64, f64, f64)> = series
                    .iter()
                    .filter_map(|p| p.first().map(|(x, s)| (*x, s.median, s.hi)))
                    .collect();
                for w in medians.windows(2) {
                    let ((_, before, _), (x, after, hi)) = (w[0], w[1]);
                    if before > 0.0 && after.is_finite() {
                        let (px, py) = to_px(x, hi);
                        Label::new(
                            format!("x{:.2}", after / before),
                            (px, py - 12),
                            style::TICK_LABEL_SIZE,
                            mode,
                        )
                        .anchor(HPos::Center, VPos::Bottom)
                        .draw_on(&plot)?;
                    }
                }
            }
        }
        Ok(())
    }
}
