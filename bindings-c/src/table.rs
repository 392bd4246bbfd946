//! `mo_table`: a checked farm's lookup table, immutable and reference-counted.

use std::ffi::{CStr, CString, c_char};

use manageout::diagnostic::Phase;
use manageout::{Farm, FarmReport, Table};

use crate::error::{mo_result, set_error};
use crate::handle::{
    Castable, OwnershipArc, batch_slices, free_arc, read_addr, to_arc_const_ptr, try_arc_ref,
    write_addr, write_out,
};

/// An immutable farm lookup table (opaque).
///
/// Thread safety: every function taking a `const mo_table *` may be called from
/// any number of threads at once. Lifetime: each reference (from
/// `mo_table_from_file`, `mo_table_from_str`, `mo_table_clone` or
/// `mo_router_current`) is released exactly once with `mo_table_free`; the table
/// lives until its last reference, a router's included, is gone. Strings it hands
/// out (`mo_table_server_name`) live as long as the reference they came from.
pub struct mo_table {
    _private: [u8; 0],
}

/// What a `mo_table` reference points to.
pub(crate) struct FarmTable {
    pub(crate) table: Table,
    names: Vec<CString>,
}

impl Castable for mo_table {
    type Ownership = OwnershipArc;
    type RustType = FarmTable;
}

impl FarmTable {
    /// The server index of `addr`, or -1.
    #[inline]
    pub(crate) fn lookup(&self, addr: [u8; 16]) -> i32 {
        self.table.lookup(addr).map_or(-1, |id| id.index() as i32)
    }

    /// Looks up a batch of `n` packed addresses into `out`.
    ///
    /// # Safety
    /// As [`batch_slices`].
    pub(crate) unsafe fn lookup_batch(&self, addrs: *const u8, n: usize, out: *mut i32) {
        // SAFETY: per the contract.
        if let Some((addrs, out)) = unsafe { batch_slices(addrs, n, out) } {
            // both slices hold `n`, so it cannot fail
            let _ = self
                .table
                .lookup_batch_map(addrs, out, |id| id.map_or(-1, |id| id.index() as i32));
        }
    }
}

/// The table of a report, or the result code with the diagnostics as error text.
fn table_of(report: FarmReport) -> Result<FarmTable, mo_result> {
    match report.table() {
        Ok(table) => {
            // names follow the name rule: no NUL byte
            let names = table
                .servers()
                .iter()
                .map(|s| CString::new(s.name.as_str()).unwrap_or_default())
                .collect();
            Ok(FarmTable { table, names })
        }
        Err(_) => {
            let parse = matches!(
                report.first_error_phase(),
                Some(Phase::Syntax | Phase::Schema)
            );
            set_error(report.render(false));
            Err(if parse {
                mo_result::MO_ERR_PARSE
            } else {
                mo_result::MO_ERR_INVALID_FARM
            })
        }
    }
}

fn publish(report: FarmReport, out: *mut *const mo_table) -> mo_result {
    match table_of(report) {
        Ok(t) => {
            // SAFETY: `out` was checked non-NULL by the caller and is writable.
            unsafe { write_out(out, to_arc_const_ptr::<mo_table>(t)) };
            mo_result::MO_OK
        }
        Err(r) => r,
    }
}

/// Loads and checks a farm file (TOML, or JSON) and builds its lookup table.
///
/// On success writes a new table reference to `*out` (free it with
/// `mo_table_free`) and returns `MO_OK`. Errors: `MO_ERR_NULL` (a NULL argument),
/// `MO_ERR_IO` (unreadable, or not a regular file), `MO_ERR_PARSE` or
/// `MO_ERR_INVALID_FARM` (the farm's diagnostics, rendered like the CLI, are in
/// `mo_last_error`). `*out` is left untouched on error.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_from_file(
    path: *const c_char,
    out: *mut *const mo_table,
) -> mo_result {
    ffi_boundary! {
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
            Ok(report) => publish(report, out),
        }
    }
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
    out: *mut *const mo_table,
) -> mo_result {
    ffi_boundary! {
        if text.is_null() || out.is_null() {
            set_error("mo_table_from_str: text and out must not be NULL");
            return mo_result::MO_ERR_NULL;
        }
        if len > isize::MAX as usize {
            set_error("mo_table_from_str: len is larger than any object");
            return mo_result::MO_ERR_BOUNDS;
        }
        // SAFETY: `text` points to `len` readable bytes, per the contract.
        let bytes = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) };
        publish(Farm::from_bytes(bytes, "<string>"), out)
    }
}

/// Releases one table reference. NULL is a no-op. Each reference must be freed
/// exactly once.
///
/// # Safety
/// `t` is NULL or a table reference not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_free(t: *const mo_table) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { free_arc(t) } }
}

/// Another reference to the same immutable table (free each with `mo_table_free`).
/// Returns NULL for NULL.
///
/// # Safety
/// `t` is NULL or a live table reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_clone(t: *const mo_table) -> *const mo_table {
    ffi_boundary! {
        // SAFETY: per the contract.
        match unsafe { crate::handle::clone_arc(t) } {
            Some(arc) => crate::handle::arc_to_const_ptr(arc),
            None => std::ptr::null(),
        }
    }
}

/// The number of servers (0 for NULL).
///
/// # Safety
/// `t` is NULL or a live table reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_len(t: *const mo_table) -> usize {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { try_arc_ref(t) }.map_or(0, |t| t.table.servers().len()) }
}

/// The index of the server owning the 16-byte address `addr` (network order), or
/// -1 when no server does (or for NULL). Allocation-free; safe from many threads.
///
/// # Safety
/// `t` is NULL or a live table reference; `addr` is NULL or 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_lookup(t: *const mo_table, addr: *const u8) -> i32 {
    ffi_boundary! {
        // SAFETY: per the contract.
        match (unsafe { try_arc_ref(t) }, unsafe { read_addr(addr) }) {
            (Some(t), Some(a)) => t.lookup(a),
            _ => -1,
        }
    }
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
    ffi_boundary! {
        // SAFETY: per the contract.
        if let Some(t) = unsafe { try_arc_ref(t) } {
            // SAFETY: per the contract.
            unsafe { t.lookup_batch(addrs, n, out) };
        }
    }
}

/// The name of server `idx`, NUL-terminated, valid while the reference `t`
/// lives; NULL when `t` is NULL or `idx` out of range.
///
/// # Safety
/// `t` is NULL or a live table reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_server_name(t: *const mo_table, idx: usize) -> *const c_char {
    ffi_boundary! {
        // SAFETY: per the contract.
        unsafe { try_arc_ref(t) }
            .and_then(|t| t.names.get(idx))
            .map_or(std::ptr::null(), |n| n.as_ptr())
    }
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
    ffi_boundary! {
        // SAFETY: per the contract.
        let Some(t) = (unsafe { try_arc_ref(t) }) else {
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
        // SAFETY: `out` has 16 writable bytes.
        unsafe { write_addr(out, s.address.octets()) };
        mo_result::MO_OK
    }
}
