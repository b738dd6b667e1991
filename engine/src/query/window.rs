//! Windows on packet time: tumbling or sliding, aligned to multiples of the slide since the Unix
//! epoch, or one window spanning the run.
//!
//! A record's time is its capture time made non-decreasing in trace order (see
//! [`crate::runtime::nic::event_times`]), so a watermark — the time of the last record a source
//! passed on — promises that every later record of that source is at least as late. A window
//! `[start, start + length)` closes at a stage once every source feeding it has passed its end.

use serde::{Deserialize, Serialize};

use super::field::QueryError;

/// The window of a query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Window {
    /// One window spanning the run, written with start 0; it closes at the end of the stream.
    #[default]
    Whole,
    /// Windows of `length_ns`, one after the other.
    Tumbling {
        /// Length in nanoseconds.
        length_ns: u64,
    },
    /// Windows of `length_ns` starting every `slide_ns` (a record is in `length / slide` of
    /// them when the slide divides the length).
    Sliding {
        /// Length in nanoseconds.
        length_ns: u64,
        /// Nanoseconds between window starts.
        slide_ns: u64,
    },
}

/// The last tumbling window [`Window::for_each_start_cached`] found (empty at first).
#[derive(Clone, Copy, Debug, Default)]
pub struct LastWindow {
    start: u64,
    end: u64,
}

/// The most windows one record may fall in (`length / slide`).
pub const MAX_WINDOWS_PER_RECORD: u64 = 64;

impl Window {
    /// A tumbling window of `length_ns`.
    pub fn tumbling(length_ns: u64) -> Self {
        Window::Tumbling { length_ns }
    }

    /// A sliding window of `length_ns` every `slide_ns`.
    pub fn sliding(length_ns: u64, slide_ns: u64) -> Self {
        Window::Sliding { length_ns, slide_ns }
    }

    /// Checks lengths: positive, slide at most the length, at most
    /// [`MAX_WINDOWS_PER_RECORD`] windows per record.
    pub fn validate(&self) -> Result<(), QueryError> {
        let (len, slide) = match *self {
            Window::Whole => return Ok(()),
            Window::Tumbling { length_ns } => (length_ns, length_ns),
            Window::Sliding { length_ns, slide_ns } => (length_ns, slide_ns),
        };
        if len == 0 || slide == 0 {
            return Err(QueryError::new("window", "lengths must be at least 1 ns"));
        }
        if slide > len {
            return Err(QueryError::new("window", "the slide must not exceed the length"));
        }
        if len.div_ceil(slide) > MAX_WINDOWS_PER_RECORD {
            return Err(QueryError::new(
                "window",
                format!("length / slide must be at most {MAX_WINDOWS_PER_RECORD}"),
            ));
        }
        Ok(())
    }

    fn length_slide(&self) -> Option<(u64, u64)> {
        match *self {
            Window::Whole => None,
            Window::Tumbling { length_ns } => Some((length_ns, length_ns)),
            Window::Sliding { length_ns, slide_ns } => Some((length_ns, slide_ns)),
        }
    }

    /// The starts of the windows holding time `t`, oldest first, passed to `f`.
    #[inline]
    pub fn for_each_start(&self, t: u64, mut f: impl FnMut(u64)) {
        match self.length_slide() {
            None => f(0),
            Some((len, slide)) => {
                let last = t - t % slide;
                // The oldest start s with s + len > t.
                let mut s = if t >= len { (t - len) / slide * slide + slide } else { 0 };
                while s <= last {
                    f(s);
                    let Some(next) = s.checked_add(slide) else { break };
                    s = next;
                }
            }
        }
    }

    /// [`Window::for_each_start`], remembering the last tumbling window in `last`: the
    /// records after it in the same window find its start without a division.
    #[inline(always)]
    pub fn for_each_start_cached(&self, t: u64, last: &mut LastWindow, f: impl FnMut(u64)) {
        let Window::Tumbling { length_ns } = *self else { return self.for_each_start(t, f) };
        if !(last.start <= t && t < last.end) {
            let start = t - t % length_ns;
            *last = LastWindow { start, end: start.saturating_add(length_ns) };
        }
        let mut f = f;
        f(last.start);
    }

    /// The end of the window starting at `start` (`u64::MAX` for the whole run).
    #[inline]
    pub fn end_of(&self, start: u64) -> u64 {
        match self.length_slide() {
            None => u64::MAX,
            Some((len, _)) => start.saturating_add(len),
        }
    }

    /// The first window end after time `t`: a source whose watermark reaches it lets a window
    /// close (`u64::MAX` when none will before the end of the stream).
    pub fn next_end_after(&self, t: u64) -> u64 {
        match self.length_slide() {
            None => u64::MAX,
            Some((len, slide)) => {
                // Ends are start + len for starts at multiples of the slide.
                let first_start = if t >= len { (t - len) / slide * slide } else { 0 };
                let mut s = first_start;
                loop {
                    let e = s.saturating_add(len);
                    if e > t || e == u64::MAX {
                        return e;
                    }
                    s += slide;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(w: Window, t: u64) -> Vec<u64> {
        let mut v = vec![];
        w.for_each_start(t, |s| v.push(s));
        v
    }

    #[test]
    fn records_fall_in_the_windows_that_hold_them() {
        assert_eq!(starts(Window::Whole, 12345), vec![0]);
        assert_eq!(starts(Window::tumbling(10), 0), vec![0]);
        assert_eq!(starts(Window::tumbling(10), 19), vec![10]);
        assert_eq!(starts(Window::tumbling(10), 20), vec![20]);
        assert_eq!(starts(Window::sliding(10, 5), 3), vec![0]);
        assert_eq!(starts(Window::sliding(10, 5), 12), vec![5, 10]);
        assert_eq!(starts(Window::sliding(10, 5), 15), vec![10, 15]);
        assert_eq!(starts(Window::sliding(10, 3), 10), vec![3, 6, 9]);
        // Brute force: a window [s, s + len) holds t exactly when s <= t < s + len.
        for (len, slide) in [(10, 3), (7, 7), (9, 2), (5, 1)] {
            let w = Window::sliding(len, slide);
            for t in 0..60 {
                let expect: Vec<u64> = (0..=t).filter(|s| s % slide == 0 && s + len > t).collect();
                assert_eq!(starts(w, t), expect, "len {len} slide {slide} t {t}");
            }
        }
    }

    #[test]
    fn the_cached_starts_are_the_plain_ones() {
        // Times going up, down (another thread's batch), and near the end of time.
        let times = [0, 3, 9, 10, 11, 35, 12, 0, 99, 100, u64::MAX - 3, u64::MAX - 1, 7];
        for w in [Window::Whole, Window::tumbling(10), Window::tumbling(7), Window::sliding(10, 5)]
        {
            let mut last = LastWindow::default();
            for t in times {
                let mut v = vec![];
                w.for_each_start_cached(t, &mut last, |s| v.push(s));
                assert_eq!(v, starts(w, t), "{w:?} at {t}");
            }
        }
    }

    #[test]
    fn the_next_end_is_the_first_after_the_watermark() {
        assert_eq!(Window::Whole.next_end_after(5), u64::MAX);
        assert_eq!(Window::tumbling(10).next_end_after(0), 10);
        assert_eq!(Window::tumbling(10).next_end_after(10), 20);
        assert_eq!(Window::sliding(10, 3).next_end_after(10), 13);
        assert_eq!(Window::sliding(10, 3).next_end_after(13), 16);
        assert_eq!(Window::sliding(10, 3).next_end_after(3), 10);
    }

    #[test]
    fn bad_lengths_are_refused() {
        assert!(Window::tumbling(0).validate().is_err());
        assert!(Window::sliding(5, 10).validate().is_err());
        assert!(Window::sliding(1000, 1).validate().is_err());
        assert!(Window::sliding(10, 5).validate().is_ok());
    }
}
