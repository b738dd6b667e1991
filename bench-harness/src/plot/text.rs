//! Text in figures, drawn the same way on every backend.
//!
//! plotters 0.3.7 rasterises `ab_glyph` text without each glyph's side bearing and truncates
//! glyph positions to whole pixels, so PNG text gets uneven letter spacing ("machin e"). Figures
//! therefore draw all their text through [`Label`]: in [`TextMode::Raster`] (PNG) it rasterises
//! the embedded DejaVu Sans itself with `ab_glyph` at sub-pixel positions; in
//! [`TextMode::Vector`] (SVG) it writes an ordinary `<text>` element through plotters. Positions
//! and anchors follow plotters' SVG conventions (font size in px / 1.24 per em, vertical
//! centring on half the x-height), so the two files agree.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::FONT_FAMILY;

/// How text reaches the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextMode {
    /// Glyphs are rasterised here, pixel by pixel (bitmap backends).
    Raster,
    /// Text stays text (`<text>` in SVG); the viewer renders it in its sans-serif font.
    Vector,
}

/// The embedded font, parsed once.
fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        // The bytes are a fixed, valid TrueType file compiled into the binary; the tests draw
        // with it, so a parse failure cannot reach users.
        FontRef::try_from_slice(super::DEJAVU_SANS).expect("embedded DejaVu Sans parses")
    })
}

/// Pixels per em at plotters font size `size` (plotters and its SVG backend use `size / 1.24`).
fn px_per_em(size: f64) -> f32 {
    (size / 1.24) as f32
}

/// The `ab_glyph` scale that gives `size`'s pixels per em.
fn scale(size: f64) -> PxScale {
    let font = font();
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    PxScale::from(px_per_em(size) * font.height_unscaled() / units_per_em)
}

/// Advance width of `text` at plotters font size `size`, in pixels, kerning included.
pub fn width(text: &str, size: f64) -> f64 {
    let scaled = font().as_scaled(scale(size));
    let mut caret = 0.0_f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        caret += scaled.h_advance(id);
        prev = Some(id);
    }
    f64::from(caret)
}

/// One line of text at a point, in the house font.
#[derive(Clone)]
pub struct Label {
    text: String,
    at: (i32, i32),
    size: f64,
    colour: RGBColor,
    anchor: Pos,
    upward: bool,
    mode: TextMode,
}

impl Label {
    /// `text` at `at` (pixels of the area it is drawn on), anchored at its left end and
    /// vertically centred, in black.
    pub fn new(text: impl Into<String>, at: (i32, i32), size: f64, mode: TextMode) -> Self {
        Self {
            text: text.into(),
            at,
            size,
            colour: BLACK,
            anchor: Pos::new(HPos::Left, VPos::Center),
            upward: false,
            mode,
        }
    }

    /// Sets which point of the text `at` names.
    pub fn anchor(mut self, h: HPos, v: VPos) -> Self {
        self.anchor = Pos::new(h, v);
        self
    }

    /// Sets the colour.
    pub fn colour(mut self, colour: RGBColor) -> Self {
        self.colour = colour;
        self
    }

    /// Turns the text to read from bottom to top (a y axis title); the anchor then refers to the
    /// turned text.
    pub fn upward(mut self) -> Self {
        self.upward = true;
        self
    }

    /// Draws the label on `area`.
    pub fn draw_on<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        match self.mode {
            TextMode::Raster => self.draw_raster(area),
            TextMode::Vector => {
                let mut style =
                    (FONT_FAMILY, self.size).into_font().color(&self.colour).pos(self.anchor);
                if self.upward {
                    style = style.transform(FontTransform::Rotate270);
                }
                area.draw_text(&self.text, &style, self.at)
            }
        }
    }

    /// Where the baseline's left end lies relative to the anchor point, before turning.
    fn origin(&self) -> (f32, f32) {
        let em = px_per_em(self.size);
        let w = width(&self.text, self.size) as f32;
        let x = match self.anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -w / 2.0,
            HPos::Right => -w,
        };
        let half_ex = x_height_em() * em / 2.0;
        let y = match self.anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => half_ex,
            VPos::Bottom => -half_ex,
        };
        (x, y)
    }

    /// Rasterises the glyphs at sub-pixel positions and blends each covered pixel.
    fn draw_raster<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let at = self.at;
        let font = font();
        let scale = scale(self.size);
        let scaled = font.as_scaled(scale);
        let (x0, baseline) = self.origin();
        let mut caret = x0;
        let mut prev = None;
        for c in self.text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| {
                if coverage > 0.0 {
                    pixels.push((
                        bounds.min.x as i32 + x as i32,
                        bounds.min.y as i32 + y as i32,
                        coverage,
                    ));
                }
            });
            for (x, y, coverage) in pixels {
                let (dx, dy) = if self.upward { (y, -x) } else { (x, y) };
                let colour = self.colour.mix(f64::from(coverage.min(1.0)));
                area.draw(&Pixel::new((at.0 + dx, at.1 + dy), colour))?;
            }
        }
        Ok(())
    }
}

/// The font's x-height as a fraction of its em (from the glyph "x").
fn x_height_em() -> f32 {
    static X_HEIGHT: OnceLock<f32> = OnceLock::new();
    *X_HEIGHT.get_or_init(|| {
        let font = font();
        let units_per_em = font.units_per_em().unwrap_or(2048.0);
        let glyph = font.glyph_id('x').with_scale(units_per_em);
        font.outline_glyph(glyph).map(|o| -o.px_bounds().min.y / units_per_em).unwrap_or(0.5)
    })
}
