//! The apps suite's figure, `apps_throughput`: a horizontal grouped bar chart with one row per
//! app (in the suite's order, top to bottom), one bar per worker count at the median Mpps with
//! its 95% bootstrap interval as a whisker, and a dashed line at the Sonata target (10 Mpps on
//! two workers).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::figure::{Draw, DrawResult, nice_max, render, to_plot_px};
use super::layout::{ENTRY_GAP, LegendEntry, SAMPLE_AND_GAP, flow_rows, row_width};
use super::style::{self, TickedAxis};
use super::text::{self, Label, TextMode};
use crate::stats::Summary;
use crate::suite::apps::{PointSummary, SONATA_TARGET_MPPS};

/// Width of the figure, in pixels; its height grows with the number of apps ([`figure_size`]).
pub const FIGURE_WIDTH: u32 = 1500;
/// Height of one app's row, in pixels.
pub const ROW_HEIGHT: u32 = 54;
/// Height of everything but the rows (legend, axis labels, caption), in pixels.
const FRAME_HEIGHT: u32 = 330;

/// The label of the reference line.
pub const TARGET_LABEL: &str = "Sonata target, 2 workers";

/// One app's bars.
#[derive(Clone, Debug, PartialEq)]
pub struct AppBars {
    /// App name.
    pub app: String,
    /// The topology it ran on.
    pub topology: String,
    /// One entry per worker count of [`AppsFigure::workers`]; `None` when not measured.
    pub bars: Vec<Option<Summary>>,
}

/// Everything the figure draws, built from a suite summary or by hand.
#[derive(Clone, Debug, PartialEq)]
pub struct AppsFigure {
    /// Worker counts, one bar (and colour) each.
    pub workers: Vec<usize>,
    /// Apps, top to bottom.
    pub apps: Vec<AppBars>,
    /// Where the dashed target line goes, in Mpps.
    pub target_mpps: f64,
    /// The caption under the figure: machine, commit, method.
    pub caption: String,
}

impl AppsFigure {
    /// The figure of a suite summary: apps in the summary's order, the worker counts it has.
    pub fn from_summary(points: &[PointSummary], caption: &str) -> Self {
        let mut workers: Vec<usize> = points.iter().map(|p| p.workers).collect();
        workers.sort_unstable();
        workers.dedup();
        let mut apps: Vec<AppBars> = Vec::new();
        for p in points {
            let slot = workers.iter().position(|&w| w == p.workers);
            let i = match apps.iter().position(|a| a.app == p.app) {
                Some(i) => i,
                None => {
                    apps.push(AppBars {
                        app: p.app.clone(),
                        topology: p.topology.clone(),
                        bars: vec![None; workers.len()],
                    });
                    apps.len() - 1
                }
            };
            if let Some(slot) = slot {
                apps[i].bars[slot] = Some(p.mpps);
            }
        }
        Self { workers, apps, target_mpps: SONATA_TARGET_MPPS, caption: caption.to_string() }
    }
}

/// Size of the figure of `apps` apps, in pixels.
pub fn figure_size(apps: usize) -> (u32, u32) {
    (FIGURE_WIDTH, FRAME_HEIGHT + ROW_HEIGHT * apps.max(3) as u32)
}

/// Draws `apps_throughput` to `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn draw_throughput(f: &AppsFigure, stem: &Path) -> anyhow::Result<Vec<PathBuf>> {
    render(stem, figure_size(f.apps.len()), &Figure { f })
}

struct Figure<'a> {
    f: &'a AppsFigure,
}

/// What a legend entry shows in front of its text.
#[derive(Clone, Copy, Debug)]
enum Swatch {
    Bar(usize),
    Whisker,
    Target,
}

const X_LABEL_AREA: u32 = 70;
const TITLE_GAP: i32 = 28;
/// Share of a row the bars of one app fill together.
const GROUP_FILL: f64 = 0.78;

impl Figure<'_> {
    fn legend(&self) -> Vec<(Swatch, String)> {
        let mut v: Vec<(Swatch, String)> = self
            .f
            .workers
            .iter()
            .enumerate()
            .map(|(i, w)| (Swatch::Bar(i), format!("{w} worker{}", if *w == 1 { "" } else { "s" })))
            .collect();
        v.push((Swatch::Whisker, "bar: median; whisker: 95% bootstrap interval".into()));
        v.push((Swatch::Target, format!("{TARGET_LABEL} ({} Mpps)", self.f.target_mpps)));
        v
    }

    /// The y tick label of an app: its name and topology.
    fn app_label(a: &AppBars) -> String {
        format!("{} ({})", a.app, a.topology)
    }
}

impl Draw for Figure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<(), DB> {
        let f = self.f;
        root.fill(&WHITE)?;
        let m = style::OUTER_MARGIN;
        let area = root.margin(m, m, m, m);
        let (width, height) = area.dim_in_pixel();
        let legend = self.legend();
        let legend_h = draw_legend(&area, &legend, mode)?;
        let caption_h =
            style::CAPTION_LINE_HEIGHT * style::caption_lines(&f.caption, width).len() as u32;
        let (_, rest) = area.split_vertically(legend_h);
        let (plot_area, caption_area) = rest.split_vertically(height - legend_h - caption_h - 8);
        style::draw_caption(&caption_area.margin(8, 0, 0, 0), &f.caption, mode)?;

        let n = f.apps.len();
        let labels: Vec<String> = f.apps.iter().map(Figure::app_label).collect();
        let label_w =
            labels.iter().map(|l| text::width(l, style::TICK_LABEL_SIZE)).fold(0.0, f64::max);
        let y_label_area = label_w.ceil() as u32 + 20 + style::AXIS_TITLE_SIZE as u32 + 16;
        let data_max = f.apps.iter().flat_map(|a| a.bars.iter().flatten()).map(|s| s.hi);
        let x_max = nice_max(data_max.fold(f.target_mpps * 1.1, f64::max));
        let x_ticks = style::value_ticks(x_max);
        let x = TickedAxis { lo: 0.0, hi: x_max, ticks: x_ticks.clone() };
        let rows = n.max(1) as f64;
        let y = TickedAxis { lo: -0.5, hi: rows - 0.5, ticks: vec![] };
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_top(TITLE_GAP as u32)
            .margin_right(24)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(x, y)?;
        super::figure::draw_mesh(&mut chart)?;
        let plot_base = chart.plotting_area().get_base_pixel();
        let area_base = plot_area.get_base_pixel();
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (plot_w, plot_h) = (xr.end - xr.start, yr.end - yr.start);
        let in_area =
            |(x, y): (i32, i32)| (x + plot_base.0 - area_base.0, y + plot_base.1 - area_base.1);
        let plot = chart.plotting_area().strip_coord_spec();
        // App i's row centre: the first app on top.
        let centre = |i: usize| rows - 1.0 - i as f64;
        let k = f.workers.len().max(1) as f64;
        let thickness = GROUP_FILL / k;
        for (i, a) in f.apps.iter().enumerate() {
            let (_, py) = to_plot_px(&chart, 0.0, centre(i));
            Label::new(&labels[i], in_area((-10, py)), style::TICK_LABEL_SIZE, mode)
                .anchor(HPos::Right, VPos::Center)
                .draw_on(&plot_area)?;
            for (j, bar) in a.bars.iter().enumerate() {
                let top = centre(i) + GROUP_FILL / 2.0 - j as f64 * thickness;
                let (bottom, mid) = (top - thickness, top - thickness / 2.0);
                let Some(s) = bar else {
                    let at = to_plot_px(&chart, 0.0, mid);
                    Label::new(
                        "not measured",
                        (at.0 + 6, at.1),
                        style::TICK_LABEL_SIZE * 0.8,
                        mode,
                    )
                    .colour(style::AXIS_COLOUR)
                    .draw_on(&plot)?;
                    continue;
                };
                let colour = style::series_colour(j);
                let from = to_plot_px(&chart, 0.0, top);
                let to = to_plot_px(&chart, s.median, bottom);
                plot.draw(&Rectangle::new([(from.0, from.1 + 1), to], colour.filled()))?;
                let (lo, py) = to_plot_px(&chart, s.lo, mid);
                let (hi, _) = to_plot_px(&chart, s.hi, mid);
                draw_whisker(&plot, py, lo, hi, style::AXIS_COLOUR.stroke_width(2))?;
            }
        }
        // The target line, labelled at its top.
        let (colour, dash) = style::reference_style(0);
        let (tx, top) = to_plot_px(&chart, f.target_mpps, rows - 0.5);
        let (_, bottom) = to_plot_px(&chart, f.target_mpps, -0.5);
        style::draw_dashed_segment(&plot, (tx, top), (tx, bottom), colour, dash)?;
        Label::new(TARGET_LABEL, in_area((tx, -TITLE_GAP / 2)), style::TICK_LABEL_SIZE, mode)
            .anchor(HPos::Center, VPos::Center)
            .draw_on(&plot_area)?;
        for &v in &x_ticks {
            let (px, _) = to_plot_px(&chart, v, -0.5);
            Label::new(
                style::tick_label(v),
                in_area((px, plot_h + 10)),
                style::TICK_LABEL_SIZE,
                mode,
            )
            .anchor(HPos::Center, VPos::Top)
            .draw_on(&plot_area)?;
        }
        let at = in_area((plot_w / 2, plot_h + X_LABEL_AREA as i32 - 4));
        Label::new(
            "throughput (Mpps: millions of packets processed per second)",
            at,
            style::AXIS_TITLE_SIZE,
            mode,
        )
        .anchor(HPos::Center, VPos::Bottom)
        .draw_on(&plot_area)?;
        Label::new("app (topology)", (4, in_area((0, plot_h / 2)).1), style::AXIS_TITLE_SIZE, mode)
            .anchor(HPos::Center, VPos::Top)
            .upward()
            .draw_on(&plot_area)?;
        Ok(())
    }
}

/// Draws a horizontal whisker with caps at pixel row `y` from column `lo` to `hi`.
fn draw_whisker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: i32,
    lo: i32,
    hi: i32,
    stroke: ShapeStyle,
) -> DrawResult<(), DB> {
    let cap = style::ERROR_CAP_HALF_WIDTH;
    area.draw(&PathElement::new(vec![(lo, y), (hi, y)], stroke))?;
    area.draw(&PathElement::new(vec![(lo, y - cap), (lo, y + cap)], stroke))?;
    area.draw(&PathElement::new(vec![(hi, y - cap), (hi, y + cap)], stroke))
}

/// Draws the legend centred across the top of `area`; returns its height.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &[(Swatch, String)],
    mode: TextMode,
) -> DrawResult<u32, DB> {
    let (width, _) = area.dim_in_pixel();
    let entries: Vec<LegendEntry> = legend.iter().map(|(_, t)| LegendEntry::new(t)).collect();
    let rows = flow_rows(&entries, width);
    let line_h = style::LEGEND_LINE_HEIGHT as i32;
    for (r, row) in rows.iter().enumerate() {
        let mut x = (width as i32 - row_width(&entries, row)).max(0) / 2;
        let y = line_h / 2 + r as i32 * line_h;
        for &e in row {
            let end = x + style::LEGEND_SAMPLE_LEN;
            match legend[e].0 {
                Swatch::Bar(i) => {
                    let c = style::series_colour(i);
                    area.draw(&Rectangle::new([(x, y - 9), (end, y + 9)], c.filled()))?;
                }
                Swatch::Whisker => {
                    let stroke = style::AXIS_COLOUR.stroke_width(2);
                    draw_whisker(area, y, x + 4, end - 4, stroke)?;
                }
                Swatch::Target => {
                    let (c, dash) = style::reference_style(0);
                    let mid = x + style::LEGEND_SAMPLE_LEN / 2;
                    style::draw_dashed_segment(area, (mid, y - 12), (mid, y + 12), c, dash)?;
                }
            }
            Label::new(&entries[e].text, (x + SAMPLE_AND_GAP, y), style::LEGEND_SIZE, mode)
                .draw_on(area)?;
            x += entries[e].width + ENTRY_GAP;
        }
    }
    Ok(style::LEGEND_LINE_HEIGHT * rows.len().max(1) as u32 + 8)
}

#[cfg(test)]
#[path = "apps_tests.rs"]
mod tests;
