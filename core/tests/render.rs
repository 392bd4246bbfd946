//! Renderers: snapshots of every target for the example farms, the AS3 output
//! validated against F5's official schema, and the tmsh/removal pairing.

use manageout::render::{Options, Target, render};
use manageout::{Farm, Severity};

const FARMS: &[&str] = &[
    "../examples/seed-fixed.toml",
    "../examples/multisite.toml",
    "../examples/cluster.toml",
    "tests/fixtures/valid/partition-rd.toml",
];

fn farm(path: &str) -> manageout::ValidFarm {
    Farm::from_file(path).unwrap().into_valid_farm().unwrap()
}

fn options(target: Target) -> Options {
    Options {
        interface: (target == Target::Netsh).then(|| "Corpnet".to_owned()),
        ..Options::default()
    }
}

#[test]
fn every_example_farm_renders_to_every_target_as_in_its_snapshot() {
    for path in FARMS {
        let f = farm(path);
        let stem = std::path::Path::new(path)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap();
        for target in Target::STEERING {
            let out = render(&f, target, &options(target)).unwrap();
            let again = render(&f, target, &options(target)).unwrap();
            assert_eq!(out.text, again.text, "rendering is deterministic");
            insta::assert_snapshot!(format!("{stem}.{}", target.as_str()), out.text);
        }
    }
}

#[test]
fn the_articles_farm_as_published_never_reaches_a_renderer() {
    let report = Farm::from_file("../examples/seed.toml").unwrap();
    // the values are read, but the farm has an error: there is no ValidFarm to render
    assert!(report.farm().is_some());
    match report.valid_farm() {
        Err(manageout::Error::InvalidFarm { diagnostics }) => {
            assert_eq!(diagnostics[0].code, "MO012")
        }
        other => panic!("expected InvalidFarm, got {other:?}"),
    }
}

#[test]
fn unset_vlans_warn_on_the_big_ip_targets_only() {
    let f = farm("tests/fixtures/valid/partition-rd.toml");
    for target in Target::STEERING {
        let out = render(&f, target, &options(target)).unwrap();
        let warned = out
            .warnings
            .iter()
            .any(|w| w.code == "MO040" && w.severity == Severity::Warning);
        assert_eq!(
            warned,
            matches!(target, Target::Tmsh | Target::BigipConf | Target::As3),
            "{target:?}"
        );
    }
    let f = farm("../examples/seed-fixed.toml");
    assert!(
        render(&f, Target::Tmsh, &Options::default())
            .unwrap()
            .warnings
            .is_empty()
    );
}

#[test]
fn netsh_needs_an_interface() {
    let f = farm("../examples/seed-fixed.toml");
    assert!(matches!(
        render(&f, Target::Netsh, &Options::default()),
        Err(manageout::Error::MissingInterface)
    ));
}

#[test]
fn tmsh_remove_deletes_exactly_what_tmsh_creates_virtuals_first() {
    for path in FARMS {
        let f = farm(path);
        let created: Vec<(String, String)> = render(&f, Target::Tmsh, &Options::default())
            .unwrap()
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("tmsh create ltm "))
            .map(|l| {
                let mut w = l.split_whitespace();
                (w.next().unwrap().to_owned(), w.next().unwrap().to_owned())
            })
            .collect();
        let deleted: Vec<(String, String)> = render(&f, Target::TmshRemove, &Options::default())
            .unwrap()
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("tmsh delete ltm "))
            .map(|l| {
                let mut w = l.split_whitespace();
                (w.next().unwrap().to_owned(), w.next().unwrap().to_owned())
            })
            .collect();
        let mut a = created.clone();
        let mut b = deleted.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{path}");
        let first_pool = deleted.iter().position(|(k, _)| k == "pool").unwrap();
        assert!(
            deleted[first_pool..].iter().all(|(k, _)| k == "pool"),
            "virtuals before pools"
        );
        // names are unique and valid BIG-IP/AS3 names
        let mut names: Vec<&String> = created.iter().map(|(_, n)| n).collect();
        names.dedup();
        assert_eq!(names.len(), created.len());
    }
}

/// The BIG-IP objects a farm's AS3 declaration may reference (`{"bigip": ...}`).
fn existing_objects(farm: &Farm) -> Vec<String> {
    let full = |n: &String| {
        if n.starts_with('/') {
            n.clone()
        } else {
            format!("/Common/{n}")
        }
    };
    let mut out: Vec<String> = farm.bigip.vlans.iter().flatten().map(full).collect();
    out.extend(farm.bigip.monitor.iter().map(full));
    out
}

/// Farms whose names push the name rule to its edges.
const EDGE_NAMES: &str = r#"
[farm]
name = "2-edge.farm_x"
[bigip]
partition = "P.2_a-b"
vlans = ["/Common/app.app/vlan_10", "internal"]
monitor = "gateway_icmp"
route_domain = 7
[[server]]
name = "-a-"
address = "2131::101"
client_prefix = "2131:0:0:1000::/59"
vpn_prefix = "2131:0:0:2000::/64"
teredo = true
teredo_ipv4 = "131.107.0.2"
[[server]]
name = "x.y_z"
address = "2131::201"
client_prefix = "2131:0:0:1020::/59"
"#;

#[test]
fn every_as3_declaration_is_valid_as_as3_reads_it() {
    let test = "every_as3_declaration_is_valid_as_as3_reads_it";
    let Some(schema) = manageout_test_support::reference::file("as3-schema.json", test) else {
        return;
    };
    let as3 = manageout_test_support::as3::As3::from_file(&schema);
    let mut farms: Vec<(String, manageout::ValidFarm)> =
        FARMS.iter().map(|p| (p.to_string(), farm(p))).collect();
    let edge = Farm::from_toml_str(EDGE_NAMES, "edge.toml")
        .into_valid_farm()
        .unwrap();
    farms.push(("edge names".into(), edge));
    for (name, f) in &farms {
        let existing = existing_objects(f);
        let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
        let decl = manageout::render::as3(f).unwrap();
        let problems = as3.problems(&decl, &existing);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        // and the printed form is the same declaration
        let printed = render(f, Target::As3, &Options::default()).unwrap().text;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&printed).unwrap(),
            decl
        );
    }
    // the validator is real: a bad address, a bad label and a dangling pool fail
    let (_, seed) = &farms[0];
    let existing = existing_objects(seed);
    let existing: Vec<&str> = existing.iter().map(String::as_str).collect();
    let good = manageout::render::as3(seed).unwrap();
    let broken = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = good.clone();
        f(&mut d);
        as3.problems(&d, &existing)
    };
    let vs = |d: &mut serde_json::Value| -> serde_json::Value {
        d["declaration"]["Common"]["Shared"]["article_DA1_client"].take()
    };
    assert!(
        !broken(&|d| {
            let mut v = vs(d);
            v["virtualAddresses"][0] = "2131:0:0:1000::g/59".into();
            d["declaration"]["Common"]["Shared"]["article_DA1_client"] = v;
        })
        .is_empty()
    );
    assert!(!broken(&|d| d["declaration"]["label"] = "Manage Out <farm> #1".into()).is_empty());
    assert!(
        !broken(&|d| {
            let mut v = vs(d);
            v["pool"] = "article_DA9_pool".into();
            d["declaration"]["Common"]["Shared"]["article_DA1_client"] = v;
        })
        .is_empty()
    );
    assert!(
        !broken(&|d| {
            let mut v = vs(d);
            v["allowVlans"][0]["bigip"] = "/Common/no_such_vlan".into();
            d["declaration"]["Common"]["Shared"]["article_DA1_client"] = v;
        })
        .is_empty()
    );
    assert!(
        !broken(
            &|d| d["declaration"]["Common"]["Shared"]["article_DA1_pool"]["monitors"][0]["bigip"] =
                "gateway_icmp".into()
        )
        .is_empty()
    );
}

#[test]
fn names_that_as3_refuses_are_refused_by_check() {
    for name in ["farm#1", "a&b", "a*", "<x>", "x?", "[x]", "a b", "a\\b"] {
        let toml = format!(
            "[farm]\nname = {}\n[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n",
            serde_json::to_string(name).unwrap()
        );
        let report = Farm::from_toml_str(&toml, "f.toml");
        assert!(
            report.diagnostics.iter().any(|d| d.code == "MO018"),
            "{name}"
        );
    }
}
