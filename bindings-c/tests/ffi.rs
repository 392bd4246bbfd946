//! The C ABI driven from Rust: every `unsafe` block of the binding on small inputs,
//! sized so that the suite also runs under Miri (`cargo +nightly miri test -p
//! manageout-c --test ffi`, where the toolchain has Miri).

use std::ffi::{CStr, c_char};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use manageout_c::*;

const FARM: &str = "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n\
                    [[server]]\nname = \"DA2\"\naddress = \"2131::201\"\nclient_prefix = \"2131:0:0:1020::/59\"\n";

fn addr(s: &str) -> [u8; 16] {
    s.parse::<std::net::Ipv6Addr>()
        .expect("an address")
        .octets()
}

fn table(text: &str) -> (mo_result, *const mo_table) {
    let mut t = ptr::null();
    // SAFETY: `text` is `len` readable bytes and `t` is writable.
    let r = unsafe { mo_table_from_str(text.as_ptr().cast::<c_char>(), text.len(), &mut t) };
    (r, t)
}

fn last_error() -> String {
    let mut buf = [0 as c_char; 256];
    // SAFETY: `buf` is 256 writable bytes; the result is NUL-terminated in it.
    unsafe {
        mo_last_error(buf.as_mut_ptr(), buf.len());
        CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
    }
}

#[test]
fn a_table_from_text_answers_lookups_names_and_addresses() {
    let (r, t) = table(FARM);
    assert_eq!(r, mo_result::MO_OK);
    // SAFETY: `t` is a live table; every buffer is as long as the calls require.
    unsafe {
        assert_eq!(mo_table_len(t), 2);
        assert_eq!(mo_table_lookup(t, addr("2131:0:0:1025::7").as_ptr()), 1);
        assert_eq!(mo_table_lookup(t, addr("2131::1").as_ptr()), -1);
        assert_eq!(
            CStr::from_ptr(mo_table_server_name(t, 0)).to_str(),
            Ok("DA1")
        );
        assert!(mo_table_server_name(t, 2).is_null());
        let mut a = [0u8; 16];
        assert_eq!(
            mo_table_server_address(t, 1, a.as_mut_ptr()),
            mo_result::MO_OK
        );
        assert_eq!(a, addr("2131::201"));
        assert_eq!(
            mo_table_server_address(t, 9, a.as_mut_ptr()),
            mo_result::MO_ERR_BOUNDS
        );
        let packed: Vec<u8> = ["2131:0:0:1005::1", "2131:0:0:1025::1", "::"]
            .iter()
            .flat_map(|s| addr(s))
            .collect();
        let mut out = [7i32; 3];
        mo_table_lookup_batch(t, packed.as_ptr(), 3, out.as_mut_ptr());
        assert_eq!(out, [0, 1, -1]);
        let copy = mo_table_clone(t);
        mo_table_free(t);
        assert_eq!(mo_table_lookup(copy, addr("2131:0:0:1005::1").as_ptr()), 0);
        mo_table_free(copy);
    }
}

#[test]
fn invalid_farms_and_null_pointers_give_results_not_crashes() {
    let (r, t) = table(
        "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1001::/59\"\n",
    );
    assert_eq!(r, mo_result::MO_ERR_INVALID_FARM);
    assert!(t.is_null());
    assert!(last_error().contains("MO012"), "{}", last_error());
    let (r, _) = table("[[server]\n");
    assert_eq!(r, mo_result::MO_ERR_PARSE);
    // SAFETY: NULL is accepted by every function below.
    unsafe {
        assert_eq!(
            mo_table_from_str(ptr::null(), 0, ptr::null_mut()),
            mo_result::MO_ERR_NULL
        );
        assert_eq!(mo_table_lookup(ptr::null(), ptr::null()), -1);
        assert_eq!(mo_table_len(ptr::null()), 0);
        mo_table_lookup_batch(ptr::null(), ptr::null(), 4, ptr::null_mut());
        mo_table_free(ptr::null());
        mo_router_free(ptr::null_mut());
        mo_prefix_map_free(ptr::null());
        assert!(mo_table_clone(ptr::null()).is_null());
        assert_eq!(mo_last_error(ptr::null_mut(), 0), last_error().len());
    }
    // SAFETY: mo_result_name returns a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(mo_result_name(mo_result::MO_ERR_BOUNDS as i32)) };
    assert_eq!(name.to_str(), Ok("MO_ERR_BOUNDS"));
}

#[test]
fn a_router_swaps_tables_while_readers_look_up() {
    let (_, first) = table(FARM);
    let moved = FARM.replace("2131::201", "2131::202");
    let mut router = ptr::null_mut();
    // SAFETY: `first` is a live table whose reference moves into the router.
    assert_eq!(
        unsafe { mo_router_new(first, &mut router) },
        mo_result::MO_OK
    );
    let router_addr = router as usize;
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let r = router_addr as *const mo_router;
                let a = addr("2131:0:0:1025::7");
                while !stop.load(Ordering::Relaxed) {
                    let mut hop = [0u8; 16];
                    // SAFETY: the router outlives the scope; the buffers are 16 bytes.
                    let i = unsafe { mo_router_lookup_next_hop(r, a.as_ptr(), hop.as_mut_ptr()) };
                    assert_eq!(i, 1);
                    assert!(hop == addr("2131::201") || hop == addr("2131::202"));
                }
            });
        }
        for i in 0..20 {
            let (_, t) = table(if i % 2 == 0 { &moved } else { FARM });
            // SAFETY: `router` is live; the new table's reference moves into it.
            assert_eq!(unsafe { mo_router_swap(router, t) }, mo_result::MO_OK);
        }
        stop.store(true, Ordering::Relaxed);
    });
    // SAFETY: the readers are done; the router and the table reference are freed once.
    unsafe {
        let current = mo_router_current(router);
        assert_eq!(mo_table_len(current), 2);
        mo_table_free(current);
        mo_router_free(router);
    }
}

#[test]
fn a_prefix_map_takes_the_longest_match_and_rejects_bad_prefixes() {
    let prefixes = [
        mo_prefix {
            addr: addr("2001:db8::"),
            len: 32,
            value: 7,
        },
        mo_prefix {
            addr: addr("2001:db8:1::"),
            len: 48,
            value: 9,
        },
    ];
    let mut m = ptr::null();
    // SAFETY: `prefixes` holds 2 entries; `m` is writable; the map is freed once.
    unsafe {
        assert_eq!(
            mo_prefix_map_new(prefixes.as_ptr(), 2, &mut m),
            mo_result::MO_OK
        );
        assert_eq!(mo_prefix_map_len(m), 2);
        assert_eq!(mo_prefix_map_lookup(m, addr("2001:db8:1::5").as_ptr()), 9);
        assert_eq!(mo_prefix_map_lookup(m, addr("2001:db8:2::5").as_ptr()), 7);
        let packed: Vec<u8> = ["2001:db8::1", "::1"]
            .iter()
            .flat_map(|s| addr(s))
            .collect();
        let mut out = [0i32; 2];
        mo_prefix_map_lookup_batch(m, packed.as_ptr(), 2, out.as_mut_ptr());
        assert_eq!(out, [7, -1]);
        mo_prefix_map_free(m);
        let bad = [mo_prefix {
            addr: addr("2001:db8::1"),
            len: 32,
            value: 1,
        }];
        let mut m2 = ptr::null();
        assert_eq!(
            mo_prefix_map_new(bad.as_ptr(), 1, &mut m2),
            mo_result::MO_ERR_INVALID_PREFIX
        );
        assert!(m2.is_null());
    }
}
