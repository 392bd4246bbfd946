//! The audit of objects read over iControl REST: the same rules and the same
//! findings as the audit of the equivalent bigip.conf text, located at each
//! object's URL with no line.

use manageout::audit::{self, Collection, RestObject, audit_rest};
use manageout::render::{Options, Target, render};
use manageout::{Farm, Source, ValidFarm};
use serde_json::{Value, json};

const BASE: &str = "https://bigip.example:8443";

fn farm() -> ValidFarm {
    Farm::from_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/seed-fixed.toml"
    ))
    .unwrap()
    .into_valid_farm()
    .unwrap()
}

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rest/seed-fixed.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn objects(rest: &Value) -> Vec<RestObject> {
    Collection::ALL
        .iter()
        .flat_map(|&c| {
            rest[c.path()]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |item| RestObject {
                    collection: c,
                    item,
                })
        })
        .collect()
}

fn codes(diagnostics: &[manageout::Diagnostic]) -> Vec<String> {
    let mut c: Vec<String> = diagnostics.iter().map(|d| d.code.to_string()).collect();
    c.sort();
    c
}

fn conf_audit(farm: &ValidFarm, edit: impl Fn(String) -> String) -> Vec<String> {
    let conf = render(farm, Target::BigipConf, &Options::default())
        .unwrap()
        .text;
    let report = audit::audit(
        farm,
        &[Source {
            name: "bigip.conf".into(),
            text: edit(conf),
        }],
    );
    codes(&report.diagnostics)
}

#[test]
fn the_rest_objects_of_a_rendered_farm_audit_clean() {
    let report = audit_rest(&farm(), BASE, &objects(&fixture())).unwrap();
    assert!(report.diagnostics.is_empty(), "{}", report.render(false));
}

/// One mutation, written once for each reader: (what, REST edit, text edit).
type Mutation = (&'static str, fn(&mut Value), fn(String) -> String);

fn da1_virtual(rest: &mut Value) -> &mut Value {
    &mut rest["ltm/virtual"][0]
}

const MUTATIONS: &[Mutation] = &[
    (
        "disabled",
        |r| da1_virtual(r)["disabled"] = json!(true),
        |t| {
            t.replacen(
                "    vlans-enabled\n",
                "    vlans-enabled\n    disabled\n",
                1,
            )
        },
    ),
    (
        "translate-address",
        |r| da1_virtual(r)["translateAddress"] = json!("enabled"),
        |t| t.replacen("translate-address disabled", "translate-address enabled", 1),
    ),
    (
        "snat automap",
        |r| da1_virtual(r)["sourceAddressTranslation"] = json!({"type": "automap"}),
        |t| t.replacen("type none", "type automap", 1),
    ),
    (
        "wrong mask",
        |r| da1_virtual(r)["mask"] = json!("ffff:ffff:ffff:ff00::"),
        |t| {
            t.replacen(
                "mask ffff:ffff:ffff:ffe0::\n    pool",
                "mask ffff:ffff:ffff:ff00::\n    pool",
                1,
            )
        },
    ),
    (
        "all vlans",
        |r| {
            let v = da1_virtual(r).as_object_mut().unwrap();
            v.remove("vlansEnabled");
            v.insert("vlansDisabled".into(), json!(true));
        },
        |t| t.replacen("    vlans-enabled\n", "", 1),
    ),
    (
        "no fastL4",
        |r| {
            da1_virtual(r)["profilesReference"]["items"][0]["fullPath"] = json!("/Common/tcp");
        },
        |t| t.replacen("/Common/fastL4 { }", "/Common/tcp { }", 1),
    ),
    (
        "wrong member",
        |r| {
            let m = &mut r["ltm/pool"][0]["membersReference"]["items"][0];
            m["fullPath"] = json!("/Common/2131::201.0");
            m["address"] = json!("2131::201");
        },
        |t| {
            t.replacen(
                "/Common/2131::101.0 {\n            address 2131::101",
                "/Common/2131::201.0 {\n            address 2131::201",
                1,
            )
        },
    ),
    (
        "member port",
        |r| {
            let m = &mut r["ltm/pool"][0]["membersReference"]["items"][0];
            m["fullPath"] = json!("/Common/2131::101.80");
        },
        |t| t.replacen("/Common/2131::101.0 {", "/Common/2131::101.80 {", 1),
    ),
    (
        "no pool",
        |r| {
            da1_virtual(r).as_object_mut().unwrap().remove("pool");
        },
        |t| t.replacen("    pool /Common/article_DA1_pool\n", "", 1),
    ),
    (
        "virtual missing",
        |r| {
            r["ltm/virtual"].as_array_mut().unwrap().remove(0);
        },
        |t| {
            let start = t.find("ltm virtual /Common/article_DA1_client").unwrap();
            let end = start + t[start..].find("\n}\n").unwrap() + 3;
            format!("{}{}", &t[..start], &t[end..])
        },
    ),
];

#[test]
fn each_mutation_finds_what_the_same_mutation_of_bigip_conf_finds() {
    let farm = farm();
    for (what, rest_edit, text_edit) in MUTATIONS {
        let mut rest = fixture();
        rest_edit(&mut rest);
        let report = audit_rest(&farm, BASE, &objects(&rest)).unwrap();
        let from_rest = codes(&report.diagnostics);
        assert!(!from_rest.is_empty(), "{what}: no finding");
        assert_eq!(from_rest, conf_audit(&farm, text_edit), "{what}");
    }
}

#[test]
fn a_finding_names_the_object_url_and_full_path_with_no_line() {
    let mut rest = fixture();
    da1_virtual(&mut rest)["disabled"] = json!(true);
    let report = audit_rest(&farm(), BASE, &objects(&rest)).unwrap();
    let d = &report.diagnostics[0];
    assert_eq!(d.code, "MO108");
    assert!(
        d.message.contains("/Common/article_DA1_client"),
        "{}",
        d.message
    );
    let json = report.to_json();
    let first = &json["diagnostics"][0];
    assert_eq!(
        first["file"],
        "https://bigip.example:8443/mgmt/tm/ltm/virtual/~Common~article_DA1_client"
    );
    assert_eq!(
        (first["line"].clone(), first["column"].clone()),
        (Value::Null, Value::Null)
    );
    let text = report.render(false);
    assert!(
        text.contains(
            "at https://bigip.example:8443/mgmt/tm/ltm/virtual/~Common~article_DA1_client"
        ),
        "{text}"
    );
}

#[test]
fn fix_from_rest_deletes_and_recreates_like_the_file_audit() {
    let farm = farm();
    let mut rest = fixture();
    da1_virtual(&mut rest)["translateAddress"] = json!("enabled");
    let from_rest = audit_rest(&farm, BASE, &objects(&rest)).unwrap().fix(&farm);
    let conf = render(&farm, Target::BigipConf, &Options::default())
        .unwrap()
        .text
        .replacen("translate-address disabled", "translate-address enabled", 1);
    let from_file = audit::audit(
        &farm,
        &[Source {
            name: "bigip.conf".into(),
            text: conf,
        }],
    )
    .fix(&farm);
    assert_eq!(from_rest, from_file);
    assert!(from_rest.contains("tmsh delete ltm virtual /Common/article_DA1_client"));
}

#[test]
fn hostile_names_from_rest_are_reported_and_never_written_into_the_fix() {
    let farm = farm();
    let mut rest = fixture();
    rest["ltm/virtual"].as_array_mut().unwrap().push(json!({
        "fullPath": "/Common/x$(touch PWNED)",
        "destination": "/Common/2131:0:0:1000::.0",
        "mask": "ffff:ffff:ffff:ffe0::",
        "description": "manageout:article stale",
    }));
    let report = audit_rest(&farm, BASE, &objects(&rest)).unwrap();
    let codes = codes(&report.diagnostics);
    assert!(codes.contains(&"MO112".to_owned()), "{codes:?}");
    assert!(codes.contains(&"MO114".to_owned()), "{codes:?}");
    let fix = report.fix(&farm);
    assert!(!fix.contains("$(touch"), "{fix}");
    // the URL of the object escapes every byte a URL or a terminal would read
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MO112")
        .unwrap();
    assert!(
        d.location
            .as_ref()
            .unwrap()
            .file
            .ends_with("~Common~x%24%28touch%20PWNED%29"),
        "{:?}",
        d.location
    );
}

#[test]
fn a_malformed_rest_answer_is_an_error_naming_the_collection() {
    let bad = [RestObject {
        collection: Collection::Pool,
        item: json!({"members": []}),
    }];
    let err = audit_rest(&farm(), BASE, &bad).unwrap_err();
    assert!(err.contains("/mgmt/tm/ltm/pool"), "{err}");
    let not_object = [RestObject {
        collection: Collection::Route,
        item: json!("route"),
    }];
    assert!(
        audit_rest(&farm(), BASE, &not_object)
            .unwrap_err()
            .contains("net/route")
    );
}
