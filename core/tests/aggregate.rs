//! Route aggregation: the exact cover holds exactly the addresses of its input
//! (checked address for address against `ip_network_table`), is minimal (no two
//! prefixes overlap or are siblings), and the covering prefix holds them all.

use std::net::Ipv6Addr;

use ip_network::Ipv6Network;
use ip_network_table::IpNetworkTable;
use ipnet::Ipv6Net;
use manageout::Farm;
use manageout::aggregate::{covering, exact_cover, farm_cover, farm_covering};
use proptest::prelude::*;

fn table(prefixes: &[Ipv6Net]) -> IpNetworkTable<()> {
    let mut t = IpNetworkTable::new();
    for p in prefixes {
        let p = p.trunc();
        t.insert(Ipv6Network::new(p.network(), p.prefix_len()).unwrap(), ());
    }
    t
}

fn holds(t: &IpNetworkTable<()>, a: u128) -> bool {
    t.longest_match(Ipv6Addr::from(a)).is_some()
}

/// Prefixes near each other (so that siblings and nesting are common): a base
/// inside one /48, lengths 50 to 68.
fn clustered() -> impl Strategy<Value = Vec<Ipv6Net>> {
    prop::collection::vec((0u128..1 << 20, 50u8..=68), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(bits, len)| {
                let addr = (0x2131_u128 << 112) | (bits << (128 - 68));
                Ipv6Net::new(Ipv6Addr::from(addr), len).unwrap().trunc()
            })
            .collect()
    })
}

/// Addresses to probe: every prefix's first and last address and their
/// neighbours, plus random ones inside the /48.
fn probes(sets: &[&[Ipv6Net]], extra: &[u128]) -> Vec<u128> {
    let mut out: Vec<u128> = extra.to_vec();
    for set in sets {
        for p in *set {
            let (lo, hi) = (u128::from(p.network()), u128::from(p.broadcast()));
            out.extend([lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)]);
        }
    }
    out
}

proptest! {
    #[test]
    fn the_exact_cover_holds_exactly_the_inputs_addresses(
        input in clustered(),
        random in prop::collection::vec(0u128..1 << 80, 64),
    ) {
        let cover = exact_cover(input.iter().copied());
        let (want, got) = (table(&input), table(&cover));
        let random: Vec<u128> = random.iter().map(|r| (0x2131_u128 << 112) | r).collect();
        for a in probes(&[&input, &cover], &random) {
            prop_assert_eq!(holds(&want, a), holds(&got, a), "{}", Ipv6Addr::from(a));
        }
    }

    #[test]
    fn the_exact_cover_is_minimal_sorted_and_idempotent(input in clustered()) {
        let cover = exact_cover(input.iter().copied());
        for (i, a) in cover.iter().enumerate() {
            prop_assert_eq!(*a, a.trunc());
            for b in &cover[i + 1..] {
                prop_assert!(a.network() < b.network(), "{} before {}", a, b);
                prop_assert!(!a.contains(b) && !b.contains(a), "{} and {} overlap", a, b);
                prop_assert!(
                    !(a.prefix_len() == b.prefix_len() && a.supernet() == b.supernet()),
                    "{} and {} are siblings: one parent covers both",
                    a,
                    b
                );
            }
        }
        prop_assert!(cover.len() <= input.len());
        prop_assert_eq!(exact_cover(cover.iter().copied()), cover);
    }

    #[test]
    fn the_covering_prefix_holds_every_input_and_no_longer_one_does(input in clustered()) {
        let Some(c) = covering(input.iter().copied()) else {
            prop_assert!(input.is_empty());
            return Ok(());
        };
        for p in &input {
            prop_assert!(c.contains(p), "{} does not hold {}", c, p);
        }
        if c.prefix_len() < 128 {
            // neither half of it holds them all
            let halves = c.subnets(c.prefix_len() + 1).unwrap();
            for h in halves {
                prop_assert!(!input.iter().all(|p| h.contains(p)), "{} holds them all", h);
            }
        }
    }
}

#[test]
fn the_articles_two_59s_merge_into_one_58() {
    let farm = Farm::from_file("../examples/seed-fixed.toml")
        .unwrap()
        .into_valid_farm()
        .unwrap();
    let cover: Vec<String> = farm_cover(&farm).iter().map(ToString::to_string).collect();
    assert_eq!(cover, ["2131:0:0:1000::/58"]);
    let (c, warnings) = farm_covering(&farm).unwrap();
    assert_eq!(c.to_string(), "2131:0:0:1000::/58");
    assert!(
        warnings.is_empty(),
        "the exact cover is one prefix: {warnings:?}"
    );
}

#[test]
fn a_covering_prefix_that_captures_management_servers_and_servers_says_so() {
    let farm = Farm::from_toml_str(
        r#"
[farm]
internal_prefix = "2131::/48"
[bigip]
self_ip = "2131::5"
[manage_out]
management_servers = ["2131:0:0:1100::50"]
[[server]]
name = "DA1"
address = "2131::101"
client_prefix = "2131:0:0:1000::/59"
[[server]]
name = "DA2"
address = "2131::201"
client_prefix = "2131:0:0:1200::/59"
"#,
        "farm.toml",
    )
    .into_valid_farm()
    .unwrap();
    let (c, warnings) = farm_covering(&farm).unwrap();
    assert_eq!(c.to_string(), "2131:0:0:1000::/54");
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("management server 2131:0:0:1100::50:")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("% of its addresses that no DA server serves")),
        "{messages:?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("internal prefix")),
        "{messages:?}"
    );
}
