//! Updates without a rebuild: a map after `apply` answers exactly as
//! `ip_network_table` holding the same prefixes does, whatever the layout, the
//! sequence of batches (nested prefixes, /0, /128, prefixes longer than /64, a
//! prefix announced and withdrawn in one batch) and the size, and the map it was
//! made from is unchanged.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};

use ip_network::{IpNetwork, Ipv6Network};
use ip_network_table::IpNetworkTable;
use ipnet::Ipv6Net;
use manageout::table::{IntPrefixMap, Layout};
use manageout::{Change, PrefixMap};
use proptest::prelude::*;

fn reference(set: &BTreeMap<Ipv6Net, u32>) -> IpNetworkTable<u32> {
    let mut t = IpNetworkTable::new();
    for (p, v) in set {
        t.insert(Ipv6Network::new(p.network(), p.prefix_len()).unwrap(), *v);
    }
    t
}

fn expected(t: &IpNetworkTable<u32>, addr: u128) -> Option<(Ipv6Net, u32)> {
    t.longest_match(IpAddr::V6(Ipv6Addr::from(addr)))
        .map(|(n, v)| {
            let IpNetwork::V6(n) = n else {
                unreachable!("IPv6 lookups return IPv6 networks")
            };
            (Ipv6Net::new(n.network_address(), n.netmask()).unwrap(), *v)
        })
}

/// Every prefix's first and last address, their neighbours and the middle.
fn boundaries<'a>(prefixes: impl Iterator<Item = &'a Ipv6Net>) -> Vec<u128> {
    let mut q = vec![0, 1, u128::MAX, u128::MAX - 1];
    for p in prefixes {
        let (first, last) = (u128::from(p.network()), u128::from(p.broadcast()));
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

/// Checks `map` (and its batch lookup) against the reference for `set`.
fn check(
    map: &PrefixMap<u32>,
    set: &BTreeMap<Ipv6Net, u32>,
    queries: &[u128],
) -> Result<(), TestCaseError> {
    let reference = reference(set);
    let mut batch = vec![None; queries.len()];
    map.lookup_batch(queries, &mut batch).unwrap();
    for (q, b) in queries.iter().zip(&batch) {
        let want = expected(&reference, *q);
        let got = map.lookup_entry(*q).map(|(p, v)| (p, *v));
        prop_assert_eq!(
            got,
            want,
            "address {} ({:?})",
            Ipv6Addr::from(*q),
            map.layout()
        );
        prop_assert_eq!(
            b.copied(),
            want.map(|w| w.1),
            "batch, address {}",
            Ipv6Addr::from(*q)
        );
        let at = map.lookup_index(*q);
        prop_assert_eq!(at.map(|i| map.entries()[i].1), want.map(|w| w.1));
    }
    // the entries are exactly the set, each once
    let entries: BTreeMap<Ipv6Net, u32> = map.entries().iter().copied().collect();
    prop_assert_eq!(entries.len(), map.len());
    prop_assert_eq!(&entries, set);
    Ok(())
}

fn check_int(
    map: &IntPrefixMap,
    set: &BTreeMap<Ipv6Net, u32>,
    queries: &[u128],
) -> Result<(), TestCaseError> {
    let reference = reference(set);
    let mut batch = vec![0i32; queries.len()];
    map.lookup_batch(queries, &mut batch).unwrap();
    for (q, b) in queries.iter().zip(&batch) {
        let want = expected(&reference, *q).map_or(-1, |w| w.1 as i32);
        prop_assert_eq!(
            map.lookup(*q),
            want,
            "address {} ({:?})",
            Ipv6Addr::from(*q),
            map.layout()
        );
        prop_assert_eq!(*b, want, "batch, address {}", Ipv6Addr::from(*q));
    }
    let entries: BTreeMap<Ipv6Net, u32> =
        map.entries().iter().map(|(p, v)| (*p, *v as u32)).collect();
    prop_assert_eq!(&entries, set);
    Ok(())
}

/// Prefixes that nest and collide: a few bases (the DA /48, documentation, the
/// top and bottom of the space, anywhere), lengths biased to /0, /20-ish, /48, /59,
/// /64 and /128, random bits below the base.
fn prefix() -> impl Strategy<Value = Ipv6Net> {
    let base = prop_oneof![
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
        Just(20u8),
        Just(27u8),
        Just(8u8),
        0u8..=128,
    ];
    (base, len, any::<u128>(), 0u8..=128).prop_map(|(base, len, noise, spread)| {
        let keep = if spread == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(spread))
        };
        Ipv6Net::new(Ipv6Addr::from((base & keep) | (noise & !keep)), len)
            .unwrap()
            .trunc()
    })
}

/// A change: mostly announcements with few distinct values (so that the value
/// map merges ranges), withdrawals of anything (held or not).
fn change() -> impl Strategy<Value = Change<u32>> {
    prop_oneof![
        3 => (prefix(), 0u32..6).prop_map(|(p, v)| Change::Announce(p, v)),
        2 => prefix().prop_map(Change::Withdraw),
    ]
}

fn apply_to(set: &mut BTreeMap<Ipv6Net, u32>, batch: &[Change<u32>]) {
    for c in batch {
        match c {
            Change::Announce(p, v) => {
                set.insert(*p, *v);
            }
            Change::Withdraw(p) => {
                set.remove(p);
            }
            _ => unreachable!("only announcements and withdrawals exist"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn applied_maps_answer_like_ip_network_table_on_every_layout(
        start in prop::collection::vec((prefix(), 0u32..6), 0..120),
        batches in prop::collection::vec(prop::collection::vec(change(), 0..40), 1..5),
        extra in prop::collection::vec(any::<u128>(), 0..32),
    ) {
        for layout in [Layout::Trie, Layout::Ranges, Layout::Auto] {
            let mut set: BTreeMap<Ipv6Net, u32> = start.iter().copied().collect();
            let mut map = PrefixMap::with_layout(start.iter().copied(), layout).unwrap();
            let mut int = IntPrefixMap::with_layout(start.iter().map(|(p, v)| (*p, *v as i32)), layout).unwrap();
            for batch in &batches {
                let before: Vec<(Ipv6Net, u32)> = map.entries().to_vec();
                let next = map.apply(batch.iter().cloned()).unwrap();
                let next_int = int
                    .apply(batch.iter().map(|c| match c {
                        Change::Announce(p, v) => Change::Announce(*p, *v as i32),
                        other => Change::Withdraw(other.prefix()),
                    }))
                    .unwrap();
                // the old map is untouched
                prop_assert_eq!(map.entries(), &before[..]);
                apply_to(&mut set, batch);
                let mut queries = boundaries(set.keys().chain(batch.iter().map(|c| match c {
                    Change::Announce(p, _) | Change::Withdraw(p) => p,
                    _ => unreachable!(),
                })));
                queries.extend(extra.iter().copied());
                check(&next, &set, &queries)?;
                check_int(&next_int, &set, &queries)?;
                if layout != Layout::Auto {
                    prop_assert_eq!(next.layout(), layout);
                }
                map = next;
                int = next_int;
            }
        }
    }
}

#[test]
fn a_failed_apply_changes_nothing_and_names_the_prefix() {
    let map = PrefixMap::new([("2001:db8::/32".parse().unwrap(), 1u32)]).unwrap();
    let bad: Ipv6Net = "2001:db8::1/32".parse().unwrap();
    let err = map
        .apply([
            Change::Announce("2001:db8:1::/48".parse().unwrap(), 2),
            Change::Announce(bad, 3),
        ])
        .unwrap_err();
    assert!(err.to_string().contains("2001:db8::1/32"), "{err}");
    assert_eq!(map.len(), 1);
    let int = IntPrefixMap::new([("2001:db8::/32".parse().unwrap(), 1)]).unwrap();
    let err = int
        .apply([Change::Announce("::/0".parse().unwrap(), -5)])
        .unwrap_err();
    assert!(err.to_string().contains("-5"), "{err}");
}

#[test]
fn a_value_change_alone_keeps_every_position() {
    let p: Ipv6Net = "2001:db8::/32".parse().unwrap();
    let q: Ipv6Net = "2001:db8:1::/48".parse().unwrap();
    let map = PrefixMap::new([(p, 1u32), (q, 2)]).unwrap();
    let next = map.apply([Change::Announce(q, 7)]).unwrap();
    assert_eq!(next.entries(), &[(p, 1), (q, 7)]);
    assert_eq!(next.lookup(q.network()), Some(&7));
    assert_eq!(map.lookup(q.network()), Some(&2));
}

/// The real stream on the real table: the first 30,000 of the day's updates in
/// three batches, each map checked against ip_network_table and against a map
/// built from scratch, on 200,000 addresses inside the table's prefixes.
#[test]
fn the_ris_table_after_the_days_first_updates_answers_like_ip_network_table() {
    let start: Vec<(Ipv6Net, u32)> = manageout_test_support::data::ris_table()
        .lines()
        .enumerate()
        .map(|(i, l)| (l.trim().parse().unwrap(), i as u32))
        .collect();
    let updates: Vec<Change<u32>> = manageout_test_support::data::ris_updates()
        .lines()
        .take(30_000)
        .enumerate()
        .map(|(i, line)| {
            let (op, p) = line.split_once(' ').unwrap();
            let p: Ipv6Net = p.trim().parse().unwrap();
            if op == "A" {
                Change::Announce(p, 1_000_000 + i as u32)
            } else {
                Change::Withdraw(p)
            }
        })
        .collect();
    let mut set: BTreeMap<Ipv6Net, u32> = start.iter().copied().collect();
    let mut map = PrefixMap::new(start.iter().copied()).unwrap();
    let mut int = IntPrefixMap::new(start.iter().map(|(p, v)| (*p, *v as i32))).unwrap();
    assert_eq!(map.layout(), Layout::Trie);
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for batch in updates.chunks(10_000) {
        map = map.apply(batch.iter().cloned()).unwrap();
        int = int
            .apply(batch.iter().map(|c| match c {
                Change::Announce(p, v) => Change::Announce(*p, *v as i32),
                other => Change::Withdraw(other.prefix()),
            }))
            .unwrap();
        apply_to(&mut set, batch);
        let fresh = PrefixMap::new(set.iter().map(|(p, v)| (*p, *v))).unwrap();
        let prefixes: Vec<&Ipv6Net> = set.keys().collect();
        let mut queries: Vec<u128> = (0..200_000)
            .map(|_| {
                let p = prefixes[(next() % prefixes.len() as u64) as usize];
                let noise = (u128::from(next()) << 64) | u128::from(next());
                u128::from(p.network())
                    | (noise
                        & u128::MAX
                            .checked_shr(u32::from(p.prefix_len()))
                            .unwrap_or(0))
            })
            .collect();
        queries.extend(boundaries(batch.iter().map(|c| match c {
            Change::Announce(p, _) | Change::Withdraw(p) => p,
            _ => unreachable!(),
        })));
        for q in &queries {
            assert_eq!(
                map.lookup_entry(*q).map(|(p, v)| (p, *v)),
                fresh.lookup_entry(*q).map(|(p, v)| (p, *v)),
                "address {}",
                Ipv6Addr::from(*q)
            );
            assert_eq!(int.lookup(*q), fresh.lookup(*q).map_or(-1, |v| *v as i32));
        }
        check(&map, &set, &queries[..20_000]).unwrap();
    }
}
