//! The open windows of a keyed state, oldest first, each start with its table: what the flat
//! and the hash-map windowed states share (finding or opening a window, closing the ones a
//! watermark has passed). It reads as the `Vec` of (start, table) it is: a plain vector, not a
//! ring, because records index it several times each and windows open and close rarely.

use std::ops::{Deref, DerefMut};

/// (window start, table) pairs by start.
pub struct OpenWindows<T> {
    windows: Vec<(u64, T)>,
    /// The position [`OpenWindows::open`] returned last.
    hint: usize,
}

impl<T> Default for OpenWindows<T> {
    fn default() -> Self {
        Self { windows: Vec::new(), hint: 0 }
    }
}

impl<T> Deref for OpenWindows<T> {
    type Target = Vec<(u64, T)>;
    fn deref(&self) -> &Self::Target {
        &self.windows
    }
}

impl<T> DerefMut for OpenWindows<T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.windows
    }
}

impl<T> OpenWindows<T> {
    /// The position of window `start`, opened with `make` if need be. Positions stay valid
    /// until the next call that opens or closes a window.
    #[inline]
    pub fn open(&mut self, start: u64, make: impl FnOnce() -> T) -> usize {
        match self.hinted(start) {
            Some(w) => w,
            None => self.find_or_open(start, make),
        }
    }

    /// The position of window `start` when it is the one [`OpenWindows::open`] returned
    /// last, as it almost always is (the check is its own proof: a window opened or closed
    /// since moves it, and then the start no longer matches).
    #[inline]
    pub fn hinted(&self, start: u64) -> Option<usize> {
        match self.windows.get(self.hint) {
            Some((s, _)) if *s == start => Some(self.hint),
            _ => None,
        }
    }

    /// [`OpenWindows::open`] past its hint (kept out of line, so the check above inlines).
    #[inline(never)]
    fn find_or_open(&mut self, start: u64, make: impl FnOnce() -> T) -> usize {
        // Windows open in time order: the newest is almost always the one asked for.
        let pos = self.windows.iter().rposition(|(s, _)| *s <= start);
        self.hint = match pos {
            Some(i) if self.windows[i].0 == start => i,
            Some(i) => {
                self.windows.insert(i + 1, (start, make()));
                i + 1
            }
            None => {
                self.windows.insert(0, (start, make()));
                0
            }
        };
        self.hint
    }

    /// Closes every window that ends at or before `wm` (`end_of` gives a start's end), oldest
    /// first, handing each to `f` with its start and end.
    pub fn close_until(
        &mut self,
        wm: u64,
        end_of: impl Fn(u64) -> u64,
        mut f: impl FnMut(u64, u64, T),
    ) {
        let n = self.windows.iter().take_while(|(start, _)| end_of(*start) <= wm).count();
        for (start, t) in self.windows.drain(..n) {
            f(start, end_of(start), t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_open_in_start_order_and_close_oldest_first() {
        let mut w: OpenWindows<u64> = OpenWindows::default();
        let a = w.open(20, || 20);
        assert_eq!(w.open(20, || 0), a);
        w.open(10, || 10);
        w.open(30, || 30);
        w.open(25, || 25);
        assert_eq!(
            w.iter().map(|(s, t)| (*s, *t)).collect::<Vec<_>>(),
            [(10, 10), (20, 20), (25, 25), (30, 30)]
        );
        // The hint of a window that moved does not misdirect.
        let p = w.open(20, || 0);
        assert_eq!(w[p].1, 20);
        let mut closed = vec![];
        w.close_until(35, |s| s + 10, |s, e, t| closed.push((s, e, t)));
        assert_eq!(closed, [(10, 20, 10), (20, 30, 20), (25, 35, 25)]);
        assert_eq!(w.len(), 1);
        let p = w.open(30, || 0);
        assert_eq!(w[p].1, 30);
    }
}
