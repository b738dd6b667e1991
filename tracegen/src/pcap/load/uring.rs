//! The `io_uring` loader: several reads in flight at successive file offsets, each into one of a
//! few reused buffers, handed to the caller in file order.
//!
//! Chunk `k` (file offset `k * buffer_len`) is read into buffer `k mod buffers`. At the start
//! every buffer's read is submitted; when the caller asks for the next chunk, the buffer it had
//! last is resubmitted for the next chunk not yet requested, so the kernel reads ahead while the
//! caller decodes. A short read is resubmitted for the rest of its buffer; a read that returns 0
//! is the end of the file (in file order: whatever the file's size was at open), and nothing
//! past it is asked for. An error is reported when the caller reaches its chunk, after the
//! bytes read before it, so the reader's offset is where reading stopped.
//!
//! Memory safety rests on three rules, each checked where it matters:
//! 1. the buffers outlive every operation that writes them: [`Drop`] reaps every operation in
//!    flight before it frees them (and leaks them if the kernel will not say they are done);
//! 2. a buffer is never handed to the caller while the kernel may write it: only a buffer
//!    whose completion has been reaped is lent, and it is resubmitted only when the caller
//!    asks for the next chunk, which ends the loan (the borrow checker enforces that);
//! 3. every read stays inside its own buffer.

use std::alloc::{self, Layout};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use io_uring::{IoUring, Probe, opcode, types};

use super::{ByteSource, OpenError, require_regular_file};

/// The largest buffer the loader uses (a read's length is a 32-bit number).
const MAX_BUFFER_LEN: usize = 1 << 30;

/// How the io_uring loader sizes its buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UringTuning {
    /// Buffers, each with one read in flight (at most as many as the file needs, plus one to
    /// see its end).
    pub buffers: usize,
    /// Bytes per buffer (rounded up to whole pages; at most 1 GiB).
    pub buffer_len: usize,
    /// Make every read go to the kernel's io worker threads (`IOSQE_ASYNC`) instead of being
    /// done inline at submission when its pages are cached: the copy then runs on another
    /// core while the caller decodes.
    pub async_reads: bool,
    /// Tests: make the ring's setup fail with this `errno`, as a kernel without io_uring
    /// (`ENOSYS`) or one that forbids it (`EPERM`) does, to check the fallback.
    pub fail_setup_with_errno: Option<i32>,
}

impl UringTuning {
    /// For streaming: 8 buffers of 1 MiB (bounded memory: `buffers * buffer_len`). Measured on
    /// a 3.5 GB header-only trace (2-core VM): with the page cache warm, 4 to 16 buffers of
    /// 1 MiB decode at the same speed as `read(2)` (reads of cached pages are done inline at
    /// submission), 4 MiB buffers and 256 KiB ones were slower (the chunk falls out of the
    /// cache before it is decoded, or the calls cost more); cold, 8 reads of 1 MiB in flight
    /// beat 4 of 1 MiB and 8 or 16 of 2 to 4 MiB.
    pub fn stream() -> Self {
        Self { buffers: 8, buffer_len: 1 << 20, async_reads: false, fail_setup_with_errno: None }
    }

    /// For reading a whole file into memory: the same as [`stream`](Self::stream), as larger
    /// buffers measured no faster (the time goes into the frame buffer's fresh pages).
    pub fn preload() -> Self {
        Self::stream()
    }
}

impl Default for UringTuning {
    fn default() -> Self {
        Self::stream()
    }
}

/// What one buffer is doing.
#[derive(Debug)]
enum SlotState {
    /// Not in use: past the end of the file.
    Idle,
    /// A read into it is queued or running: the kernel may write it.
    InFlight,
    /// Its chunk is complete (full, or ended by the end of the file or an error); the kernel
    /// will not touch it until it is resubmitted.
    Done(Option<io::Error>),
}

/// One buffer and the chunk it holds.
#[derive(Debug)]
struct Slot {
    /// Index of the chunk (file offset `chunk * buffer_len`).
    chunk: u64,
    /// Bytes of the chunk read so far.
    filled: usize,
    state: SlotState,
}

/// The buffers, one allocation of `count * len` page-aligned bytes, never initialised by us:
/// only bytes the kernel wrote are ever read.
struct BufferArena {
    base: *mut u8,
    count: usize,
    len: usize,
    layout: Layout,
}

impl BufferArena {
    fn new(count: usize, len: usize) -> io::Result<Self> {
        let too_big = || io::Error::new(io::ErrorKind::InvalidInput, "io_uring buffers too large");
        let total = count.checked_mul(len).ok_or_else(too_big)?;
        let layout = Layout::from_size_align(total, 4096).map_err(|_| too_big())?;
        // SAFETY: `total` is non-zero (count and len are at least 1 and a page).
        let base = unsafe { alloc::alloc(layout) };
        if base.is_null() {
            alloc::handle_alloc_error(layout);
        }
        Ok(Self { base, count, len, layout })
    }

    /// The start of buffer `i` (`i < count`).
    fn ptr(&self, i: usize) -> *mut u8 {
        debug_assert!(i < self.count, "buffer {i} of {}", self.count);
        // In bounds for every i < count; computing the address is safe either way, and only
        // the callers' reads and writes through it need it in bounds.
        self.base.wrapping_add(i * self.len)
    }
}

/// A file read through an io_uring with several reads in flight.
pub struct UringSource {
    ring: IoUring,
    file: File,
    size: u64,
    buffers: BufferArena,
    buffer_len: usize,
    slots: Vec<Slot>,
    async_reads: bool,
    /// The chunk the caller gets next.
    next_chunk: u64,
    /// The first chunk not yet asked of the kernel.
    next_request: u64,
    /// The buffer the caller holds (its chunk's bytes), until it asks for the next.
    lent: Option<usize>,
    /// Reads queued or running.
    in_flight: usize,
    /// A read returned 0 or failed: nothing past it is asked for.
    stop_requesting: bool,
    /// An error to report at the next call (after the bytes read before it were handed out).
    pending_error: Option<io::Error>,
    /// The end (or an error) was reported.
    ended: bool,
    /// Completions reaped but not yet handled (reused to avoid allocating per wait).
    reaped: Vec<(u64, i32)>,
}

impl UringSource {
    /// Reads `file` (a regular file) from its start.
    ///
    /// # Errors
    /// [`OpenError::Unavailable`] where io_uring cannot be used here (the kernel refuses the
    /// ring, or lacks the read operation) or `file` is not a regular file.
    pub(crate) fn from_file(file: File, tuning: &UringTuning) -> Result<Self, OpenError> {
        let size = require_regular_file(&file)?;
        let page = 4096;
        let buffer_len = tuning.buffer_len.clamp(1, MAX_BUFFER_LEN).next_multiple_of(page);
        // Enough buffers for the whole file and the read that sees its end, at most as many
        // as asked for.
        let needed = usize::try_from(size / buffer_len as u64 + 1).unwrap_or(usize::MAX);
        let count = tuning.buffers.max(1).min(needed);
        let ring = setup_ring(count, tuning.fail_setup_with_errno)?;
        let buffers = BufferArena::new(count, buffer_len)?;
        let slots =
            (0..count).map(|_| Slot { chunk: 0, filled: 0, state: SlotState::Idle }).collect();
        let mut source = Self {
            ring,
            file,
            size,
            buffers,
            buffer_len,
            slots,
            async_reads: tuning.async_reads,
            next_chunk: 0,
            next_request: 0,
            lent: None,
            in_flight: 0,
            stop_requesting: false,
            pending_error: None,
            ended: false,
            reaped: Vec::with_capacity(count),
        };
        for slot in 0..count {
            source.request_next(slot);
        }
        // A kernel (or a seccomp filter) may allow the ring's setup but refuse its use.
        source
            .submit()
            .map_err(|e| OpenError::Unavailable(format!("io_uring_enter failed: {e}")))?;
        Ok(source)
    }

    /// Gives buffer `slot` the next chunk not yet requested and queues its read.
    fn request_next(&mut self, slot: usize) {
        if self.stop_requesting {
            self.slots[slot].state = SlotState::Idle;
            return;
        }
        let s = &mut self.slots[slot];
        s.chunk = self.next_request;
        s.filled = 0;
        self.next_request += 1;
        self.queue_read(slot);
    }

    /// Queues a read of the rest of buffer `slot`'s chunk.
    fn queue_read(&mut self, slot: usize) {
        let s = &mut self.slots[slot];
        let offset = s.chunk * self.buffer_len as u64 + s.filled as u64;
        let len = self.buffer_len - s.filled;
        // `filled < buffer_len`, so the pointer stays inside buffer `slot`.
        let ptr = self.buffers.ptr(slot).wrapping_add(s.filled);
        // Buffers are at most MAX_BUFFER_LEN (1 GiB) long, so the length fits.
        let len = len as u32;
        let mut read = opcode::Read::new(types::Fd(self.file.as_raw_fd()), ptr, len)
            .offset(offset)
            .build()
            .user_data(slot as u64);
        if self.async_reads {
            read = read.flags(io_uring::squeue::Flags::ASYNC);
        }
        s.state = SlotState::InFlight;
        // SAFETY: the read writes at most `len` bytes at `ptr`, inside buffer `slot` (rule 3).
        // The buffer is not lent (the caller's loan ended when it asked for the next chunk, or
        // it was never lent) and is marked in flight, so it is not lent again before its
        // completion is reaped (rule 2). The arena lives until Drop, which reaps every read
        // in flight first (rule 1). The queue has room: it has an entry per buffer, and each
        // buffer has at most one read queued or running.
        let pushed = unsafe { self.ring.submission().push(&read) };
        debug_assert!(pushed.is_ok(), "one queue entry per buffer");
        if pushed.is_ok() {
            self.in_flight += 1;
        } else {
            // Cannot happen (see above); were it to, the chunk ends here with an error.
            self.slots[slot].state = SlotState::Done(Some(io::Error::other("io_uring full")));
        }
    }

    /// Hands the queued reads to the kernel without waiting.
    fn submit(&mut self) -> io::Result<()> {
        loop {
            match self.ring.submit() {
                Ok(_) => return Ok(()),
                Err(e) if retry_submit(&e) => {
                    // The kernel is busy: the entries stay queued and go with the next wait.
                    if e.raw_os_error() != Some(libc::EINTR) {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits for at least one completion (submitting what is queued) and handles every
    /// completion there is.
    fn wait_and_reap(&mut self) -> io::Result<()> {
        match self.ring.submit_and_wait(1) {
            Ok(_) => {}
            Err(e) if retry_submit(&e) => {}
            Err(e) => return Err(e),
        }
        self.reap();
        Ok(())
    }

    /// Handles every completion in the completion queue.
    fn reap(&mut self) {
        let mut reaped = std::mem::take(&mut self.reaped);
        reaped.extend(self.ring.completion().map(|c| (c.user_data(), c.result())));
        for &(user_data, result) in &reaped {
            self.complete(user_data as usize, result);
        }
        reaped.clear();
        self.reaped = reaped;
    }

    /// Handles one read's completion: `result` bytes read, or `-errno`.
    fn complete(&mut self, slot: usize, result: i32) {
        self.in_flight -= 1;
        match result {
            0 => {
                // The end of the file (at this chunk's offset plus what it holds).
                self.slots[slot].state = SlotState::Done(None);
                self.stop_requesting = true;
            }
            n if n > 0 => {
                let s = &mut self.slots[slot];
                s.filled += n as usize;
                if s.filled == self.buffer_len {
                    s.state = SlotState::Done(None);
                } else {
                    // A short read: ask for the rest (a read returning 0 will say it is the end).
                    self.queue_read(slot);
                }
            }
            e if e == -libc::EINTR || e == -libc::EAGAIN => self.queue_read(slot),
            e => {
                // Reported after the chunk's bytes read so far, so the reader's offset is
                // where this read failed.
                self.slots[slot].state = SlotState::Done(Some(io::Error::from_raw_os_error(-e)));
                self.stop_requesting = true;
            }
        }
    }
}

impl ByteSource for UringSource {
    fn next_chunk(&mut self) -> io::Result<Option<&[u8]>> {
        // The caller is done with the chunk it had: its buffer reads ahead again (rule 2).
        if let Some(slot) = self.lent.take() {
            self.request_next(slot);
            self.submit()?;
        }
        if let Some(e) = self.pending_error.take() {
            self.ended = true;
            return Err(e);
        }
        if self.ended {
            return Ok(None);
        }
        let slot = (self.next_chunk % self.slots.len() as u64) as usize;
        while matches!(self.slots[slot].state, SlotState::InFlight) {
            self.wait_and_reap()?;
        }
        let s = &mut self.slots[slot];
        let filled = s.filled;
        let (full, error) = match std::mem::replace(&mut s.state, SlotState::Idle) {
            SlotState::Done(error) => (filled == self.buffer_len && error.is_none(), error),
            // Never requested: past the end of the file.
            SlotState::Idle | SlotState::InFlight => (false, None),
        };
        if !full {
            // This chunk is the last: it ends at the end of the file, or at an error that is
            // reported now (where the chunk has no bytes) or at the next call.
            match error {
                Some(e) if filled == 0 => {
                    self.ended = true;
                    return Err(e);
                }
                Some(e) => self.pending_error = Some(e),
                None if filled == 0 => {
                    self.ended = true;
                    return Ok(None);
                }
                None => self.ended = true,
            }
        }
        self.next_chunk += 1;
        self.lent = Some(slot);
        // SAFETY: the slot's read completed (its state was Done, set only when its completion
        // was reaped) and it is not resubmitted before the caller's next call, which ends this
        // borrow: the kernel does not write these `filled` bytes while the caller reads them
        // (rule 2), and it wrote every one of them.
        let chunk = unsafe { std::slice::from_raw_parts(self.buffers.ptr(slot), filled) };
        Ok(Some(chunk))
    }

    fn size_hint(&self) -> u64 {
        self.size
    }
}

impl Drop for UringSource {
    fn drop(&mut self) {
        // Rule 1: no read may still be writing a buffer when the arena is freed. Buffered file
        // reads cannot be cancelled midway, and the last ones end within a buffer's copy, so
        // wait for them.
        while self.in_flight > 0 {
            match self.ring.submit_and_wait(self.in_flight) {
                Ok(_) => {}
                Err(e) if retry_submit(&e) => {}
                Err(_) => {
                    // The kernel will not say the reads are done: leak the buffers rather than
                    // free memory it may still write.
                    return;
                }
            }
            for c in self.ring.completion() {
                let _ = c;
                self.in_flight -= 1;
            }
        }
        // SAFETY: no read is in flight (every submitted read's completion was reaped), so the
        // kernel no longer writes the arena, and no chunk is borrowed (we have `&mut self`);
        // the arena was allocated with this layout.
        unsafe { alloc::dealloc(self.buffers.base, self.buffers.layout) };
    }
}

/// Whether a failed `io_uring_enter` is worth retrying: interrupted, or the kernel is short of
/// completion space or memory for a moment.
fn retry_submit(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EINTR | libc::EBUSY | libc::EAGAIN))
}

/// A ring with an entry per buffer, if the kernel gives one and can read files through it.
fn setup_ring(entries: usize, fail_with: Option<i32>) -> Result<IoUring, OpenError> {
    let unavailable = |e: io::Error| OpenError::Unavailable(format!("io_uring_setup failed: {e}"));
    if let Some(errno) = fail_with {
        return Err(unavailable(io::Error::from_raw_os_error(errno)));
    }
    let entries = u32::try_from(entries.next_power_of_two()).unwrap_or(1 << 15);
    let ring = IoUring::new(entries).map_err(unavailable)?;
    let mut probe = Probe::new();
    let can_read = ring.submitter().register_probe(&mut probe).is_ok()
        && probe.is_supported(opcode::Read::CODE);
    if !can_read {
        return Err(OpenError::Unavailable(
            "io_uring cannot read files here (IORING_OP_READ needs Linux 5.6)".into(),
        ));
    }
    Ok(ring)
}
