//! Route aggregation for the corporate routers: the exact cover of a set of
//! prefixes, and of a farm's routed prefixes.

use crate::error::{mo_result, set_error};
use crate::handle::{try_arc_ref, write_out};
use crate::prefix_map::mo_prefix;
use crate::table::mo_table;

/// Writes `cover` into `out` (capacity `cap`) and its length into `*out_len`;
/// `MO_ERR_BOUNDS` (nothing written but the length) when `cap` is too small.
///
/// # Safety
/// `out` is NULL (only with `cap == 0`) or `cap` writable entries; `out_len` is
/// writable.
unsafe fn write_cover(
    cover: &[ipnet::Ipv6Net],
    out: *mut mo_prefix,
    cap: usize,
    out_len: *mut usize,
    what: &str,
) -> mo_result {
    // SAFETY: `out_len` is writable, per the contract.
    unsafe { write_out(out_len, cover.len()) };
    if cover.len() > cap {
        set_error(format!(
            "{what}: the cover has {} prefixes; give room for them (cap is {cap})",
            cover.len()
        ));
        return mo_result::MO_ERR_BOUNDS;
    }
    for (i, n) in cover.iter().enumerate() {
        let p = mo_prefix {
            addr: n.network().octets(),
            len: n.prefix_len(),
            value: 0,
        };
        // SAFETY: `out` holds `cap` writable entries and `i < cover.len() <= cap`.
        unsafe { out.add(i).write(p) };
    }
    mo_result::MO_OK
}

/// The fewest prefixes covering exactly the `n` prefixes given (host bits
/// cleared, nested prefixes dropped, sibling halves merged; `value` ignored),
/// sorted by address, into `out` (room for `cap`; their `value` is 0). `*out_len`
/// receives the cover's length, also when `cap` is too small (`MO_ERR_BOUNDS`):
/// call with `cap == 0` to size `out`. Errors: `MO_ERR_NULL`,
/// `MO_ERR_INVALID_PREFIX` (a length above 128), `MO_ERR_BOUNDS`.
///
/// # Safety
/// `prefixes` is NULL or `n` readable entries; `out` is NULL or `cap` writable
/// entries; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_aggregate(
    prefixes: *const mo_prefix,
    n: usize,
    out: *mut mo_prefix,
    cap: usize,
    out_len: *mut usize,
) -> mo_result {
    ffi_boundary! {
        if out_len.is_null() || (prefixes.is_null() && n > 0) || (out.is_null() && cap > 0) {
            set_error("mo_aggregate: prefixes (when n > 0), out (when cap > 0) and out_len must not be NULL");
            return mo_result::MO_ERR_NULL;
        }
        let entries: &[mo_prefix] = if n == 0 {
            &[]
        } else {
            // SAFETY: `prefixes` holds `n` readable entries, per the contract.
            unsafe { std::slice::from_raw_parts(prefixes, n) }
        };
        let mut nets = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let Ok(net) = ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(e.addr), e.len) else {
                set_error(format!("entry {i}: prefix length {} is above 128", e.len));
                return mo_result::MO_ERR_INVALID_PREFIX;
            };
            nets.push(net);
        }
        let cover = manageout::aggregate::exact_cover(nets);
        // SAFETY: per the contract.
        unsafe { write_cover(&cover, out, cap, out_len, "mo_aggregate") }
    }
}

/// The farm's corporate routes: the exact cover of every prefix the table routes
/// (what `manageout render --target corp-routes` routes to the BIG-IP), as
/// `mo_aggregate` writes it.
///
/// # Safety
/// `t` is NULL or a live table reference; `out` is NULL or `cap` writable
/// entries; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mo_table_cover(
    t: *const mo_table,
    out: *mut mo_prefix,
    cap: usize,
    out_len: *mut usize,
) -> mo_result {
    ffi_boundary! {
        // SAFETY: per the contract.
        let table = unsafe { try_arc_ref(t) };
        let Some(table) = table else {
            set_error("mo_table_cover: t must not be NULL");
            return mo_result::MO_ERR_NULL;
        };
        if out_len.is_null() || (out.is_null() && cap > 0) {
            set_error("mo_table_cover: out (when cap > 0) and out_len must not be NULL");
            return mo_result::MO_ERR_NULL;
        }
        let cover = manageout::aggregate::farm_cover(table.table.farm());
        // SAFETY: per the contract.
        unsafe { write_cover(&cover, out, cap, out_len, "mo_table_cover") }
    }
}
