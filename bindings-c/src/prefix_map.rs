//! `mo_prefix_map`: a generic immutable prefix -> value map for appliances with
//! their own tables.

use manageout::Change;
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
        // SAFETY: `prefixes` holds `n` readable entries, per the contract.
        let entries = unsafe { slice_of(prefixes, n) };
        let mut items = Vec::with_capacity(n);
        for (i, e) in entries.iter().enumerate() {
            match prefix_of(i, &e.addr, e.len, e.value) {
                Ok(item) => items.push(item),
                Err(r) => return r,
            }
        }
        // SAFETY: `out` is writable (checked not NULL above).
        unsafe { built(IntPrefixMap::new(items), out) }
    }
}

/// `n` entries at `p` as a slice (empty for `n == 0`, whatever `p`).
///
/// # Safety
/// `p` holds `n` readable entries when `n > 0`.
unsafe fn slice_of<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if n == 0 {
        &[]
    } else {
        // SAFETY: `p` holds `n` readable entries, per the contract, and `n` is at
        // most MAX_PREFIXES entries of at most 24 bytes, which fit in isize.
        unsafe { std::slice::from_raw_parts(p, n) }
    }
}

/// Entry `i`'s prefix and value, or the error (set) for them.
fn prefix_of(
    i: usize,
    addr: &[u8; 16],
    len: u8,
    value: u32,
) -> Result<(ipnet::Ipv6Net, i32), mo_result> {
    let Ok(value) = i32::try_from(value) else {
        set_error(format!("entry {i}: value {value} is above INT32_MAX"));
        return Err(mo_result::MO_ERR_INVALID_VALUE);
    };
    let Ok(net) = ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(*addr), len) else {
        set_error(format!("entry {i}: prefix length {len} is above 128"));
        return Err(mo_result::MO_ERR_INVALID_PREFIX);
    };
    Ok((net, value))
}

/// Writes a built map to `out`, or maps the error.
///
/// # Safety
/// `out` is writable.
unsafe fn built(
    map: Result<IntPrefixMap, manageout::Error>,
    out: *mut *const mo_prefix_map,
) -> mo_result {
    match map {
        Ok(map) => {
            // SAFETY: `out` is writable, per the contract.
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

/// One change for `mo_prefix_map_apply`: a prefix (as in `mo_prefix`) announced
/// with a value (`withdraw` 0) or withdrawn (`withdraw` 1; `value` is ignored).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mo_change {
    /// The network address, network byte order.
    pub addr: [u8; 16],
    /// The prefix length, 0 to 128.
    pub len: u8,
    /// 0: announce (add the prefix or replace its value); 1: withdraw (remove it;
    /// nothing happens when the map does not hold it).
    pub withdraw: u8,
    /// The value of an announced prefix, 0 to INT32_MAX.
    pub value: u32,
}

/// Builds the next map: `m` with `n` changes applied in order (the last change of a
/// prefix wins), rebuilding only the parts of the lookup structure the changes
/// touch, so that its cost grows with the changes, not the table. `m` is unchanged:
/// threads still looking it up go on; swap the new map in for them (an atomic
/// pointer of your own) and free each map with `mo_prefix_map_free`. Errors, with
/// nothing applied: `MO_ERR_NULL`, `MO_ERR_INVALID_PREFIX` (as in
/// `mo_prefix_map_new`), `MO_ERR_INVALID_VALUE` (a value above INT32_MAX, a
/// `withdraw` other than 0 or 1, more than 16,777,216 changes or prefixes).
///
/// # Safety
/// `m` is NULL or a live map; `changes` is NULL or `n` readable entries; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_apply(
    m: *const mo_prefix_map,
    changes: *const mo_change,
    n: usize,
    out: *mut *const mo_prefix_map,
) -> mo_result {
    ffi_boundary! {
        // SAFETY: per the contract.
        let map = unsafe { try_arc_ref(m) };
        let Some(map) = map.filter(|_| !(out.is_null() || (changes.is_null() && n > 0))) else {
            set_error("mo_prefix_map_apply: m, changes (when n > 0) and out must not be NULL");
            return mo_result::MO_ERR_NULL;
        };
        if n > MAX_PREFIXES {
            set_error(format!("mo_prefix_map_apply: {n} changes; at most {MAX_PREFIXES} are accepted"));
            return mo_result::MO_ERR_INVALID_VALUE;
        }
        // SAFETY: `changes` holds `n` readable entries, per the contract.
        let entries = unsafe { slice_of(changes, n) };
        let mut items = Vec::with_capacity(n);
        for (i, c) in entries.iter().enumerate() {
            let value = if c.withdraw == 1 { 0 } else { c.value };
            let (net, value) = match prefix_of(i, &c.addr, c.len, value) {
                Ok(item) => item,
                Err(r) => return r,
            };
            items.push(match c.withdraw {
                0 => Change::Announce(net, value),
                1 => Change::Withdraw(net),
                w => {
                    set_error(format!("change {i}: withdraw is {w}; it must be 0 (announce) or 1 (withdraw)"));
                    return mo_result::MO_ERR_INVALID_VALUE;
                }
            });
        }
        // SAFETY: `out` is writable.
        unsafe { built(map.apply(items), out) }
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
