//! A software prefetch hint, for loops whose next memory accesses are known ahead.

/// Asks the CPU to bring the cache line at `p` into L1, without waiting for it.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a hint that never faults, whatever the address; SSE is part of
    // the x86_64 baseline, so the instruction exists on every target this compiles for.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
