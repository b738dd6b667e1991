//! What every figure module shares: a figure that draws itself on either backend, written to a
//! PNG and an SVG of the same layout ([`render`]), and pixel helpers of charts on
//! [`TickedAxis`] axes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, TickedAxis};
use super::text::TextMode;

pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>;
pub(super) type DrawResult<T, DB> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Pixel of `(x, y)` relative to the chart's plotting area.
pub(super) fn to_plot_px<DB: DrawingBackend>(chart: &Chart<'_, DB>, x: f64, y: f64) -> (i32, i32) {
    let base = chart.plotting_area().get_base_pixel();
    let (px, py) = chart.backend_coord(&(x, y));
    (px - base.0, py - base.1)
}

/// Draws a chart's grid and axes: plotters draws lines and tick marks, the text is ours (see
/// `text`), so its own labels are transparent (skipped by every backend).
pub(super) fn draw_mesh<DB: DrawingBackend>(chart: &mut Chart<'_, DB>) -> DrawResult<(), DB> {
    chart
        .configure_mesh()
        .label_style((style::FONT_FAMILY, style::TICK_LABEL_SIZE).into_font().color(&TRANSPARENT))
        .bold_line_style(style::GRID_COLOUR.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(style::AXIS_COLOUR.stroke_width(1))
        .draw()
}

/// A round axis top a little above `max`.
pub(super) fn nice_max(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 { max * 1.08 } else { 1.0 }
}

/// A figure that draws itself on any backend.
pub(super) trait Draw {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mode: TextMode,
    ) -> DrawResult<(), DB>;
}

/// Draws the same figure to `<stem>.png` and `<stem>.svg` at `size`; returns both paths.
pub(super) fn render(
    stem: &Path,
    size: (u32, u32),
    fig: &impl Draw,
) -> anyhow::Result<Vec<PathBuf>> {
    super::ensure_fonts()?;
    let (png, svg) = super::output_paths(stem);
    super::create_parent(&png)?;
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        fig.draw(&root, TextMode::Raster)
            .and_then(|()| root.present())
            .with_context(|| format!("cannot draw {}", png.display()))?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        fig.draw(&root, TextMode::Vector)
            .and_then(|()| root.present())
            .with_context(|| format!("cannot draw {}", svg.display()))?;
    }
    Ok(vec![png, svg])
}
