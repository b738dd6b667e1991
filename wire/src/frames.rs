//! Frames as views over one preloaded buffer with an offset table.
//!
//! A capture (or a generated trace) is loaded once into a [`FrameBuffer`]: every frame's
//! captured bytes sit back to back in one `Vec<u8>`, and a table of [`FrameMeta`] entries says
//! where each starts, how long it is, its timestamp, its wire length and its link type. A
//! [`Frame`] is a borrowed view of one entry; nothing is copied per frame.

use crate::linktype::LinkType;

/// Where one frame sits in a [`FrameBuffer`], and what the capture said of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameMeta {
    /// Byte offset of the frame's first captured byte in the buffer.
    pub offset: u64,
    /// Captured length (bytes present in the buffer).
    pub cap_len: u32,
    /// Length on the wire (pcap `orig_len`), at least `cap_len` for well-formed captures.
    pub wire_len: u32,
    /// Timestamp in nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Link type of the frame (pcapng files may mix interfaces of different link types).
    pub link: LinkType,
}

/// A borrowed view of one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The captured bytes, starting at the link-layer header.
    pub bytes: &'a [u8],
    /// Timestamp in nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Length on the wire (pcap `orig_len`).
    pub wire_len: u32,
    /// Link type of the frame.
    pub link: LinkType,
}

/// Every frame of a trace in one contiguous buffer, with an offset table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameBuffer {
    data: Vec<u8>,
    index: Vec<FrameMeta>,
}

impl FrameBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty buffer with room for `frames` frames and `bytes` captured bytes.
    ///
    /// Large reservations ask the kernel for transparent huge pages, so filling a buffer of
    /// gigabytes takes one page fault per 2 MiB rather than per 4 KiB.
    pub fn with_capacity(frames: usize, bytes: usize) -> Self {
        let data: Vec<u8> = Vec::with_capacity(bytes);
        let index: Vec<FrameMeta> = Vec::with_capacity(frames);
        advise_huge_pages(data.as_ptr(), data.capacity());
        advise_huge_pages(index.as_ptr().cast(), index.capacity() * size_of::<FrameMeta>());
        Self { data, index }
    }

    /// Appends one frame, copying its captured bytes into the buffer.
    pub fn push(&mut self, bytes: &[u8], ts_ns: u64, wire_len: u32, link: LinkType) {
        let offset = self.data.len() as u64;
        self.data.extend_from_slice(bytes);
        self.index.push(FrameMeta { offset, cap_len: bytes.len() as u32, wire_len, ts_ns, link });
    }

    /// Appends one frame whose bytes `write` appends straight to the buffer (no intermediate
    /// copy), returning its timestamp and wire length; `None` from `write` adds no frame (and
    /// whatever it appended is dropped). Returns whether a frame was added.
    pub fn push_with(
        &mut self,
        link: LinkType,
        write: impl FnOnce(&mut Vec<u8>) -> Option<(u64, u32)>,
    ) -> bool {
        let offset = self.data.len();
        match write(&mut self.data) {
            Some((ts_ns, wire_len)) => {
                let cap_len = (self.data.len() - offset) as u32;
                self.index.push(FrameMeta {
                    offset: offset as u64,
                    cap_len,
                    wire_len,
                    ts_ns,
                    link,
                });
                true
            }
            None => {
                self.data.truncate(offset);
                false
            }
        }
    }

    /// Removes every frame, keeping the memory for reuse.
    pub fn clear(&mut self) {
        self.data.clear();
        self.index.clear();
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the buffer holds no frame.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Total captured bytes held.
    pub fn captured_bytes(&self) -> usize {
        self.data.len()
    }

    /// The offset table.
    pub fn metas(&self) -> &[FrameMeta] {
        &self.index
    }

    /// Frame `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<Frame<'_>> {
        self.index.get(i).map(|m| self.view(m))
    }

    /// The view for one entry of this buffer's offset table.
    #[inline]
    pub fn view(&self, m: &FrameMeta) -> Frame<'_> {
        let start = m.offset as usize;
        let end = start + m.cap_len as usize;
        Frame { bytes: &self.data[start..end], ts_ns: m.ts_ns, wire_len: m.wire_len, link: m.link }
    }

    /// Iterates over every frame in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Frame<'_>> + '_ {
        self.index.iter().map(|m| self.view(m))
    }

    /// The raw captured bytes of every frame, back to back.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

/// Asks for transparent huge pages over the 2 MiB-aligned part of a reservation of `len`
/// bytes at `ptr` (a hint: where the kernel says no, pages stay 4 KiB).
fn advise_huge_pages(ptr: *const u8, len: usize) {
    const HUGE: usize = 2 << 20;
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize).saturating_add(len) & !(HUGE - 1);
    #[cfg(target_os = "linux")]
    if end > start {
        // SAFETY: [start, end) lies inside a live allocation this buffer owns; MADV_HUGEPAGE
        // changes no contents and no mapping, only how the kernel backs the range, and its
        // failure is harmless.
        let _ =
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, end);
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_with_appends_in_place_or_nothing() {
        let mut f = FrameBuffer::with_capacity(2, 16);
        assert!(f.push_with(LinkType::Ethernet, |out| {
            out.extend_from_slice(&[1, 2, 3]);
            Some((5, 60))
        }));
        assert!(!f.push_with(LinkType::Ethernet, |out| {
            out.push(9);
            None
        }));
        assert_eq!(f.len(), 1);
        assert_eq!(f.data(), &[1, 2, 3]);
        let fr = f.get(0).unwrap();
        assert_eq!((fr.bytes, fr.ts_ns, fr.wire_len), (&[1u8, 2, 3][..], 5, 60));
    }

    use super::*;

    #[test]
    fn frames_are_views_in_order() {
        let mut b = FrameBuffer::new();
        b.push(&[1, 2, 3], 10, 60, LinkType::Ethernet);
        b.push(&[4, 5], 20, 1514, LinkType::RawIp);
        assert_eq!(b.len(), 2);
        let f: Vec<_> = b.iter().collect();
        assert_eq!(f[0].bytes, &[1, 2, 3]);
        assert_eq!(f[1].bytes, &[4, 5]);
        assert_eq!(f[1].wire_len, 1514);
        assert_eq!(f[1].link, LinkType::RawIp);
        assert_eq!(b.captured_bytes(), 5);
        assert!(b.get(2).is_none());
    }
}
