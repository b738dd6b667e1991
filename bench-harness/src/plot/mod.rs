//! Figures for papers and reports: every plot `pktstream reproduce`, `pktstream suite` and
//! `pktstream plot` draw.
//!
//! Each figure is drawn by one function that writes the same drawing to a PNG (for quick looks
//! and READMEs) and an SVG (for papers). All figures share [`style`]; text uses DejaVu Sans,
//! embedded in the binary and registered with plotters once ([`ensure_fonts`]), so drawing never
//! depends on the fonts installed on the machine.

pub mod apps;
mod chart;
mod figure;
mod layout;
pub mod queues;
pub mod style;
pub mod sweep;
pub mod text;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, anyhow};
use plotters::style::FontStyle;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
pub(crate) static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font under [`style::FONT_FAMILY`] on first call; later calls return the
/// first call's outcome. Every drawing function calls this before it draws.
pub fn ensure_fonts() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(style::FONT_FAMILY, FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the embedded DejaVu Sans font could not be parsed".to_string())
        })
        .clone()
        .map_err(|e| anyhow!(e))
}

/// The two files a figure with stem `stem` is written to: `<stem>.png` and `<stem>.svg`. The
/// suffix is appended, so a stem that already contains a dot (`fig1.scaling`) keeps it.
pub fn output_paths(stem: &Path) -> (PathBuf, PathBuf) {
    let with_suffix = |suffix: &str| {
        let mut name = OsString::from(stem.as_os_str());
        name.push(suffix);
        PathBuf::from(name)
    };
    (with_suffix(".png"), with_suffix(".svg"))
}

/// Creates the folder `path` will be written to, if it has one and it does not exist yet.
fn create_parent(path: &Path) -> anyhow::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display())),
        _ => Ok(()),
    }
}
