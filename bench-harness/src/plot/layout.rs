//! Layout helpers of the figures: legend entries flowed into lines, and worker-axis ticks.

/// Space between two legend entries on one line, in pixels.
pub(super) const ENTRY_GAP: i32 = 40;

/// What a legend entry shows in front of its text.
#[derive(Clone, Copy, Debug)]
pub(super) enum Sample {
    /// The marker and line of the series with this index.
    Series(usize),
    /// A neutral marker with an error bar, for the note on trials.
    ErrorBar,
}

/// A legend sample's length and the gap after it, in pixels.
pub(super) const SAMPLE_AND_GAP: i32 = super::style::LEGEND_SAMPLE_LEN + 10;

/// One entry of a legend laid out on a line.
#[derive(Clone, Debug)]
pub(super) struct LegendEntry {
    pub(super) sample: Sample,
    pub(super) text: String,
    /// Sample, gap and text, in pixels.
    pub(super) width: i32,
}

impl LegendEntry {
    /// An entry with its width measured in the legend's font.
    pub(super) fn new(sample: Sample, text: &str) -> Self {
        let width =
            SAMPLE_AND_GAP + super::text::width(text, super::style::LEGEND_SIZE).ceil() as i32;
        Self { sample, text: text.to_string(), width }
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

/// Tick positions on the workers axis: every measured worker count while there are few, else
/// multiples of a round step, so labels never crowd.
pub(super) fn worker_ticks(workers: &[usize]) -> Vec<f64> {
    const MAX_TICKS: usize = 16;
    if workers.len() <= MAX_TICKS {
        return workers.iter().map(|&w| w as f64).collect();
    }
    let (lo, hi) = (workers[0], workers[workers.len() - 1]);
    let span = hi - lo;
    let step = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 250, 256, 500]
        .into_iter()
        .find(|s| span / s < MAX_TICKS)
        .unwrap_or(span.div_ceil(MAX_TICKS - 1).max(1));
    (lo.div_ceil(step) * step..=hi).step_by(step).map(|w| w as f64).collect()
}
