//! The lookup table's correctness: property tests and differential tests against
//! `ip_network_table`, the reference implementation, on both layouts.

use std::net::{IpAddr, Ipv6Addr};

use ip_network::Ipv6Network;
use ip_network_table::IpNetworkTable;
use ipnet::Ipv6Net;
use manageout::PrefixMap;
use manageout::table::{IntPrefixMap, Layout};
use proptest::prelude::*;

/// The reference: ip_network_table with the same (prefix, value) pairs, later
/// duplicates replacing earlier ones (our documented rule: last one wins).
fn reference(prefixes: &[(Ipv6Net, u32)]) -> IpNetworkTable<u32> {
    let mut t = IpNetworkTable::new();
    for (p, v) in prefixes {
        t.insert(Ipv6Network::new(p.network(), p.prefix_len()).unwrap(), *v);
    }
    t
}

fn expected(t: &IpNetworkTable<u32>, addr: u128) -> Option<(Ipv6Net, u32)> {
    t.longest_match(IpAddr::V6(Ipv6Addr::from(addr)))
        .map(|(n, v)| {
            let ip_network::IpNetwork::V6(n) = n else {
                unreachable!("IPv6 lookups return IPv6 networks")
            };
            (Ipv6Net::new(n.network_address(), n.netmask()).unwrap(), *v)
        })
}

fn check_all(prefixes: &[(Ipv6Net, u32)], queries: &[u128]) {
    let reference = reference(prefixes);
    for layout in [Layout::Ranges, Layout::Trie, Layout::Auto] {
        let map = PrefixMap::with_layout(prefixes.iter().copied(), layout).unwrap();
        let mut batch = vec![None; queries.len()];
        map.lookup_batch(queries, &mut batch).unwrap();
        // the dense-values batch the bindings use: the values as i64, none as -1
        let values: Vec<i64> = map.entries().iter().map(|(_, v)| i64::from(*v)).collect();
        let mut dense = vec![0i64; queries.len()];
        map.lookup_batch_values(queries, &values, -1, &mut dense)
            .unwrap();
        for ((q, b), d) in queries.iter().zip(&batch).zip(&dense) {
            let want = expected(&reference, *q);
            let got = map.lookup_entry(*q).map(|(p, v)| (p, *v));
            assert_eq!(got, want, "address {} with {layout:?}", Ipv6Addr::from(*q));
            assert_eq!(
                b.copied(),
                want.map(|w| w.1),
                "batch, address {}",
                Ipv6Addr::from(*q)
            );
            assert_eq!(map.lookup(Ipv6Addr::from(*q)).copied(), want.map(|w| w.1));
            assert_eq!(*d, want.map_or(-1, |w| i64::from(w.1)), "dense batch");
            assert_eq!(map.lookup(q.to_be_bytes()).copied(), want.map(|w| w.1));
        }
    }
}

/// Every boundary of every prefix: its first and last address and their neighbours.
fn boundaries(prefixes: &[(Ipv6Net, u32)]) -> Vec<u128> {
    let mut q = vec![0, 1, u128::MAX, u128::MAX - 1];
    for (p, _) in prefixes {
        let first = u128::from(p.network());
        let last = u128::from(p.broadcast());
        q.extend([
            first,
            last,
            first.wrapping_sub(1),
            last.wrapping_add(1),
            first + (last - first) / 2,
        ]);
    }
    q
}

/// Prefixes concentrated in a few regions, so that they nest and collide: a random
/// base from a small pool, a random length (biased to DA and BGP lengths), random
/// bits below the base.
fn prefix_strategy() -> impl Strategy<Value = Ipv6Net> {
    let bases = prop_oneof![
        Just(0u128),
        Just(0x2131_0000_0000_1000u128 << 64),
        Just(0x2001_0db8u128 << 96),
        Just(u128::MAX),
        any::<u128>(),
    ];
    let len = prop_oneof![
        Just(0u8),
        Just(128u8),
        Just(59u8),
        Just(64u8),
        Just(48u8),
        Just(32u8),
        0u8..=128,
    ];
    (bases, len, any::<u128>(), 0u8..=128).prop_map(|(base, len, noise, spread)| {
        // keep the base's top `spread` bits, randomise the rest
        let keep = if spread == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(spread))
        };
        let addr = (base & keep) | (noise & !keep);
        Ipv6Net::new(Ipv6Addr::from(addr), len).unwrap().trunc()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn prefix_map_answers_like_ip_network_table(
        prefixes in prop::collection::vec((prefix_strategy(), any::<u32>()), 0..80),
        extra in prop::collection::vec(any::<u128>(), 0..64),
    ) {
        let prefixes: Vec<(Ipv6Net, u32)> = prefixes.into_iter().map(|(p, v)| (p, v >> 1)).collect();
        let mut queries = boundaries(&prefixes);
        queries.extend(extra);
        check_all(&prefixes, &queries);
    }

    /// The value-indexed map the bindings use: few distinct values, so that
    /// neighbouring ranges merge, on both layouts, single and batch.
    #[test]
    fn int_prefix_map_answers_like_ip_network_table(
        prefixes in prop::collection::vec((prefix_strategy(), 0u32..4), 0..600),
        extra in prop::collection::vec(any::<u128>(), 0..64),
    ) {
        let reference = reference(&prefixes);
        let mut queries = boundaries(&prefixes);
        queries.extend(extra);
        for layout in [Layout::Ranges, Layout::Trie, Layout::Auto] {
            let map = IntPrefixMap::with_layout(prefixes.iter().map(|(p, v)| (*p, *v as i32)), layout).unwrap();
            let mut batch = vec![0i32; queries.len()];
            map.lookup_batch(&queries, &mut batch).unwrap();
            for (q, b) in queries.iter().zip(&batch) {
                let want = expected(&reference, *q).map_or(-1, |w| w.1 as i32);
                prop_assert_eq!(map.lookup(*q), want, "address {} with {:?}", Ipv6Addr::from(*q), layout);
                prop_assert_eq!(*b, want, "batch, address {}", Ipv6Addr::from(*q));
            }
            let distinct: std::collections::HashSet<_> = prefixes.iter().map(|(p, _)| p).collect();
            prop_assert_eq!(map.len(), distinct.len());
        }
    }

    #[test]
    fn duplicates_resolve_to_the_last_value(
        prefix in prefix_strategy(),
        values in prop::collection::vec(any::<u32>(), 1..6),
    ) {
        let prefixes: Vec<(Ipv6Net, u32)> = values.iter().map(|v| (prefix, *v)).collect();
        check_all(&prefixes, &boundaries(&prefixes));
        let map = PrefixMap::new(prefixes.iter().copied()).unwrap();
        prop_assert_eq!(map.len(), 1);
        prop_assert_eq!(map.lookup(prefix.network()), values.last());
    }

    #[test]
    fn host_bits_are_always_refused(addr in any::<u128>(), len in 0u8..128) {
        let p = Ipv6Net::new(Ipv6Addr::from(addr), len).unwrap();
        prop_assume!(p.trunc() != p);
        prop_assert!(PrefixMap::new([(p, 0u32)]).is_err());
    }
}

/// Farm-shaped prefixes: /52 to /64 carved from a block of `2^block` /64s inside
/// 2131::/48 or at the very top of the space (the direct-window form when the block is
/// small), sometimes with a covering prefix and one prefix elsewhere.
fn farm_strategy() -> impl Strategy<Value = Vec<(Ipv6Net, u32)>> {
    let inner = (0u128..1 << 16, 52u8..=64);
    (
        any::<bool>(),
        1u32..=16,
        prop::collection::vec(inner, 1..40),
        prop::option::of(prop_oneof![
            Just("2131::/48"),
            Just("2000::/3"),
            Just("::/0"),
            Just("8000::/1"),
            Just("ffff::/16"),
        ]),
        prop::option::of(prop_oneof![Just("2001:0:836b:2::/64"), Just("fe80::/10")]),
    )
        .prop_map(|(top, block, inner, cover, elsewhere)| {
            // the block's first /64: in 2131::/48, or the last 2^block /64s of the space
            let base = if top {
                u128::from(u64::MAX - ((1u64 << block) - 1)) << 64
            } else {
                0x2131_u128 << 112
            };
            let mut out: Vec<(Ipv6Net, u32)> = inner
                .into_iter()
                .enumerate()
                .map(|(i, (offset, len))| {
                    let hi = base | ((offset % (1 << block)) << 64);
                    let p = Ipv6Net::new(Ipv6Addr::from(hi), len).unwrap().trunc();
                    (p, i as u32)
                })
                .collect();
            out.extend(cover.map(|c| (c.parse().unwrap(), 1000)));
            out.extend(elsewhere.map(|c| (c.parse().unwrap(), 2000)));
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn farm_shaped_sets_answer_like_ip_network_table(
        prefixes in farm_strategy(),
        extra in prop::collection::vec(0u128..1 << 80, 0..32),
    ) {
        let mut queries = boundaries(&prefixes);
        // addresses in and around the blocks
        queries.extend(extra.iter().map(|e| (0x2131_u128 << 112) | e));
        queries.extend(extra.iter().map(|e| (0xffff_ffff_ffff_u128 << 80) | e));
        check_all(&prefixes, &queries);
    }
}

#[test]
fn deep_nesting_down_to_a_single_address_in_both_layouts() {
    // one prefix of every length on the path to one address, and its sibling path
    let target: u128 = 0x2131_0000_0000_1005_0000_0000_0000_0001;
    let mut prefixes = Vec::new();
    for len in 0..=128u8 {
        let p = Ipv6Net::new(Ipv6Addr::from(target), len).unwrap().trunc();
        prefixes.push((p, u32::from(len)));
        let flipped = Ipv6Net::new(
            Ipv6Addr::from(target ^ (1u128 << (127 - u32::from(len.min(127))))),
            len,
        )
        .unwrap()
        .trunc();
        prefixes.push((flipped, 1000 + u32::from(len)));
    }
    check_all(&prefixes, &boundaries(&prefixes));
}

#[test]
fn the_real_ris_table_answers_like_ip_network_table_on_a_million_addresses() {
    // vendored in data/ris/ (RIPE NCC RIS), decompressed here
    let prefixes: Vec<(Ipv6Net, u32)> = manageout_test_support::data::ris_table()
        .lines()
        .enumerate()
        .map(|(i, l)| (l.trim().parse::<Ipv6Net>().unwrap(), i as u32))
        .collect();
    assert_eq!(prefixes.len(), 246_175);
    let reference = reference(&prefixes);
    let map = PrefixMap::new(prefixes.iter().copied()).unwrap();
    assert_eq!(map.layout(), Layout::Trie);
    assert_eq!(map.len(), prefixes.len());

    // 1M addresses drawn inside random prefixes of the table (xorshift, fixed seed)
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut queries = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let (p, _) = prefixes[(next() % prefixes.len() as u64) as usize];
        let noise = (u128::from(next()) << 64) | u128::from(next());
        let host = u128::MAX
            .checked_shr(u32::from(p.prefix_len()))
            .unwrap_or(0);
        queries.push(u128::from(p.network()) | (noise & host));
    }
    let mut batch = vec![None; queries.len()];
    map.lookup_batch(&queries, &mut batch).unwrap();
    let mut mismatches = 0;
    for (q, b) in queries.iter().zip(&batch) {
        let want = expected(&reference, *q);
        let got = map.lookup_entry(*q).map(|(p, v)| (p, *v));
        if got != want || b.copied() != want.map(|w| w.1) {
            mismatches += 1;
            assert!(
                mismatches < 10,
                "address {}: got {got:?}, want {want:?}",
                Ipv6Addr::from(*q)
            );
        }
    }
    assert_eq!(mismatches, 0);
    // and at every prefix boundary
    check_boundaries_only(&map, &reference, &prefixes);
}

fn check_boundaries_only(
    map: &PrefixMap<u32>,
    reference: &IpNetworkTable<u32>,
    prefixes: &[(Ipv6Net, u32)],
) {
    for q in boundaries(prefixes) {
        let want = expected(reference, q);
        let got = map.lookup_entry(q).map(|(p, v)| (p, *v));
        assert_eq!(got, want, "boundary address {}", Ipv6Addr::from(q));
    }
}

#[test]
fn the_top_of_the_address_space_is_found_in_every_small_layout() {
    // 2 to 9 ranges: the padded tiny form, then the plain narrow search
    for extra in 0..4u128 {
        let mut prefixes: Vec<(Ipv6Net, u32)> = (0..extra)
            .map(|i| {
                (
                    Ipv6Net::new(Ipv6Addr::from((0x2001u128 << 112) | (i << 80)), 48).unwrap(),
                    i as u32,
                )
            })
            .collect();
        prefixes.push(("ffff::/16".parse().unwrap(), 99));
        let map = PrefixMap::new(prefixes).unwrap();
        assert_eq!(map.lookup(u128::MAX), Some(&99), "{extra} extra prefixes");
        assert_eq!(map.lookup(0xffff_u128 << 112), Some(&99));
        assert_eq!(map.lookup((0xffff_u128 << 112) - 1), None);
    }
}

fn expanded(a: Ipv6Addr) -> String {
    a.segments()
        .iter()
        .map(|g| format!("{g:x}"))
        .collect::<Vec<_>>()
        .join(":")
}

proptest! {
    #[test]
    fn parse_ipv6_agrees_with_the_standard_parser_on_addresses(bits in any::<u128>(), from in 0u32..8, len in 0u32..9, upper in any::<bool>()) {
        // a run of zero groups (at the start, the end or inside) exercises `::` in
        // every position, `::` and `::1` included
        let run = (u128::MAX.checked_shr(128 - 16 * len.min(8 - from)).unwrap_or(0)) << (16 * from);
        let a = Ipv6Addr::from(bits & !run);
        for text in [a.to_string(), expanded(a), format!("{:04x}", bits)] {
            let text = if upper { text.to_uppercase() } else { text };
            prop_assert_eq!(manageout::net::parse_ipv6(&text), text.parse::<Ipv6Addr>().ok().map(u128::from), "{}", text);
        }
    }

    #[test]
    fn parse_ipv6_agrees_with_the_standard_parser_on_any_text(text in "[0-9a-fA-F:.%g ]{0,41}") {
        prop_assert_eq!(manageout::net::parse_ipv6(&text), text.parse::<Ipv6Addr>().ok().map(u128::from), "{}", text);
    }
}

#[test]
fn parse_ipv6_handles_the_edge_forms_like_the_standard_parser() {
    for text in [
        "::",
        "::1",
        "1::",
        "::ffff:1.2.3.4",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::8",
        ":1::",
        "1:::2",
        "12345::",
        "",
        ":",
        "1:2:3:4:5:6:7:8:9",
    ] {
        assert_eq!(
            manageout::net::parse_ipv6(text),
            text.parse::<Ipv6Addr>().ok().map(u128::from),
            "{text:?}"
        );
    }
}
