//! A fixed-size array backed by transparent huge pages where the kernel allows them.
//!
//! A flow table of a few hundred thousand flows spans tens of megabytes and is read at random:
//! with 4 KiB pages nearly every lookup also misses the TLB. [`HugeArray`] aligns its storage to
//! 2 MiB and asks the kernel for huge pages (`madvise(MADV_HUGEPAGE)`, which works when
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `always` or `madvise`), then writes every
//! element, so the memory is faulted in before the clock starts. Where the kernel says no, the
//! array is an ordinary one.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

const HUGE_PAGE: usize = 2 << 20;

/// A heap array of `len` copies of a value, on huge pages where possible.
pub struct HugeArray<E: Copy> {
    ptr: NonNull<E>,
    len: usize,
    layout: Layout,
}

// SAFETY: `HugeArray` owns its elements exclusively, like a `Box<[E]>`; sending or sharing it
// is as safe as sending or sharing the elements.
unsafe impl<E: Copy + Send> Send for HugeArray<E> {}
// SAFETY: as above; `&HugeArray` only gives `&[E]`.
unsafe impl<E: Copy + Sync> Sync for HugeArray<E> {}

impl<E: Copy> HugeArray<E> {
    /// Bytes allocated, huge-page rounding included.
    pub fn allocated_bytes(&self) -> usize {
        self.layout.size()
    }

    /// `len` copies of `value` (`len` at least 1).
    pub fn new(len: usize, value: E) -> Self {
        let len = len.max(1);
        let bytes = len.checked_mul(size_of::<E>()).expect("array size overflows usize").max(1);
        let huge = bytes >= HUGE_PAGE;
        // Small arrays still start on a cache line, so 32-byte entries never straddle two.
        let (size, align) = if huge {
            (bytes.next_multiple_of(HUGE_PAGE), HUGE_PAGE)
        } else {
            (bytes, align_of::<E>().max(64))
        };
        let layout = Layout::from_size_align(size, align).expect("valid array layout");
        // SAFETY: `layout` has a non-zero size (at least one byte).
        let raw = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<E>()) else { handle_alloc_error(layout) };
        if huge {
            // A hint: failure leaves ordinary pages, which is still correct.
            // SAFETY: `raw` is the start of a live allocation of `size` bytes, 2 MiB aligned.
            let _ = unsafe { libc::madvise(raw.cast(), size, libc::MADV_HUGEPAGE) };
        }
        for i in 0..len {
            // SAFETY: `i < len` and the allocation holds `len` elements of `E`, suitably
            // aligned (2 MiB, or the larger of 64 and `align_of::<E>()`); writing initialises, and faults in, each.
            unsafe { ptr.as_ptr().add(i).write(value) };
        }
        Self { ptr, len, layout }
    }
}

impl<E: Copy> Deref for HugeArray<E> {
    type Target = [E];
    fn deref(&self) -> &[E] {
        // SAFETY: `ptr` points to `len` initialised elements owned by `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<E: Copy> DerefMut for HugeArray<E> {
    fn deref_mut(&mut self) -> &mut [E] {
        // SAFETY: as in `deref`, and `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<E: Copy> Drop for HugeArray<E> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc(self.layout)` and is freed once; `E: Copy` has no drop.
        unsafe { dealloc(self.ptr.as_ptr().cast(), self.layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_huge_arrays_hold_their_values() {
        for len in [1usize, 7, 100_000, (4 << 20) / 8 + 3] {
            let mut a = HugeArray::new(len, 5u64);
            assert_eq!(a.len(), len);
            assert!(a.iter().all(|&v| v == 5));
            a[len - 1] = 9;
            assert_eq!(a[len - 1], 9);
        }
    }
}
