//! What the command-line tests of suites share: running the built `pktstream` and checking
//! that a figure is a valid PNG or SVG.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `pktstream` with `args`.
pub fn pktstream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pktstream")).args(args).output().expect("run pktstream")
}

/// Fails unless `path` decodes as a PNG.
pub fn check_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
}

/// Fails unless `path` is a whole SVG document.
pub fn check_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{}", path.display());
}
