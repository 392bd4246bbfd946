//! Invariants of validation, as properties over generated farms and inputs.

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;
use manageout::{Farm, Server, Table};
use proptest::prelude::*;

/// A farm of `slots.len()` servers with distinct /59s in 2131::/48 (slot numbers
/// 0x80.. so they start at 2131:0:0:1000::) and addresses in 2131::/64.
fn farm_of(slots: &[u16]) -> Farm {
    Farm::new(
        slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                let prefix = (0x2131_u128 << 112) | (u128::from(*slot) << 69);
                Server::new(
                    format!("DA{i}"),
                    Ipv6Addr::from((0x2131_u128 << 112) | (i as u128 + 0x101)),
                    Ipv6Net::new(Ipv6Addr::from(prefix), 59).unwrap(),
                )
            })
            .collect(),
    )
}

fn slots() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::btree_set(0x80u16..0x800, 1..40).prop_map(|s| s.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn distinct_prefixes_give_a_clean_farm_whose_table_agrees_with_a_scan(
        slots in slots(),
        probes in prop::collection::vec((any::<prop::sample::Index>(), any::<u128>()), 1..64),
    ) {
        let farm = farm_of(&slots);
        prop_assert!(farm.check().is_empty(), "{:?}", farm.check());
        let table = Table::new(&manageout::ValidFarm::new(farm.clone()).unwrap());
        for (pick, noise) in probes {
            let s = pick.get(&farm.servers);
            let host = u128::MAX >> 59;
            let addr = Ipv6Addr::from(u128::from(s.client_prefix.network()) | (noise & host));
            let want = farm.servers.iter().position(|x| x.client_prefix.contains(&addr));
            prop_assert_eq!(table.lookup(addr).map(|id| id.index()), want);
            let outside = Ipv6Addr::from(noise);
            let want = farm.servers.iter().position(|x| x.client_prefix.contains(&outside));
            prop_assert_eq!(table.lookup(outside).map(|id| id.index()), want);
        }
    }

    #[test]
    fn host_bits_are_reported_once_on_that_server_without_cascading(
        slots in slots(),
        pick in any::<prop::sample::Index>(),
        bits in 1u128..(1 << 5),
    ) {
        let mut farm = farm_of(&slots);
        let i = pick.index(farm.servers.len());
        let p = farm.servers[i].client_prefix;
        farm.servers[i].client_prefix = Ipv6Net::new(Ipv6Addr::from(u128::from(p.network()) | (bits << 64)), 59).unwrap();
        let diags = farm.check();
        prop_assert_eq!(diags.len(), 1, "{:?}", diags);
        prop_assert_eq!(diags[0].code, "MO012");
        let server_name = format!("DA{i}");
        prop_assert_eq!(diags[0].server.as_deref(), Some(server_name.as_str()));
        let help = diags[0].help.as_deref().unwrap();
        prop_assert!(help.contains(&p.to_string()), "{}", help);
        prop_assert!(manageout::ValidFarm::new(farm.clone()).is_err());
    }

    #[test]
    fn a_nested_prefix_is_an_overlap_across_entry_points_and_fine_within_one(
        slots in slots(),
        pick in any::<prop::sample::Index>(),
        node in 0u128..32,
    ) {
        let mut farm = farm_of(&slots);
        let i = pick.index(farm.servers.len());
        let outer = farm.servers[i].client_prefix;
        let inner = Ipv6Net::new(Ipv6Addr::from(u128::from(outer.network()) | (node << 64)), 64).unwrap();
        let mut extra = Server::new("NODE", "2131::ffff".parse().unwrap(), inner);
        farm.servers.push(extra.clone());
        let diags = farm.check();
        prop_assert_eq!(diags.len(), 1, "{:?}", diags);
        prop_assert_eq!(diags[0].code, "MO023");
        prop_assert_eq!(diags[0].server.as_deref(), Some("NODE"));

        // the same nesting inside one entry point is a cluster's per-node /64
        farm.servers.pop();
        farm.servers[i].entry_point = Some("Site".into());
        extra.entry_point = Some("Site".into());
        farm.servers.push(extra);
        prop_assert!(farm.check().is_empty(), "{:?}", farm.check());
        let table = Table::new(&manageout::ValidFarm::new(farm.clone()).unwrap());
        let addr = inner.network();
        prop_assert_eq!(table.lookup(addr).map(|id| id.index()), Some(farm.servers.len() - 1));
    }

    #[test]
    fn arbitrary_text_never_panics_and_every_span_lies_inside_it(
        text in "(\\[\\[server\\]\\]\n|\\[farm\\]\n|\\[bigip\\]\n|name = \"DA\"\n|address = \"2131::1\"\n|client_prefix = \"2131:0:0:1000::/59\"\n|teredo = true\n|vlans = \\[\"a\"\\]\n|[a-z_]{1,8} = [0-9\"\\[{]{0,3}\n|\\{|\\}|\"|,|\u{e9}|\u{1f600}){0,30}",
    ) {
        for report in [Farm::from_toml_str(&text, "t.toml"), Farm::from_json_str(&text, "t.json"), Farm::from_bytes(text.as_bytes(), "t")] {
            for d in &report.diagnostics {
                if let Some(l) = &d.location {
                    prop_assert!(l.span.start <= l.span.end && l.span.end <= text.len(), "{:?}", d);
                    prop_assert!(l.line >= 1 && l.column >= 1);
                }
            }
            if !report.has_errors() {
                prop_assert!(report.table().is_ok());
            }
            let _ = report.render(false);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let report = Farm::from_bytes(&bytes, "b.toml");
        prop_assert!(report.has_errors() || report.table().is_ok());
        let _ = report.render(true);
    }
}
