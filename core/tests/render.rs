//! Renderers: snapshots of every target for the example farms, the AS3 output
//! validated against F5's official schema, and the tmsh/removal pairing.

use manageout::render::{Options, Target, render};
use manageout::{Farm, Severity};

const FARMS: &[&str] = &[
    "../examples/seed-fixed.toml",
    "../examples/multisite.toml",
    "tests/fixtures/valid/partition-rd.toml",
];

fn farm(path: &str) -> Farm {
    Farm::from_file(path).unwrap().into_farm().unwrap()
}

fn options(target: Target) -> Options {
    Options {
        interface: (target == Target::Netsh).then(|| "Corpnet".to_owned()),
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
        for target in Target::ALL {
            let out = render(&f, target, &options(target)).unwrap();
            let again = render(&f, target, &options(target)).unwrap();
            assert_eq!(out.text, again.text, "rendering is deterministic");
            insta::assert_snapshot!(format!("{stem}.{}", target.as_str()), out.text);
        }
    }
}

#[test]
fn the_articles_farm_as_published_is_refused_by_every_renderer() {
    let f = Farm::from_file("../examples/seed.toml")
        .unwrap()
        .farm
        .unwrap();
    for target in Target::ALL {
        match render(&f, target, &options(target)) {
            Err(manageout::Error::InvalidFarm { diagnostics }) => {
                assert_eq!(diagnostics[0].code, "MO012")
            }
            other => panic!("{target:?}: expected InvalidFarm, got {other:?}"),
        }
    }
}

#[test]
fn unset_vlans_warn_on_the_big_ip_targets_only() {
    let f = farm("tests/fixtures/valid/partition-rd.toml");
    for target in Target::ALL {
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

#[test]
fn every_as3_declaration_validates_against_the_official_schema() {
    let text = std::fs::read_to_string("../../shared/reference/as3-schema.json").unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    for path in FARMS {
        let decl = manageout::render::as3(&farm(path)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&decl)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        // and the printed form is the same declaration
        let printed = render(&farm(path), Target::As3, &Options::default())
            .unwrap()
            .text;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&printed).unwrap(),
            decl
        );
    }
    // the validator is real: a broken declaration fails
    let mut bad = manageout::render::as3(&farm(FARMS[0])).unwrap();
    bad["declaration"]["Common"]["Shared"]["DA1_client"]["virtualPort"] =
        serde_json::json!("any port");
    assert!(!validator.is_valid(&bad));
}
