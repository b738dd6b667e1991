//! The slot ring shared by the FastForward family of queues ([`fastforward`], [`iffq`],
//! [`biffq`]): an array of slots whose own contents say whether they are full or empty, with no
//! shared head or tail index, and the consumer half all three designs use.
//!
//! # How a slot marks full and empty
//! FastForward (Giacomoni et al.) and its improved variants (Maffione, Lettieri, Rizzo 2019)
//! carry pointers and mark an empty slot with NULL. A generic `T` has no spare value, so here each
//! slot holds an [`AtomicBool`] flag next to the item: the producer writes the item, then sets the
//! flag with a release store; the consumer reads the flag with an acquire load, then the item.
//! For 8-byte `Box<Batch>` handles the flag could fold into the pointer itself (NULL = empty),
//! halving the slot; that is future work.
//!
//! # Layout
//! A slot is the flag plus the item, `size_of::<Slot<T>>()` bytes: 16 for an 8-byte item, so
//! 4 slots share a 64-byte cache line; 72 for a 64-byte item, so no two items share a line but a
//! slot straddles two. When the slot size divides 64, up to a line of spare slots is allocated
//! and ring slot 0 is the first one on a cache-line boundary, so the improved designs' "lines"
//! of [`line_slots_for`] slots are real cache lines. That needs the allocation to be aligned to
//! the slot size (16 bytes for 8-byte items, which the system allocator gives on x86-64 Linux);
//! otherwise the ring starts at the first spare slot and lines straddle cache lines, which costs
//! speed, never correctness.
//!
//! # Lines and clearing
//! The consumer works in lines of `line` slots: it moves each item out and leaves the flag set,
//! and when it moves past the end of a line it clears the whole line's flags, the line's first
//! flag last with a release store. A producer that sees a line's first flag clear (acquire) may
//! therefore rewrite the whole line. FastForward proper is the case `line == 1`: every slot is
//! cleared as soon as it is read.
//!
//! [`fastforward`]: super::fastforward
//! [`iffq`]: super::iffq
//! [`biffq`]: super::biffq

use std::mem::MaybeUninit;

use super::sync::{Arc, AtomicBool, AtomicUsize, Ordering, UnsafeCell};

/// The cache line size the slot layout is planned for (bytes).
pub(crate) const CACHE_LINE: usize = 64;

/// One slot: the item and the flag that says whether it holds one.
pub(crate) struct Slot<T> {
    /// True while the slot holds an item the consumer has not cleared.
    full: AtomicBool,
    /// Initialised exactly while `full` is set and the item has not been moved out.
    item: UnsafeCell<MaybeUninit<T>>,
}

/// How many slots of items `T` fill one cache line (at least 1): the line length the improved
/// designs use.
pub(crate) fn line_slots_for<T>() -> usize {
    (CACHE_LINE / size_of::<Slot<T>>()).max(1)
}

/// The shared part of a FastForward-family queue: the slots and the end-of-stream flags.
pub(crate) struct SlotRing<T> {
    /// `base + len` slots, plus spare ones so that slot `base` starts a cache line.
    slots: Box<[Slot<T>]>,
    /// The index in `slots` of ring slot 0.
    base: usize,
    /// Slots in the ring (N), a multiple of `line`.
    len: usize,
    /// Slots per line (H): the consumer clears a line at a time.
    line: usize,
    /// Set by the producer's drop.
    producer_gone: AtomicBool,
    /// Set by the consumer's drop.
    consumer_gone: AtomicBool,
    /// The consumer's read index, stored by its drop, so the ring's drop knows which full
    /// slots were already moved out.
    consumer_read: AtomicUsize,
}

// SAFETY: the ring owns items of type `T`, moved in by one thread and out by another: sending
// the ring needs `T: Send`.
unsafe impl<T: Send> Send for SlotRing<T> {}
// SAFETY: both halves share the ring, but each item cell is accessed by one side at a time: the
// producer only writes a cell whose flag it saw clear (or that it reserved by seeing its line's
// first flag clear), the consumer only reads a cell whose flag it saw set; the release/acquire
// pairs on the flags order the two. `T: Send` is enough because no `&T` is ever shared.
unsafe impl<T: Send> Sync for SlotRing<T> {}

impl<T> SlotRing<T> {
    /// A ring of `len` empty slots cleared in lines of `line` slots.
    ///
    /// # Panics
    /// Unless `line >= 1` and `len` is a positive multiple of `line`.
    pub(crate) fn new(len: usize, line: usize) -> Arc<Self> {
        assert!(
            line >= 1 && len >= line && len.is_multiple_of(line),
            "ring of {len} slots, lines of {line}"
        );
        let size = size_of::<Slot<T>>();
        let spare =
            if size > 0 && CACHE_LINE.is_multiple_of(size) { CACHE_LINE / size - 1 } else { 0 };
        let slots: Box<[Slot<T>]> = (0..len + spare)
            .map(|_| Slot {
                full: AtomicBool::new(false),
                item: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        let address = slots.as_ptr() as usize;
        let base =
            (0..=spare).find(|i| (address + i * size).is_multiple_of(CACHE_LINE)).unwrap_or(0);
        Arc::new(SlotRing {
            slots,
            base,
            len,
            line,
            producer_gone: AtomicBool::new(false),
            consumer_gone: AtomicBool::new(false),
            consumer_read: AtomicUsize::new(0),
        })
    }

    /// Slots in the ring (N).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Slots per line (H).
    #[inline]
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// The index after `index`, wrapping at the end of the ring.
    #[inline]
    pub(crate) fn next(&self, index: usize) -> usize {
        if index + 1 == self.len { 0 } else { index + 1 }
    }

    #[inline]
    fn slot(&self, index: usize) -> &Slot<T> {
        &self.slots[self.base + index]
    }

    /// Whether slot `index` is marked full, read with acquire ordering.
    #[inline]
    pub(crate) fn is_full(&self, index: usize) -> bool {
        // Acquire: pairs with the release store that last changed the flag. Seen set (by the
        // consumer): the producer's item write happened before. Seen clear (by the producer):
        // the consumer's move out of the item (and of its whole line) happened before.
        self.slot(index).full.load(Ordering::Acquire)
    }

    /// Writes `item` into slot `index` without marking it full.
    ///
    /// # Safety
    /// Only the producer calls this, on a slot it knows the consumer has cleared (its flag, or
    /// its line's first flag, was seen clear with acquire ordering) and has not written since.
    #[inline]
    pub(crate) unsafe fn write(&self, index: usize, item: T) {
        // SAFETY: by the caller's contract the consumer is done with this cell and will not
        // touch it until a release store marks it full, so this write is exclusive.
        self.slot(index).item.with_mut(|cell| unsafe { (*cell).write(item) });
    }

    /// Marks slot `index` full, publishing the item written there.
    #[inline]
    pub(crate) fn publish(&self, index: usize) {
        // Release: the item write happens before a consumer's acquire load sees the flag set.
        self.slot(index).full.store(true, Ordering::Release);
    }

    /// Moves the item out of slot `index`, leaving its flag set.
    ///
    /// # Safety
    /// Only the consumer calls this, once per publication, on a slot it saw full with acquire
    /// ordering.
    #[inline]
    pub(crate) unsafe fn take(&self, index: usize) -> T {
        // SAFETY: the flag was seen set with acquire ordering, so the producer's write of an
        // initialised item happened before; the producer will not write the cell again until the
        // consumer clears it; and the consumer reads each publication once, so this is the
        // only move out of the item.
        self.slot(index).item.with(|cell| unsafe { (*cell).assume_init_read() })
    }

    /// The consumer's next index after it has moved the item out of slot `read`; when that
    /// finishes a line, clears the line for the producer.
    #[inline]
    fn step_past(&self, read: usize) -> usize {
        let next = self.next(read);
        if next.is_multiple_of(self.line) {
            let start = if next == 0 { self.len } else { next } - self.line;
            self.clear_line(start);
        }
        next
    }

    /// Clears the flags of the line starting at `start`, the first flag last.
    fn clear_line(&self, start: usize) {
        for index in (start + 1..start + self.line).rev() {
            // Relaxed: the producer rewrites this slot only after seeing the line's first flag
            // clear, and the release store below orders this store before that.
            self.slot(index).full.store(false, Ordering::Relaxed);
        }
        // Release: every item moved out of this line, and every flag cleared above, happens
        // before the producer's acquire load sees this flag clear and rewrites the line.
        self.slot(start).full.store(false, Ordering::Release);
    }

    /// Marks the producer gone (its drop).
    pub(crate) fn abandon_by_producer(&self) {
        // Release: every push happens before a consumer's acquire load sees the flag.
        self.producer_gone.store(true, Ordering::Release);
    }

    /// True once the consumer has been dropped.
    pub(crate) fn consumer_is_gone(&self) -> bool {
        // Acquire: pairs with the release store in the consumer's drop (nothing is read after
        // it, but the pairing keeps the flag's meaning the same on both halves).
        self.consumer_gone.load(Ordering::Acquire)
    }
}

impl<T> Drop for SlotRing<T> {
    fn drop(&mut self) {
        // Both halves are gone (the last `Arc` drops the ring, which synchronises with the other
        // half's drop), so plain relaxed loads see every store.
        let read = self.consumer_read.load(Ordering::Relaxed);
        // Slots in `read`'s line before `read` were moved out but not yet cleared.
        let moved_out = read - read % self.line..read;
        for index in 0..self.len {
            if moved_out.contains(&index) || !self.slot(index).full.load(Ordering::Relaxed) {
                continue;
            }
            // SAFETY: the flag is set and the consumer has not moved the item out (it is not in
            // the consumer's uncleared part of a line), so the cell holds an initialised item
            // that nobody else can reach any more.
            self.slot(index).item.with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }
}

/// The consumer half every FastForward-family design uses: reads slot `read` while its flag is
/// set and clears lines once it has moved past them.
pub(crate) struct SlotConsumer<T> {
    ring: Arc<SlotRing<T>>,
    /// The next slot to read; private to the consumer.
    read: usize,
}

impl<T> SlotConsumer<T> {
    /// The consumer of `ring`.
    pub(crate) fn new(ring: Arc<SlotRing<T>>) -> Self {
        SlotConsumer { ring, read: 0 }
    }

    /// Pops the oldest item, or `None` when slot `read` is empty.
    #[inline]
    pub(crate) fn try_pop(&mut self) -> Option<T> {
        let ring = &*self.ring;
        if !ring.is_full(self.read) {
            return None;
        }
        // SAFETY: `is_full` saw the flag set with acquire ordering, and `read` moves on below,
        // so this publication is taken once.
        let item = unsafe { ring.take(self.read) };
        self.read = ring.step_past(self.read);
        Some(item)
    }

    /// Appends up to `max` of the oldest items to `out`; returns how many.
    ///
    /// Every slot's flag is still checked on its own (the design has no index to read a count
    /// from), but the loop keeps `read` in a register and reserves `out` once.
    pub(crate) fn pop_into(&mut self, out: &mut Vec<T>, max: usize) -> usize {
        let ring = &*self.ring;
        let mut read = self.read;
        let mut popped = 0;
        // At most a ring's worth can be full; reserving that much (or `max`) up front keeps
        // the pushes below from reallocating.
        out.reserve(max.min(ring.len()));
        while popped < max && ring.is_full(read) {
            // SAFETY: `is_full` saw the flag set with acquire ordering, and `read` moves on
            // below, so this publication is taken once.
            out.push(unsafe { ring.take(read) });
            popped += 1;
            read = ring.step_past(read);
        }
        self.read = read;
        popped
    }

    /// True once the producer has been dropped.
    pub(crate) fn is_abandoned(&self) -> bool {
        // Acquire: pairs with the release store in the producer's drop, so every item it
        // published is visible to the pops that follow.
        self.ring.producer_gone.load(Ordering::Acquire)
    }

    /// The ring this consumer reads.
    pub(crate) fn ring(&self) -> &SlotRing<T> {
        &self.ring
    }
}

impl<T> Drop for SlotConsumer<T> {
    fn drop(&mut self) {
        // Relaxed: read by the ring's drop, which the `Arc` orders after this.
        self.ring.consumer_read.store(self.read, Ordering::Relaxed);
        // Release: pairs with the acquire load in `consumer_is_gone`.
        self.ring.consumer_gone.store(true, Ordering::Release);
    }
}

/// The producer core of the improved designs ([`iffq`](super::iffq), [`biffq`](super::biffq)):
/// it may write every slot from `write` up to `limit`, and moves `limit` on a line at a time,
/// after checking that the line *after* the one it is about to write is empty. So the producer
/// never writes the line the consumer may still be reading, and a full ring keeps one line free.
pub(crate) struct LineProducer<T> {
    ring: Arc<SlotRing<T>>,
    /// The next slot to write; private to the producer.
    write: usize,
    /// A line boundary at most `len - line` slots past `write`: slots `write..limit` are known
    /// to be cleared.
    limit: usize,
}

impl<T> LineProducer<T> {
    /// The producer of `ring`, which must have at least two lines.
    pub(crate) fn new(ring: Arc<SlotRing<T>>) -> Self {
        assert!(ring.len() >= 2 * ring.line(), "an improved FastForward ring needs two lines");
        LineProducer { ring, write: 0, limit: 0 }
    }

    /// The ring this producer writes.
    pub(crate) fn ring(&self) -> &SlotRing<T> {
        &self.ring
    }

    /// How many slots from `write` on may be written now, up to `wanted`: moves `limit` on by
    /// whole lines while the line after each is empty.
    #[inline]
    pub(crate) fn reserve(&mut self, wanted: usize) -> usize {
        let ring = &*self.ring;
        let (len, line) = (ring.len(), ring.line());
        // `limit - write` is below `len`, so the wrapped difference is exact.
        let mut room = (self.limit + len - self.write) % len;
        // The line being written (the one holding `write`) begins `offset` slots before it.
        let offset = self.write % line;
        // Stop before the line to check is the one holding `write`: this call has not
        // published that line's first slot, so its flag would say nothing about the consumer.
        while room < wanted && offset + room + line < len {
            let ahead = (self.limit + line) % len;
            if ring.is_full(ahead) {
                break;
            }
            self.limit = ahead;
            room += line;
        }
        room.min(wanted)
    }

    /// Writes `item` into the next reserved slot, without publishing it; returns its index.
    ///
    /// # Safety
    /// A slot must be reserved: the last [`reserve`](Self::reserve) returned more slots than
    /// have been written since.
    #[inline]
    pub(crate) unsafe fn write_reserved(&mut self, item: T) -> usize {
        let index = self.write;
        // SAFETY: the slot lies in `write..limit`, which `reserve` found cleared by the consumer
        // (its line's first flag was seen clear with acquire ordering); only this producer
        // writes, and `write` moves past it below.
        unsafe { self.ring.write(index, item) };
        self.write = self.ring.next(index);
        index
    }
}

impl<T> Drop for LineProducer<T> {
    fn drop(&mut self) {
        self.ring.abandon_by_producer();
    }
}

/// Implements [`Consumer`](super::Consumer) for a design's consumer type, a newtype over
/// [`SlotConsumer`] whose capacity is `$capacity(ring)`.
macro_rules! slot_consumer_impl {
    ($consumer:ident, $capacity:expr) => {
        impl<T: Send> $crate::queue::Consumer<T> for $consumer<T> {
            #[inline]
            fn try_pop(&mut self) -> Option<T> {
                self.0.try_pop()
            }

            fn pop_into(&mut self, out: &mut Vec<T>, max: usize) -> usize {
                self.0.pop_into(out, max)
            }

            fn capacity(&self) -> usize {
                let capacity: fn(&$crate::queue::slot_ring::SlotRing<T>) -> usize = $capacity;
                capacity(self.0.ring())
            }

            fn is_abandoned(&self) -> bool {
                self.0.is_abandoned()
            }
        }
    };
}
pub(crate) use slot_consumer_impl;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "Miri's allocator aligns to the type (8 bytes), not glibc's 16")]
    fn ring_slot_zero_starts_a_cache_line_for_8_byte_items() {
        assert_eq!(size_of::<Slot<u64>>(), 16);
        for len in [4, 8, 64] {
            let ring = SlotRing::<u64>::new(len, 4);
            let address = ring.slot(0) as *const Slot<u64> as usize;
            assert_eq!(address % CACHE_LINE, 0, "ring of {len}");
        }
    }
}
