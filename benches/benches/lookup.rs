//! Lookup speed of `manageout::PrefixMap` against its peers, on the same data and
//! queries in the same run: `ip_network_table` (the reference), `prefix-trie`, and
//! a linear scan (small sets only).
//!
//! Run: `cargo bench -p manageout-benches --bench lookup`. Each measurement looks up
//! a block of 4096 addresses; criterion reports time per block and per element.

use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ip_network::Ipv6Network;
use ip_network_table::IpNetworkTable;
use ipnet::Ipv6Net;
use manageout::PrefixMap;
use manageout_benches::{farm64, queries, ris, seed2};

const BLOCK: usize = 4096;

fn bench_set(c: &mut Criterion, name: &str, prefixes: &[(Ipv6Net, u32)], linear: bool) {
    let q = queries(prefixes, BLOCK, 7);
    let ours = PrefixMap::new(prefixes.iter().copied()).unwrap();
    let mut reference = IpNetworkTable::new();
    let mut trie = prefix_trie::PrefixMap::<Ipv6Net, u32>::new();
    for (p, v) in prefixes {
        reference.insert(Ipv6Network::new(p.network(), p.prefix_len()).unwrap(), *v);
        trie.insert(*p, *v);
    }
    // every implementation must agree before it is timed
    for a in &q {
        let want = reference
            .longest_match(IpAddr::V6(Ipv6Addr::from(*a)))
            .map(|(_, v)| *v);
        assert_eq!(ours.lookup(*a).copied(), want);
        let host = Ipv6Net::new(Ipv6Addr::from(*a), 128).unwrap();
        assert_eq!(trie.get_lpm(&host).map(|(_, v)| *v), want);
    }

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(BLOCK as u64));
    g.bench_function("manageout/lookup", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for a in &q {
                sum += u64::from(ours.lookup(black_box(*a)).copied().unwrap_or(0));
            }
            sum
        });
    });
    let mut out = vec![0u32; BLOCK];
    g.bench_function("manageout/lookup_batch", |b| {
        b.iter(|| {
            ours.lookup_batch_indices(black_box(&q), &mut out).unwrap();
            out[BLOCK - 1]
        });
    });
    g.bench_function("ip_network_table/longest_match", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for a in &q {
                let ip = Ipv6Addr::from(black_box(*a));
                sum += u64::from(reference.longest_match_ipv6(ip).map_or(0, |(_, v)| *v));
            }
            sum
        });
    });
    g.bench_function("prefix-trie/get_lpm", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for a in &q {
                let host = Ipv6Net::new(Ipv6Addr::from(black_box(*a)), 128).unwrap();
                sum += u64::from(trie.get_lpm(&host).map_or(0, |(_, v)| *v));
            }
            sum
        });
    });
    if linear {
        let scan: Vec<(u128, u128, u8, u32)> = prefixes
            .iter()
            .map(|(p, v)| {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(p.prefix_len()))
                    .unwrap_or(0);
                (u128::from(p.network()), mask, p.prefix_len(), *v)
            })
            .collect();
        g.bench_function("linear-scan", |b| {
            b.iter(|| {
                let mut sum = 0u64;
                for a in &q {
                    let a = black_box(*a);
                    let mut best: Option<(u8, u32)> = None;
                    for (n, m, l, v) in &scan {
                        if a & m == *n && best.is_none_or(|(bl, _)| *l >= bl) {
                            best = Some((*l, *v));
                        }
                    }
                    sum += u64::from(best.map_or(0, |b| b.1));
                }
                sum
            });
        });
    }
    g.finish();
    eprintln!(
        "{name}: {} prefixes, {:?} layout, {} bytes ({:.1} bytes/prefix)",
        ours.len(),
        ours.layout(),
        ours.memory_bytes(),
        ours.memory_bytes() as f64 / ours.len() as f64
    );
}

fn lookups(c: &mut Criterion) {
    bench_set(c, "seed2", &seed2(), true);
    bench_set(c, "farm64", &farm64(), true);
    bench_set(c, "ris", &ris(), false);
}

criterion_group!(benches, lookups);
criterion_main!(benches);
