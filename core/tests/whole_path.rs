//! The whole Manage Out path beyond the BIG-IP: corporate routes to the self IP
//! (four dialects, exact or aggregated), the management servers' registration and
//! the DA clients' firewall rules. Snapshots of each, and every argument checked
//! by each language's rules: bash runs the Linux routes under stubs; PowerShell,
//! IOS, Junos and cmd.exe output is read with test-side tokenisers.

use manageout::render::{Dialect, Options, Target, render};
use manageout::{Error, Farm, ValidFarm};
use manageout_test_support::cmd::{Line, parse_line};
use manageout_test_support::powershell::{calls, router_words};
use manageout_test_support::shell::run_bash;

fn whole() -> ValidFarm {
    Farm::from_file("../examples/whole-path.toml")
        .unwrap()
        .into_valid_farm()
        .unwrap()
}

fn with(text: &str) -> ValidFarm {
    Farm::from_toml_str(text, "farm.toml")
        .into_valid_farm()
        .unwrap()
}

fn routes(farm: &ValidFarm, dialect: Dialect, aggregate: bool) -> manageout::render::Rendered {
    let options = Options {
        interface: matches!(dialect, Dialect::Netsh).then(|| "Corpnet".to_owned()),
        dialect: Some(dialect),
        aggregate,
    };
    render(farm, Target::CorpRoutes, &options).unwrap()
}

#[test]
fn every_whole_path_target_renders_as_in_its_snapshot() {
    let farm = whole();
    for target in [Target::DaMgmt, Target::ClientFirewall] {
        let out = render(&farm, target, &Options::default()).unwrap();
        insta::assert_snapshot!(format!("whole-path.{}", target.as_str()), out.text);
    }
    for dialect in Dialect::ALL {
        insta::assert_snapshot!(
            format!("whole-path.corp-routes.{}", dialect.as_str()),
            routes(&farm, dialect, false).text
        );
    }
}

#[test]
fn ios_and_junos_lines_route_the_exact_cover_to_the_self_ip() {
    let farm = with(include_str!("fixtures/valid/whole-path-gaps.toml"));
    let want = [
        "2131:0:0:1000::/59",
        "2131:0:0:1040::/59",
        "2131:0:0:2000::/64",
    ];
    for (dialect, head) in [
        (Dialect::Ios, vec!["ipv6", "route"]),
        (
            Dialect::Junos,
            vec![
                "set",
                "routing-options",
                "rib",
                "inet6.0",
                "static",
                "route",
            ],
        ),
    ] {
        let text = routes(&farm, dialect, false).text;
        let lines: Vec<Vec<String>> = text
            .lines()
            .filter_map(|l| router_words(l).unwrap())
            .collect();
        let expected: Vec<Vec<String>> = want
            .iter()
            .map(|p| {
                let mut w: Vec<String> = head.iter().map(|s| (*s).to_owned()).collect();
                w.push((*p).to_owned());
                if dialect == Dialect::Junos {
                    w.push("next-hop".into());
                }
                w.push("2131::5".into());
                w
            })
            .collect();
        assert_eq!(lines, expected, "{text}");
    }
}

#[test]
fn linux_routes_run_under_bash_with_exactly_these_arguments_and_netsh_reads_as_one_command_each() {
    let farm = whole();
    let text = render(
        &farm,
        Target::CorpRoutes,
        &Options {
            interface: Some("eth1".into()),
            dialect: Some(Dialect::Linux),
            aggregate: false,
        },
    )
    .unwrap()
    .text;
    let run = run_bash(&text, &["ip"]);
    run.assert_clean();
    assert_eq!(
        run.calls_of("ip"),
        [[
            "-6",
            "route",
            "replace",
            "2131:0:0:1000::/58",
            "via",
            "2131::5",
            "dev",
            "eth1"
        ]
        .map(String::from)
        .to_vec()]
    );
    let text = routes(&farm, Dialect::Netsh, false).text;
    let commands: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| match parse_line(l).unwrap() {
            Line::Command(argv) => Some(argv),
            Line::Inert => None,
        })
        .collect();
    assert_eq!(
        commands,
        [[
            "netsh",
            "interface",
            "ipv6",
            "add",
            "route",
            "2131:0:0:1000::/58",
            "Corpnet",
            "2131::5"
        ]
        .map(String::from)
        .to_vec()]
    );
}

#[test]
fn aggregate_gives_one_covering_prefix_and_warns_what_it_captures() {
    let farm = with(include_str!("fixtures/valid/whole-path-gaps.toml"));
    let out = routes(&farm, Dialect::Ios, true);
    let lines: Vec<Vec<String>> = out
        .text
        .lines()
        .filter_map(|l| router_words(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [["ipv6", "route", "2131::/50", "2131::5"]
            .map(String::from)
            .to_vec()]
    );
    let captured: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        out.warnings.iter().all(|w| w.code == "MO041"),
        "{captured:?}"
    );
    assert!(
        captured
            .iter()
            .any(|m| m.contains("management server 2131:0:0:1100::50")),
        "{captured:?}"
    );
    assert!(
        captured
            .iter()
            .any(|m| m.contains("that no DA server serves")),
        "{captured:?}"
    );
}

#[test]
fn firewall_rules_let_in_only_the_management_servers_with_edge_traversal_in_the_gpo() {
    let farm = whole();
    let text = render(&farm, Target::ClientFirewall, &Options::default())
        .unwrap()
        .text;
    let created = calls(&text, "New-NetFirewallRule").unwrap();
    let guards = calls(&text, "Get-NetFirewallRule").unwrap();
    let want = [("TCP", "3389"), ("UDP", "3389"), ("TCP", "5985")];
    assert_eq!(created.len(), want.len(), "{text}");
    for (rule, ((protocol, port), guard)) in created.iter().zip(want.iter().zip(&guards)) {
        let p = |k: &str| rule.param(k).unwrap_or_else(|| panic!("no -{k}: {rule:?}"));
        assert_eq!(
            p("PolicyStore"),
            ["contoso.com\\DirectAccess Client Settings"]
        );
        assert_eq!(p("RemoteAddress"), ["2131::50", "2131:0:0:10::/64"]);
        assert_eq!(p("EdgeTraversalPolicy"), ["Allow"]);
        assert_eq!(p("Direction"), ["Inbound"]);
        assert_eq!(p("Action"), ["Allow"]);
        assert_eq!(p("Protocol"), [*protocol]);
        assert_eq!(p("LocalPort"), [*port]);
        // re-runnable: each creation is guarded by a look-up of the same rule
        assert_eq!(guard.param("Name"), rule.param("Name"));
        assert_eq!(guard.param("PolicyStore"), rule.param("PolicyStore"));
        assert_eq!(guard.param("ErrorAction").unwrap(), ["SilentlyContinue"]);
    }
}

#[test]
fn icmp_and_custom_ports_become_their_own_rules() {
    let farm = with(
        r#"
[manage_out]
management_servers = ["2131::50"]
services = ["icmp", "tcp:8530", "udp:161", "sccm-remote-control"]
gpo = "contoso.com\\DA Clients"
[[server]]
name = "DA1"
address = "2131::101"
client_prefix = "2131:0:0:1000::/59"
"#,
    );
    let text = render(&farm, Target::ClientFirewall, &Options::default())
        .unwrap()
        .text;
    let created = calls(&text, "New-NetFirewallRule").unwrap();
    let shape: Vec<(String, String, String)> = created
        .iter()
        .map(|r| {
            let (k, v) = match r.param("IcmpType") {
                Some(t) => ("IcmpType", t[0].clone()),
                None => ("LocalPort", r.param("LocalPort").unwrap()[0].clone()),
            };
            (r.param("Protocol").unwrap()[0].clone(), k.to_owned(), v)
        })
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        shape,
        [
            s("ICMPv6", "IcmpType", "128"),
            s("TCP", "LocalPort", "8530"),
            s("UDP", "LocalPort", "161"),
            s("TCP", "LocalPort", "2701"),
        ]
    );
}

#[test]
fn a_hostile_gpo_name_reaches_powershell_as_one_literal_string() {
    let gpo = "contoso.com\\it's $(Remove-Item -Recurse C:\\) \"x\" `n \u{2019}; #";
    let farm = with(&format!(
        r#"
[manage_out]
management_servers = ["2131::50"]
services = ["rdp"]
gpo = {}
[[server]]
name = "DA1"
address = "2131::101"
client_prefix = "2131:0:0:1000::/59"
"#,
        serde_json::to_string(gpo).unwrap()
    ));
    let text = render(&farm, Target::ClientFirewall, &Options::default())
        .unwrap()
        .text;
    for cmdlet in ["Get-NetFirewallRule", "New-NetFirewallRule"] {
        for c in calls(&text, cmdlet).unwrap() {
            assert_eq!(c.param("PolicyStore").unwrap(), [gpo], "{text}");
        }
    }
}

#[test]
fn da_mgmt_adds_each_management_server_unless_listed_then_updates() {
    let text = render(&whole(), Target::DaMgmt, &Options::default())
        .unwrap()
        .text;
    let added: Vec<Vec<String>> = calls(&text, "Add-DAMgmtServer")
        .unwrap()
        .iter()
        .map(|c| c.param("MgmtServer").unwrap().to_vec())
        .collect();
    assert_eq!(
        added,
        [
            vec!["2131::50".to_owned()],
            vec!["2131:0:0:10::/64".to_owned()]
        ]
    );
    assert_eq!(calls(&text, "Update-DAMgmtServer").unwrap().len(), 1);
    assert!(text.lines().all(|l| !l.contains("Remove-")), "{text}");
}

#[test]
fn a_target_without_what_it_needs_is_refused_saying_which_key() {
    let farm = Farm::from_file("../examples/seed-fixed.toml")
        .unwrap()
        .into_valid_farm()
        .unwrap();
    let needs = |target, options: &Options| match render(&farm, target, options) {
        Err(Error::MissingSetting { setting, .. }) => setting,
        other => panic!("{target:?}: {other:?}"),
    };
    let ios = Options {
        dialect: Some(Dialect::Ios),
        ..Options::default()
    };
    assert_eq!(needs(Target::CorpRoutes, &ios), "bigip.self_ip");
    assert_eq!(needs(Target::CorpRoutes, &Options::default()), "--dialect");
    assert_eq!(
        needs(Target::DaMgmt, &Options::default()),
        "manage_out.management_servers"
    );
    assert_eq!(
        needs(Target::ClientFirewall, &Options::default()),
        "manage_out.management_servers"
    );
}

#[test]
fn whole_path_warns_for_each_missing_part_and_is_silent_for_the_example() {
    let mut report = Farm::from_file("../examples/seed-fixed.toml").unwrap();
    report.add_whole_path();
    let fields: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "MO050")
        .filter_map(|d| d.field.as_deref())
        .collect();
    assert_eq!(
        fields,
        [
            "bigip.self_ip",
            "manage_out.management_servers",
            "manage_out.services",
            "manage_out.gpo"
        ]
    );
    let mut report = Farm::from_file("../examples/whole-path.toml").unwrap();
    report.add_whole_path();
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}
