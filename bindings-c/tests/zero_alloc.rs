//! The C API's lookups allocate nothing (counting global allocator).
//!
//! The count is per thread: the test harness's own threads allocate while
//! the test runs (more so on a loaded machine), and must not be counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use manageout_c::*;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_counter_sees_this_threads_allocations() {
    let before = allocations();
    drop(std::hint::black_box(vec![1u8; 64]));
    assert!(allocations() > before);
}

#[test]
fn c_lookups_allocate_nothing() {
    let path = c"../examples/seed-fixed.toml";
    let mut t: *const mo_table = std::ptr::null();
    // SAFETY: valid NUL-terminated path and out pointer.
    assert_eq!(
        unsafe { mo_table_from_file(path.as_ptr(), &mut t) },
        mo_result::MO_OK
    );
    let mut r: *mut mo_router = std::ptr::null_mut();
    // SAFETY: `t` is a live table reference, handed to the router.
    assert_eq!(
        unsafe { mo_router_new(mo_table_clone(t), &mut r) },
        mo_result::MO_OK
    );
    let addrs: Vec<u8> = (0..1000u32)
        .flat_map(|i| ((0x2131_u128 << 112) | (0x1000 << 64) | (u128::from(i) << 60)).to_be_bytes())
        .collect();
    let mut out = vec![0i32; 1000];
    let mut hop = [0u8; 16];
    // the router's first load registers this thread with arc-swap
    // SAFETY: `r` is live; `addrs` holds at least 16 bytes.
    unsafe { mo_router_lookup(r, addrs.as_ptr()) };
    let before = allocations();
    let mut hits = 0;
    for a in addrs.chunks_exact(16) {
        // SAFETY: live handles; 16-byte address and next-hop buffers.
        unsafe {
            hits += i32::from(mo_table_lookup(t, a.as_ptr()) >= 0);
            hits += i32::from(mo_router_lookup(r, a.as_ptr()) >= 0);
            hits += i32::from(mo_router_lookup_next_hop(r, a.as_ptr(), hop.as_mut_ptr()) >= 0);
        }
    }
    // SAFETY: `addrs` holds 16 * 1000 bytes and `out` 1000 values.
    unsafe {
        mo_table_lookup_batch(t, addrs.as_ptr(), 1000, out.as_mut_ptr());
        mo_router_lookup_batch(r, addrs.as_ptr(), 1000, out.as_mut_ptr());
    }
    let after = allocations();
    assert!(hits > 0);
    assert_eq!(after - before, 0, "C lookups allocated");
    // SAFETY: each handle is freed once.
    unsafe {
        mo_router_free(r);
        mo_table_free(t);
    }
}
