//! `mo_router`: the current table of a farm, swapped atomically while other
//! threads look up (core's [`Router`] over shared tables).

use manageout::Router;

use crate::error::mo_result;
use crate::handle::{
    Castable, OwnershipBox, arc_to_const_ptr, free_box, read_addr, take_arc, to_box_ptr,
    try_box_ref, write_addr, write_out,
};
use crate::table::{FarmTable, mo_table};

/// The current table of a farm, swappable while other threads look up (opaque).
///
/// Thread safety: lookups, `mo_router_current` and `mo_router_swap` may be called
/// from any number of threads at once; each lookup sees the old or the new table,
/// never a mix, and none blocks. Lifetime: free the router once with
/// `mo_router_free`, after every other thread has stopped using it.
pub struct mo_router {
    _private: [u8; 0],
}

impl Castable for mo_router {
    type Ownership = OwnershipBox;
    type RustType = Router<FarmTable>;
}

/// A router serving table `t`, written to `*out` (free with `mo_router_free`).
/// Takes ownership of the reference `t`, even on error.
///
/// # Safety
/// `t` is NULL or a table reference the caller gives up; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_new(t: *const mo_table, out: *mut *mut mo_router) -> mo_result {
    ffi_boundary! {
        // SAFETY: per the contract, the reference moves here.
        let Some(table) = (unsafe { take_arc(t) }) else {
            return mo_result::MO_ERR_NULL;
        };
        if out.is_null() {
            return mo_result::MO_ERR_NULL;
        }
        // SAFETY: `out` is writable.
        unsafe { write_out(out, to_box_ptr::<mo_router>(Router::from_arc(table))) };
        mo_result::MO_OK
    }
}

/// The index of the server owning `addr` in the router's current table, or -1.
/// Lock-free; safe while another thread swaps. The index is only meaningful against
/// that table: use `mo_router_lookup_next_hop` or a `mo_router_current` snapshot
/// for the next hop.
///
/// # Safety
/// `r` is NULL or a live router; `addr` is NULL or 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_lookup(r: *const mo_router, addr: *const u8) -> i32 {
    ffi_boundary! {
        // SAFETY: per the contract.
        match (unsafe { try_box_ref(r) }, unsafe { read_addr(addr) }) {
            (Some(r), Some(a)) => r.load().lookup(a),
            _ => -1,
        }
    }
}

/// The index of the server owning `addr` and, when found, its next hop written to
/// `next_hop` (16 bytes; may be NULL), both from one snapshot. -1 when none.
///
/// # Safety
/// `r` is NULL or a live router; `addr` is NULL or 16 readable bytes; `next_hop` is
/// NULL or 16 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_lookup_next_hop(
    r: *const mo_router,
    addr: *const u8,
    next_hop: *mut u8,
) -> i32 {
    ffi_boundary! {
        // SAFETY: per the contract.
        let (Some(r), Some(a)) = (unsafe { try_box_ref(r) }, unsafe { read_addr(addr) }) else {
            return -1;
        };
        let snapshot = r.load();
        match snapshot.table.route(a) {
            None => -1,
            Some(route) => {
                if !next_hop.is_null() {
                    // SAFETY: `next_hop` has 16 writable bytes.
                    unsafe { write_addr(next_hop, route.next_hop.octets()) };
                }
                route.server.index() as i32
            }
        }
    }
}

/// Looks up `n` packed addresses against one snapshot of the current table.
///
/// # Safety
/// As `mo_table_lookup_batch`, with `r` NULL or a live router.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_lookup_batch(
    r: *const mo_router,
    addrs: *const u8,
    n: usize,
    out: *mut i32,
) {
    ffi_boundary! {
        // SAFETY: per the contract.
        if let Some(r) = unsafe { try_box_ref(r) } {
            // SAFETY: per the contract.
            unsafe { r.load().lookup_batch(addrs, n, out) };
        }
    }
}

/// A new reference to the router's current table (free it with `mo_table_free`),
/// or NULL for NULL.
///
/// # Safety
/// `r` is NULL or a live router.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_current(r: *const mo_router) -> *const mo_table {
    ffi_boundary! {
        // SAFETY: per the contract.
        unsafe { try_box_ref(r) }.map_or(std::ptr::null(), |r| arc_to_const_ptr(r.current()))
    }
}

/// Makes `t` the router's current table, atomically: readers never block and each
/// lookup sees the old or the new table. Takes ownership of the reference `t` (even
/// on error). The old table is freed when its last reader is done with it.
///
/// # Safety
/// `r` is NULL or a live router; `t` is NULL or a table reference the caller gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_swap(r: *const mo_router, t: *const mo_table) -> mo_result {
    ffi_boundary! {
        // SAFETY: per the contract, the reference moves here.
        let Some(table) = (unsafe { take_arc(t) }) else {
            return mo_result::MO_ERR_NULL;
        };
        // SAFETY: per the contract.
        match unsafe { try_box_ref(r) } {
            None => mo_result::MO_ERR_NULL,
            Some(r) => {
                drop(r.swap_arc(table));
                mo_result::MO_OK
            }
        }
    }
}

/// Frees a router (and its reference to the current table). NULL is a no-op. No
/// other thread may use the router during or after this call.
///
/// # Safety
/// `r` is NULL or a router not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_free(r: *mut mo_router) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { free_box(r) } }
}
