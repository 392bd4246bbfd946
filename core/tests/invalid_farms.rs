//! Every malformed farm file produces diagnostics with codes and positions, never a
//! panic. The corpus is `tests/fixtures/invalid/`, with the expected codes and
//! positions in its `EXPECTED` file.

use std::collections::BTreeMap;
use std::path::Path;

use manageout::{Farm, Severity};

const DIR: &str = "tests/fixtures/invalid";

fn expected() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(Path::new(DIR).join("EXPECTED")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, codes) = l.split_once(':').unwrap();
            (
                file.to_owned(),
                codes.split_whitespace().map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[test]
fn every_invalid_farm_file_gives_its_expected_diagnostics() {
    let expected = expected();
    let mut seen = 0;
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "EXPECTED" {
            continue;
        }
        seen += 1;
        let want = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} is not listed in EXPECTED"));
        let report = Farm::from_file(&path).unwrap();
        let got: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| {
                let l = d
                    .location
                    .as_ref()
                    .unwrap_or_else(|| panic!("{name}: {} has no location", d.code));
                format!("{}@{}:{}", d.code, l.line, l.column)
            })
            .collect();
        assert_eq!(&got, want, "{name}");
        for d in &report.diagnostics {
            assert!(!d.message.is_empty(), "{name}: {} has no message", d.code);
            assert!(
                d.help.as_deref().is_some_and(|h| !h.is_empty()),
                "{name}: {} has no help",
                d.code
            );
            let l = d.location.as_ref().unwrap();
            assert!(
                l.file.ends_with(&name) && l.line >= 1 && l.column >= 1,
                "{name}: {l:?}"
            );
        }
        let has_error = report
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error);
        assert_eq!(report.has_errors(), has_error);
        if has_error {
            assert!(
                report.table().is_err(),
                "{name}: a farm with errors became a table"
            );
        }
        // the rendered form never panics and names the file
        assert!(report.render(false).contains(&name));
    }
    assert_eq!(
        seen,
        expected.len(),
        "EXPECTED lists files that do not exist"
    );
}

#[test]
fn a_100_mb_file_is_refused_without_reading_it_all() {
    let path = std::env::temp_dir().join(format!("manageout-huge-{}.toml", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let report = Farm::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, "MO004");
    assert!(report.diagnostics[0].message.contains("16 MiB"));
}

#[test]
fn an_unreadable_file_is_an_io_error_not_a_diagnostic() {
    let err = Farm::from_file("tests/fixtures/does-not-exist.toml").unwrap_err();
    assert!(matches!(err, manageout::Error::Io { .. }));
    assert!(err.to_string().contains("does-not-exist.toml"));
}

#[test]
fn the_same_farm_in_toml_and_json_gives_the_same_diagnostics() {
    let toml = std::fs::read_to_string(format!("{DIR}/host_bits.toml")).unwrap();
    let json = r#"{"server": [
        {"name": "DA1", "address": "2131::101", "client_prefix": "2131:0:0:1000::/59"},
        {"name": "DA2", "address": "2131::201", "client_prefix": "2131:0:0:1001::/59"}]}"#;
    let a = Farm::from_toml_str(&toml, "a.toml");
    let b = Farm::from_json_str(json, "b.json");
    let c = Farm::from_json_value(&serde_json::from_str(json).unwrap());
    let strip = |r: &manageout::FarmReport| {
        r.diagnostics
            .iter()
            .map(|d| {
                (
                    d.code,
                    d.message.clone(),
                    d.help.clone(),
                    d.server.clone(),
                    d.field.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(strip(&a), strip(&c));
    assert!(c.diagnostics[0].location.is_none());
}
