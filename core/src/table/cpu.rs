//! The only unsafe code of the lookup tables: a prefetch hint, and the detection
//! of the CPU features the trie's lookups are compiled for.

/// Whether the running CPU has the `popcnt` instruction, which the trie's lookups
/// are compiled for when it does.
pub(crate) fn has_popcnt() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    return std::arch::is_x86_feature_detected!("popcnt");
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    false
}

/// Asks the CPU to start loading the cache line holding byte `offset` of `slice[i]`
/// (if it is in bounds; otherwise some line nobody reads) without waiting for it.
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch<T>(slice: &[T], i: usize, offset: usize) {
    let p = slice
        .as_ptr()
        .wrapping_add(i)
        .cast::<i8>()
        .wrapping_add(offset);
    #[cfg(all(target_arch = "x86_64", target_feature = "sse", not(miri)))]
    // SAFETY: the only requirement of `_mm_prefetch` is the SSE target feature,
    // which the `cfg` above checks at compile time (every x86_64 target has it). A
    // prefetch is a hint: it never faults, whatever the address, and changes nothing
    // the program can observe; `p` is formed with `wrapping_add`, which is defined
    // for any offset.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse", not(miri))))]
    let _ = p;
}
