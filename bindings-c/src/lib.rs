//! The C ABI of manageout (`libmanageout`, header `manageout.h`): a thin adapter
//! over the `manageout` crate for C packet appliances.
//!
//! Conventions (after rustls-ffi):
//! - Opaque handles. A `mo_table` is immutable and reference-counted: share it
//!   between threads freely, take more references with `mo_table_clone`, and release
//!   each with `mo_table_free`. A `mo_router` holds the current table and swaps in a
//!   new one atomically while other threads look up.
//! - Fallible calls return `mo_result` (fixed values); `mo_last_error` copies this
//!   thread's last error text, including farm diagnostics, into a caller buffer.
//! - Every function checks its pointers for NULL and catches panics
//!   (`MO_ERR_PANIC`); none unwinds into C. Free functions accept NULL.
//! - Lookups allocate nothing and never block.
#![allow(non_camel_case_types)] // C type names: mo_table, mo_result, ...
#![allow(unsafe_code)] // the ABI takes raw pointers; each block says why it is sound

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arc_swap::ArcSwap;
use manageout::{Farm, FarmReport, PrefixMap, Table};

/// The result of a fallible call. The values are fixed and will not change.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mo_result {
    /// Success.
    MO_OK = 0,
    /// A required pointer argument was NULL.
    MO_ERR_NULL = 1,
    /// A file could not be read.
    MO_ERR_IO = 2,
    /// The farm text is not valid TOML/JSON, not text, or too large (MO001-MO004).
    MO_ERR_PARSE = 3,
    /// The farm has error diagnostics (see `mo_last_error`).
    MO_ERR_INVALID_FARM = 4,
    /// An index or length is out of range.
    MO_ERR_BOUNDS = 5,
    /// An internal error was caught at the boundary (a bug: please report it).
    MO_ERR_PANIC = 6,
    /// A prefix is invalid: length above 128 or host bits set.
    MO_ERR_INVALID_PREFIX = 7,
    /// A value is out of range (prefix-map values must be 0..=INT32_MAX), or too many prefixes.
    MO_ERR_INVALID_VALUE = 8,
}

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

/// An immutable farm lookup table (opaque; reference-counted; thread-safe).
pub struct mo_table {
    table: Table,
    names: Vec<CString>,
}

/// The current table of a farm, swappable while other threads look up (opaque).
pub struct mo_router {
    current: ArcSwap<mo_table>,
}

/// An immutable generic prefix map: prefix -> value (opaque; thread-safe).
pub struct mo_prefix_map {
    map: PrefixMap<u32>,
    /// The entries' values, densely: a lookup reads 4 bytes here instead of a
    /// whole entry.
    values: Box<[i32]>,
}

impl mo_prefix_map {
    #[inline]
    fn value(&self, addr: [u8; 16]) -> i32 {
        self.map
            .lookup_index(addr)
            .and_then(|i| self.values.get(i).copied())
            .unwrap_or(-1)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn set_error(text: impl Into<String>) {
    let text = text.into();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
}

/// Runs `body`, turning a panic into `$default` and an error text.
macro_rules! boundary {
    ($default:expr, $body:block) => {
        match catch_unwind(AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(_) => {
                set_error(
                    "internal error: a panic was caught at the C boundary (please report this bug)",
                );
                $default
            }
        }
    };
}

/// Reads the 16 bytes at `addr`, or `None` for NULL.
///
/// # Safety
/// `addr` is NULL or points to 16 readable bytes.
#[inline]
unsafe fn read_addr(addr: *const u8) -> Option<[u8; 16]> {
    if addr.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees 16 readable bytes; no alignment is required.
    Some(unsafe { std::ptr::read_unaligned(addr.cast::<[u8; 16]>()) })
}

fn table_of(report: FarmReport) -> Result<mo_table, mo_result> {
    match report.table() {
        Ok(table) => {
            let names = table
                .servers()
                .iter()
                .map(|s| CString::new(s.name.replace('\0', " ")).unwrap_or_default())
                .collect();
            Ok(mo_table { table, names })
        }
        Err(_) => {
            let parse = report
                .diagnostics
                .iter()
                .any(|d| d.is_error() && matches!(d.code, "MO001" | "MO002" | "MO003" | "MO004"));
            set_error(report.render(false));
            Err(if parse {
                mo_result::MO_ERR_PARSE
            } else {
                mo_result::MO_ERR_INVALID_FARM
            })
        }
    }
}

/// Hands a new table to C as a counted reference.
fn publish(table: mo_table, out: *mut *mut mo_table) -> mo_result {
    let ptr = Arc::into_raw(Arc::new(table)).cast_mut();
    // SAFETY: `out` was checked non-NULL by the caller and points to writable storage.
    unsafe { out.write(ptr) };
    mo_result::MO_OK
}

/// Borrows a table handed out by `publish`/`mo_table_clone`/`mo_router_current`.
///
/// # Safety
/// `t` is NULL or a live `mo_table` reference.
#[inline]
unsafe fn table_ref<'a>(t: *const mo_table) -> Option<&'a mo_table> {
    // SAFETY: a non-NULL `t` is a live Arc allocation, per the caller.
    unsafe { t.as_ref() }
}

/// Loads and checks a farm file (TOML, or JSON) and builds its lookup table.
///
/// On success writes a new table reference to `*out` (free it with
/// `mo_table_free`) and returns `MO_OK`. Errors: `MO_ERR_NULL` (a NULL argument),
/// `MO_ERR_IO` (unreadable file), `MO_ERR_PARSE` or `MO_ERR_INVALID_FARM` (the
/// farm's diagnostics, rendered like the CLI, are in `mo_last_error`). `*out` is
/// left untouched on error.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_from_file(
    path: *const c_char,
    out: *mut *mut mo_table,
) -> mo_result {
    boundary!(mo_result::MO_ERR_PANIC, {
        if path.is_null() || out.is_null() {
            set_error("mo_table_from_file: path and out must not be NULL");
            return mo_result::MO_ERR_NULL;
        }
        // SAFETY: `path` is a NUL-terminated string, per the contract.
        let path = unsafe { CStr::from_ptr(path) };
        let Ok(path) = path.to_str() else {
            set_error("mo_table_from_file: the path is not UTF-8");
            return mo_result::MO_ERR_IO;
        };
        match Farm::from_file(path) {
            Err(e) => {
                set_error(e.to_string());
                mo_result::MO_ERR_IO
            }
            Ok(report) => match table_of(report) {
                Ok(t) => publish(t, out),
                Err(r) => r,
            },
        }
    })
}

/// Checks a farm given as text (`len` bytes, TOML or JSON; no NUL needed) and
/// builds its lookup table. Results as for `mo_table_from_file`, without `MO_ERR_IO`.
///
/// # Safety
/// `text` is NULL or points to `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_from_str(
    text: *const c_char,
    len: usize,
    out: *mut *mut mo_table,
) -> mo_result {
    boundary!(mo_result::MO_ERR_PANIC, {
        if text.is_null() || out.is_null() {
            set_error("mo_table_from_str: text and out must not be NULL");
            return mo_result::MO_ERR_NULL;
        }
        // SAFETY: `text` points to `len` readable bytes, per the contract.
        let bytes = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) };
        match table_of(Farm::from_bytes(bytes, "<string>")) {
            Ok(t) => publish(t, out),
            Err(r) => r,
        }
    })
}

/// Releases one table reference. NULL is a no-op. Each reference must be freed
/// exactly once; the table lives until its last reference (including a router's)
/// is gone.
///
/// # Safety
/// `t` is NULL or a table reference not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_free(t: *mut mo_table) {
    boundary!((), {
        if !t.is_null() {
            // SAFETY: `t` came from Arc::into_raw and this reference is released once.
            drop(unsafe { Arc::from_raw(t.cast_const()) });
        }
    })
}

/// Another reference to the same immutable table (free each with `mo_table_free`).
/// Returns NULL for NULL.
///
/// # Safety
/// `t` is NULL or a live table reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_clone(t: *const mo_table) -> *mut mo_table {
    boundary!(std::ptr::null_mut(), {
        if t.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: `t` is a live Arc allocation; taking one more strong count is sound.
        unsafe { Arc::increment_strong_count(t) };
        t.cast_mut()
    })
}

/// The number of servers (0 for NULL).
///
/// # Safety
/// `t` is NULL or a live table reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_len(t: *const mo_table) -> usize {
    // SAFETY: per the contract.
    boundary!(0, {
        unsafe { table_ref(t) }.map_or(0, |t| t.table.servers().len())
    })
}

/// The index of the server owning the 16-byte address `addr` (network order), or
/// -1 when no server does (or for NULL). Allocation-free; safe from many threads.
///
/// # Safety
/// `t` is NULL or a live table reference; `addr` is NULL or 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_lookup(t: *const mo_table, addr: *const u8) -> i32 {
    boundary!(-1, {
        // SAFETY: per the contract.
        match (unsafe { table_ref(t) }, unsafe { read_addr(addr) }) {
            (Some(t), Some(a)) => t.table.lookup(a).map_or(-1, |id| id.index() as i32),
            _ => -1,
        }
    })
}

/// Looks up `n` packed 16-byte addresses at `addrs`, writing `n` server indexes
/// (or -1) to `out`. Does nothing when a pointer is NULL (and `n` > 0).
///
/// # Safety
/// `t` is NULL or a live table reference; `addrs` holds `16 * n` readable bytes and
/// `out` room for `n` int32_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_lookup_batch(
    t: *const mo_table,
    addrs: *const u8,
    n: usize,
    out: *mut i32,
) {
    boundary!((), {
        // SAFETY: per the contract.
        if let Some(t) = unsafe { table_ref(t) } {
            // SAFETY: per the contract.
            unsafe { batch(&t.table, addrs, n, out) };
        }
    })
}

/// The `n` packed addresses and `n` result slots of a batch call, or `None` when a
/// pointer is NULL, `n` is 0, or `16 * n` overflows.
///
/// # Safety
/// `addrs` is NULL or holds `16 * n` readable bytes; `out` is NULL or has room for
/// `n` int32_t; the two do not overlap.
#[inline]
unsafe fn batch_slices<'a>(
    addrs: *const u8,
    n: usize,
    out: *mut i32,
) -> Option<(&'a [[u8; 16]], &'a mut [i32])> {
    if n == 0 || addrs.is_null() || out.is_null() || n.checked_mul(16).is_none() {
        return None;
    }
    // SAFETY: per the contract; `[u8; 16]` has alignment 1, so any address is aligned.
    Some(unsafe {
        (
            std::slice::from_raw_parts(addrs.cast::<[u8; 16]>(), n),
            std::slice::from_raw_parts_mut(out, n),
        )
    })
}

/// # Safety
/// As [`batch_slices`].
#[inline]
unsafe fn batch(table: &Table, addrs: *const u8, n: usize, out: *mut i32) {
    // SAFETY: per the contract.
    if let Some((addrs, out)) = unsafe { batch_slices(addrs, n, out) } {
        for (o, a) in out.iter_mut().zip(addrs) {
            *o = table.lookup(*a).map_or(-1, |id| id.index() as i32);
        }
    }
}

/// The name of server `idx`, NUL-terminated, valid while `t` lives; NULL when `t`
/// is NULL or `idx` out of range.
///
/// # Safety
/// `t` is NULL or a live table reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_server_name(t: *const mo_table, idx: usize) -> *const c_char {
    boundary!(std::ptr::null(), {
        // SAFETY: per the contract.
        unsafe { table_ref(t) }
            .and_then(|t| t.names.get(idx))
            .map_or(std::ptr::null(), |n| n.as_ptr())
    })
}

/// Writes the corporate IPv6 address (the next hop) of server `idx` to `out` (16
/// bytes, network order). `MO_ERR_NULL`, or `MO_ERR_BOUNDS` for an index out of range.
///
/// # Safety
/// `t` is NULL or a live table reference; `out` is NULL or 16 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_server_address(
    t: *const mo_table,
    idx: usize,
    out: *mut u8,
) -> mo_result {
    boundary!(mo_result::MO_ERR_PANIC, {
        // SAFETY: per the contract.
        let Some(t) = (unsafe { table_ref(t) }) else {
            return mo_result::MO_ERR_NULL;
        };
        if out.is_null() {
            return mo_result::MO_ERR_NULL;
        }
        let Some(s) = t.table.servers().get(idx) else {
            set_error(format!(
                "server index {idx} is out of range: the table has {} servers",
                t.table.servers().len()
            ));
            return mo_result::MO_ERR_BOUNDS;
        };
        // SAFETY: `out` has 16 writable bytes; no alignment is required.
        unsafe { std::ptr::write_unaligned(out.cast::<[u8; 16]>(), s.address.octets()) };
        mo_result::MO_OK
    })
}

/// A router serving table `t`, written to `*out` (free with `mo_router_free`).
/// Takes ownership of the reference `t`, even on error.
///
/// # Safety
/// `t` is NULL or a table reference the caller gives up; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_new(t: *mut mo_table, out: *mut *mut mo_router) -> mo_result {
    boundary!(mo_result::MO_ERR_PANIC, {
        if t.is_null() {
            return mo_result::MO_ERR_NULL;
        }
        // SAFETY: `t` came from Arc::into_raw; ownership of this reference moves here.
        let table = unsafe { Arc::from_raw(t.cast_const()) };
        if out.is_null() {
            return mo_result::MO_ERR_NULL;
        }
        let router = Box::new(mo_router {
            current: ArcSwap::new(table),
        });
        // SAFETY: `out` is writable.
        unsafe { out.write(Box::into_raw(router)) };
        mo_result::MO_OK
    })
}

/// # Safety
/// `r` is NULL or a live router.
#[inline]
unsafe fn router_ref<'a>(r: *const mo_router) -> Option<&'a mo_router> {
    // SAFETY: a non-NULL `r` is a live Box allocation, per the caller.
    unsafe { r.as_ref() }
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
    boundary!(-1, {
        // SAFETY: per the contract.
        match (unsafe { router_ref(r) }, unsafe { read_addr(addr) }) {
            (Some(r), Some(a)) => r
                .current
                .load()
                .table
                .lookup(a)
                .map_or(-1, |id| id.index() as i32),
            _ => -1,
        }
    })
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
    boundary!(-1, {
        // SAFETY: per the contract.
        let (Some(r), Some(a)) = (unsafe { router_ref(r) }, unsafe { read_addr(addr) }) else {
            return -1;
        };
        let snapshot = r.current.load();
        match snapshot.table.route(a) {
            None => -1,
            Some(route) => {
                if !next_hop.is_null() {
                    // SAFETY: `next_hop` has 16 writable bytes; no alignment required.
                    unsafe {
                        std::ptr::write_unaligned(
                            next_hop.cast::<[u8; 16]>(),
                            route.next_hop.octets(),
                        )
                    };
                }
                route.server.index() as i32
            }
        }
    })
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
    boundary!((), {
        // SAFETY: per the contract.
        if let Some(r) = unsafe { router_ref(r) } {
            let snapshot = r.current.load();
            // SAFETY: per the contract.
            unsafe { batch(&snapshot.table, addrs, n, out) };
        }
    })
}

/// A new reference to the router's current table (free it with `mo_table_free`),
/// or NULL for NULL.
///
/// # Safety
/// `r` is NULL or a live router.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_current(r: *const mo_router) -> *mut mo_table {
    boundary!(std::ptr::null_mut(), {
        // SAFETY: per the contract.
        unsafe { router_ref(r) }.map_or(std::ptr::null_mut(), |r| {
            Arc::into_raw(r.current.load_full()).cast_mut()
        })
    })
}

/// Makes `t` the router's current table, atomically: readers never block and each
/// lookup sees the old or the new table. Takes ownership of the reference `t` (even
/// on error). The old table is freed when its last reader is done with it.
///
/// # Safety
/// `r` is NULL or a live router; `t` is NULL or a table reference the caller gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_swap(r: *mut mo_router, t: *mut mo_table) -> mo_result {
    boundary!(mo_result::MO_ERR_PANIC, {
        if t.is_null() {
            return mo_result::MO_ERR_NULL;
        }
        // SAFETY: `t` came from Arc::into_raw; ownership of this reference moves here.
        let table = unsafe { Arc::from_raw(t.cast_const()) };
        // SAFETY: per the contract.
        match unsafe { router_ref(r) } {
            None => mo_result::MO_ERR_NULL,
            Some(r) => {
                drop(r.current.swap(table));
                mo_result::MO_OK
            }
        }
    })
}

/// Frees a router (and its reference to the current table). NULL is a no-op. No
/// other thread may use the router during or after this call.
///
/// # Safety
/// `r` is NULL or a router not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_router_free(r: *mut mo_router) {
    boundary!((), {
        if !r.is_null() {
            // SAFETY: `r` came from Box::into_raw and is freed once.
            drop(unsafe { Box::from_raw(r) });
        }
    })
}

/// Builds a generic prefix map from `n` entries (see `mo_prefix`): longest-prefix
/// match, the last value wins for a prefix given twice. Errors: `MO_ERR_NULL`,
/// `MO_ERR_INVALID_PREFIX` (length above 128 or host bits set; the text names it),
/// `MO_ERR_INVALID_VALUE` (a value above INT32_MAX, or more than 16,777,216 entries).
///
/// # Safety
/// `prefixes` is NULL or `n` readable entries; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_new(
    prefixes: *const mo_prefix,
    n: usize,
    out: *mut *mut mo_prefix_map,
) -> mo_result {
    boundary!(mo_result::MO_ERR_PANIC, {
        if out.is_null() || (prefixes.is_null() && n > 0) {
            return mo_result::MO_ERR_NULL;
        }
        let entries: &[mo_prefix] = if n == 0 {
            &[]
        } else {
            // SAFETY: `prefixes` holds `n` readable entries, per the contract.
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
            items.push((net, e.value));
        }
        match PrefixMap::new(items) {
            Ok(map) => {
                let values = map.entries().iter().map(|(_, v)| *v as i32).collect();
                // SAFETY: `out` is writable.
                unsafe { out.write(Box::into_raw(Box::new(mo_prefix_map { map, values }))) };
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
    })
}

/// The value of the longest prefix holding `addr`, or -1 (also for NULL).
///
/// # Safety
/// `m` is NULL or a live map; `addr` is NULL or 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_lookup(m: *const mo_prefix_map, addr: *const u8) -> i32 {
    boundary!(-1, {
        // SAFETY: per the contract.
        match (unsafe { m.as_ref() }, unsafe { read_addr(addr) }) {
            (Some(m), Some(a)) => m.value(a),
            _ => -1,
        }
    })
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
    boundary!((), {
        // SAFETY: per the contract.
        let Some(m) = (unsafe { m.as_ref() }) else {
            return;
        };
        // SAFETY: per the contract.
        if let Some((addrs, out)) = unsafe { batch_slices(addrs, n, out) } {
            // answers from the dense values; both slices hold `n`, so it cannot fail
            let _ = m.map.lookup_batch_values(addrs, &m.values, -1, out);
        }
    })
}

/// The number of distinct prefixes (0 for NULL).
///
/// # Safety
/// `m` is NULL or a live map.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_len(m: *const mo_prefix_map) -> usize {
    // SAFETY: per the contract.
    boundary!(0, { unsafe { m.as_ref() }.map_or(0, |m| m.map.len()) })
}

/// Frees a prefix map. NULL is a no-op.
///
/// # Safety
/// `m` is NULL or a map not freed before, used by no other thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_prefix_map_free(m: *mut mo_prefix_map) {
    boundary!((), {
        if !m.is_null() {
            // SAFETY: `m` came from Box::into_raw and is freed once.
            drop(unsafe { Box::from_raw(m) });
        }
    })
}

/// Copies this thread's last error text (UTF-8, including farm diagnostics) into
/// `buf`, NUL-terminated and truncated to `len - 1` bytes, and returns its full
/// length in bytes (without the NUL): call with `len` 0 to size a buffer.
///
/// # Safety
/// `buf` is NULL or `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_last_error(buf: *mut c_char, len: usize) -> usize {
    boundary!(0, {
        LAST_ERROR.with(|e| {
            let e = e.borrow();
            if !buf.is_null() && len > 0 {
                let n = e.len().min(len - 1);
                // SAFETY: `buf` has `len` writable bytes and `n < len`.
                unsafe {
                    std::ptr::copy_nonoverlapping(e.as_ptr(), buf.cast::<u8>(), n);
                    buf.add(n).write(0);
                }
            }
            e.len()
        })
    })
}

/// A short name for a result code, such as `"MO_ERR_INVALID_FARM"` (static).
#[unsafe(no_mangle)]
pub extern "C" fn mo_result_name(r: mo_result) -> *const c_char {
    let s: &'static CStr = match r {
        mo_result::MO_OK => c"MO_OK",
        mo_result::MO_ERR_NULL => c"MO_ERR_NULL",
        mo_result::MO_ERR_IO => c"MO_ERR_IO",
        mo_result::MO_ERR_PARSE => c"MO_ERR_PARSE",
        mo_result::MO_ERR_INVALID_FARM => c"MO_ERR_INVALID_FARM",
        mo_result::MO_ERR_BOUNDS => c"MO_ERR_BOUNDS",
        mo_result::MO_ERR_PANIC => c"MO_ERR_PANIC",
        mo_result::MO_ERR_INVALID_PREFIX => c"MO_ERR_INVALID_PREFIX",
        mo_result::MO_ERR_INVALID_VALUE => c"MO_ERR_INVALID_VALUE",
    };
    s.as_ptr()
}

/// The library version, such as `"0.1.0"` (static).
#[unsafe(no_mangle)]
pub extern "C" fn mo_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}
