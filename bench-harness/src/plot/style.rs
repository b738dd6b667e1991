//! The one house style every pktstream figure uses: the colour-blind-safe Okabe-Ito palette,
//! marker shapes, font sizes, figure size and margins, and helpers to draw text (captions,
//! legend entries) so each figure module only decides what to plot.
//!
//! Sizes are in pixels of the PNG output; the SVG output uses the same numbers as user units, so
//! both files have the same layout.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::text::{self, Label, TextMode};

/// The font family every text element uses. [`super::ensure_fonts`] registers the embedded
/// DejaVu Sans under this name, so no system font is ever looked up.
pub const FONT_FAMILY: &str = "sans-serif";

/// Width and height, in pixels, of a figure with three panels side by side.
pub const FIGURE_SIZE: (u32, u32) = (1800, 780);

/// Blank space around the whole figure, in pixels.
pub const OUTER_MARGIN: u32 = 16;
/// Space between neighbouring panels, in pixels.
pub const PANEL_GAP: u32 = 28;

/// Panel titles such as "(a) packet rate".
pub const PANEL_TITLE_SIZE: f64 = 26.0;
/// Axis titles ("throughput (Mpps)").
pub const AXIS_TITLE_SIZE: f64 = 23.0;
/// Tick labels.
pub const TICK_LABEL_SIZE: f64 = 20.0;
/// Legend entries.
pub const LEGEND_SIZE: f64 = 21.0;
/// The caption line (machine, commit, method).
pub const CAPTION_SIZE: f64 = 19.0;

/// Height, in pixels, of one line of legend text.
pub const LEGEND_LINE_HEIGHT: u32 = 30;
/// Height, in pixels, of one line of caption text.
pub const CAPTION_LINE_HEIGHT: u32 = 26;

/// Stroke width of data lines, in pixels.
pub const DATA_STROKE: u32 = 3;
/// Stroke width of reference lines, in pixels.
pub const REFERENCE_STROKE: u32 = 2;
/// Radius (or half-width) of a data marker, in pixels.
pub const MARKER_SIZE: i32 = 7;
/// Half-width of the cap at each end of an error bar, in pixels.
pub const ERROR_CAP_HALF_WIDTH: i32 = 6;
/// Length of the line sample drawn in front of a legend entry, in pixels.
pub const LEGEND_SAMPLE_LEN: i32 = 44;

/// Light grey for the grid, so data stays in front.
pub const GRID_COLOUR: RGBColor = RGBColor(225, 225, 225);
/// Dark grey for axes, ticks and secondary text.
pub const AXIS_COLOUR: RGBColor = RGBColor(60, 60, 60);

/// The Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008), ordered so the first
/// colours differ most under every common colour-vision deficiency and in greyscale print. Yellow
/// is left out: it is unreadable as a thin line on white.
pub const SERIES_COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
];

/// Colours of reference lines: black and greys, so a reference never reads as a measured series.
pub const REFERENCE_COLOURS: [RGBColor; 3] =
    [RGBColor(0, 0, 0), RGBColor(90, 90, 90), RGBColor(140, 140, 140)];

/// Dash patterns (dash length, gap length) of reference lines, in pixels; each reference on a
/// panel gets its own, so they stay apart in greyscale.
pub const REFERENCE_DASHES: [(u32, u32); 3] = [(14, 7), (5, 5), (24, 6)];

/// The marker shapes, used in turn with [`SERIES_COLOURS`] so a series is identifiable without
/// colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A filled circle.
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle pointing up.
    Triangle,
    /// A filled diamond.
    Diamond,
    /// A hollow circle.
    RingCircle,
    /// A hollow square.
    RingSquare,
}

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::RingCircle,
    Marker::RingSquare,
];

/// Colour of the `index`th data series (wraps around after six).
pub fn series_colour(index: usize) -> RGBColor {
    SERIES_COLOURS[index % SERIES_COLOURS.len()]
}

/// Marker of the `index`th data series (wraps around after six, like the colours, so a figure
/// with more than six series repeats a style).
pub fn series_marker(index: usize) -> Marker {
    MARKERS[index % MARKERS.len()]
}

/// Colour and dash pattern of the `index`th reference line on a panel.
pub fn reference_style(index: usize) -> (RGBColor, (u32, u32)) {
    (
        REFERENCE_COLOURS[index % REFERENCE_COLOURS.len()],
        REFERENCE_DASHES[index % REFERENCE_DASHES.len()],
    )
}

/// Draws `marker` centred on `centre` (backend pixels) in `colour`.
pub fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    centre: (i32, i32),
    marker: Marker,
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x, y) = centre;
    let r = MARKER_SIZE;
    let filled = colour.filled();
    let ring = colour.stroke_width(3);
    match marker {
        Marker::Circle => area.draw(&Circle::new(centre, r, filled)),
        Marker::RingCircle => {
            area.draw(&Circle::new(centre, r, WHITE.filled()))?;
            area.draw(&Circle::new(centre, r, ring))
        }
        Marker::Square => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], filled)),
        Marker::RingSquare => {
            let corners = [(x - r, y - r), (x + r, y + r)];
            area.draw(&Rectangle::new(corners, WHITE.filled()))?;
            area.draw(&Rectangle::new(corners, ring))
        }
        Marker::Triangle => {
            let h = r + 2;
            area.draw(&Polygon::new(vec![(x, y - h), (x - h, y + r), (x + h, y + r)], filled))
        }
        Marker::Diamond => {
            let h = r + 2;
            area.draw(&Polygon::new(vec![(x, y - h), (x + h, y), (x, y + h), (x - h, y)], filled))
        }
    }
}

/// Draws a dashed straight line from `from` to `to` (backend pixels).
pub fn draw_dashed_segment<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    from: (i32, i32),
    to: (i32, i32),
    colour: RGBColor,
    dash: (u32, u32),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&DashedPathElement::new(
        vec![from, to],
        dash.0,
        dash.1,
        colour.stroke_width(REFERENCE_STROKE),
    ))
}

/// Splits `text` at spaces into lines no wider than `max_width` pixels at font size `size`. A
/// single word wider than the limit gets a line of its own rather than being cut.
pub fn wrap_text(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate =
            if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if current.is_empty() || text::width(&candidate, size) <= max_width {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The lines `caption` is drawn in across `width` pixels (at least one).
pub fn caption_lines(caption: &str, width: u32) -> Vec<String> {
    let lines = wrap_text(caption, CAPTION_SIZE, f64::from(width));
    if lines.is_empty() { vec![String::new()] } else { lines }
}

/// Draws `caption` left-aligned across the top of `area`, wrapped at spaces into as many lines as
/// its width needs ([`caption_lines`] tells how many, to size the area).
pub fn draw_caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    mode: TextMode,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let half_line = (CAPTION_LINE_HEIGHT / 2) as i32;
    for (i, line) in caption_lines(caption, area.dim_in_pixel().0).into_iter().enumerate() {
        let y = half_line + i as i32 * CAPTION_LINE_HEIGHT as i32;
        Label::new(line, (0, y), CAPTION_SIZE, mode).colour(AXIS_COLOUR).draw_on(area)?;
    }
    Ok(())
}

/// Draws a vertical error bar with caps at `x` from pixel row `top` to `bottom`.
pub fn draw_error_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    top: i32,
    bottom: i32,
    bar: ShapeStyle,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let cap = ERROR_CAP_HALF_WIDTH;
    area.draw(&PathElement::new(vec![(x, top), (x, bottom)], bar))?;
    area.draw(&PathElement::new(vec![(x - cap, top), (x + cap, top)], bar))?;
    area.draw(&PathElement::new(vec![(x - cap, bottom), (x + cap, bottom)], bar))
}

/// An axis that is linear over `lo..hi` with grid lines and ticks exactly at `ticks`. Its labels
/// are drawn by the figure (see [`super::text`]), so plotters' formatter returns nothing.
#[derive(Clone, Debug)]
pub struct TickedAxis {
    /// The value at the axis' start.
    pub lo: f64,
    /// The value at the axis' end.
    pub hi: f64,
    /// Where ticks and grid lines go.
    pub ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let fraction = (value - self.lo) / (self.hi - self.lo);
        let pixel = f64::from(limit.0) + fraction * f64::from(limit.1 - limit.0);
        pixel.round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for TickedAxis {
    fn format(_value: &f64) -> String {
        String::new()
    }
}

/// Round tick values from 0 up to `max`: about six of them, at a step of 1, 2, 2.5 or 5 times a
/// power of ten.
pub fn value_ticks(max: f64) -> Vec<f64> {
    const TARGET: f64 = 6.0;
    if !(max.is_finite() && max > 0.0) {
        return vec![0.0];
    }
    let raw = max / TARGET;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude);
    (0..).map(|k| f64::from(k) * step).take_while(|&v| v <= max * (1.0 + 1e-9)).collect()
}

/// A tick label with no more decimals than it needs ("0", "2.5", "0.25").
pub fn tick_label(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}
