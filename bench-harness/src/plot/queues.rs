//! The queues suite's figures: (a) `queues_throughput`, M items/s against batch size (log2 axis)
//! per design, one panel per item mode, with Maffione et al.'s batch-32 figures as crosses;
//! (b) `queues_rtt`, the ping-pong round trip per design with the atomic ping-pong floor and the
//! 1.5x bound dashed; (c) `queues_pipeline`, the flow counter on `pipeline` per design.
//!
//! Every value is a median with its 95% bootstrap interval as an error bar. Designs keep one
//! colour and marker across the three figures.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{Axes, Swatch, design_colour, design_marker, draw_cross, frame};
use super::figure::{Draw, DrawResult, nice_max, render, to_plot_px};
use super::style::{self, TickedAxis};
use super::text::TextMode;
use crate::stats::Summary;
use crate::suite::queues::{ItemMode, MAFFIONE_BATCH32, QueuesSummary, point_mode};

/// Size of the single-panel figures (round trip, pipeline), in pixels.
pub const SMALL_FIGURE_SIZE: (u32, u32) = (1200, 760);
/// The round-trip bound of the queue issue, as a multiple of the atomic ping-pong.
pub const RTT_BOUND: f64 = 1.5;

/// One design's medians across batch sizes in one item mode.
#[derive(Clone, Debug, PartialEq)]
pub struct ThroughputPanel {
    /// The panel's title, e.g. `(a) 8 B items`.
    pub title: String,
    /// Per design (in [`QueuesFigures::designs`] order): `(batch, summary)` sorted by batch.
    pub series: Vec<Vec<(usize, Summary)>>,
    /// Whether the published batch-32 figures are drawn on this panel.
    pub with_references: bool,
}

/// A published figure drawn as a cross beside a measured series.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperPoint {
    /// Index of the matching design in [`QueuesFigures::designs`].
    pub design: usize,
    /// Batch size it was published at.
    pub batch: usize,
    /// M items/s.
    pub value: f64,
}

/// Everything the three figures draw, built from a suite summary or by hand.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuesFigures {
    /// Design names, in series order.
    pub designs: Vec<String>,
    /// One panel per item mode.
    pub throughput: Vec<ThroughputPanel>,
    /// Round trip per design (index into `designs`).
    pub rtt: Vec<(usize, Summary)>,
    /// The atomic ping-pong floor: the median over designs of the floor measured beside each.
    pub floor_ns: Option<f64>,
    /// Flow-counter Mpps on `pipeline` per design.
    pub pipeline: Vec<(usize, Summary)>,
    /// Published reference figures (Maffione et al., their hardware).
    pub references: Vec<PaperPoint>,
    /// The caption under each figure: machine, commit, method.
    pub caption: String,
}

impl QueuesFigures {
    /// The figures of a suite summary; `designs` fixes the series order.
    pub fn from_summary(
        summary: &QueuesSummary,
        designs: &[engine::queue::QueueKind],
        caption: &str,
    ) -> Self {
        let names: Vec<String> = designs.iter().map(|d| d.name().to_string()).collect();
        let index = |q: &str| names.iter().position(|n| n == q);
        let mut throughput = Vec::new();
        for mode in ItemMode::ALL {
            let mut series = vec![Vec::new(); names.len()];
            for p in summary.points.iter().filter(|p| p.measure == "throughput") {
                if let (Some(i), Some(b), Some(m)) = (index(&p.queue), p.batch, point_mode(p))
                    && m == mode
                {
                    series[i].push((b, p.value));
                }
            }
            if series.iter().all(Vec::is_empty) {
                continue;
            }
            series.iter_mut().for_each(|s| s.sort_by_key(|(b, _)| *b));
            let letter = (b'a' + throughput.len() as u8) as char;
            let title = format!("({letter}) {} items", mode.label());
            throughput.push(ThroughputPanel {
                title,
                series,
                with_references: mode == ItemMode::Bytes8,
            });
        }
        let per = |measure: &str| -> Vec<(usize, Summary)> {
            summary
                .points
                .iter()
                .filter(|p| p.measure == measure)
                .filter_map(|p| Some((index(&p.queue)?, p.value)))
                .collect()
        };
        let floors: Vec<f64> =
            summary.points.iter().filter_map(|p| p.atomic_floor_ns.map(|s| s.median)).collect();
        let references = MAFFIONE_BATCH32
            .iter()
            .filter_map(|(_, kind, v)| {
                Some(PaperPoint { design: index(kind.name())?, batch: 32, value: *v })
            })
            .collect();
        Self {
            designs: names.clone(),
            throughput,
            rtt: per("pingpong"),
            floor_ns: crate::stats::median(&floors),
            pipeline: per("pipeline"),
            references,
            caption: caption.to_string(),
        }
    }
}

/// Draws `queues_throughput` to `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn draw_throughput(f: &QueuesFigures, stem: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut legend: Vec<(Swatch, String)> =
        f.designs.iter().enumerate().map(|(i, d)| (Swatch::Series(i), d.clone())).collect();
    legend.push((Swatch::ErrorBar, "marker: median; bar: 95% bootstrap interval".into()));
    if f.throughput.iter().any(|p| p.with_references) && !f.references.is_empty() {
        let text = "Maffione et al. (2019), batch 32, their hardware: LQ, LLQ, BLQ, FFQ, IFFQ, \
                    BIFFQ in the colour of the matching design";
        legend.push((Swatch::Cross, text.into()));
    }
    render(stem, style::FIGURE_SIZE, &ThroughputFigure { f, legend })
}

/// The throughput figure, drawn on either backend.
struct ThroughputFigure<'a> {
    f: &'a QueuesFigures,
    legend: Vec<(Swatch, String)>,
}

impl Draw for ThroughputFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<(), DB> {
        let f = self.f;
        let (panels, _) = frame(root, &self.legend, &f.caption, mode)?;
        let n = f.throughput.len().max(1) as u32;
        let (width, _) = panels.dim_in_pixel();
        let column_w = (width - (n - 1) * style::PANEL_GAP) / n;
        let batches = [1usize, 8, 32, 64, 256];
        let x = TickedAxis {
            lo: -0.6,
            hi: 8.6,
            ticks: batches.iter().map(|b| (*b as f64).log2()).collect(),
        };
        let x_labels: Vec<(f64, String)> =
            batches.iter().map(|b| ((*b as f64).log2(), b.to_string())).collect();
        for (k, panel) in f.throughput.iter().enumerate() {
            let left = k as u32 * (column_w + style::PANEL_GAP);
            let area = panels.margin(0, 0, left, width - left - column_w);
            let refs: &[PaperPoint] = if panel.with_references { &f.references } else { &[] };
            let data_max = panel.series.iter().flatten().map(|(_, s)| s.hi).fold(0.0, f64::max);
            let ref_max = refs.iter().map(|r| r.value).fold(0.0, f64::max);
            let y_max = nice_max(data_max.max(ref_max));
            let axes = Axes {
                title: &panel.title,
                x: x.clone(),
                x_labels: &x_labels,
                stagger_labels: false,
                x_desc: "batch size (items per publish, log2 scale)",
                y_max,
                y_desc: "throughput (M items/s)",
                y_ticks: None,
            };
            let chart = axes.draw(&area, mode)?;
            let to_px = |x: f64, y: f64| to_plot_px(&chart, x, y);
            let plot = chart.plotting_area().strip_coord_spec();
            let count = panel.series.len() as i32;
            for (i, points) in panel.series.iter().enumerate() {
                let dodge = (2 * i as i32 - (count - 1)) * 3;
                let colour = design_colour(i);
                let line: Vec<(i32, i32)> = points
                    .iter()
                    .map(|(b, s)| {
                        let bx = (*b as f64).log2();
                        let (px, top) = to_px(bx, s.hi);
                        let (_, bottom) = to_px(bx, s.lo);
                        let _ = style::draw_error_bar(
                            &plot,
                            px + dodge,
                            top,
                            bottom,
                            colour.stroke_width(2),
                        );
                        let (px, py) = to_px(bx, s.median);
                        (px + dodge, py)
                    })
                    .collect();
                plot.draw(&PathElement::new(
                    line.clone(),
                    colour.stroke_width(style::DATA_STROKE),
                ))?;
                for c in line {
                    style::draw_marker(&plot, c, design_marker(i), colour)?;
                }
            }
            for r in refs {
                let (px, py) = to_px((r.batch as f64).log2(), r.value);
                draw_cross(&plot, (px - 28, py), design_colour(r.design))?;
            }
        }
        Ok(())
    }
}

/// Draws `queues_rtt`: round trip per design with the floor and the 1.5x bound dashed.
pub fn draw_rtt(f: &QueuesFigures, stem: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut legend = vec![(Swatch::ErrorBar, "marker: median; bar: 95% bootstrap interval".into())];
    let mut lines = Vec::new();
    if let Some(floor) = f.floor_ns {
        legend.push((
            Swatch::Dashed(0),
            format!("atomic ping-pong, same cores, same processes (median): {floor:.0} ns"),
        ));
        legend.push((Swatch::Dashed(1), format!("{RTT_BOUND}x the atomic ping-pong (target)")));
        lines = vec![floor, floor * RTT_BOUND];
    }
    let y_desc = "round trip (ns), batch 1, 8 B items";
    let fig = CategoricalFigure { f, values: &f.rtt, lines: &lines, legend, y_desc };
    render(stem, SMALL_FIGURE_SIZE, &fig)
}

/// Draws `queues_pipeline`: flow-counter Mpps on `pipeline` (one worker) per design.
pub fn draw_pipeline(f: &QueuesFigures, stem: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let legend = vec![(Swatch::ErrorBar, "marker: median; bar: 95% bootstrap interval".into())];
    let y_desc = "flow counter on pipeline, 1 worker (Mpps)";
    let fig = CategoricalFigure { f, values: &f.pipeline, lines: &[], legend, y_desc };
    render(stem, SMALL_FIGURE_SIZE, &fig)
}

/// A one-panel figure with one value per design and horizontal dashed lines at `lines`.
struct CategoricalFigure<'a> {
    f: &'a QueuesFigures,
    values: &'a [(usize, Summary)],
    lines: &'a [f64],
    legend: Vec<(Swatch, String)>,
    y_desc: &'a str,
}

impl Draw for CategoricalFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<(), DB> {
        let (f, values, lines, y_desc) = (self.f, self.values, self.lines, self.y_desc);
        let (area, _) = frame(root, &self.legend, &f.caption, mode)?;
        let n = f.designs.len().max(1);
        let x_labels: Vec<(f64, String)> =
            f.designs.iter().enumerate().map(|(i, d)| (i as f64, d.clone())).collect();
        let top = values.iter().map(|(_, s)| s.hi).chain(lines.iter().copied());
        let axes = Axes {
            title: "",
            x: TickedAxis {
                lo: -0.6,
                hi: n as f64 - 0.4,
                ticks: (0..n).map(|i| i as f64).collect(),
            },
            x_labels: &x_labels,
            stagger_labels: true,
            x_desc: "queue design",
            y_max: nice_max(top.fold(0.0, f64::max)),
            y_desc,
            y_ticks: None,
        };
        let chart = axes.draw(&area, mode)?;
        let plot = chart.plotting_area().strip_coord_spec();
        for (k, y) in lines.iter().enumerate() {
            let (colour, dash) = style::reference_style(k);
            let from = to_plot_px(&chart, -0.6, *y);
            let to = to_plot_px(&chart, n as f64 - 0.4, *y);
            style::draw_dashed_segment(&plot, from, to, colour, dash)?;
        }
        for (i, s) in values {
            let colour = design_colour(*i);
            let (px, top) = to_plot_px(&chart, *i as f64, s.hi);
            let (_, bottom) = to_plot_px(&chart, *i as f64, s.lo);
            style::draw_error_bar(&plot, px, top, bottom, colour.stroke_width(2))?;
            let centre = to_plot_px(&chart, *i as f64, s.median);
            style::draw_marker(&plot, centre, design_marker(*i), colour)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "queues_tests.rs"]
mod tests;
