//! Batch lookups through the C ABI (`mo_prefix_map_lookup_batch`, the functions a C
//! appliance links) against the Rust batch lookup on the same map data and queries,
//! in the same run. Target: the C path within 10% of the Rust path.
//!
//! Run: `cargo bench -p manageout-benches --bench c_api`.
#![allow(unsafe_code)] // calls the C ABI

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipnet::Ipv6Net;
use manageout::PrefixMap;
use manageout_benches::{farm64, queries, ris, seed2};
use manageout_c::{
    mo_prefix, mo_prefix_map, mo_prefix_map_free, mo_prefix_map_lookup_batch, mo_prefix_map_new,
    mo_result,
};

const BLOCK: usize = 4096;

fn bench_set(c: &mut Criterion, name: &str, prefixes: &[(Ipv6Net, u32)]) {
    let q = queries(prefixes, BLOCK, 7);
    let packed: Vec<u8> = q.iter().flat_map(|a| a.to_be_bytes()).collect();
    let rust = PrefixMap::new(prefixes.iter().copied()).unwrap();
    let entries: Vec<mo_prefix> = prefixes
        .iter()
        .map(|(p, v)| mo_prefix {
            addr: p.network().octets(),
            len: p.prefix_len(),
            value: *v,
        })
        .collect();
    let mut map: *const mo_prefix_map = std::ptr::null();
    // SAFETY: `entries` holds `len` entries; `map` is writable.
    assert_eq!(
        unsafe { mo_prefix_map_new(entries.as_ptr(), entries.len(), &mut map) },
        mo_result::MO_OK
    );

    // both paths agree before they are timed
    let mut from_c = vec![0i32; BLOCK];
    // SAFETY: `packed` holds 16 * BLOCK bytes, `from_c` BLOCK values.
    unsafe { mo_prefix_map_lookup_batch(map, packed.as_ptr(), BLOCK, from_c.as_mut_ptr()) };
    let mut from_rust = vec![0u32; BLOCK];
    rust.lookup_batch_indices(&q, &mut from_rust).unwrap();
    for (i, c) in from_c.iter().enumerate() {
        let want = rust.lookup(q[i]).map_or(-1, |v| *v as i32);
        assert_eq!(*c, want);
    }

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(BLOCK as u64));
    g.bench_function("rust/lookup_batch", |b| {
        let mut out = vec![None; BLOCK];
        b.iter(|| {
            rust.lookup_batch(black_box(&q), &mut out).unwrap();
            out[BLOCK - 1].copied()
        });
    });
    let packed16: Vec<[u8; 16]> = q.iter().map(|a| a.to_be_bytes()).collect();
    g.bench_function("rust/lookup-values-from-bytes", |b| {
        let mut out = vec![0i32; BLOCK];
        b.iter(|| {
            for (o, a) in out.iter_mut().zip(black_box(&packed16)) {
                *o = rust.lookup(*a).map_or(-1, |v| *v as i32);
            }
            out[BLOCK - 1]
        });
    });
    g.bench_function("c-api/mo_prefix_map_lookup_batch", |b| {
        let mut out = vec![0i32; BLOCK];
        b.iter(|| {
            // SAFETY: as above.
            unsafe {
                mo_prefix_map_lookup_batch(black_box(map), packed.as_ptr(), BLOCK, out.as_mut_ptr())
            };
            out[BLOCK - 1]
        });
    });
    g.finish();
    // SAFETY: freed once.
    unsafe { mo_prefix_map_free(map) };
}

fn c_api(c: &mut Criterion) {
    bench_set(c, "c/seed2", &seed2());
    bench_set(c, "c/farm64", &farm64());
    bench_set(c, "c/ris", &ris());
}

criterion_group!(benches, c_api);
criterion_main!(benches);
