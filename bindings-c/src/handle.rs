//! The only place that turns Rust values into C pointers and back
//! (`Arc::into_raw`, `Arc::from_raw`, `Box::into_raw`, `Box::from_raw`), and reads
//! addresses and batches from C memory.
//!
//! A C handle type is zero-sized and opaque; [`Castable`] names the Rust value
//! behind it and whether C holds it as an `Arc` (immutable, reference-counted,
//! handed out as `const`) or a `Box` (one owner).

use std::sync::Arc;

/// C holds the value as a counted `Arc` reference.
pub(crate) struct OwnershipArc;
/// C holds the value as a `Box`.
pub(crate) struct OwnershipBox;

/// Ties a C handle type to the Rust value behind it.
pub(crate) trait Castable {
    type Ownership;
    type RustType;
}

/// Hands a value to C as a new `const` reference.
pub(crate) fn to_arc_const_ptr<C: Castable<Ownership = OwnershipArc>>(
    value: C::RustType,
) -> *const C {
    Arc::into_raw(Arc::new(value)).cast()
}

/// Hands an `Arc` to C as a new `const` reference.
pub(crate) fn arc_to_const_ptr<C: Castable<Ownership = OwnershipArc>>(
    value: Arc<C::RustType>,
) -> *const C {
    Arc::into_raw(value).cast()
}

/// Borrows the value behind a `const` reference.
///
/// # Safety
/// `ptr` is NULL or a live reference made by [`to_arc_const_ptr`].
pub(crate) unsafe fn try_arc_ref<'a, C: Castable<Ownership = OwnershipArc>>(
    ptr: *const C,
) -> Option<&'a C::RustType> {
    // SAFETY: a non-NULL `ptr` points to a live `C::RustType` inside an Arc.
    unsafe { ptr.cast::<C::RustType>().as_ref() }
}

/// One more counted reference to the value behind `ptr` (the caller's stays).
///
/// # Safety
/// As [`try_arc_ref`].
pub(crate) unsafe fn clone_arc<C: Castable<Ownership = OwnershipArc>>(
    ptr: *const C,
) -> Option<Arc<C::RustType>> {
    if ptr.is_null() {
        return None;
    }
    let ptr = ptr.cast::<C::RustType>();
    // SAFETY: `ptr` came from Arc::into_raw and is live: taking one more strong
    // count and wrapping it is sound.
    unsafe {
        Arc::increment_strong_count(ptr);
        Some(Arc::from_raw(ptr))
    }
}

/// Takes over the reference `ptr` (the caller gives it up).
///
/// # Safety
/// `ptr` is NULL or a live reference the caller no longer uses.
pub(crate) unsafe fn take_arc<C: Castable<Ownership = OwnershipArc>>(
    ptr: *const C,
) -> Option<Arc<C::RustType>> {
    // SAFETY: per the contract, this reference moves into the Arc.
    (!ptr.is_null()).then(|| unsafe { Arc::from_raw(ptr.cast::<C::RustType>()) })
}

/// Releases the reference `ptr`; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or a live reference not released before.
pub(crate) unsafe fn free_arc<C: Castable<Ownership = OwnershipArc>>(ptr: *const C) {
    // SAFETY: per the contract.
    drop(unsafe { take_arc(ptr) });
}

/// Hands a value to C as its one owner.
pub(crate) fn to_box_ptr<C: Castable<Ownership = OwnershipBox>>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// Borrows the value behind an owned pointer.
///
/// # Safety
/// `ptr` is NULL or a live pointer made by [`to_box_ptr`].
pub(crate) unsafe fn try_box_ref<'a, C: Castable<Ownership = OwnershipBox>>(
    ptr: *const C,
) -> Option<&'a C::RustType> {
    // SAFETY: a non-NULL `ptr` points to a live boxed `C::RustType`.
    unsafe { ptr.cast::<C::RustType>().as_ref() }
}

/// Frees an owned pointer; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or a live pointer not freed before, used by no other thread.
pub(crate) unsafe fn free_box<C: Castable<Ownership = OwnershipBox>>(ptr: *mut C) {
    if !ptr.is_null() {
        // SAFETY: `ptr` came from Box::into_raw and is freed once.
        drop(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) });
    }
}

/// Writes `value` to `out`.
///
/// # Safety
/// `out` is non-NULL and writable.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: per the contract.
    unsafe { out.write(value) };
}

/// Reads the 16 bytes at `addr`, or `None` for NULL.
///
/// # Safety
/// `addr` is NULL or points to 16 readable bytes.
#[inline]
pub(crate) unsafe fn read_addr(addr: *const u8) -> Option<[u8; 16]> {
    if addr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees 16 readable bytes; no alignment is required.
    Some(unsafe { std::ptr::read_unaligned(addr.cast::<[u8; 16]>()) })
}

/// Writes 16 bytes to `out` (no alignment needed).
///
/// # Safety
/// `out` is non-NULL and has 16 writable bytes.
pub(crate) unsafe fn write_addr(out: *mut u8, bytes: [u8; 16]) {
    // SAFETY: per the contract.
    unsafe { std::ptr::write_unaligned(out.cast::<[u8; 16]>(), bytes) };
}

/// The `n` packed addresses and `n` result slots of a batch call, or `None` when a
/// pointer is NULL, `n` is 0, or `n` is larger than any C object can be.
///
/// # Safety
/// `addrs` is NULL or holds `16 * n` readable bytes; `out` is NULL or has room for
/// `n` int32_t; the two do not overlap.
#[inline]
pub(crate) unsafe fn batch_slices<'a>(
    addrs: *const u8,
    n: usize,
    out: *mut i32,
) -> Option<(&'a [[u8; 16]], &'a mut [i32])> {
    // no object in C is larger than isize::MAX bytes
    if n == 0 || addrs.is_null() || out.is_null() || n > isize::MAX as usize / 16 {
        return None;
    }
    // SAFETY: per the contract; `[u8; 16]` has alignment 1, so any address is
    // aligned; both lengths fit in isize.
    Some(unsafe {
        (
            std::slice::from_raw_parts(addrs.cast::<[u8; 16]>(), n),
            std::slice::from_raw_parts_mut(out, n),
        )
    })
}
