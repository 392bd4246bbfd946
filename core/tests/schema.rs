//! The farm file's JSON Schema (`manageout schema`) accepts every farm the project
//! ships and refuses what an editor should flag: a misspelt key, a value of the
//! wrong shape, a farm without servers.

use manageout::load::farm_file_schema;
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&farm_file_schema())
        .expect("the schema is a valid JSON Schema")
}

fn toml_file(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn errors(v: &Value) -> Vec<String> {
    validator().iter_errors(v).map(|e| e.to_string()).collect()
}

#[test]
fn every_example_and_valid_fixture_farm_validates_against_the_schema() {
    let mut n = 0;
    for dir in ["../examples", "tests/fixtures/valid"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let farm = toml_file(&path);
                assert_eq!(errors(&farm), Vec::<String>::new(), "{}", path.display());
                n += 1;
            }
        }
    }
    assert!(n >= 4, "only {n} farms found");
}

fn base() -> Value {
    json!({
        "$schema": "https://manageout.invalid/farm.schema.json",
        "farm": { "name": "article" },
        "bigip": { "partition": "Common", "vlans": ["internal"], "route_domain": 2 },
        "server": [
            { "name": "DA1", "address": "2131::101", "client_prefix": "2131:0:0:1000::/59" }
        ]
    })
}

#[test]
fn a_json_farm_with_its_schema_key_validates_and_checks() {
    assert_eq!(errors(&base()), Vec::<String>::new());
    let report = manageout::Farm::from_json_value(&base());
    assert!(!report.has_errors(), "{:?}", report.diagnostics);
}

#[test]
fn a_misspelt_key_anywhere_fails_the_schema() {
    for pointer in ["", "/farm", "/bigip", "/server/0"] {
        let mut farm = base();
        farm.pointer_mut(pointer)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert("nmae".into(), json!("DA1"));
        let e = errors(&farm);
        assert!(e.iter().any(|m| m.contains("nmae")), "{pointer}: {e:?}");
    }
}

#[test]
fn values_of_the_wrong_shape_fail_the_schema() {
    for (pointer, value) in [
        ("/server/0/name", json!("DA1$(touch PWNED)")),
        ("/server/0/address", json!("2131::zz")),
        ("/server/0/client_prefix", json!("2131:0:0:1000::")),
        ("/server/0/teredo", json!("yes")),
        ("/bigip/partition", json!("Common/sub")),
        ("/bigip/route_domain", json!(65535)),
        ("/bigip/vlans", json!([])),
        ("/server", json!([])),
    ] {
        let mut farm = base();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match farm.pointer_mut(parent).unwrap() {
            Value::Object(o) => {
                o.insert(key.into(), value.clone());
            }
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = value.clone(),
            other => panic!("{other}"),
        }
        assert!(!errors(&farm).is_empty(), "{pointer} = {value} passed");
    }
    let mut farm = base();
    farm.as_object_mut().unwrap().remove("server");
    assert!(!errors(&farm).is_empty(), "a farm without servers passed");
}
