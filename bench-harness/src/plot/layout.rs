//! Layout helpers of the figures: legend entries flowed into lines.

/// Space between two legend entries on one line, in pixels.
pub(super) const ENTRY_GAP: i32 = 40;

/// A legend sample's length and the gap after it, in pixels.
pub(super) const SAMPLE_AND_GAP: i32 = super::style::LEGEND_SAMPLE_LEN + 10;

/// One entry of a legend laid out on a line (the figure draws its sample in front of the
/// text).
#[derive(Clone, Debug)]
pub(super) struct LegendEntry {
    pub(super) text: String,
    /// Sample, gap and text, in pixels.
    pub(super) width: i32,
}

impl LegendEntry {
    /// An entry with its width measured in the legend's font.
    pub(super) fn new(text: &str) -> Self {
        let width =
            SAMPLE_AND_GAP + super::text::width(text, super::style::LEGEND_SIZE).ceil() as i32;
        Self { text: text.to_string(), width }
    }
}

pub(super) fn row_width(entries: &[LegendEntry], row: &[usize]) -> i32 {
    let widths: i32 = row.iter().map(|&e| entries[e].width).sum();
    widths + ENTRY_GAP * (row.len() as i32 - 1).max(0)
}

/// Fills lines of at most `width` pixels with entries, in order; returns entry indices per line.
pub(super) fn flow_rows(entries: &[LegendEntry], width: u32) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in 0..entries.len() {
        current.push(i);
        if current.len() > 1 && row_width(entries, &current) > width as i32 {
            current.pop();
            rows.push(std::mem::replace(&mut current, vec![i]));
        }
    }
    if !current.is_empty() {
        rows.push(current);
    }
    rows
}
