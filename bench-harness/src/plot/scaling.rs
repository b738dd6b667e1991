//! The scaling figure: throughput and load balance against the number of workers, one series per
//! topology, with the seed papers' published numbers as dashed reference lines.
//!
//! Three panels side by side share the workers axis: (a) packet rate in Mpps, (b) bit rate in
//! Gb/s, (c) the largest worker's share of packets, with the ideal even split 1/W dashed. Each
//! series shows the median over trials as a marker joined by a line, and an error bar from the
//! slowest to the fastest trial. A reference given in one unit is converted to the other at the
//! trace's mean packet size, and its legend entry says so.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{
    ENTRY_GAP, LegendEntry, SAMPLE_AND_GAP, Sample, flow_rows, row_width, worker_ticks,
};
use super::style::{self, Marker};
use super::text::{Label, TextMode};

/// One measured series: a topology (or any other variant) across worker counts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalingSeries {
    /// The legend label, e.g. the topology name `rtc`.
    pub label: String,
    /// One point per worker count, in any order.
    pub points: Vec<ScalingPoint>,
}

/// The trials of one series at one worker count. Each vector holds one value per trial; trials
/// need not be aligned across vectors, and non-finite values are ignored.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalingPoint {
    /// Query threads (`--workers`).
    pub workers: usize,
    /// Processed packets per second, in millions, per trial.
    pub mpps: Vec<f64>,
    /// Throughput in Gb/s (`orig_len` bits over the duration), per trial.
    pub gbps: Vec<f64>,
    /// The largest worker's share of the processed packets per trial, between 0 and 1.
    pub max_worker_share: Vec<f64>,
}

/// A published number drawn as a dashed line for comparison.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReferenceLine {
    /// The legend label, naming the source and the number, e.g.
    /// `"Jetstream (HotCloud'18): 2.9 Mpps per core"`. On the panel of the other unit the figure
    /// appends that the line is converted at this trace's mean packet size.
    pub label: String,
    /// What the line shows.
    pub kind: RefKind,
}

/// The shape and unit of a [`ReferenceLine`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum RefKind {
    /// A rate per worker in Mpps: the line `y = v * workers` (perfect linear scaling).
    PerCoreMpps(f64),
    /// A constant packet rate in Mpps.
    ConstantMpps(f64),
    /// A constant bit rate in Gb/s.
    ConstantGbps(f64),
}

/// Draws the scaling figure to `<out_stem>.png` and `<out_stem>.svg` (creating the folder if
/// needed) and returns both paths, PNG first.
///
/// `mean_wire_len` is the trace's mean `orig_len` in bytes; it converts references between Mpps
/// and Gb/s (`Gb/s = Mpps * mean_wire_len * 8 / 1000`) and must be positive when a reference
/// needs converting. `caption` is drawn as a line under the panels (machine, commit, method).
pub fn draw_scaling(
    series: &[ScalingSeries],
    refs: &[ReferenceLine],
    mean_wire_len: f64,
    caption: &str,
    out_stem: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    super::ensure_fonts()?;
    let figure = Figure::new(series, refs, mean_wire_len, caption)?;
    let (png, svg) = super::output_paths(out_stem);
    super::create_parent(&png)?;
    {
        let root = BitMapBackend::new(&png, style::FIGURE_SIZE).into_drawing_area();
        figure
            .draw(&root, TextMode::Raster)
            .and_then(|()| root.present())
            .with_context(|| format!("cannot draw {}", png.display()))?;
    }
    {
        let root = SVGBackend::new(&svg, style::FIGURE_SIZE).into_drawing_area();
        figure
            .draw(&root, TextMode::Vector)
            .and_then(|()| root.present())
            .with_context(|| format!("cannot draw {}", svg.display()))?;
    }
    Ok(vec![png, svg])
}

/// Median, minimum and maximum of one series' trials at one worker count.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Summary {
    workers: f64,
    median: f64,
    min: f64,
    max: f64,
}

/// Summarises the finite values of `trials`; `None` when there are none.
fn summarise(workers: usize, trials: &[f64]) -> Option<Summary> {
    let mut values: Vec<f64> = trials.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
    Some(Summary { workers: workers as f64, median, min: values[0], max: values[n - 1] })
}

/// The shape of a reference line in one panel's units.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RefShape {
    /// `y = slope * workers`.
    Linear(f64),
    /// `y = value`.
    Constant(f64),
    /// `y = 1 / workers`, drawn from one worker up.
    InverseWorkers,
}

impl RefShape {
    fn at(self, workers: f64) -> f64 {
        match self {
            RefShape::Linear(slope) => slope * workers,
            RefShape::Constant(value) => value,
            RefShape::InverseWorkers => 1.0 / workers.max(1.0),
        }
    }
}

/// A reference line as one panel draws it.
#[derive(Clone, Debug, PartialEq)]
struct PanelRef {
    label: String,
    shape: RefShape,
}

/// Everything one panel draws, in its own units.
#[derive(Clone, Debug)]
struct Panel {
    title: &'static str,
    y_desc: &'static str,
    /// Per series (same order as the figure's labels): its summaries sorted by workers.
    series: Vec<Vec<Summary>>,
    refs: Vec<PanelRef>,
    y_max: f64,
}

/// The figure, computed once and drawn on each backend.
#[derive(Clone, Debug)]
struct Figure {
    labels: Vec<String>,
    panels: [Panel; 3],
    /// Every worker count measured, ascending.
    workers: Vec<f64>,
    x_range: (f64, f64),
    x_ticks: Vec<f64>,
    trials_note: String,
    caption: String,
}

/// Largest horizontal offset, in pixels, between neighbouring series at the same worker count,
/// so their error bars do not hide each other.
const DODGE_PX: i32 = 9;

impl Figure {
    fn new(
        series: &[ScalingSeries],
        refs: &[ReferenceLine],
        mean_wire_len: f64,
        caption: &str,
    ) -> anyhow::Result<Self> {
        // Every reference is drawn on both throughput panels, so each one needs converting.
        let converts = !refs.is_empty();
        let wire_len_ok = mean_wire_len.is_finite() && mean_wire_len > 0.0;
        if converts && !wire_len_ok {
            bail!(
                "the mean packet size is {mean_wire_len} B; reference lines need a positive size \
                 to convert between Mpps and Gb/s"
            );
        }
        // Gb/s per Mpps at this trace's mean size.
        let gbps_per_mpps = mean_wire_len * 8.0 / 1000.0;
        let converted = format!(", at this trace's mean size ({mean_wire_len:.0} B)");

        let mut mpps_refs = Vec::new();
        let mut gbps_refs = Vec::new();
        for r in refs {
            let (native, other) = match r.kind {
                RefKind::PerCoreMpps(v) => (
                    (&mut mpps_refs, RefShape::Linear(v)),
                    (&mut gbps_refs, RefShape::Linear(v * gbps_per_mpps)),
                ),
                RefKind::ConstantMpps(v) => (
                    (&mut mpps_refs, RefShape::Constant(v)),
                    (&mut gbps_refs, RefShape::Constant(v * gbps_per_mpps)),
                ),
                RefKind::ConstantGbps(v) => (
                    (&mut gbps_refs, RefShape::Constant(v)),
                    (&mut mpps_refs, RefShape::Constant(v / gbps_per_mpps)),
                ),
            };
            native.0.push(PanelRef { label: r.label.clone(), shape: native.1 });
            other.0.push(PanelRef { label: format!("{}{converted}", r.label), shape: other.1 });
        }

        let summaries = |metric: fn(&ScalingPoint) -> &[f64]| -> Vec<Vec<Summary>> {
            series
                .iter()
                .map(|s| {
                    let mut points: Vec<Summary> =
                        s.points.iter().filter_map(|p| summarise(p.workers, metric(p))).collect();
                    points.sort_by(|a, b| a.workers.total_cmp(&b.workers));
                    points
                })
                .collect()
        };
        let mpps = summaries(|p| &p.mpps);
        let gbps = summaries(|p| &p.gbps);
        let share = summaries(|p| &p.max_worker_share);

        let mut workers: Vec<usize> =
            series.iter().flat_map(|s| s.points.iter().map(|p| p.workers)).collect();
        workers.sort_unstable();
        workers.dedup();
        let (lo, hi) = match (workers.first(), workers.last()) {
            (Some(&lo), Some(&hi)) => (lo as f64, hi as f64),
            _ => (1.0, 1.0),
        };
        let pad = ((hi - lo) * 0.06).max(0.5);
        let x_range = ((lo - pad).max(0.0), hi + pad);
        let x_ticks = worker_ticks(&workers);

        let panel = |title, y_desc, series: Vec<Vec<Summary>>, refs: Vec<PanelRef>| {
            let data_max = series.iter().flatten().map(|s| s.max).fold(0.0_f64, f64::max);
            let ref_max = refs
                .iter()
                .map(|r| match r.shape {
                    RefShape::InverseWorkers => r.shape.at(lo),
                    _ => r.shape.at(x_range.1),
                })
                .filter(|v| v.is_finite())
                .fold(0.0_f64, f64::max);
            let top = data_max.max(ref_max);
            let y_max = if top > 0.0 { top * 1.08 } else { 1.0 };
            Panel { title, y_desc, series, refs, y_max }
        };
        let ideal = PanelRef {
            label: "ideal even split: 1/W".to_string(),
            shape: RefShape::InverseWorkers,
        };
        let panels = [
            panel("(a) packet rate", "throughput (Mpps)", mpps, mpps_refs),
            panel("(b) bit rate", "throughput (Gb/s)", gbps, gbps_refs),
            panel("(c) load balance", "largest worker's share of packets", share, vec![ideal]),
        ];

        let mut trial_counts: Vec<usize> = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.mpps.len()))
            .filter(|&n| n > 0)
            .collect();
        trial_counts.sort_unstable();
        trial_counts.dedup();
        let trials = match trial_counts.as_slice() {
            [n] => format!("{n} trials"),
            [first, .., last] => format!("{first} to {last} trials"),
            [] => "trials".to_string(),
        };
        let trials_note = format!("marker and line: median of {trials}; bar: min to max");

        Ok(Self {
            labels: series.iter().map(|s| s.label.clone()).collect(),
            panels,
            workers: workers.iter().map(|&w| w as f64).collect(),
            x_range,
            x_ticks,
            trials_note,
            caption: caption.to_string(),
        })
    }

    /// Draws the whole figure on `root`, with text in `mode`.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let m = style::OUTER_MARGIN;
        let area = root.margin(m, m, m, m);
        let (width, height) = area.dim_in_pixel();

        // Top: the series legend, shared by all panels.
        let legend_entries = self.series_legend_entries();
        let legend_rows = flow_rows(&legend_entries, width);
        let legend_h = style::LEGEND_LINE_HEIGHT * legend_rows.len().max(1) as u32 + 8;
        let (legend_area, rest) = area.split_vertically(legend_h);

        // Bottom: the caption.
        let caption_lines = style::caption_lines(&self.caption, width).len() as u32;
        let caption_h = style::CAPTION_LINE_HEIGHT * caption_lines + CAPTION_GAP;
        let (rest, caption_area) = rest.split_vertically(height - legend_h - caption_h);

        // Middle: three columns, each a chart over its references' legend.
        let column_w = (width - 2 * style::PANEL_GAP) / 3;
        // Legend lines are wrapped to the plotting width (column minus the y label area).
        let ref_text_w = f64::from(column_w - Y_LABEL_AREA) - f64::from(SAMPLE_AND_GAP);
        let ref_lines: Vec<Vec<Vec<String>>> = self
            .panels
            .iter()
            .map(|p| {
                p.refs
                    .iter()
                    .map(|r| style::wrap_text(&r.label, style::LEGEND_SIZE, ref_text_w))
                    .collect()
            })
            .collect();
        let ref_legend_lines =
            ref_lines.iter().map(|p| p.iter().map(Vec::len).sum::<usize>()).max().unwrap_or(0)
                as u32;
        let ref_legend_h = style::LEGEND_LINE_HEIGHT * ref_legend_lines + 6;

        self.draw_series_legend(&legend_area, &legend_entries, &legend_rows, mode)?;
        for (i, (panel, lines)) in self.panels.iter().zip(&ref_lines).enumerate() {
            let left = i as u32 * (column_w + style::PANEL_GAP);
            let right = width - left - column_w;
            let column = rest.margin(0, 0, left, right);
            let (chart_area, ref_area) =
                column.split_vertically(column.dim_in_pixel().1 - ref_legend_h);
            self.draw_panel(panel, &chart_area, mode)?;
            draw_reference_legend(&ref_area, lines, mode)?;
        }
        style::draw_caption(&caption_area.margin(CAPTION_GAP, 0, 0, 0), &self.caption, mode)?;
        Ok(())
    }

    /// Draws one panel: title, axes and their labels, references (behind), then error bars,
    /// lines and markers.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (x_lo, x_hi) = self.x_range;
        let y_ticks = style::value_ticks(panel.y_max);
        let mut chart = ChartBuilder::on(area)
            .margin_top(TITLE_AREA)
            .margin_right(14)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(
                style::TickedAxis { lo: x_lo, hi: x_hi, ticks: self.x_ticks.clone() },
                style::TickedAxis { lo: 0.0, hi: panel.y_max, ticks: y_ticks.clone() },
            )?;
        super::figure::draw_mesh(&mut chart)?;

        // From here on, draw in pixels: `plot` relative to the plotting area, `area` to the panel.
        let plot = chart.plotting_area().strip_coord_spec();
        let base = plot.get_base_pixel();
        let (x_pixels, y_pixels) = plot.get_pixel_range();
        let to_px = |x: f64, y: f64| {
            let (px, py) = chart.backend_coord(&(x, y));
            (px - base.0, py - base.1)
        };
        let area_base = area.get_base_pixel();
        let in_area = |(x, y): (i32, i32)| (x + base.0 - area_base.0, y + base.1 - area_base.1);
        let plot_w = x_pixels.end - x_pixels.start;
        let plot_h = y_pixels.end - y_pixels.start;

        Label::new(
            panel.title,
            in_area((plot_w / 2, -TITLE_AREA_I32 / 2)),
            style::PANEL_TITLE_SIZE,
            mode,
        )
        .anchor(HPos::Center, VPos::Center)
        .draw_on(area)?;
        for &x in &self.x_ticks {
            let (px, _) = to_px(x, 0.0);
            Label::new(format!("{x:.0}"), in_area((px, plot_h + 10)), style::TICK_LABEL_SIZE, mode)
                .anchor(HPos::Center, VPos::Top)
                .draw_on(area)?;
        }
        for &y in &y_ticks {
            let (_, py) = to_px(0.0, y);
            Label::new(style::tick_label(y), in_area((-10, py)), style::TICK_LABEL_SIZE, mode)
                .anchor(HPos::Right, VPos::Center)
                .draw_on(area)?;
        }
        Label::new(
            "workers (query threads)",
            in_area((plot_w / 2, plot_h + X_LABEL_AREA as i32 - 4)),
            style::AXIS_TITLE_SIZE,
            mode,
        )
        .anchor(HPos::Center, VPos::Bottom)
        .draw_on(area)?;
        Label::new(panel.y_desc, (4, in_area((0, plot_h / 2)).1), style::AXIS_TITLE_SIZE, mode)
            .anchor(HPos::Center, VPos::Top)
            .upward()
            .draw_on(area)?;

        for (i, r) in panel.refs.iter().enumerate() {
            let (colour, dash) = style::reference_style(i);
            let points: Vec<(i32, i32)> = match r.shape {
                RefShape::Linear(_) | RefShape::Constant(_) => {
                    vec![to_px(x_lo, r.shape.at(x_lo)), to_px(x_hi, r.shape.at(x_hi))]
                }
                RefShape::InverseWorkers => {
                    let start = x_lo.max(1.0);
                    (0..=120)
                        .map(|k| {
                            let x = start + (x_hi - start) * f64::from(k) / 120.0;
                            to_px(x, r.shape.at(x))
                        })
                        .collect()
                }
            };
            plot.draw(&DashedPathElement::new(
                points,
                dash.0,
                dash.1,
                colour.stroke_width(style::REFERENCE_STROKE),
            ))?;
        }

        // Series at the same worker count sit side by side, centred on it, spreading over at most
        // a third of the gap between neighbouring worker counts.
        let n = panel.series.len() as i32;
        let min_gap = self
            .workers
            .windows(2)
            .map(|w| to_px(w[1], 0.0).0 - to_px(w[0], 0.0).0)
            .min()
            .unwrap_or(i32::MAX);
        let step = if n > 1 { (min_gap / 3 / (n - 1)).clamp(0, DODGE_PX) } else { 0 };
        for (i, points) in panel.series.iter().enumerate() {
            let colour = style::series_colour(i);
            let dodge = (2 * i as i32 - (n - 1)) * step / 2;
            let bar_style = colour.stroke_width(2);
            for s in points {
                let (x, top) = to_px(s.workers, s.max);
                let (_, bottom) = to_px(s.workers, s.min);
                style::draw_error_bar(&plot, x + dodge, top, bottom, bar_style)?;
            }
            let line: Vec<(i32, i32)> = points
                .iter()
                .map(|s| {
                    let (x, y) = to_px(s.workers, s.median);
                    (x + dodge, y)
                })
                .collect();
            plot.draw(&PathElement::new(line.clone(), colour.stroke_width(style::DATA_STROKE)))?;
            for centre in line {
                style::draw_marker(&plot, centre, style::series_marker(i), colour)?;
            }
        }
        Ok(())
    }

    /// The shared legend's entries: one per series, then the note on trials.
    fn series_legend_entries(&self) -> Vec<LegendEntry> {
        let entry = LegendEntry::new;
        let mut entries: Vec<LegendEntry> = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| entry(Sample::Series(i), label))
            .collect();
        entries.push(entry(Sample::ErrorBar, &self.trials_note));
        entries
    }

    fn draw_series_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        entries: &[LegendEntry],
        rows: &[Vec<usize>],
        mode: TextMode,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (width, _) = area.dim_in_pixel();
        let line_h = style::LEGEND_LINE_HEIGHT as i32;
        for (row_index, row) in rows.iter().enumerate() {
            let row_w = row_width(entries, row);
            let mut x = (width as i32 - row_w).max(0) / 2;
            let y = line_h / 2 + row_index as i32 * line_h;
            for &e in row {
                let entry = &entries[e];
                let centre = (x + style::LEGEND_SAMPLE_LEN / 2, y);
                match entry.sample {
                    Sample::Series(i) => {
                        let colour = style::series_colour(i);
                        area.draw(&PathElement::new(
                            vec![(x, y), (x + style::LEGEND_SAMPLE_LEN, y)],
                            colour.stroke_width(style::DATA_STROKE),
                        ))?;
                        style::draw_marker(area, centre, style::series_marker(i), colour)?;
                    }
                    Sample::ErrorBar => {
                        let colour = style::AXIS_COLOUR;
                        let half = line_h / 2 - 3;
                        style::draw_error_bar(
                            area,
                            centre.0,
                            y - half,
                            y + half,
                            colour.stroke_width(2),
                        )?;
                        style::draw_marker(area, centre, Marker::Circle, colour)?;
                    }
                }
                Label::new(&entry.text, (x + SAMPLE_AND_GAP, y), style::LEGEND_SIZE, mode)
                    .draw_on(area)?;
                x += entry.width + ENTRY_GAP;
            }
        }
        Ok(())
    }
}

/// Height of the band above each panel that holds its title, in pixels.
const TITLE_AREA: u32 = 44;
const TITLE_AREA_I32: i32 = TITLE_AREA as i32;
/// Height of the area under each panel for tick labels and the x axis title, in pixels.
const X_LABEL_AREA: u32 = 70;
/// Width of the area left of each panel for tick labels and the y axis title, in pixels.
const Y_LABEL_AREA: u32 = 90;
/// Space between the panels' legends and the caption, in pixels.
const CAPTION_GAP: u32 = 8;
/// Width of a legend sample plus the gap before its text, in pixels.
/// Draws a panel's reference lines' legend, one entry per reference (its text already wrapped),
/// aligned with the plotting area's left edge.
fn draw_reference_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Vec<String>],
    mode: TextMode,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let line_h = style::LEGEND_LINE_HEIGHT as i32;
    let x = Y_LABEL_AREA as i32;
    let mut y = 6 + line_h / 2;
    for (i, lines) in entries.iter().enumerate() {
        let (colour, dash) = style::reference_style(i);
        style::draw_dashed_segment(area, (x, y), (x + style::LEGEND_SAMPLE_LEN, y), colour, dash)?;
        for line in lines {
            Label::new(line, (x + SAMPLE_AND_GAP, y), style::LEGEND_SIZE, mode).draw_on(area)?;
            y += line_h;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "scaling_tests.rs"]
mod tests;
