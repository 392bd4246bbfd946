//! Data sets and query streams shared by the benches, generated deterministically
//! (or read from `../shared/data/`), so that every implementation sees the same input.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The next 128 random bits.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }
}

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
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/ris-ipv6-20260511-as3333.txt"
    );
    let text = std::fs::read_to_string(path).expect("../shared/data/ris-ipv6-20260511-as3333.txt");
    text.lines()
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
