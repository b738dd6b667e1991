//! The storage the Lamport queue designs share: a ring of slots, the two shared indices each on
//! its own cache line, the end-of-stream flags, and the drop of items still in the ring.
//!
//! Indices count items since the ring was built (pushed for `tail`, popped for `head`) and wrap
//! at `usize::MAX`; an index's slot is `index & mask`. The ring allocates the capacity rounded
//! up to a power of two, so that a slot is a mask away, but holds at most `capacity` items:
//! `tail - head` (wrapping) is the number of items in the ring and never exceeds `capacity`.
//!
//! The ring itself only stores; each design decides when to read the other side's index and
//! when to publish its own, which is what tells LQ, LLQ and BLQ apart.

use std::mem::MaybeUninit;

use super::sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell};

/// A value alone on its cache line (64 bytes), so that one side's writes to it do not
/// invalidate the line the other side's index lives on (no false sharing).
#[derive(Debug, Default)]
#[repr(align(64))]
pub(crate) struct CacheLinePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CacheLinePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A run of the ring's slots: each cell holds an item or nothing.
type Cells<T> = [UnsafeCell<MaybeUninit<T>>];

/// The ring shared by the two halves of a Lamport queue (through an `Arc`).
pub(crate) struct LamportRing<T> {
    /// Items popped so far (wrapping); stored by the consumer only.
    pub(crate) head: CacheLinePadded<AtomicUsize>,
    /// Items pushed so far (wrapping); stored by the producer only.
    pub(crate) tail: CacheLinePadded<AtomicUsize>,
    /// Set (release) when the producer half drops.
    producer_gone: CacheLinePadded<AtomicBool>,
    /// Set (release) when the consumer half drops.
    consumer_gone: AtomicBool,
    /// The most items the ring holds at once, as asked for.
    capacity: usize,
    /// `slots.len() - 1`; `slots.len()` is `capacity` rounded up to a power of two.
    mask: usize,
    /// Slot `i & mask` holds an initialised item exactly when `head <= i < tail` (wrapping).
    slots: Box<Cells<T>>,
}

// SAFETY: the ring moves `T`s from the producer's thread to the consumer's, so it needs
// `T: Send`. Each slot is accessed by one side at a time: the producer writes only free slots
// (outside `head..tail`), the consumer reads only full ones (inside), and the release/acquire
// pairs on `head` and `tail` order the hand-overs (see each design).
unsafe impl<T: Send> Send for LamportRing<T> {}
// SAFETY: as for `Send`: shared access is split between the two halves as above.
unsafe impl<T: Send> Sync for LamportRing<T> {}

impl<T> LamportRing<T> {
    /// An empty ring holding up to `capacity` items (`capacity >= 1`, checked by the caller).
    pub(crate) fn new(capacity: usize) -> Self {
        assert!(capacity >= 1, "a ring holds at least one item");
        let slot_count = capacity.next_power_of_two();
        let slots = (0..slot_count).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
        LamportRing {
            head: CacheLinePadded(AtomicUsize::new(0)),
            tail: CacheLinePadded(AtomicUsize::new(0)),
            producer_gone: CacheLinePadded(AtomicBool::new(false)),
            consumer_gone: AtomicBool::new(false),
            capacity,
            mask: slot_count - 1,
            slots,
        }
    }

    /// The most items the ring holds at once.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many slots are free when the producer is at `tail` and the consumer at `head`.
    #[inline]
    pub(crate) fn free_slots(&self, head: usize, tail: usize) -> usize {
        self.capacity - tail.wrapping_sub(head)
    }

    /// Moves `item` into the slot of index `tail`.
    ///
    /// # Safety
    /// Only the producer calls this, and slot `tail` is free: `tail - head < capacity` for a
    /// `head` it read with acquire ordering (so the consumer's read of the slot's previous item
    /// happened before this write), and `tail` is not yet published.
    #[inline]
    pub(crate) unsafe fn write(&self, tail: usize, item: T) {
        // SAFETY: the caller guarantees that no one else touches this slot now; writing a
        // `MaybeUninit` never drops the (moved-out) previous value.
        self.slots[tail & self.mask].with_mut(|slot| unsafe { (*slot).write(item) });
    }

    /// Moves the item out of the slot of index `head`, leaving the slot logically free.
    ///
    /// # Safety
    /// Only the consumer calls this, and slot `head` is full: `head != tail` for a `tail` it
    /// read with acquire ordering (so the producer's write of the item happened before this
    /// read), and `head + 1` is not yet published.
    #[inline]
    pub(crate) unsafe fn read(&self, head: usize) -> T {
        // SAFETY: the caller guarantees the slot holds an initialised item no one else touches
        // now; advancing `head` afterwards marks it moved out, so it is read once.
        self.slots[head & self.mask].with(|slot| unsafe { (*slot).assume_init_read() })
    }

    /// The ring's slots from index `first` on, as at most two runs of consecutive cells (the
    /// second starts at slot 0 when the run wraps), `count` cells in all (`count` at most the
    /// slot count).
    #[inline]
    fn runs(&self, first: usize, count: usize) -> (&Cells<T>, &Cells<T>) {
        let start = first & self.mask;
        let before_wrap = count.min(self.slots.len() - start);
        (&self.slots[start..start + before_wrap], &self.slots[..count - before_wrap])
    }

    /// Moves the first `count` items of `items` into the slots of indices `tail..tail + count`
    /// and removes them from `items`, shifting the rest to the front. The copy runs over
    /// consecutive cells (at most two runs), so the compiler can make it a plain block copy.
    ///
    /// # Safety
    /// As for [`LamportRing::write`], for every one of the `count` slots; `count <= items.len()`.
    #[inline]
    pub(crate) unsafe fn write_from(&self, tail: usize, items: &mut Vec<T>, count: usize) {
        let len = items.len();
        assert!(count <= len, "{count} items asked of {len}");
        let src = items.as_ptr();
        // SAFETY: until the `set_len` below the vector owns none of its items, so a panic can
        // only leak them, never drop one twice.
        unsafe { items.set_len(0) };
        let (run, wrapped) = self.runs(tail, count);
        // One loop per run of consecutive cells (not a chained iterator), so each is a block copy.
        for (offset, cells) in [(0, run), (run.len(), wrapped)] {
            for (i, cell) in cells.iter().enumerate() {
                // SAFETY: `offset + i < count <= len`: the item is initialised and read (moved)
                // once; the caller guarantees the slot is free and unpublished.
                cell.with_mut(|slot| unsafe { (*slot).write(src.add(offset + i).read()) });
            }
        }
        // SAFETY: items `count..len` are initialised and owned by no one else; moving them to
        // the front hands them back to the vector.
        unsafe {
            let base = items.as_mut_ptr();
            std::ptr::copy(base.add(count), base, len - count);
            items.set_len(len - count);
        }
    }

    /// Moves the items of indices `head..head + count` to the end of `out`, in order.
    ///
    /// # Safety
    /// As for [`LamportRing::read`], for every one of the `count` slots.
    #[inline]
    pub(crate) unsafe fn read_into(&self, head: usize, out: &mut Vec<T>, count: usize) {
        // Reserve first: nothing below can panic once items start moving out of the ring.
        out.reserve(count);
        let len = out.len();
        // SAFETY: `reserve` made room for `count` more items after `len`.
        let dst = unsafe { out.as_mut_ptr().add(len) };
        let (run, wrapped) = self.runs(head, count);
        for (offset, cells) in [(0, run), (run.len(), wrapped)] {
            for (i, cell) in cells.iter().enumerate() {
                // SAFETY: the caller guarantees the slot holds an initialised item that is
                // moved out once; `dst + offset + i` lies in the reserved spare capacity.
                cell.with(|slot| unsafe { dst.add(offset + i).write((*slot).assume_init_read()) });
            }
        }
        // SAFETY: the `count` places after `len` were initialised above.
        unsafe { out.set_len(len + count) };
    }

    /// Marks the producer gone. Release: every push it made happens before a consumer sees the
    /// flag with the acquire load in [`LamportRing::is_producer_gone`].
    pub(crate) fn mark_producer_gone(&self) {
        self.producer_gone.store(true, Ordering::Release);
    }

    /// True once the producer has dropped. Acquire: pairs with the release store in
    /// [`LamportRing::mark_producer_gone`], so every item pushed before the drop is visible.
    pub(crate) fn is_producer_gone(&self) -> bool {
        self.producer_gone.load(Ordering::Acquire)
    }

    /// Marks the consumer gone. Release, for symmetry: nothing the producer does depends on
    /// the consumer's memory, but the flag must not be seen before the consumer's last pop.
    pub(crate) fn mark_consumer_gone(&self) {
        self.consumer_gone.store(true, Ordering::Release);
    }

    /// True once the consumer has dropped. Acquire: pairs with
    /// [`LamportRing::mark_consumer_gone`].
    pub(crate) fn is_consumer_gone(&self) -> bool {
        self.consumer_gone.load(Ordering::Acquire)
    }
}

impl<T> Drop for LamportRing<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means both halves are gone, and the `Arc` that owned the ring
        // synchronised their last stores with this thread before dropping it. The shared
        // indices are exact: every design publishes its index before each call returns.
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        let mut index = head;
        while index != tail {
            // SAFETY: slots in `head..tail` hold initialised items that were never moved out,
            // and no other thread can touch the ring any more; each is dropped once.
            self.slots[index & self.mask].with_mut(|slot| unsafe { (*slot).assume_init_drop() });
            index = index.wrapping_add(1);
        }
    }
}

impl<T> std::fmt::Debug for LamportRing<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LamportRing")
            .field("capacity", &self.capacity)
            .field("slots", &self.slots.len())
            .field("head", &self.head.load(Ordering::Relaxed))
            .field("tail", &self.tail.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
