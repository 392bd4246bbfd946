//! `manageout::audit`: a correct configuration is clean, and every planted mistake
//! is named with its code and line (fixtures in `tests/fixtures/audit/`, expected
//! findings in its `EXPECTED`).

use manageout::render::{Options, Target, render};
use manageout::{Farm, Source, audit};
use proptest::prelude::*;

const DIR: &str = "tests/fixtures/audit";

fn farm(path: &str) -> manageout::ValidFarm {
    Farm::from_file(path).unwrap().into_valid_farm().unwrap()
}

fn source(name: &str) -> Source {
    Source {
        name: name.to_owned(),
        text: std::fs::read_to_string(format!("{DIR}/{name}")).unwrap(),
    }
}

fn findings(report: &audit::AuditReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| match &d.location {
            Some(l) => format!("{}@{}", d.code, l.line),
            None => format!("{}@-", d.code),
        })
        .collect()
}

/// Every `.conf` in `dir` is listed in its `EXPECTED` and audits (against
/// `farm`) to exactly the findings listed there.
fn audit_fixtures(dir: &str, farm: &str) {
    let farm = self::farm(farm);
    let expected = std::fs::read_to_string(format!("{dir}/EXPECTED")).unwrap();
    let mut checked = 0;
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (file, codes) = line.split_once(':').unwrap();
        let want: Vec<&str> = codes.split_whitespace().collect();
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let report = audit::audit(
            &farm,
            &[Source {
                name: file.to_owned(),
                text,
            }],
        );
        assert_eq!(findings(&report), want, "{dir}/{file}");
        checked += 1;
    }
    let fixtures = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "conf")
        })
        .count();
    assert_eq!(checked, fixtures, "{dir}/EXPECTED must list every fixture");
}

#[test]
fn every_fixture_reports_exactly_its_planted_mistakes_with_their_lines() {
    audit_fixtures(DIR, "../examples/seed-fixed.toml");
}

#[test]
fn every_cluster_mistake_is_found_with_its_line() {
    audit_fixtures(&format!("{DIR}/cluster"), "../examples/cluster.toml");
}

#[test]
fn the_rendered_bigip_conf_of_every_example_farm_audits_clean() {
    for path in [
        "../examples/seed-fixed.toml",
        "../examples/multisite.toml",
        "../examples/cluster.toml",
        "tests/fixtures/valid/partition-rd.toml",
    ] {
        let farm = farm(path);
        let conf = render(&farm, Target::BigipConf, &Options::default())
            .unwrap()
            .text;
        let report = audit::audit(
            &farm,
            &[Source {
                name: "bigip.conf".into(),
                text: conf,
            }],
        );
        let unexpected: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| !(d.code == "MO109" && farm.bigip.vlans.is_none()))
            .collect();
        assert!(unexpected.is_empty(), "{path}: {unexpected:?}");
    }
}

#[test]
fn objects_may_be_split_across_files_and_pools_resolve_across_them() {
    let farm = farm("../examples/seed-fixed.toml");
    let text = source("correct.conf").text;
    let cut = text.find("ltm virtual /Common/article_DA1_client").unwrap();
    let (pools, virtuals) = text.split_at(cut);
    let a = Source {
        name: "a.conf".into(),
        text: pools.to_owned(),
    };
    let b = Source {
        name: "b.conf".into(),
        text: virtuals.to_owned(),
    };
    assert!(audit::audit(&farm, &[a.clone(), b]).diagnostics.is_empty());
    // without the file holding the virtuals, every prefix lacks its virtual
    let codes: Vec<_> = audit::audit(&farm, &[a])
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["MO101", "MO101"]);
}

#[test]
fn a_farm_in_another_route_domain_ignores_virtuals_of_route_domain_0() {
    let mut farm = farm("../examples/seed-fixed.toml").into_farm();
    farm.bigip.route_domain = Some(2);
    let farm = manageout::ValidFarm::new(farm).unwrap();
    let report = audit::audit(&farm, &[source("correct.conf")]);
    assert_eq!(findings(&report), ["MO101@-", "MO101@-"]);
    let conf = render(&farm, Target::BigipConf, &Options::default())
        .unwrap()
        .text;
    assert!(conf.contains("%2"));
    assert!(
        audit::audit(
            &farm,
            &[Source {
                name: "rd.conf".into(),
                text: conf
            }]
        )
        .diagnostics
        .is_empty()
    );
}

#[test]
fn fix_is_empty_when_clean_and_recreates_only_the_broken_servers() {
    let farm = farm("../examples/seed-fixed.toml");
    assert_eq!(
        audit::audit(&farm, &[source("correct.conf")]).fix(&farm),
        ""
    );

    let fix = audit::audit(&farm, &[source("missing-virtual.conf")]).fix(&farm);
    assert!(
        fix.contains("tmsh delete ltm pool /Common/article_DA2_pool"),
        "{fix}"
    );
    assert!(
        fix.contains("tmsh create ltm virtual /Common/article_DA2_client"),
        "{fix}"
    );
    assert!(
        !fix.contains("DA1"),
        "DA1 is fine and must not be touched:\n{fix}"
    );
    assert!(fix.trim_end().ends_with("tmsh save sys config"));

    let fix = audit::audit(&farm, &[source("duplicate.conf")]).fix(&farm);
    assert!(
        fix.contains("tmsh delete ltm virtual /Common/da2_manage_out  # MO112"),
        "{fix}"
    );
    assert!(!fix.contains("tmsh create"), "{fix}");

    let fix = audit::audit(&farm, &[source("translate-address.conf")]).fix(&farm);
    let delete = fix
        .find("tmsh delete ltm virtual /Common/article_DA2_client")
        .unwrap();
    let create = fix
        .find("tmsh create ltm virtual /Common/article_DA2_client")
        .unwrap();
    assert!(delete < create, "{fix}");

    let fix = audit::audit(&farm, &[source("stale-virtual.conf")]).fix(&farm);
    assert!(
        fix.contains("# tmsh delete ltm virtual /Common/article_DA3_client"),
        "stale objects are only suggested:\n{fix}"
    );
}

#[test]
fn diagnostics_render_with_their_configuration_source_line() {
    let farm = farm("../examples/seed-fixed.toml");
    let report = audit::audit(&farm, &[source("translate-address.conf")]);
    let text = report.render(false);
    assert!(text.contains("error[MO106]"), "{text}");
    assert!(text.contains("translate-address.conf:76:5"), "{text}");
    assert!(text.contains("translate-address enabled"), "{text}");
    assert!(text.trim_end().ends_with("1 error, 0 warnings"), "{text}");
}

proptest! {
    #[test]
    fn any_text_audits_without_panicking_and_spans_stay_inside_it(text in ".{0,400}") {
        let farm = farm("../examples/seed-fixed.toml");
        let report = audit::audit(&farm, &[Source { name: "x.conf".into(), text: text.clone() }]);
        for d in &report.diagnostics {
            if let Some(l) = &d.location {
                prop_assert!(l.span.end <= text.len() && text.is_char_boundary(l.span.start));
            }
        }
        let _ = report.fix(&farm);
    }

    #[test]
    fn mutated_configurations_audit_without_panicking(cut in 0usize..4000, insert in "[{}\" \n%./:a-f0-9]{0,12}") {
        let farm = farm("../examples/seed-fixed.toml");
        let mut text = source("correct.conf").text;
        let at = (cut % (text.len() + 1)..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap();
        text.insert_str(at, &insert);
        let report = audit::audit(&farm, &[Source { name: "m.conf".into(), text }]);
        let _ = report.fix(&farm);
    }
}

#[test]
fn members_named_after_nodes_and_destinations_named_after_virtual_addresses_resolve() {
    let farm = farm("../examples/seed-fixed.toml");
    let text = source("correct.conf")
        .text
        .replace(
            "        /Common/2131::201.0 {\n            address 2131::201\n        }",
            "        /Common/da2_node:0 { }",
        )
        .replace(
            "destination /Common/2131:0:0:1020::.any",
            "destination /Common/da2_clients.any",
        );
    let text = format!(
        "ltm node /Common/da2_node {{\n    address 2131::201\n}}\nltm virtual-address /Common/da2_clients {{\n    address 2131:0:0:1020::\n    mask ffff:ffff:ffff:ffe0::\n}}\n{text}"
    );
    assert!(text.contains("da2_node:0") && text.contains("da2_clients.any"));
    let report = audit::audit(
        &farm,
        &[Source {
            name: "named.conf".into(),
            text: text.clone(),
        }],
    );
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    // and a node with the wrong address is named as the wrong member
    let wrong = text.replace(
        "ltm node /Common/da2_node {\n    address 2131::201",
        "ltm node /Common/da2_node {\n    address 2131::101",
    );
    let codes: Vec<_> = audit::audit(
        &farm,
        &[Source {
            name: "w.conf".into(),
            text: wrong,
        }],
    )
    .diagnostics
    .iter()
    .map(|d| d.code)
    .collect();
    assert_eq!(codes, ["MO104"]);
}
