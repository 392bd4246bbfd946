//! Load-balanced clusters: a `[[entry_point]]` declared once, each node a server
//! with its own address and its own /64. Manage Out reaches the node that holds
//! the client's tunnel, never the VIP.

use std::net::Ipv6Addr;

use manageout::render::{Options, Target, render};
use manageout::{EntryPoint, Farm, LoadBalancer, Server, ValidFarm, explain};
use manageout_test_support::intended::{tmsh_reading, w, words};
use manageout_test_support::tmsh::Token;

fn cluster() -> ValidFarm {
    Farm::from_file("../examples/cluster.toml")
        .unwrap()
        .into_valid_farm()
        .unwrap()
}

fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

fn codes(toml: &str) -> Vec<String> {
    Farm::from_toml_str(toml, "farm.toml")
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect()
}

#[test]
fn each_nodes_64_routes_to_that_node_and_the_rest_of_the_59_to_nobody() {
    let farm = cluster();
    assert_eq!(farm.entry_points.len(), 1);
    let c = &farm.entry_points[0];
    assert_eq!(
        (c.name.as_str(), c.load_balancer),
        ("Cluster1", LoadBalancer::External)
    );
    assert_eq!(c.vip, Some(addr("2131::10")));
    let table = manageout::Table::new(&farm);
    for (a, node, hop) in [
        ("2131:0:0:1000::7", "DA-NODE1", "2131::11"),
        ("2131:0:0:1000:ffff::1", "DA-NODE1", "2131::11"),
        ("2131:0:0:1001::7", "DA-NODE2", "2131::12"),
    ] {
        let r = table.route(addr(a)).unwrap();
        assert_eq!(table.server(r.server).unwrap().name, node, "{a}");
        assert_eq!(r.next_hop, addr(hop), "{a}");
        assert_eq!(farm.cluster_of(table.server(r.server).unwrap()), Some(c));
    }
    // inside the /59 but in no node's /64: no node can be picked
    assert_eq!(table.route(addr("2131:0:0:1011::7")), None);
    assert_eq!(table.route_count(), 2);
}

#[test]
fn no_target_sends_the_clusters_59_or_anything_to_the_vip() {
    let farm = cluster();
    for target in Target::STEERING {
        let options = Options {
            interface: Some("Corpnet".into()),
            ..Options::default()
        };
        let text = render(&farm, target, &options).unwrap().text;
        let commands: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with(['#']) && !l.starts_with("REM"))
            .collect();
        let body = commands.join("\n");
        assert!(
            !body.contains("2131::10 ")
                && !body.contains("2131::10\"")
                && !body.contains("2131::10."),
            "{target:?} names the VIP:\n{text}"
        );
        assert!(
            !body.contains("ffff:ffff:ffff:ffe0::") && !body.contains("/59"),
            "{target:?} routes the /59:\n{text}"
        );
        // every target but the removal (which names objects) carries both /64s
        if target != Target::TmshRemove {
            for node in ["2131:0:0:1000:", "2131:0:0:1001:"] {
                assert!(body.contains(node), "{target:?} lacks {node}:\n{text}");
            }
        }
    }
}

#[test]
fn explain_names_the_entry_point_and_the_node() {
    let table = manageout::Table::new(&cluster());
    let e = explain::explain(addr("2131:0:0:1001::7"), Some(&table));
    assert_eq!(e.server.as_deref(), Some("DA-NODE2"));
    assert_eq!(e.entry_point.as_deref(), Some("Cluster1"));
    assert!(e.steerable);
    let outside = explain::explain(addr("2131:0:0:1011::7"), Some(&table));
    assert!(!outside.steerable);
    assert_eq!(outside.entry_point.as_deref(), Some("Cluster1"));
    assert!(
        outside.details["note"]
            .as_str()
            .unwrap()
            .contains("no node's /64")
    );
}

/// Two nodes as the article's reader listed them: the same /59 each.
const READERS_FARM: &str = r#"
[[server]]
name = "DA1"
address = "2131::11"
client_prefix = "2131:0:0:1000::/59"
[[server]]
name = "DA2"
address = "2131::12"
client_prefix = "2131:0:0:1000::/59"
"#;

#[test]
fn the_readers_identical_prefixes_get_mo022_saying_to_declare_the_cluster_and_find_each_64() {
    let report = Farm::from_toml_str(READERS_FARM, "reader.toml");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MO022")
        .unwrap();
    let help = d.help.as_deref().unwrap();
    assert!(help.contains("[[entry_point]]"), "{help}");
    assert!(help.contains("own /64"), "{help}");
    assert!(help.contains("Get-NetRoute"), "{help}");
    assert!(
        !help.contains("internal VIP as address"),
        "the advice that fails is gone: {help}"
    );
}

#[test]
fn a_node_without_its_64_is_told_the_command_that_shows_it() {
    let toml = r#"
[[entry_point]]
name = "C1"
client_prefix = "2131:0:0:1000::/59"
[[server]]
name = "N1"
entry_point = "C1"
address = "2131::11"
"#;
    let report = Farm::from_toml_str(toml, "f.toml");
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
    let d = &report.diagnostics[0];
    assert_eq!(d.code, "MO027");
    let help = d.help.as_deref().unwrap();
    assert!(help.contains("On N1 run `Get-NetRoute -AddressFamily IPv6 -InterfaceAlias 'Microsoft IP-HTTPS Platform Interface'"), "{help}");
    assert!(help.contains("netsh interface ipv6 show route"), "{help}");
    assert!(
        help.contains("manageout import N1.txt N1-routes.txt"),
        "{help}"
    );
    // a server naming an entry point nobody declared still needs its prefix
    let undeclared = toml.replace("name = \"C1\"", "name = \"Other\"");
    let report = Farm::from_toml_str(&undeclared, "f.toml");
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code == "MO002" && d.field.as_deref() == Some("client_prefix")),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn two_nodes_with_one_64_are_reported_once_for_the_pair() {
    let toml = r#"
[[entry_point]]
name = "C1"
client_prefix = "2131:0:0:1000::/59"
[[server]]
name = "N1"
entry_point = "C1"
address = "2131::11"
client_prefix = "2131:0:0:1000::/64"
[[server]]
name = "N2"
entry_point = "C1"
address = "2131::12"
client_prefix = "2131:0:0:1000::/64"
"#;
    assert_eq!(codes(toml), ["MO022"]);
}

#[test]
fn teredo_is_an_error_on_a_load_balanced_node_and_routable_on_a_single_server_entry_point() {
    let node = r#"
[[entry_point]]
name = "C1"
client_prefix = "2131:0:0:1000::/59"
[[server]]
name = "N1"
entry_point = "C1"
address = "2131::11"
client_prefix = "2131:0:0:1000::/64"
teredo = true
teredo_ipv4 = "131.107.0.2"
"#;
    let report = Farm::from_toml_str(node, "f.toml");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MO034")
        .unwrap();
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("Set-DAServer -TeredoState Disabled")
    );
    let single = r#"
[[server]]
name = "EDGE1"
entry_point = "Site1"
address = "2131::11"
client_prefix = "2131:0:0:1000::/59"
teredo = true
teredo_ipv4 = "131.107.0.2"
"#;
    let farm = Farm::from_toml_str(single, "f.toml")
        .into_valid_farm()
        .unwrap();
    let table = manageout::Table::new(&farm);
    assert!(
        table.route(addr("2001:0:836b:2::1")).is_some(),
        "per-entry-point Teredo stays routable"
    );
}

#[test]
fn isatap_and_6to4_are_errors_with_load_balancing_or_several_entry_points_only() {
    let isatap = |extra: &str| {
        format!(
            "{extra}[[server]]\nname = \"DA1\"\naddress = \"2131::200:5efe:10.0.0.1\"\nclient_prefix = \"2131:0:0:1000::/59\"\n"
        )
    };
    assert!(!codes(&isatap("")).contains(&"MO035".to_owned()));
    let lb = isatap(
        "[[entry_point]]\nname = \"C1\"\nclient_prefix = \"2131:0:0:2000::/59\"\n[[server]]\nname = \"N1\"\nentry_point = \"C1\"\naddress = \"2131::11\"\nclient_prefix = \"2131:0:0:2000::/64\"\n",
    );
    assert!(codes(&lb).contains(&"MO035".to_owned()), "{:?}", codes(&lb));
    let six = "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2002:836b:1:1000::/59\"\n";
    assert_eq!(codes(six), ["MO017"]);
    let multisite = format!(
        "{six}[[server]]\nname = \"DA2\"\naddress = \"2131::201\"\nclient_prefix = \"2131:0:0:1000::/59\"\n"
    );
    assert_eq!(codes(&multisite), ["MO036"]);
}

#[test]
fn a_farm_built_in_code_with_an_entry_point_checks_the_same_as_its_file() {
    let mut n1 = Server::new(
        "N1",
        addr("2131::11"),
        "2131:0:0:1000::/64".parse().unwrap(),
    );
    n1.entry_point = Some("C1".into());
    let mut n2 = Server::new(
        "N2",
        addr("2131::12"),
        "2131:0:0:2000::/64".parse().unwrap(),
    );
    n2.entry_point = Some("c1".into());
    let mut farm = Farm::new(vec![n1, n2]);
    let mut c = EntryPoint::new("C1", "2131:0:0:1000::/59".parse().unwrap());
    c.load_balancer = LoadBalancer::Nlb;
    farm.entry_points.push(c);
    let codes: Vec<String> = farm.check().iter().map(|d| d.code.to_string()).collect();
    assert_eq!(codes, ["MO026"], "N2's /64 lies outside the /59");
    farm.servers[1].client_prefix = "2131:0:0:1001::/64".parse().unwrap();
    let valid = ValidFarm::new(farm).unwrap();
    assert_eq!(valid.entry_points[0].load_balancer, LoadBalancer::Nlb);
}

#[test]
fn a_file_without_entry_points_keeps_its_meaning() {
    for path in ["../examples/seed-fixed.toml", "../examples/multisite.toml"] {
        let farm = Farm::from_file(path).unwrap().into_valid_farm().unwrap();
        assert!(farm.entry_points.is_empty(), "{path}");
    }
}

#[test]
fn audit_of_a_59_to_the_vip_says_why_and_fix_replaces_it_by_one_virtual_per_node() {
    let farm = cluster();
    let dir = "tests/fixtures/audit/cluster";
    let text = std::fs::read_to_string(format!("{dir}/whole-59-to-vip.conf")).unwrap();
    let report = manageout::audit::audit(
        &farm,
        &[manageout::Source {
            name: "bigip.conf".into(),
            text,
        }],
    );
    let mo116 = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MO116")
        .unwrap();
    assert!(
        mo116.message.contains("2131::10 (the VIP)"),
        "{}",
        mo116.message
    );
    assert!(mo116.message.contains("Cluster1"), "{}", mo116.message);
    let help = mo116.help.as_deref().unwrap();
    assert!(help.contains("DA-NODE1, DA-NODE2"), "{help}");
    let fix = report.fix(&farm);
    let commands = tmsh_reading(&fix);
    let deletes: Vec<&Vec<Token>> = commands
        .iter()
        .filter(|c| c.first() == Some(&w("delete")))
        .collect();
    assert_eq!(
        deletes,
        [&words("delete ltm virtual /Common/Cluster1_manage_out")],
        "{fix}"
    );
    for node in ["DA-NODE1", "DA-NODE2"] {
        let name = w(format!("/Common/contoso_{node}_client"));
        assert!(
            commands
                .iter()
                .any(|c| c.starts_with(&words("create ltm virtual")) && c.get(3) == Some(&name)),
            "{node} is not created:\n{fix}"
        );
    }
}
