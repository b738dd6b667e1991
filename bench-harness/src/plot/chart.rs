//! What the single- and multi-panel figures share: the design palette (the house colours,
//! then black), legend swatches, a panel's axes with tick labels and titles, and the frame
//! (legend on top, caption below) every figure is drawn in.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::figure::{Chart, DrawResult, to_plot_px};
use super::layout::{ENTRY_GAP, LegendEntry, SAMPLE_AND_GAP, flow_rows, row_width};
use super::style::{self, TickedAxis};
use super::text::{Label, TextMode};

/// Okabe-Ito's black, for the seventh design: the house palette has six colours, and the queues
/// figures show seven designs, so the seventh would repeat the first's colour and marker.
pub(super) const SEVENTH_COLOUR: RGBColor = RGBColor(0, 0, 0);

/// Colour of the `i`th design: the house series colours, then black.
pub(super) fn design_colour(i: usize) -> RGBColor {
    if i == style::SERIES_COLOURS.len() { SEVENTH_COLOUR } else { style::series_colour(i) }
}

/// Marker of the `i`th design: the house markers, shifted from the seventh design on so that no
/// two of the first twelve designs share both colour and marker.
pub(super) fn design_marker(i: usize) -> style::Marker {
    style::series_marker(i + 2 * (i / style::SERIES_COLOURS.len()))
}

/// What a legend entry shows in front of its text.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    /// The design's line and marker.
    Series(usize),
    /// A marker with an error bar (how medians and intervals are drawn).
    ErrorBar,
    /// A cross (published points).
    Cross,
    /// The `k`th reference line style.
    Dashed(usize),
}

/// One panel's axes: the chart with grid, tick labels, axis titles and the panel title.
pub(super) struct Axes<'a> {
    pub(super) title: &'a str,
    pub(super) x: TickedAxis,
    pub(super) x_labels: &'a [(f64, String)],
    /// Alternate tick labels between two rows, so that long names side by side do not overlap.
    pub(super) stagger_labels: bool,
    pub(super) x_desc: &'a str,
    pub(super) y_max: f64,
    pub(super) y_desc: &'a str,
    /// The y axis' ticks and their labels, from its start: none for round values from 0 to
    /// `y_max` (a log axis passes exponents and labels them with powers).
    pub(super) y_ticks: Option<(f64, Vec<(f64, String)>)>,
}

/// Height of the panel title band, and the areas for tick labels and axis titles, in pixels.
const TITLE_AREA: u32 = 44;
const X_LABEL_AREA: u32 = 70;
/// How far below the first row the second row of staggered tick labels sits, in pixels.
const STAGGER_ROW_PX: i32 = 22;
const Y_LABEL_AREA: u32 = 90;

impl Axes<'_> {
    /// The band under the plot for tick labels and the axis title, one row taller when the
    /// labels are staggered.
    fn x_label_area(&self) -> u32 {
        X_LABEL_AREA + if self.stagger_labels { STAGGER_ROW_PX.unsigned_abs() } else { 0 }
    }

    pub(super) fn draw<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<Chart<'a, DB>, DB> {
        let (y_lo, y_ticks) = match &self.y_ticks {
            Some((lo, t)) => (*lo, t.clone()),
            None => (
                0.0,
                style::value_ticks(self.y_max)
                    .into_iter()
                    .map(|v| (v, style::tick_label(v)))
                    .collect(),
            ),
        };
        let y = TickedAxis {
            lo: y_lo,
            hi: self.y_max,
            ticks: y_ticks.iter().map(|(v, _)| *v).collect(),
        };
        let mut chart = ChartBuilder::on(area)
            .margin_top(TITLE_AREA)
            .margin_right(14)
            .x_label_area_size(self.x_label_area())
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(self.x.clone(), y)?;
        super::figure::draw_mesh(&mut chart)?;
        let plot_base = chart.plotting_area().get_base_pixel();
        let area_base = area.get_base_pixel();
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (plot_w, plot_h) = (xr.end - xr.start, yr.end - yr.start);
        let in_area =
            |(x, y): (i32, i32)| (x + plot_base.0 - area_base.0, y + plot_base.1 - area_base.1);
        if !self.title.is_empty() {
            let at = in_area((plot_w / 2, -(TITLE_AREA as i32) / 2));
            Label::new(self.title, at, style::PANEL_TITLE_SIZE, mode)
                .anchor(HPos::Center, VPos::Center)
                .draw_on(area)?;
        }
        for (i, (x, label)) in self.x_labels.iter().enumerate() {
            let (px, _) = to_plot_px(&chart, *x, 0.0);
            let row = if self.stagger_labels && i % 2 == 1 { 1 } else { 0 };
            let top = plot_h + 10 + row * STAGGER_ROW_PX;
            Label::new(label, in_area((px, top)), style::TICK_LABEL_SIZE, mode)
                .anchor(HPos::Center, VPos::Top)
                .draw_on(area)?;
        }
        for (v, label) in &y_ticks {
            let (_, py) = to_plot_px(&chart, self.x.lo, *v);
            Label::new(label, in_area((-10, py)), style::TICK_LABEL_SIZE, mode)
                .anchor(HPos::Right, VPos::Center)
                .draw_on(area)?;
        }
        let at = in_area((plot_w / 2, plot_h + self.x_label_area() as i32 - 4));
        Label::new(self.x_desc, at, style::AXIS_TITLE_SIZE, mode)
            .anchor(HPos::Center, VPos::Bottom)
            .draw_on(area)?;
        Label::new(self.y_desc, (4, in_area((0, plot_h / 2)).1), style::AXIS_TITLE_SIZE, mode)
            .anchor(HPos::Center, VPos::Top)
            .upward()
            .draw_on(area)?;
        Ok(chart)
    }
}

/// Draws a cross (x) of `colour` centred on `centre`.
pub(super) fn draw_cross<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    colour: RGBColor,
) -> DrawResult<(), DB> {
    let r = style::MARKER_SIZE + 1;
    let stroke = colour.stroke_width(3);
    area.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], stroke))?;
    area.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], stroke))
}

/// Clears `root`, draws the legend at the top and the caption at the bottom; returns the area
/// between them for the panels, and the legend's height.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend: &[(Swatch, String)],
    caption: &str,
    mode: TextMode,
) -> DrawResult<(DrawingArea<DB, Shift>, u32), DB> {
    root.fill(&WHITE)?;
    let m = style::OUTER_MARGIN;
    let area = root.margin(m, m, m, m);
    let (width, height) = area.dim_in_pixel();
    let entries: Vec<LegendEntry> = legend.iter().map(|(_, t)| LegendEntry::new(t)).collect();
    let rows = flow_rows(&entries, width);
    let legend_h = style::LEGEND_LINE_HEIGHT * rows.len().max(1) as u32 + 8;
    let caption_h = style::CAPTION_LINE_HEIGHT * style::caption_lines(caption, width).len() as u32;
    let (legend_area, rest) = area.split_vertically(legend_h);
    let (panels, caption_area) = rest.split_vertically(height - legend_h - caption_h - 8);
    let line_h = style::LEGEND_LINE_HEIGHT as i32;
    for (r, row) in rows.iter().enumerate() {
        let mut x = (width as i32 - row_width(&entries, row)).max(0) / 2;
        let y = line_h / 2 + r as i32 * line_h;
        for &e in row {
            let centre = (x + style::LEGEND_SAMPLE_LEN / 2, y);
            match legend[e].0 {
                Swatch::Series(i) => {
                    let c = design_colour(i);
                    let ends = vec![(x, y), (x + style::LEGEND_SAMPLE_LEN, y)];
                    legend_area
                        .draw(&PathElement::new(ends, c.stroke_width(style::DATA_STROKE)))?;
                    style::draw_marker(&legend_area, centre, design_marker(i), c)?;
                }
                Swatch::ErrorBar => {
                    let c = style::AXIS_COLOUR;
                    let half = line_h / 2 - 3;
                    style::draw_error_bar(
                        &legend_area,
                        centre.0,
                        y - half,
                        y + half,
                        c.stroke_width(2),
                    )?;
                    style::draw_marker(&legend_area, centre, style::Marker::Circle, c)?;
                }
                Swatch::Cross => draw_cross(&legend_area, centre, style::AXIS_COLOUR)?,
                Swatch::Dashed(k) => {
                    let (c, dash) = style::reference_style(k);
                    let to = (x + style::LEGEND_SAMPLE_LEN, y);
                    style::draw_dashed_segment(&legend_area, (x, y), to, c, dash)?;
                }
            }
            Label::new(&entries[e].text, (x + SAMPLE_AND_GAP, y), style::LEGEND_SIZE, mode)
                .draw_on(&legend_area)?;
            x += entries[e].width + ENTRY_GAP;
        }
    }
    style::draw_caption(&caption_area.margin(8, 0, 0, 0), caption, mode)?;
    Ok((panels, legend_h))
}
