//! The `l3fwd` target: a rule file for DPDK's l3fwd example that steers exactly as
//! the farm's table does, one port per server, and refuses a farm with more
//! servers than DPDK has ports. (Stock l3fwd itself runs it in
//! bindings-c/examples/dpdk-steer/tests, where DPDK is installed.)

use std::net::Ipv6Addr;

use ipnet::Ipv6Net;
use manageout::render::{Options, Target, render};
use manageout::{Error, Farm, Table, ValidFarm};

fn farm(path: &str) -> ValidFarm {
    Farm::from_file(path).unwrap().into_valid_farm().unwrap()
}

/// The `R<prefix> <port>` lines of a rule file, as l3fwd's parser reads them:
/// every other line is a comment (`#` first) or blank, or l3fwd refuses the file.
fn rules(text: &str) -> Vec<(Ipv6Net, usize)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let rest = l
                .strip_prefix('R')
                .unwrap_or_else(|| panic!("l3fwd refuses {l:?}"));
            let (prefix, port) = rest.split_once(' ').unwrap();
            (prefix.parse().unwrap(), port.parse().unwrap())
        })
        .collect()
}

fn l3fwd(farm: &ValidFarm) -> Result<String, Error> {
    render(farm, Target::L3fwd, &Options::default()).map(|r| r.text)
}

#[test]
fn the_article_farm_becomes_one_rule_per_prefix_with_the_server_index_as_port() {
    let text = l3fwd(&farm("../examples/seed-fixed.toml")).unwrap();
    assert_eq!(
        rules(&text),
        [
            ("2131:0:0:1000::/59".parse().unwrap(), 0),
            ("2131:0:0:1020::/59".parse().unwrap(), 1)
        ]
    );
    assert!(text.contains("# port 0: DA1 at 2131::101\n"), "{text}");
    assert!(text.contains("# port 1: DA2 at 2131::201\n"), "{text}");
}

#[test]
fn every_rule_steers_to_the_server_the_table_gives_and_every_route_has_a_rule() {
    for path in [
        "../examples/seed-fixed.toml",
        "../examples/cluster.toml",
        "../examples/multisite.toml",
        "../examples/whole-path.toml",
    ] {
        let farm = farm(path);
        let table = Table::new(&farm);
        let rules = rules(&l3fwd(&farm).unwrap());
        let routes: usize = farm.servers.iter().map(|s| s.routes().count()).sum();
        assert_eq!(rules.len(), routes, "{path}");
        for (prefix, port) in rules {
            for addr in [prefix.network(), prefix.broadcast()] {
                let id = table.lookup(addr).unwrap();
                assert_eq!(
                    table.server(id).unwrap().name,
                    farm.servers[port].name,
                    "{path} {addr}"
                );
            }
        }
    }
}

#[test]
fn a_farm_with_more_servers_than_dpdk_has_ports_is_refused_with_the_limit() {
    let servers = |n: usize| {
        (0..n)
            .map(|i| {
                let prefix = Ipv6Net::new(Ipv6Addr::from((0x2131_0000_0000_1000u128 + 0x20 * i as u128) << 64), 59).unwrap();
                format!("[[server]]\nname = \"DA{i}\"\naddress = \"2131::{:x}\"\nclient_prefix = \"{prefix}\"\n", 0x100 + i)
            })
            .collect::<String>()
    };
    let fits = Farm::from_toml_str(&servers(32), "farm.toml")
        .into_valid_farm()
        .unwrap();
    assert_eq!(rules(&l3fwd(&fits).unwrap()).len(), 32);
    let over = Farm::from_toml_str(&servers(33), "farm.toml")
        .into_valid_farm()
        .unwrap();
    match l3fwd(&over) {
        Err(e @ Error::TargetLimit { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("33 servers") && text.contains("at most 32 ports"),
                "{text}"
            );
        }
        other => panic!("expected TargetLimit, got {other:?}"),
    }
}
