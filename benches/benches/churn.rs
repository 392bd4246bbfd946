//! Churn: the day's real RIS update stream (1.24M announcements and withdrawals)
//! applied to the RIS table in batches of 10,000, each batch made into the next map
//! and swapped into a `Router` (`Router::replace`: the writer frees the old table),
//! while a reader thread looks up continuously. Two ways in the same run: the
//! incremental `PrefixMap::apply` (the answer), and a full rebuild per batch (the
//! way before it, for the ratio). Reports the total time and the reader's lookup
//! latency (p50, p99.9, max) in steady state and during each.
//!
//! Run: `cargo bench -p manageout-benches --bench churn` (about 40 s). Latency is
//! measured per group of 16 lookups (one clock read per group) and given per lookup.
//! Under `cargo test` it runs a short smoke version.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ipnet::Ipv6Net;
use manageout::{Change, PrefixMap, Router};
use manageout_benches::{queries, ris};

const BATCH: usize = 10_000;
const GROUP: usize = 16;

/// Per-lookup latencies in ns, as a histogram (1 ns buckets up to 1 ms) and a max.
struct Latency {
    counts: Vec<u64>,
    max: u64,
}

impl Latency {
    fn new() -> Self {
        Self {
            counts: vec![0; 1_000_001],
            max: 0,
        }
    }

    fn record(&mut self, ns: u64) {
        self.counts[(ns as usize).min(1_000_000)] += 1;
        self.max = self.max.max(ns);
    }

    fn quantile(&self, q: f64) -> u64 {
        let total: u64 = self.counts.iter().sum();
        let want = ((total as f64) * q).ceil() as u64;
        let mut seen = 0;
        for (ns, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want.max(1) {
                return ns as u64;
            }
        }
        self.max
    }

    fn line(&self, what: &str) -> String {
        let total: u64 = self.counts.iter().sum::<u64>() * GROUP as u64;
        format!(
            "{what}: {total} lookups, p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns (per lookup, groups of {GROUP})",
            self.quantile(0.5),
            self.quantile(0.99),
            self.quantile(0.999),
            self.max
        )
    }
}

fn read(router: &Router<PrefixMap<u32>>, q: &[u128], stop: &AtomicBool) -> Latency {
    let mut lat = Latency::new();
    let mut sum = 0u64;
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        for k in 0..GROUP {
            let a = q[(i + k) % q.len()];
            sum += u64::from(router.load().lookup(a).copied().unwrap_or(0));
        }
        lat.record(t.elapsed().as_nanos() as u64 / GROUP as u64);
        i = (i + GROUP) % q.len();
    }
    std::hint::black_box(sum);
    lat
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let start: Vec<(Ipv6Net, u32)> = ris();
    let limit = if measuring { usize::MAX } else { 3 * BATCH };
    let stream = manageout_test_support::data::ris_updates();
    let updates: Vec<(bool, Ipv6Net)> = stream
        .lines()
        .take(limit)
        .map(|line| {
            let (op, prefix) = line.split_once(' ').expect("`A prefix` or `W prefix`");
            (op == "A", prefix.trim().parse().expect("a prefix"))
        })
        .collect();
    let mut table: BTreeMap<Ipv6Net, u32> = start.iter().copied().collect();
    let mut next_value = table.len() as u32;
    let q = queries(&start, 1 << 16, 7);
    let router = Router::new(PrefixMap::new(table.iter().map(|(p, v)| (*p, *v))).unwrap());

    let stop = AtomicBool::new(false);
    let steady = std::thread::scope(|s| {
        let reader = s.spawn(|| read(&router, &q, &stop));
        std::thread::sleep(Duration::from_millis(if measuring { 2000 } else { 100 }));
        stop.store(true, Ordering::Relaxed);
        reader.join().unwrap()
    });

    let incremental = churn(&router, &q, &updates, |map, batch| {
        map.apply(batch.iter().map(|(announce, p)| {
            if *announce {
                next_value += 1;
                Change::Announce(*p, next_value)
            } else {
                Change::Withdraw(*p)
            }
        }))
        .unwrap()
    });
    let end = router.current();
    let built = PrefixMap::new(end.entries().iter().copied()).unwrap();
    let per = |m: &PrefixMap<u32>| m.memory_bytes() as f64 / m.len() as f64;
    println!(
        "memory: {:.1} bytes per prefix after the stream through apply (replaced nodes not yet compacted included), {:.1} built afresh from the same prefixes",
        per(&end),
        per(&built)
    );

    // the same stream again from the same start, each batch rebuilt from a BTreeMap
    let router = Router::new(PrefixMap::new(table.iter().map(|(p, v)| (*p, *v))).unwrap());
    let rebuild = churn(&router, &q, &updates, |_, batch| {
        for (announce, p) in batch {
            if *announce {
                next_value += 1;
                table.insert(*p, next_value);
            } else {
                table.remove(p);
            }
        }
        PrefixMap::new(table.iter().map(|(p, v)| (*p, *v))).unwrap()
    });
    assert_eq!(
        end.len(),
        table.len(),
        "both ways end with the same prefixes"
    );
    println!(
        "{} updates in batches of {BATCH}, {} prefixes at the end (goal: under 2 s with apply; reader p99.9 within 2x of steady state)",
        updates.len(),
        table.len()
    );
    println!("{}", steady.line("steady"));
    for (what, r) in [("apply", &incremental), ("rebuild", &rebuild)] {
        println!(
            "{what}: {:.2} s total; per batch median {:.1} ms, max {:.1} ms; replaced tables kept for readers at most {}",
            r.total.as_secs_f64(),
            r.builds[r.builds.len() / 2].as_secs_f64() * 1e3,
            r.builds[r.builds.len() - 1].as_secs_f64() * 1e3,
            r.kept
        );
        println!("{}", r.during.line(&format!("during {what}")));
        println!(
            "{what}: p99.9 during / steady: {:.2}x",
            r.during.quantile(0.999) as f64 / steady.quantile(0.999).max(1) as f64
        );
    }
    println!(
        "apply / rebuild total: {:.3}x",
        incremental.total.as_secs_f64() / rebuild.total.as_secs_f64()
    );
}

struct Run {
    total: Duration,
    builds: Vec<Duration>,
    kept: usize,
    during: Latency,
}

/// Applies `updates` in batches with `next` (the current map and a batch to the next
/// map), swapping each into `router` while a reader looks up.
fn churn(
    router: &Router<PrefixMap<u32>>,
    q: &[u128],
    updates: &[(bool, Ipv6Net)],
    mut next: impl FnMut(&PrefixMap<u32>, &[(bool, Ipv6Net)]) -> PrefixMap<u32>,
) -> Run {
    let stop = AtomicBool::new(false);
    let mut builds = Vec::new();
    let mut kept = 0;
    std::thread::scope(|s| {
        let reader = s.spawn(|| read(router, q, &stop));
        let t0 = Instant::now();
        for batch in updates.chunks(BATCH) {
            let tb = Instant::now();
            let map = next(&router.load(), batch);
            builds.push(tb.elapsed());
            kept = kept.max(router.replace(map));
        }
        let total = t0.elapsed();
        stop.store(true, Ordering::Relaxed);
        builds.sort();
        Run {
            total,
            builds,
            kept,
            during: reader.join().unwrap(),
        }
    })
}
