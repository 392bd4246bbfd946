//! The shipped example farms behave as the README says.

use std::net::Ipv6Addr;

use manageout::{Farm, RouteKind};

fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

#[test]
fn the_articles_farm_as_published_has_the_host_bits_error_on_da2_with_the_fix() {
    let report = Farm::from_file("../examples/seed.toml").unwrap();
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    let d = &report.diagnostics[0];
    assert_eq!(
        (d.code.as_str(), d.server.as_deref(), d.field.as_deref()),
        ("MO012", Some("DA2"), Some("client_prefix"))
    );
    let help = d.help.as_deref().unwrap();
    assert!(
        help.contains("`2131:0:0:1000::/59` is already routed to DA1"),
        "{help}"
    );
    assert!(help.contains("Get-DAServer"), "{help}");
    assert!(help.contains("`2131:0:0:1020::/59`"), "{help}");
    assert!(
        help.contains("Set-DAServer -ClientIPv6Prefix 2131:0:0:1020::/59"),
        "{help}"
    );
    let loc = d.location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (24, 17));
    assert!(report.table().is_err());
    let text = report.render(false);
    assert!(
        text.contains("error[MO012]") && text.contains("examples/seed.toml:24:17"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("1 error, 0 warnings"), "{text}");
}

#[test]
fn the_corrected_farm_is_clean_and_routes_each_client_to_its_server() {
    let report = Farm::from_file("../examples/seed-fixed.toml").unwrap();
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let table = report.table().unwrap();
    let r = table.route(addr("2131:0:0:1005::1")).unwrap();
    assert_eq!(table.server(r.server).unwrap().name, "DA1");
    assert_eq!((r.next_hop, r.kind), (addr("2131::101"), RouteKind::Client));
    let r = table
        .route(addr("2131:0:0:103f:ffff:ffff:ffff:ffff"))
        .unwrap();
    assert_eq!(table.server(r.server).unwrap().name, "DA2");
    assert_eq!(table.lookup(addr("2131:0:0:1040::")), None);
    assert_eq!(table.lookup(addr("2131::101")), None);
}

#[test]
fn the_multisite_lab_routes_ip_https_and_teredo_per_entry_point() {
    let report = Farm::from_file("../examples/multisite.toml").unwrap();
    assert!(!report.has_errors());
    assert!(
        report.diagnostics.iter().all(|d| d.code == "MO016"),
        "{:#?}",
        report.diagnostics
    );
    let table = report.table().unwrap();
    let cases = [
        (
            "2001:db8:1:1000::5",
            "EDGE1",
            RouteKind::Client,
            "2001:db8:1::2",
        ),
        (
            "2001:db8:2:2001::5",
            "2-EDGE1",
            RouteKind::Client,
            "2001:db8:2::20",
        ),
        (
            "2001:0:836b:2::1",
            "EDGE1",
            RouteKind::Teredo,
            "2001:db8:1::2",
        ),
        (
            "2001:0:836b:14:8000:f227:7c94:fffd",
            "2-EDGE1",
            RouteKind::Teredo,
            "2001:db8:2::20",
        ),
    ];
    for (a, server, kind, hop) in cases {
        let r = table.route(addr(a)).unwrap();
        assert_eq!(table.server(r.server).unwrap().name, server, "{a}");
        assert_eq!((r.kind, r.next_hop), (kind, addr(hop)), "{a}");
    }
    assert_eq!(table.route_count(), 4);
}

#[test]
fn a_farm_with_errors_cannot_become_a_table_and_the_error_carries_the_diagnostics() {
    let farm = Farm::from_file("../examples/seed.toml")
        .unwrap()
        .farm()
        .cloned()
        .unwrap();
    // only a check makes a ValidFarm, the input of Table::new
    match manageout::ValidFarm::new(farm) {
        Err(manageout::Error::InvalidFarm { diagnostics }) => {
            assert_eq!(diagnostics[0].code, "MO012");
        }
        other => panic!("expected InvalidFarm, got {other:?}"),
    }
}

/// The README's table of diagnostic codes is the one the code defines
/// (`Code::markdown_table`): a new code cannot be left undocumented.
#[test]
fn the_readme_lists_every_diagnostic_code_as_the_code_defines_it() {
    let readme = std::fs::read_to_string("../README.md").unwrap();
    let table = manageout::diagnostic::Code::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's table of codes differs from Code::markdown_table(); paste this:\n{table}"
    );
}
