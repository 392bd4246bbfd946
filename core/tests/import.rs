//! Importers: the project's own fixtures of every format (Format-List,
//! Format-Table, ConvertTo-Json; accepted cmdlets and refused ones), saved the
//! ways Windows saves them; and, when the reference folder is there
//! (`MANAGEOUT_REFERENCE`), every Microsoft documentation sample too.

use manageout::Farm;
use manageout::import::{ImportError, Input, Pair, Record, parse, read};
use manageout_test_support::reference;

const FIXTURES: &str = "tests/fixtures/import";

/// An own fixture, as PowerShell printed it.
fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

/// The three ways Windows saves a capture: UTF-8, UTF-8 with a BOM, UTF-16LE with a
/// BOM and CRLF (Windows PowerShell's `>`).
fn saved_forms(text: &str) -> [(&'static str, Vec<u8>); 3] {
    [
        ("utf-8", text.as_bytes().to_vec()),
        (
            "utf-8 bom",
            [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        ),
        ("utf-16le bom crlf", utf16le_crlf(text)),
    ]
}

#[test]
fn every_own_fixture_imports_or_is_refused_as_its_manifest_says() {
    let manifest = fixture("EXPECTED");
    let mut listed = Vec::new();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (name, want) = line.split_once(": ").unwrap();
        listed.push(name.to_owned());
        for (how, bytes) in saved_forms(&fixture(name)) {
            let got = read(&bytes, name);
            let words: Vec<&str> = want.split(' ').collect();
            match (&words[..], got) {
                (["records", n], Ok(Input::Servers(records))) => {
                    assert_eq!(records.len(), n.parse::<usize>().unwrap(), "{name} ({how})");
                    for r in &records {
                        assert!(
                            r.client_prefix.parse::<ipnet::Ipv6Net>().is_ok(),
                            "{name}: {r:?}"
                        );
                    }
                }
                (["routes", n], Ok(Input::Routes(routes))) => {
                    assert_eq!(routes.len(), n.parse::<usize>().unwrap(), "{name} ({how})");
                    for r in &routes {
                        assert!(r.prefix.parse::<ipnet::Ipv6Net>().is_ok(), "{name}: {r:?}");
                    }
                    // the records-only reader (the bindings' import_daserver) names it
                    let refused = parse(&bytes, name).unwrap_err().to_string();
                    assert!(refused.contains("route listing"), "{name}: {refused}");
                }
                (["balancer", kind, vip], Ok(Input::Balancer(b))) => {
                    assert_eq!(b.kind.map(|k| k.as_str()), Some(*kind), "{name} ({how})");
                    assert_eq!(
                        b.vip.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                        *vip,
                        "{name} ({how})"
                    );
                    let refused = parse(&bytes, name).unwrap_err().to_string();
                    assert!(
                        refused.contains("Get-RemoteAccessLoadBalancer"),
                        "{name}: {refused}"
                    );
                }
                (["refused", ..], Err(e)) => {
                    let text = want.split_once(' ').unwrap().1;
                    assert!(e.to_string().contains(text), "{name} ({how}): {e}");
                }
                (_, got) => panic!("{name} ({how}): expected {want}, got {got:?}"),
            }
        }
    }
    let mut files: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "EXPECTED")
        .collect();
    files.sort();
    listed.sort();
    assert_eq!(
        files, listed,
        "every fixture is listed in {FIXTURES}/EXPECTED"
    );
}

fn utf16le_crlf(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.replace('\n', "\r\n").encode_utf16() {
        out.extend(u.to_le_bytes());
    }
    out
}

fn pair(addr: &str) -> Pair {
    Pair {
        name: None,
        address: Some(addr.parse().unwrap()),
    }
}

#[test]
fn every_reference_sample_imports_or_is_rejected_with_a_precise_reason() {
    let Some(samples) = reference::file("samples", "every_reference_sample_imports_or_is_rejected")
    else {
        return;
    };
    // a sample without its `# source:` line, as PowerShell printed it
    let sample = |name: &str| {
        let text = std::fs::read_to_string(samples.join(name)).unwrap();
        text.split_once('\n').unwrap().1.to_owned()
    };
    let mut names: Vec<String> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("ps_"))
        .collect();
    names.sort();
    assert!(names.len() >= 14, "{names:?}");
    for name in names {
        let text = sample(&name);
        let accepted = ["get-daserver", "get-remoteaccess_fl", "set-daserver"]
            .iter()
            .any(|k| name.contains(k));
        for (how, bytes) in saved_forms(&text) {
            match parse(&bytes, &name) {
                Ok(records) => {
                    assert!(
                        accepted,
                        "{name} ({how}) should have been rejected: {records:?}"
                    );
                    assert_eq!(records.len(), 1, "{name} ({how})");
                    let r = &records[0];
                    assert!(
                        r.client_prefix.parse::<ipnet::Ipv6Net>().is_ok(),
                        "{name}: {r:?}"
                    );
                    assert_eq!(r.client_prefix, r.client_prefix.to_ascii_lowercase());
                    assert_eq!(r.teredo, Some(false), "{name}");
                    assert_eq!(r.internal_prefixes.len(), 1, "{name}");
                }
                Err(ImportError::NotDaOutput { file, found }) => {
                    assert!(!accepted, "{name} ({how}) should import: {found}");
                    assert_eq!(file, name);
                    assert!(
                        !found.is_empty() && found.contains("Get-"),
                        "{name}: {found}"
                    );
                }
                Err(e) => panic!("{name} ({how}): {e}"),
            }
        }
    }
}

#[test]
fn get_daserver_format_list_gives_its_fields() {
    let r = parse(fixture("get-daserver-fl.txt").as_bytes(), "x").unwrap();
    assert_eq!(
        r,
        vec![Record {
            client_prefix: "2002:836b:1:1000::/64".into(),
            teredo: Some(false),
            internal_prefixes: vec!["2002:836b:1:1::/64".into()],
            ..Record::default()
        }]
    );
}

#[test]
fn get_remoteaccess_gives_the_vpn_prefix_teredo_and_the_entry_point() {
    let r = parse(fixture("get-remoteaccess-fl.txt").as_bytes(), "x").unwrap();
    assert_eq!(
        r,
        vec![Record {
            client_prefix: "2131:0:0:1000::/59".into(),
            teredo: Some(true),
            internal_prefixes: vec!["2131::/48".into()],
            vpn_prefix: Some("2131:0:0:2000::/64".into()),
            entry_point: Some("Edge1".into()),
            computer_name: None,
        }]
    );
}

#[test]
fn an_empty_entry_point_is_left_unset() {
    let text = fixture("get-remoteaccess-fl.txt").replace(
        "EntrypointName                 : Edge1 ",
        "EntrypointName                 : ",
    );
    assert_eq!(parse(text.as_bytes(), "x").unwrap()[0].entry_point, None);
}

#[test]
fn rejections_name_the_cmdlet_that_was_given() {
    let err = parse(fixture("get-daentrypoint-ft.txt").as_bytes(), "ep.txt").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("ep.txt: not Get-DAServer or Get-RemoteAccess output"),
        "{msg}"
    );
    assert!(
        msg.contains("Get-DAEntryPoint") && msg.contains("EntryPointName, GslbIp, Servers"),
        "{msg}"
    );
    let err = parse(
        std::fs::read("tests/fixtures/import/get-process.json")
            .unwrap()
            .as_slice(),
        "p.json",
    )
    .unwrap_err();
    assert!(err.to_string().contains("Name, Id"), "{err}");
    let err = parse(b"\x00\x01\x02binary", "b.bin").unwrap_err();
    assert!(matches!(err, ImportError::NotText { .. }), "{err}");
    let err = parse(b"hello world\n", "h.txt").unwrap_err();
    assert!(
        err.to_string()
            .contains("no PowerShell Format-List or Format-Table output"),
        "{err}"
    );
}

#[test]
fn format_table_output_imports() {
    let r = parse(
        &std::fs::read("tests/fixtures/import/get-daserver-ft.txt").unwrap(),
        "ft",
    )
    .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].client_prefix, "2131:0:0:1000::/59");
    assert_eq!(r[0].teredo, Some(false));
    assert_eq!(r[0].internal_prefixes, ["2131::/48"]);
}

#[test]
fn convertto_json_from_invoke_command_with_cim_noise_imports_one_record_per_server() {
    let r = parse(
        &std::fs::read("tests/fixtures/import/invoke-command.json").unwrap(),
        "j",
    )
    .unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].computer_name.as_deref(), Some("DA1.corp.contoso.com"));
    assert_eq!(r[1].client_prefix, "2131:0:0:1020::/59");
    let toml = manageout::import::pair(&r, &[pair("2131::101"), pair("2131::201")])
        .unwrap()
        .to_toml(&["j"]);
    assert!(toml.contains("name = \"DA2.corp.contoso.com\""), "{toml}");
    let report = Farm::from_toml_str(&toml, "imported.toml");
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn a_single_json_object_with_teredo_enabled_and_an_entry_point() {
    let r = parse(
        &std::fs::read("tests/fixtures/import/select-object.json").unwrap(),
        "j",
    )
    .unwrap();
    assert_eq!(r[0].teredo, Some(true));
    assert_eq!(r[0].entry_point.as_deref(), Some("Paris"));
    // Teredo enabled without its IPv4: the farm check says how to fix it
    let toml = manageout::import::pair(&r, &[pair("2131::101")])
        .unwrap()
        .to_toml(&["j"]);
    let report = Farm::from_toml_str(&toml, "imported.toml");
    assert!(
        report.diagnostics.iter().any(|d| d.code == "MO030"),
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn identical_prefixes_of_a_cluster_are_flagged_mo022_once_imported() {
    let r = parse(
        &std::fs::read("tests/fixtures/import/cluster-nodes.txt").unwrap(),
        "c",
    )
    .unwrap();
    assert_eq!(r.len(), 2);
    let toml = manageout::import::pair(&r, &[pair("2131::101"), pair("2131::201")])
        .unwrap()
        .to_toml(&["c"]);
    let report = Farm::from_toml_str(&toml, "imported.toml");
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "MO022")
        .expect("MO022");
    assert!(
        d.help.as_deref().unwrap().contains("cluster-wide prefix"),
        "{d:?}"
    );
}

#[test]
fn pairs_must_match_records_and_the_error_names_the_unpaired_record() {
    let r = parse(
        &std::fs::read("tests/fixtures/import/cluster-nodes.txt").unwrap(),
        "c",
    )
    .unwrap();
    let err = manageout::import::pair(&r, &[pair("2131::101")]).unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Unpaired {
                records: 2,
                pairs: 1,
                unpaired: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("record 2"), "{err}");
}

#[test]
fn records_disagreeing_on_the_internal_prefix_keep_the_first_with_a_warning_comment() {
    let mut r = parse(
        &std::fs::read("tests/fixtures/import/invoke-command.json").unwrap(),
        "j",
    )
    .unwrap();
    r[1].internal_prefixes = vec!["2132::/48".into()];
    let toml = manageout::import::pair(&r, &[pair("2131::101"), pair("2131::201")])
        .unwrap()
        .to_toml(&["j"]);
    assert!(
        toml.contains(
            "# warning: the records disagree on InternalIPv6Prefix (2131::/48, 2132::/48)"
        ),
        "{toml}"
    );
    assert!(toml.contains("internal_prefix = \"2131::/48\""));
}
