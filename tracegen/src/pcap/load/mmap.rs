//! The `mmap` loader: the file mapped a window at a time, each window one chunk.
//!
//! A window is unmapped when the caller asks for the next, so a stream's resident set (mapped
//! file pages count in it) stays within one window whatever the file's size. Each window is
//! advised `MADV_SEQUENTIAL`, and the kernel is asked to read the next one ahead
//! (`POSIX_FADV_WILLNEED`) while the caller decodes this one.
//!
//! The file is read to its end whatever its size was at open: past the size seen last, its
//! size is looked up again. A file that is truncated while it is mapped makes reading its lost
//! pages raise `SIGBUS`; that is the price of every mmap reader, and why this loader is not the
//! default.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use super::{ByteSource, OpenError, require_regular_file};

/// The window the loader maps at a time: large enough that mapping and unmapping cost little
/// per byte, small enough to bound the resident set. A streamed batch may pass its size by up
/// to one chunk, so a stream's peak is about two windows: 16 MiB windows peaked at 38 MB, 64 MiB
/// ones at 145 MB, and 16 MiB was as fast warm and faster cold than 4 or 64 MiB.
pub const MMAP_WINDOW_LEN: usize = 16 << 20;

/// One mapped window of the file.
struct Window {
    ptr: *mut libc::c_void,
    len: usize,
}

/// A file read through `mmap(2)`, a window at a time.
pub struct MmapSource {
    file: File,
    /// The file's size when it was opened.
    size: u64,
    /// The file's size as last seen (it is looked up again at the end).
    known_size: u64,
    window_len: usize,
    page: usize,
    populate: bool,
    /// File offset of the next window.
    next_offset: u64,
    /// The window the caller holds, until it asks for the next.
    current: Option<Window>,
}

impl MmapSource {
    /// Maps `file` (a regular file) `window_len` bytes at a time (rounded up to whole pages;
    /// `usize::MAX` maps it whole), with `MAP_POPULATE` where `populate`.
    ///
    /// # Errors
    /// [`OpenError::Unavailable`] where `file` is not a regular file.
    pub(crate) fn from_file(
        file: File,
        window_len: usize,
        populate: bool,
    ) -> Result<Self, OpenError> {
        let size = require_regular_file(&file)?;
        let page = page_size();
        let window_len =
            window_len.max(1).checked_next_multiple_of(page).unwrap_or(usize::MAX & !(page - 1));
        Ok(Self {
            file,
            size,
            known_size: size,
            window_len,
            page,
            populate,
            next_offset: 0,
            current: None,
        })
    }

    fn unmap_current(&mut self) {
        if let Some(w) = self.current.take() {
            // SAFETY: `w` is a live mapping this source made and no chunk borrows it any more
            // (the caller asked for the next chunk, or the source is being dropped).
            unsafe { libc::munmap(w.ptr, w.len) };
        }
    }
}

impl ByteSource for MmapSource {
    fn next_chunk(&mut self) -> io::Result<Option<&[u8]>> {
        self.unmap_current();
        if self.next_offset >= self.known_size {
            // The end as last seen: has the file grown since?
            self.known_size = self.file.metadata()?.len();
            if self.next_offset >= self.known_size {
                return Ok(None);
            }
        }
        let left = self.known_size - self.next_offset;
        let len = usize::try_from(left).map_or(self.window_len, |l| l.min(self.window_len));
        // Windows start on whole pages, except after the file grew past a size that was not
        // one: then the mapping starts at the page before, and the chunk after the gap.
        let skip = (self.next_offset % self.page as u64) as usize;
        let start = self.next_offset - skip as u64;
        let map_len = len + skip;
        let offset = libc::off_t::try_from(start)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset past off_t"))?;
        let mut flags = libc::MAP_PRIVATE;
        #[cfg(target_os = "linux")]
        if self.populate {
            flags |= libc::MAP_POPULATE;
        }
        let fd = self.file.as_raw_fd();
        // SAFETY: a new private read-only mapping of `map_len` bytes of our open file at a
        // page-aligned offset; it aliases no Rust object.
        let ptr = unsafe {
            libc::mmap(std::ptr::null_mut(), map_len, libc::PROT_READ, flags, fd, offset)
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        self.current = Some(Window { ptr, len: map_len });
        // SAFETY: [ptr, ptr + map_len) is the mapping just made; the advice changes no
        // contents, and its failure is harmless.
        unsafe { libc::madvise(ptr, map_len, libc::MADV_SEQUENTIAL) };
        let next = self.next_offset + len as u64;
        if next < self.known_size {
            // A hint: read the next window ahead while this one is decoded.
            let ahead = (self.known_size - next).min(self.window_len as u64);
            if let (Ok(at), Ok(ahead)) = (libc::off_t::try_from(next), libc::off_t::try_from(ahead))
            {
                // SAFETY: a plain system call on our own descriptor; no memory is passed.
                unsafe { libc::posix_fadvise(fd, at, ahead, libc::POSIX_FADV_WILLNEED) };
            }
        }
        self.next_offset = next;
        // SAFETY: the mapping is live, readable and `skip + len` bytes long until the caller's
        // next call or the drop, which both need `&mut self` and so end this borrow first. Its
        // bytes are the file's; that nobody truncates or writes the file while it is read is
        // this loader's documented assumption (module docs), as for every mmap reader.
        let chunk = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>().add(skip), len) };
        Ok(Some(chunk))
    }

    fn size_hint(&self) -> u64 {
        self.size
    }
}

impl Drop for MmapSource {
    fn drop(&mut self) {
        self.unmap_current();
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}
