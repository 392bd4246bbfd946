//! Data sets and query streams shared by the benches, generated deterministically
//! (or read from the vendored RIS data in `data/ris/`), so that every implementation
//! sees the same input.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

pub use manageout_test_support::rng::Rng;

fn net(s: &str) -> Ipv6Net {
    s.parse().expect("a valid prefix")
}

/// `seed2`: the source article's farm, corrected (two /59s).
pub fn seed2() -> Vec<(Ipv6Net, u32)> {
    vec![
        (net("2131:0:0:1000::/59"), 0),
        (net("2131:0:0:1020::/59"), 1),
    ]
}

/// `farm64`: 64 entry points, each with a /59 in `2131::/48`, half of them with
/// a nested per-node /64 (64 prefixes in all).
pub fn farm64() -> Vec<(Ipv6Net, u32)> {
    let mut out = Vec::new();
    for i in 0..32u128 {
        let base = (0x2131_u128 << 112) | ((0x1000 + i * 0x20) << 64);
        out.push((Ipv6Net::new(Ipv6Addr::from(base), 59).unwrap(), i as u32));
        let node = base | (5u128 << 64);
        out.push((
            Ipv6Net::new(Ipv6Addr::from(node), 64).unwrap(),
            100 + i as u32,
        ));
    }
    out
}

/// `ris`: the real 246,175-prefix IPv6 table of one RIPE RIS peer.
pub fn ris() -> Vec<(Ipv6Net, u32)> {
    manageout_test_support::data::ris_table()
        .lines()
        .enumerate()
        .map(|(i, l)| (net(l.trim()), i as u32))
        .collect()
}

/// `n` queries: 90% inside random prefixes of the set, 10% uniform in 2000::/3.
pub fn queries(prefixes: &[(Ipv6Net, u32)], n: usize, seed: u64) -> Vec<u128> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            if rng.next_u64().is_multiple_of(10) || prefixes.is_empty() {
                (0x2u128 << 125) | (rng.next_u128() >> 3)
            } else {
                let (p, _) = prefixes[(rng.next_u64() % prefixes.len() as u64) as usize];
                let host = u128::MAX
                    .checked_shr(u32::from(p.prefix_len()))
                    .unwrap_or(0);
                u128::from(p.network()) | (rng.next_u128() & host)
            }
        })
        .collect()
}

/// `synth1m`: 1,000,000 distinct prefixes following the RIS table's length mix
/// and nesting (about 56% under a less specific prefix), all inside 2000::/3,
/// generated deterministically from the real table's statistics.
pub fn synth1m() -> Vec<(Ipv6Net, u32)> {
    synth(&ris(), 1_000_000, 0x5eed_1000)
}

/// `n` distinct prefixes whose lengths follow `model`'s histogram and whose
/// nesting follows its share of prefixes under a less specific one.
pub fn synth(model: &[(Ipv6Net, u32)], n: usize, seed: u64) -> Vec<(Ipv6Net, u32)> {
    let mut rng = Rng::new(seed);
    let lengths: Vec<u8> = model.iter().map(|(p, _)| p.prefix_len()).collect();
    let nested_share = {
        let set: std::collections::HashSet<Ipv6Net> = model.iter().map(|(p, _)| *p).collect();
        let nested = model
            .iter()
            .filter(|(p, _)| {
                (0..p.prefix_len())
                    .any(|l| set.contains(&Ipv6Net::new(p.network(), l).unwrap().trunc()))
            })
            .count();
        nested as f64 / model.len().max(1) as f64
    };
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut out: Vec<(Ipv6Net, u32)> = Vec::with_capacity(n);
    while out.len() < n {
        let len = lengths[(rng.next_u64() % lengths.len() as u64) as usize];
        let nest = (rng.next_u64() % 1000) as f64 / 1000.0 < nested_share && !out.is_empty();
        let bits = if nest {
            // under a shorter prefix already made (a few tries), else a fresh one
            let parent = (0..4)
                .map(|_| out[(rng.next_u64() % out.len() as u64) as usize].0)
                .find(|p| p.prefix_len() < len);
            match parent {
                Some(p) => {
                    let host = u128::MAX
                        .checked_shr(u32::from(p.prefix_len()))
                        .unwrap_or(0);
                    u128::from(p.network()) | (rng.next_u128() & host)
                }
                None => (0x1u128 << 125) | (rng.next_u128() >> 3),
            }
        } else {
            (0x1u128 << 125) | (rng.next_u128() >> 3)
        };
        let p = Ipv6Net::new(Ipv6Addr::from(bits), len).unwrap().trunc();
        if seen.insert(p) {
            out.push((p, out.len() as u32));
        }
    }
    out
}

/// `chase(S)`: the cost of one dependent random 8-byte load in a buffer of `bytes`
/// bytes: a single random cycle (Sattolo's algorithm) walked `steps` times.
pub struct Chase {
    next: Vec<u64>,
}

impl Chase {
    /// A random single cycle over `bytes / 8` slots.
    pub fn new(bytes: usize, seed: u64) -> Self {
        let n = (bytes / 8).max(2);
        let mut next: Vec<u64> = (0..n as u64).collect();
        let mut rng = Rng::new(seed);
        for i in (1..n).rev() {
            let j = (rng.next_u64() % i as u64) as usize;
            next.swap(i, j);
        }
        Self { next }
    }

    /// Walks `steps` dependent loads; returns where it ended.
    #[inline(never)]
    pub fn walk(&self, steps: usize) -> u64 {
        let mut at = 0u64;
        for _ in 0..steps {
            at = self.next[at as usize];
        }
        at
    }

    /// `gather(S)`: the sum of independent loads at `indexes` (precomputed, read
    /// sequentially like a query stream).
    #[inline(never)]
    pub fn gather(&self, indexes: &[u32]) -> u64 {
        indexes.iter().map(|&i| self.next[i as usize]).sum()
    }

    /// `count` random slot indexes for [`gather`](Self::gather).
    pub fn indexes(&self, count: usize, seed: u64) -> Vec<u32> {
        let mut rng = Rng::new(seed);
        (0..count)
            .map(|_| (rng.next_u64() % self.next.len() as u64) as u32)
            .collect()
    }
}
