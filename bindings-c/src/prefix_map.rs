//! `mo_prefix_map`: a generic immutable prefix -> value map for appliances with
//! their own tables.

use manageout::table::{IntPrefixMap, MAX_PREFIXES};

use crate::error::{mo_result, set_error};
use crate::handle::{
    Castable, OwnershipArc, arc_to_const_ptr, batch_slices, clone_arc, free_arc, read_addr,
    to_arc_const_ptr, try_arc_ref, write_out,
};

/// One entry for `mo_prefix_map_new`: a prefix (16 address bytes in network order
/// and its length, 0-128, host bits clear) and its value (0..=INT32_MAX).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mo_prefix {
    /// The network address, network byte order.
    pub addr: [u8; 16],
    /// The prefix length, 0 to 128.
    pub len: u8,
    /// The value lookups return, 0 to INT32_MAX.
    pub value: u32,
}

/// An immutable generic prefix map: prefix -> value (opaque).
///
/// Thread safety and lifetime as `mo_table`: any number of threads may look up at
/// once; each reference (from `mo_prefix_map_new` or `mo_prefix_map_clone`) is
/// released once with `mo_prefix_map_free`.
pub struct mo_prefix_map {
    _private: [u8; 0],
}

impl Castable for mo_prefix_map {
    type Ownership = OwnershipArc;
    type RustType = IntPrefixMap;
}

/// Builds a generic prefix map from `n` entries (see `mo_prefix`): longest-prefix
/// match, the last value wins for a prefix given twice. Errors: `MO_ERR_NULL`,
/// `MO_ERR_INVALID_PREFIX` (length above 128 or host bits set; the text names it),
/// `MO_ERR_INVALID_VALUE` (a value above INT32_MAX, or more than 16,777,216
/// entries, refused before anything is read or allocated).
///
/// # Safety
/// `prefixes` is NULL or `n` readable entries; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_new(
    prefixes: *const mo_prefix,
    n: usize,
    out: *mut *const mo_prefix_map,
) -> mo_result {
    ffi_boundary! {
        if out.is_null() || (prefixes.is_null() && n > 0) {
            set_error("mo_prefix_map_new: prefixes (when n > 0) and out must not be NULL");
            return mo_result::MO_ERR_NULL;
        }
        if n > MAX_PREFIXES {
            set_error(format!("mo_prefix_map_new: {n} entries; at most {MAX_PREFIXES} are accepted"));
            return mo_result::MO_ERR_INVALID_VALUE;
        }
        let entries: &[mo_prefix] = if n == 0 {
            &[]
        } else {
            // SAFETY: `prefixes` holds `n` readable entries, per the contract, and
            // `n` entries (at most 2^24 of 20 bytes) fit in isize.
            unsafe { std::slice::from_raw_parts(prefixes, n) }
        };
        let mut items = Vec::with_capacity(n);
        for (i, e) in entries.iter().enumerate() {
            if e.value > i32::MAX as u32 {
                set_error(format!("entry {i}: value {} is above INT32_MAX", e.value));
                return mo_result::MO_ERR_INVALID_VALUE;
            }
            let Ok(net) = ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(e.addr), e.len) else {
                set_error(format!("entry {i}: prefix length {} is above 128", e.len));
                return mo_result::MO_ERR_INVALID_PREFIX;
            };
            // checked above: the value fits in an i32
            items.push((net, e.value as i32));
        }
        match IntPrefixMap::new(items) {
            Ok(map) => {
                // SAFETY: `out` is writable.
                unsafe { write_out(out, to_arc_const_ptr::<mo_prefix_map>(map)) };
                mo_result::MO_OK
            }
            Err(e @ manageout::Error::HostBits { .. }) => {
                set_error(e.to_string());
                mo_result::MO_ERR_INVALID_PREFIX
            }
            Err(e) => {
                set_error(e.to_string());
                mo_result::MO_ERR_INVALID_VALUE
            }
        }
    }
}

/// The value of the longest prefix holding `addr`, or -1 (also for NULL).
///
/// # Safety
/// `m` is NULL or a live map; `addr` is NULL or 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_lookup(m: *const mo_prefix_map, addr: *const u8) -> i32 {
    ffi_boundary! {
        // SAFETY: per the contract.
        match (unsafe { try_arc_ref(m) }, unsafe { read_addr(addr) }) {
            (Some(m), Some(a)) => m.lookup(a),
            _ => -1,
        }
    }
}

/// Looks up `n` packed 16-byte addresses, writing values (or -1) to `out`.
///
/// # Safety
/// `m` is NULL or a live map; `addrs` holds `16 * n` readable bytes, `out` room for `n` int32_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_lookup_batch(
    m: *const mo_prefix_map,
    addrs: *const u8,
    n: usize,
    out: *mut i32,
) {
    ffi_boundary! {
        // SAFETY: per the contract.
        let Some(m) = (unsafe { try_arc_ref(m) }) else {
            return;
        };
        // SAFETY: per the contract.
        if let Some((addrs, out)) = unsafe { batch_slices(addrs, n, out) } {
            // both slices hold `n`, so it cannot fail
            let _ = m.lookup_batch(addrs, out);
        }
    }
}

/// The number of distinct prefixes (0 for NULL).
///
/// # Safety
/// `m` is NULL or a live map.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_len(m: *const mo_prefix_map) -> usize {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { try_arc_ref(m) }.map_or(0, IntPrefixMap::len) }
}

/// Another reference to the same map (free each with `mo_prefix_map_free`), NULL
/// for NULL.
///
/// # Safety
/// `m` is NULL or a live map.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_clone(m: *const mo_prefix_map) -> *const mo_prefix_map {
    ffi_boundary! {
        // SAFETY: per the contract.
        unsafe { clone_arc(m) }.map_or(std::ptr::null(), arc_to_const_ptr)
    }
}

/// Releases one map reference. NULL is a no-op.
///
/// # Safety
/// `m` is NULL or a map reference not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_free(m: *const mo_prefix_map) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { free_arc(m) } }
}
