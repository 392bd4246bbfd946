//! The `c_api` fuzz target: arbitrary bytes as farm text through the C ABI
//! (`mo_table_from_str`), then lookups, names, a router swap, the farm's cover
//! and error text, all through the exported functions, checked against the Rust
//! API; and the same bytes as `mo_prefix` entries for `mo_aggregate`.

use std::ffi::{CStr, c_char};
use std::ptr;

use manageout::Farm;
use manageout_c::*;

/// `c_api`: the C entry points never panic (a caught panic is `MO_ERR_PANIC`, a
/// bug), agree with the Rust library on which farms are valid, and answer
/// lookups as the Rust table does.
pub fn check(data: &[u8]) {
    aggregate(data);
    let mut table: *const mo_table = ptr::null();
    // SAFETY: `data` is `data.len()` readable bytes; `table` is writable.
    let r = unsafe { mo_table_from_str(data.as_ptr().cast::<c_char>(), data.len(), &mut table) };
    assert_ne!(r, mo_result::MO_ERR_PANIC);
    let rust = Farm::from_bytes(data, "<string>").table();
    let mut buf = [0 as c_char; 512];
    // SAFETY: `buf` is 512 writable bytes.
    let n = unsafe { mo_last_error(buf.as_mut_ptr(), buf.len()) };
    // SAFETY: mo_last_error NUL-terminates within `buf`.
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
    assert!(text.to_bytes().len() <= n.min(buf.len() - 1));
    let rust = match (r, rust) {
        (mo_result::MO_OK, Ok(t)) => t,
        (mo_result::MO_OK, Err(e)) => panic!("C accepted a farm Rust rejects: {e}"),
        (r, Ok(_)) => panic!("C rejected ({r:?}) a farm Rust accepts"),
        (_, Err(_)) => {
            assert!(table.is_null());
            return;
        }
    };
    assert!(!table.is_null());
    // SAFETY: `table` is a live table reference from mo_table_from_str.
    let len = unsafe { mo_table_len(table) };
    assert_eq!(len, rust.servers().len());
    for (i, s) in rust.servers().iter().enumerate() {
        // SAFETY: as above; `i` < len.
        let name = unsafe { mo_table_server_name(table, i) };
        assert!(!name.is_null());
        // SAFETY: a non-NULL name is a NUL-terminated string owned by the table.
        assert_eq!(
            unsafe { CStr::from_ptr(name) }.to_str().ok(),
            Some(s.name.as_str())
        );
    }
    // SAFETY: as above; out of range gives NULL.
    assert!(unsafe { mo_table_server_name(table, len) }.is_null());
    // queries: each server's prefix edges, plus the input's own 16-byte windows
    let mut addrs: Vec<[u8; 16]> = rust
        .servers()
        .iter()
        .flat_map(|s| {
            [
                s.client_prefix.network().octets(),
                s.client_prefix.broadcast().octets(),
            ]
        })
        .collect();
    addrs.extend(
        data.chunks_exact(16)
            .take(64)
            .map(|c| <[u8; 16]>::try_from(c).unwrap_or([0; 16])),
    );
    let packed: Vec<u8> = addrs.iter().flatten().copied().collect();
    let mut out = vec![-2i32; addrs.len()];
    // SAFETY: `packed` holds 16 * n bytes and `out` n writable slots.
    unsafe { mo_table_lookup_batch(table, packed.as_ptr(), addrs.len(), out.as_mut_ptr()) };
    let mut router: *mut mo_router = ptr::null_mut();
    // SAFETY: `table` is live; mo_table_clone gives the router its own reference.
    assert_eq!(
        unsafe { mo_router_new(mo_table_clone(table), &mut router) },
        mo_result::MO_OK
    );
    for (a, b) in addrs.iter().zip(&out) {
        let want = rust.lookup(*a).map_or(-1, |id| id.index() as i32);
        // SAFETY: `table` is live and `a` is 16 readable bytes.
        assert_eq!(unsafe { mo_table_lookup(table, a.as_ptr()) }, want);
        assert_eq!(*b, want);
        // SAFETY: `router` is live and `a` is 16 readable bytes.
        assert_eq!(unsafe { mo_router_lookup(router, a.as_ptr()) }, want);
    }
    // the farm's cover: sized with cap 0, then written, as Rust computes it
    let mut n = 0usize;
    // SAFETY: `table` is live; cap 0 with a NULL out; `n` is writable.
    let r = unsafe { mo_table_cover(table, ptr::null_mut(), 0, &mut n) };
    let want = manageout::aggregate::farm_cover(rust.farm());
    assert_eq!(n, want.len());
    assert!(matches!(r, mo_result::MO_OK | mo_result::MO_ERR_BOUNDS));
    let mut cover = vec![
        mo_prefix {
            addr: [0; 16],
            len: 0,
            value: 0
        };
        n
    ];
    // SAFETY: `cover` has room for `n` entries.
    let r = unsafe { mo_table_cover(table, cover.as_mut_ptr(), n, &mut n) };
    assert_eq!(r, mo_result::MO_OK);
    let got: Vec<(Vec<u8>, u8)> = cover.iter().map(|p| (p.addr.to_vec(), p.len)).collect();
    let want: Vec<(Vec<u8>, u8)> = want
        .iter()
        .map(|p| (p.network().octets().to_vec(), p.prefix_len()))
        .collect();
    assert_eq!(got, want);
    // SAFETY: each reference is freed once: the router owns its clone.
    unsafe {
        assert_eq!(
            mo_router_swap(router, mo_table_clone(table)),
            mo_result::MO_OK
        );
        mo_router_free(router);
        mo_table_free(table);
    }
}

/// `mo_aggregate` over the bytes read as 17-byte entries (16 address bytes and a
/// length, any length): the lengths above 128 are refused, else the cover is
/// Rust's, with the length reported even when the room is too small.
fn aggregate(data: &[u8]) {
    let entries: Vec<mo_prefix> = data
        .chunks_exact(17)
        .take(256)
        .map(|c| mo_prefix {
            addr: <[u8; 16]>::try_from(&c[..16]).unwrap_or([0; 16]),
            len: c[16],
            value: 0,
        })
        .collect();
    let mut out = vec![
        mo_prefix {
            addr: [0; 16],
            len: 0,
            value: 0
        };
        4
    ];
    let mut n = usize::MAX;
    // SAFETY: `entries` and `out` hold as many entries as given; `n` is writable.
    let r = unsafe {
        mo_aggregate(
            entries.as_ptr(),
            entries.len(),
            out.as_mut_ptr(),
            out.len(),
            &mut n,
        )
    };
    let nets: Option<Vec<ipnet::Ipv6Net>> = entries
        .iter()
        .map(|e| ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(e.addr), e.len).ok())
        .collect();
    let Some(nets) = nets else {
        assert_eq!(r, mo_result::MO_ERR_INVALID_PREFIX);
        return;
    };
    let want = manageout::aggregate::exact_cover(nets);
    assert_eq!(n, want.len());
    if want.len() > out.len() {
        assert_eq!(r, mo_result::MO_ERR_BOUNDS);
        return;
    }
    assert_eq!(r, mo_result::MO_OK);
    for (p, w) in out.iter().zip(&want) {
        assert_eq!((p.addr, p.len), (w.network().octets(), w.prefix_len()));
    }
}
