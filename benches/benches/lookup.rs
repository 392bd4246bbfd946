//! Lookup speed of `manageout::PrefixMap` against its peers, on the same data and
//! queries in the same run: `ip_network_table` (the reference), `prefix-trie`, and
//! a linear scan (small sets only); with the machine's own limits measured alongside:
//! `floor` (reading the query stream), `chase(S)` and `gather(S)` (dependent and
//! independent random loads over a buffer the size of our table).
//!
//! Run: `cargo bench -p manageout-benches --bench lookup`, then
//! `python3 benches/report.py` for the table of `benches/README.md`. Every
//! measurement looks up 1M addresses (90% inside random prefixes of the set, 10%
//! uniform in 2000::/3); criterion reports time per element.

use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ip_network::Ipv6Network;
use ip_network_table::IpNetworkTable;
use ipnet::Ipv6Net;
use manageout::PrefixMap;
use manageout_benches::{Chase, farm64, queries, ris, seed2, synth1m};

/// Whether criterion runs for real (`cargo bench`) rather than once per bench as a
/// smoke test (`cargo test --benches`, which the test script runs).
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn bench_set(c: &mut Criterion, name: &str, prefixes: &[(Ipv6Net, u32)], small: bool) {
    let q = queries(prefixes, if measuring() { 1 << 20 } else { 4096 }, 7);
    let mut sorted = q.clone();
    sorted.sort_unstable();
    let ours = PrefixMap::new(prefixes.iter().copied()).unwrap();
    let mut reference = IpNetworkTable::new();
    let mut trie = prefix_trie::PrefixMap::<Ipv6Net, u32>::new();
    for (p, v) in prefixes {
        reference.insert(Ipv6Network::new(p.network(), p.prefix_len()).unwrap(), *v);
        trie.insert(*p, *v);
    }
    // every implementation must agree before it is timed
    let mut batch = vec![None; q.len()];
    ours.lookup_batch(&q, &mut batch).unwrap();
    for (a, b) in q.iter().zip(&batch).step_by(7) {
        let want = reference
            .longest_match(IpAddr::V6(Ipv6Addr::from(*a)))
            .map(|(_, v)| *v);
        assert_eq!(ours.lookup(*a).copied(), want);
        assert_eq!(b.copied(), want);
        let host = Ipv6Net::new(Ipv6Addr::from(*a), 128).unwrap();
        assert_eq!(trie.get_lpm(&host).map(|(_, v)| *v), want);
    }

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(q.len() as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("floor", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for a in &q {
                sum += (black_box(*a) as u64) & 1;
            }
            sum
        });
    });
    let chase = Chase::new(ours.memory_bytes(), 11);
    let indexes = chase.indexes(q.len(), 13);
    g.bench_function("chase", |b| b.iter(|| chase.walk(black_box(q.len()))));
    g.bench_function("gather", |b| b.iter(|| chase.gather(black_box(&indexes))));
    g.bench_function("manageout/lookup", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for a in &q {
                sum += u64::from(ours.lookup(black_box(*a)).copied().unwrap_or(0));
            }
            sum
        });
    });
    let mut out = vec![0u32; q.len()];
    g.bench_function("manageout/lookup_batch", |b| {
        b.iter(|| {
            ours.lookup_batch_indices(black_box(&q), &mut out).unwrap();
            out[q.len() - 1]
        });
    });
    g.bench_function("manageout/lookup_batch_sorted", |b| {
        b.iter(|| {
            ours.lookup_batch_indices(black_box(&sorted), &mut out)
                .unwrap();
            out[q.len() - 1]
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
    if small {
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
    // build time, per table (not per element)
    g.throughput(Throughput::Elements(1));
    g.bench_function("manageout/build", |b| {
        b.iter_batched(
            || prefixes.to_vec(),
            |p| PrefixMap::new(p).unwrap(),
            BatchSize::LargeInput,
        );
    });
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
    let synth = if measuring() {
        synth1m()
    } else {
        manageout_benches::synth(&ris(), 20_000, 1)
    };
    bench_set(c, "synth1m", &synth, false);
}

criterion_group!(benches, lookups);
criterion_main!(benches);
