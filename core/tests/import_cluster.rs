//! Importing a load-balanced cluster: each node's Get-DAServer output followed by
//! its route listing (Get-NetRoute as a list, a table or JSON, or netsh), and
//! optionally Get-RemoteAccessLoadBalancer output. The fixtures are the project's
//! own, in `tests/fixtures/import/`, each read as Windows saves it (UTF-16 too).

use manageout::import::{
    ImportError, ImportedFarm, Input, NodePrefixProblem, Pair, assemble, read,
};
use manageout::render::{Options, Target, render};
use manageout::{Farm, LoadBalancer};
use manageout_test_support::intended::{tmsh_reading, w, words};

const FIXTURES: &str = "tests/fixtures/import";

/// A fixture as Windows PowerShell's `>` saves it: UTF-16LE with a BOM and CRLF.
fn saved(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    let mut out = vec![0xFF, 0xFE];
    for u in text.replace('\n', "\r\n").encode_utf16() {
        out.extend(u.to_le_bytes());
    }
    out
}

fn inputs(names: &[&str]) -> Vec<(String, Input)> {
    names
        .iter()
        .map(|n| ((*n).to_owned(), read(&saved(n), n).unwrap()))
        .collect()
}

fn pairs(nodes: &[(&str, &str)]) -> Vec<Pair> {
    nodes
        .iter()
        .map(|(n, a)| Pair {
            name: Some((*n).into()),
            address: a.parse().ok(),
        })
        .collect()
}

fn two_nodes(files: &[&str]) -> Result<ImportedFarm, ImportError> {
    assemble(
        &inputs(files),
        &pairs(&[("DA-NODE1", "2131::11"), ("DA-NODE2", "2131::12")]),
    )
}

/// The imported farm, checked: no diagnostic at all.
fn checked(imported: &ImportedFarm) -> manageout::ValidFarm {
    let report = Farm::from_toml_str(&imported.to_toml(&["import"]), "imported.toml");
    assert!(report.diagnostics.is_empty(), "{}", report.render(false));
    report.into_valid_farm().unwrap()
}

#[test]
fn two_nodes_and_their_listings_give_a_farm_whose_tmsh_forwards_each_64_to_its_node() {
    let imported = two_nodes(&[
        "node1-get-daserver-fl.txt",
        "node1-get-netroute-fl.txt",
        "get-remoteaccessloadbalancer-external-fl.txt",
        "node2-get-daserver-ft.txt",
        "node2-get-netroute-ft.txt",
    ])
    .unwrap();
    let farm = checked(&imported);
    let c = &farm.entry_points[0];
    assert_eq!(c.client_prefix.to_string(), "2131:0:0:1000::/59");
    assert_eq!(c.vip, Some("2131::10".parse().unwrap()));
    assert_eq!(c.load_balancer, LoadBalancer::External);
    // the same servers as the hand-written example
    let example = Farm::from_file("../examples/cluster.toml")
        .unwrap()
        .into_valid_farm()
        .unwrap();
    assert_eq!(farm.servers, example.servers);
    assert_eq!(farm.entry_points, example.entry_points);
    // tmsh: one pool per node with the node's own address, one virtual per /64
    let script = render(&farm, Target::Tmsh, &Options::default())
        .unwrap()
        .text;
    let commands = tmsh_reading(&script);
    for (node, net, member) in [
        ("DA-NODE1", "2131:0:0:1000::", "2131::11"),
        ("DA-NODE2", "2131:0:0:1001::", "2131::12"),
    ] {
        let pool = commands
            .iter()
            .find(|c| {
                c.starts_with(&words("create ltm pool"))
                    && c[3] == w(format!("/Common/manageout_{node}_pool"))
            })
            .unwrap_or_else(|| panic!("no pool of {node}:\n{script}"));
        assert!(pool.contains(&w(format!("{member}.0"))), "{pool:?}");
        let virtual_ = commands
            .iter()
            .find(|c| {
                c.starts_with(&words("create ltm virtual"))
                    && c[3] == w(format!("/Common/manageout_{node}_client"))
            })
            .unwrap_or_else(|| panic!("no virtual of {node}:\n{script}"));
        let at = |key: &str| {
            virtual_
                .iter()
                .position(|t| *t == w(key))
                .map(|i| &virtual_[i + 1])
        };
        assert_eq!(
            at("destination"),
            Some(&w(format!("/Common/{net}.any"))),
            "{virtual_:?}"
        );
        assert_eq!(
            at("mask"),
            Some(&w("ffff:ffff:ffff:ffff::")),
            "{virtual_:?}"
        );
        assert_eq!(
            at("pool"),
            Some(&w(format!("/Common/manageout_{node}_pool"))),
            "{virtual_:?}"
        );
    }
    let vip = |t: &&manageout_test_support::tmsh::Token| matches!(t, manageout_test_support::tmsh::Token::Word(x) if x.starts_with("2131::10.") || x == "2131::10");
    assert!(
        !commands.iter().flatten().any(|t| vip(&t)),
        "the VIP is no next hop:\n{script}"
    );
}

#[test]
fn every_listing_format_gives_the_same_node_64() {
    for listing in ["node2-get-netroute-ft.txt", "node2-netsh-show-route.txt"] {
        let imported = two_nodes(&[
            "node1-get-daserver-fl.txt",
            "node1-get-netroute-fl.txt",
            "node2-get-daserver-ft.txt",
            listing,
        ])
        .unwrap();
        assert_eq!(
            imported.servers[1].client_prefix.as_deref(),
            Some("2131:0:0:1001::/64"),
            "{listing}"
        );
        // without Get-RemoteAccessLoadBalancer: external assumed, and said so
        assert_eq!(imported.entry_points[0].vip, None);
        assert!(
            imported
                .notes
                .iter()
                .any(|n| n.contains("Get-RemoteAccessLoadBalancer")),
            "{:?}",
            imported.notes
        );
        checked(&imported);
    }
}

#[test]
fn one_invoke_command_listing_is_matched_to_the_records_by_computer_name() {
    let imported = assemble(
        &inputs(&["cluster-nodes.txt", "invoke-command-get-netroute.json"]),
        &pairs(&[("DA1", "2131::11"), ("DA2", "2131::12")]),
    )
    .unwrap();
    let prefixes: Vec<_> = imported
        .servers
        .iter()
        .map(|s| s.client_prefix.as_deref())
        .collect();
    assert_eq!(
        prefixes,
        [Some("2131:0:0:1000::/64"), Some("2131:0:0:1001::/64")]
    );
    checked(&imported);
}

#[test]
fn an_nlb_cluster_takes_its_kind_and_vip_from_get_remoteaccessloadbalancer() {
    let imported = two_nodes(&[
        "node1-get-daserver-fl.txt",
        "node1-get-netroute-fl.txt",
        "node2-get-daserver-ft.txt",
        "node2-netsh-show-route.txt",
        "get-remoteaccessloadbalancer-fl.txt",
    ])
    .unwrap();
    let e = &imported.entry_points[0];
    assert_eq!(e.load_balancer, Some(LoadBalancer::Nlb));
    assert_eq!(e.vip, Some("2131::100".parse().unwrap()));
    let toml = imported.to_toml(&["x"]);
    assert!(
        toml.contains("load_balancer = \"nlb\"") && toml.contains("vip = \"2131::100\""),
        "{toml}"
    );
}

#[test]
fn nodes_without_listings_become_an_entry_point_and_check_says_how_to_find_each_64() {
    let imported = two_nodes(&["node1-get-daserver-fl.txt", "node2-get-daserver-ft.txt"]).unwrap();
    assert_eq!(imported.entry_points.len(), 1);
    assert!(imported.servers.iter().all(|s| s.client_prefix.is_none()));
    assert_eq!(
        imported
            .notes
            .iter()
            .filter(|n| n.contains("no route listing"))
            .count(),
        2
    );
    let report = Farm::from_toml_str(&imported.to_toml(&["x"]), "imported.toml");
    let mo027: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MO027")
        .collect();
    assert_eq!(mo027.len(), 2, "{}", report.render(false));
    assert!(
        mo027[1]
            .help
            .as_deref()
            .unwrap()
            .contains("On DA-NODE2 run `Get-NetRoute"),
        "{:?}",
        mo027[1].help
    );
}

/// The error of importing node 1 with `listing` in place of its own.
fn node1_with(listing: &str) -> String {
    two_nodes(&[
        "node1-get-daserver-fl.txt",
        listing,
        "node2-get-daserver-ft.txt",
        "node2-get-netroute-ft.txt",
    ])
    .unwrap_err()
    .to_string()
}

#[test]
fn a_listing_without_the_nodes_64_names_the_node_and_what_was_seen() {
    let e = node1_with("netroute-no-iphttps-64.txt");
    assert!(e.starts_with("node DA-NODE1 of 2131:0:0:1000::/59 (netroute-no-iphttps-64.txt): no published /64 on the IP-HTTPS interface"), "{e}");
    assert!(
        e.contains("fe80::/64 on Microsoft IP-HTTPS Platform Interface, not published"),
        "{e}"
    );
    assert!(
        e.contains("2131:0:0:1000::/59 on Corpnet, published"),
        "{e}"
    );
    assert!(e.contains("New-NetRoute"), "{e}");
}

#[test]
fn several_64s_or_one_outside_the_59_are_errors_naming_them() {
    let e = node1_with("netroute-two-64s.txt");
    assert!(e.contains("several published /64s on the IP-HTTPS interface (2131:0:0:1000::/64, 2131:0:0:1003::/64)"), "{e}");
    let e = node1_with("netroute-other-site.txt");
    assert!(
        e.contains(
            "its published IP-HTTPS /64 2131:0:0:2000::/64 lies outside the cluster's prefix"
        ),
        "{e}"
    );
    assert!(e.starts_with("node DA-NODE1 of 2131:0:0:1000::/59"), "{e}");
}

#[test]
fn a_listing_without_interface_names_gives_the_one_64_inside_the_59_or_says_what_to_save() {
    // Get-NetRoute's default table (no InterfaceAlias column), whole or filtered
    // to the IP-HTTPS interface as check's MO027 help suggests
    for listing in [
        "get-netroute-default-table.txt",
        "get-netroute-iphttps-published-table.txt",
    ] {
        let imported = two_nodes(&[
            "node1-get-daserver-fl.txt",
            listing,
            "node2-get-daserver-ft.txt",
            "node2-get-netroute-ft.txt",
        ])
        .unwrap();
        assert_eq!(
            imported.servers[0].client_prefix.as_deref(),
            Some("2131:0:0:1000::/64"),
            "{listing}"
        );
    }
    let err = two_nodes(&[
        "node1-get-daserver-fl.txt",
        "get-netroute-default-table-without-64.txt",
        "node2-get-daserver-ft.txt",
        "node2-get-netroute-ft.txt",
    ])
    .unwrap_err();
    assert!(
        matches!(
            &err,
            ImportError::NodePrefix {
                problem: NodePrefixProblem::NoInterfaces,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("Get-NetRoute -AddressFamily IPv6 | Format-List"),
        "{err}"
    );
}

#[test]
fn a_listing_pairs_with_the_get_daserver_output_before_it_or_is_refused() {
    // before any Get-DAServer output
    let e = two_nodes(&[
        "node1-get-netroute-fl.txt",
        "node1-get-daserver-fl.txt",
        "node2-get-daserver-ft.txt",
    ])
    .unwrap_err();
    assert!(matches!(e, ImportError::Unattached { .. }), "{e}");
    assert!(
        e.to_string().contains(
            "node1-get-netroute-fl.txt: a route listing given before any Get-DAServer output"
        ),
        "{e}"
    );
    // two listings for one node
    let e = two_nodes(&[
        "node1-get-daserver-fl.txt",
        "node1-get-netroute-fl.txt",
        "node2-netsh-show-route.txt",
        "node2-get-daserver-ft.txt",
    ])
    .unwrap_err();
    assert!(
        e.to_string().contains(
            "two route listings, node1-get-netroute-fl.txt and node2-netsh-show-route.txt"
        ),
        "{e}"
    );
    // a listing of two computers after one node's output
    let e = two_nodes(&[
        "node1-get-daserver-fl.txt",
        "invoke-command-get-netroute.json",
        "node2-get-daserver-ft.txt",
    ])
    .unwrap_err();
    assert!(matches!(e, ImportError::ComputerMismatch { .. }), "{e}");
}

#[test]
fn computer_names_on_both_sides_must_agree() {
    let da = b"ClientIPv6Prefix : 2131:0:0:1000::/59 \nPSComputerName   : NODE7 \n";
    let routes = b"DestinationPrefix : 2131:0:0:1007::/64 \nInterfaceAlias    : IPHTTPSInterface \nPublish           : Yes \nPSComputerName    : NODE8.corp.contoso.com \n";
    let inputs = vec![
        ("n7.txt".to_owned(), read(da, "n7.txt").unwrap()),
        (
            "n8-routes.txt".to_owned(),
            read(routes, "n8-routes.txt").unwrap(),
        ),
    ];
    let e = assemble(&inputs, &pairs(&[("N7", "2131::17")]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "n8-routes.txt is the route listing of NODE8.corp.contoso.com, but the Get-DAServer output before it (n7.txt) is NODE7's: give each node's listing right after its own Get-DAServer output"
    );
    // the same machine, short and fully qualified: accepted
    let routes = String::from_utf8_lossy(routes).replace("NODE8", "node7");
    let inputs = vec![
        ("n7.txt".to_owned(), read(da, "n7.txt").unwrap()),
        (
            "n7-routes.txt".to_owned(),
            read(routes.as_bytes(), "n7-routes.txt").unwrap(),
        ),
    ];
    let farm = assemble(&inputs, &pairs(&[("N7", "2131::17")])).unwrap();
    assert_eq!(
        farm.servers[0].client_prefix.as_deref(),
        Some("2131:0:0:1007::/64")
    );
}

#[test]
fn hostile_text_in_a_listing_reaches_no_output_unescaped() {
    let da = b"ClientIPv6Prefix : 2131:0:0:1000::/59 \n";
    let routes = "DestinationPrefix : 2131:0:0:1000::/59 \nInterfaceAlias    : Corp\u{1b}[31mnet\"$(reboot) \nPublish           : Yes \n";
    let inputs = vec![
        ("n1.txt".to_owned(), read(da, "n1.txt").unwrap()),
        (
            "n1-routes.txt".to_owned(),
            read(routes.as_bytes(), "n1-routes.txt").unwrap(),
        ),
    ];
    let e = assemble(&inputs, &pairs(&[("N1", "2131::11")]))
        .unwrap_err()
        .to_string();
    assert!(!e.contains('\u{1b}'), "{e:?}");
}

#[test]
fn one_file_holding_a_nodes_get_daserver_output_and_its_routes_is_both() {
    let both = "node2-daserver-and-routes.txt";
    let inputs: Vec<(String, Input)> = [
        "node1-get-daserver-fl.txt",
        "node1-get-netroute-fl.txt",
        both,
    ]
    .iter()
    .flat_map(|n| {
        manageout::import::read_all(&saved(n), n)
            .unwrap()
            .into_iter()
            .map(|i| ((*n).to_owned(), i))
    })
    .collect();
    assert_eq!(inputs.len(), 4, "{inputs:?}");
    let imported = assemble(
        &inputs,
        &pairs(&[("DA-NODE1", "2131::11"), ("DA-NODE2", "2131::12")]),
    )
    .unwrap();
    assert_eq!(
        imported.servers[1].client_prefix.as_deref(),
        Some("2131:0:0:1001::/64")
    );
}
