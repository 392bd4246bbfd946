//! What manageout emits is executed: every generated script runs here under bash
//! with stub commands that record their argv, in an empty directory, and the tmsh
//! stub's arguments are read again the way tmsh reads them. Exactly the intended
//! commands must run, with exactly the intended arguments, and nothing else may
//! happen (no output, no file, no other command), whatever the farm's values hold.
//! The batch files are read with cmd.exe's rules.
//!
//! The intended commands are derived from the farm and the README's object naming
//! (`<farm>_<server>_pool`, `<farm>_<server>_<kind>`) in
//! `manageout_test_support::intended`, not from the renderer's own code; the
//! `scripts` fuzz target checks the same on arbitrary farms without bash.

use manageout::{Farm, Source, audit};
use manageout_test_support::intended::{
    check_rendered, linux_argv, tmsh_creates, tmsh_reading, tmsh_removes, words,
};
use manageout_test_support::shell::{run_bash, split_script};
use manageout_test_support::tmsh::Token;
use proptest::prelude::*;

const EXAMPLES: [&str; 4] = [
    "../examples/seed-fixed.toml",
    "../examples/multisite.toml",
    "../examples/cluster.toml",
    "tests/fixtures/valid/partition-rd.toml",
];

fn farm(path: &str) -> manageout::ValidFarm {
    Farm::from_file(path).unwrap().into_valid_farm().unwrap()
}

/// Runs a bash script under stubs and returns the calls, after checking that
/// bash read it exactly as the process-free reading does.
fn run_checked(script: &str) -> Vec<Vec<String>> {
    let run = run_bash(script, &["tmsh", "ip", "touch", "rm", "id"]);
    run.assert_clean();
    assert_eq!(
        Ok(run.calls.clone()),
        split_script(script),
        "bash and split_script read the script differently:\n{script}"
    );
    run.calls
}

/// Runs a tmsh script and returns what tmsh read, command by command.
fn tmsh_commands(script: &str) -> Vec<Vec<Token>> {
    run_checked(script);
    tmsh_reading(script)
}

/// Every script target does exactly what it must, read without a process
/// ([`check_rendered`]), and bash runs each bash script exactly as read.
fn check_scripts(farm: &manageout::ValidFarm, interface: Option<&str>) {
    let r = check_rendered(farm, interface);
    assert_eq!(tmsh_commands(&r.tmsh), tmsh_creates(farm));
    assert_eq!(tmsh_commands(&r.tmsh_remove), tmsh_removes(farm));
    if let Some(linux) = &r.linux {
        assert_eq!(run_checked(linux), linux_argv(farm, interface));
    }
}

#[test]
fn every_example_farms_scripts_run_exactly_the_intended_commands() {
    for path in EXAMPLES {
        let f = farm(path);
        check_scripts(&f, None);
        check_scripts(&f, Some("Corpnet"));
        check_scripts(&f, Some("Ethernet 2"));
    }
}

#[test]
fn a_server_named_like_a_command_substitution_is_refused_before_any_script() {
    for name in [
        "DA1$(touch PWNED)",
        "DA1`touch PWNED`",
        "DA1;touch PWNED",
        "DA1\ntouch",
    ] {
        let toml = format!(
            "[[server]]\nname = {}\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\n",
            serde_json::to_string(name).unwrap()
        );
        let report = Farm::from_toml_str(&toml, "f.toml");
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.code == "MO018")
            .expect("MO018");
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("the nearest valid name is `DA1"),
            "{d:?}"
        );
        // a farm with errors never becomes the ValidFarm every renderer takes
        assert!(report.farm().is_some() && report.valid_farm().is_err());
    }
}

/// Values a hostile user puts in a field: shell, tmsh, cmd.exe and terminal
/// metacharacters, newlines, unicode.
const HOSTILE: &[&str] = &[
    "$(touch PWNED)",
    "`touch PWNED`",
    "a;touch PWNED",
    "a && touch PWNED",
    "a | touch PWNED",
    "a\ntouch PWNED",
    "a'b",
    "a\"b",
    "{ a }",
    "a # b",
    "%PATH%",
    "a^&calc",
    "a & calc",
    "!x!",
    "${HOME}",
    "> PWNED",
    "a b",
    "Ünïcode",
    "\u{1b}[31mred",
    "a\\b",
    "\\",
    "",
    "-",
    "..",
    "/Common",
    "Common/..",
    "a\u{202e}b",
];

/// Valid values of each kind of field.
const VALID_NAMES: &[&str] = &["DA1", "edge-2.site_a", "2-EDGE1", "a", "-x-"];
const VALID_PARTITIONS: &[&str] = &["Common", "DirectAccess", "P.1_a-b"];
const VALID_OBJECTS: &[&str] = &["internal", "/Common/internal", "/Part/app.app/vlan_10"];

fn valid(choices: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(choices).prop_map(String::from)
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(HOSTILE).prop_map(String::from),
        1 => "[ -~]{0,12}",
        1 => "\\PC{0,8}",
    ]
}

#[derive(Debug, Clone)]
struct Case {
    farm_name: String,
    servers: [String; 2],
    entry_point: String,
    partition: String,
    vlan: String,
    monitor: String,
    route_domain: u16,
    interface: String,
}

/// A valid farm with at most one field (or the interface) replaced by a hostile
/// value, so that both the refusals and the scripts of clean farms are exercised.
fn case() -> impl Strategy<Value = Case> {
    (
        valid(VALID_NAMES),
        [valid(VALID_NAMES), valid(VALID_NAMES)],
        valid(VALID_NAMES),
        valid(VALID_PARTITIONS),
        valid(VALID_OBJECTS),
        valid(VALID_OBJECTS),
        prop_oneof![Just(0u16), Just(2u16)],
        valid(&["Corpnet", "Ethernet 2", "eth0"]),
        0usize..10,
        hostile(),
    )
        .prop_map(
            |(
                farm_name,
                servers,
                entry_point,
                partition,
                vlan,
                monitor,
                route_domain,
                interface,
                field,
                bad,
            )| {
                let mut c = Case {
                    farm_name,
                    servers,
                    entry_point,
                    partition,
                    vlan,
                    monitor,
                    route_domain,
                    interface,
                };
                match field {
                    0 => c.farm_name = bad,
                    1 => c.servers[0] = bad,
                    2 => c.servers[1] = bad,
                    3 => c.entry_point = bad,
                    4 => c.partition = bad,
                    5 => c.vlan = bad,
                    6 => c.monitor = bad,
                    7 | 8 => c.interface = bad,
                    _ => {}
                }
                c
            },
        )
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

impl Case {
    fn toml(&self) -> String {
        format!(
            "[farm]\nname = {}\n[bigip]\npartition = {}\nvlans = [{}]\nmonitor = {}\nroute_domain = {}\n\
             [[server]]\nname = {}\nentry_point = {}\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1000::/59\"\nvpn_prefix = \"2131:0:0:2000::/64\"\n\
             [[server]]\nname = {}\naddress = \"2131::201\"\nclient_prefix = \"2131:0:0:1020::/59\"\nteredo = true\nteredo_ipv4 = \"131.107.0.2\"\n",
            q(&self.farm_name),
            q(&self.partition),
            q(&self.vlan),
            q(&self.monitor),
            self.route_domain,
            q(&self.servers[0]),
            q(&self.entry_point),
            q(&self.servers[1]),
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Hostile values in every field: the farm is refused (MO018), or every
    /// script runs exactly the intended commands and nothing else.
    #[test]
    fn hostile_values_in_any_field_never_reach_a_script_as_code(c in case()) {
        let report = Farm::from_toml_str(&c.toml(), "case.toml");
        let names_ok = [&c.farm_name, &c.servers[0], &c.servers[1], &c.entry_point]
            .iter()
            .all(|n| manageout::names::check(n).is_ok())
            && manageout::names::check_partition(&c.partition).is_ok()
            && manageout::names::check_object_path(&c.vlan).is_ok()
            && manageout::names::check_object_path(&c.monitor).is_ok();
        let mo018 = report.diagnostics.iter().any(|d| d.code == "MO018");
        prop_assert_eq!(mo018, !names_ok, "{:?}", report.diagnostics);
        match report.valid_farm() {
            // nothing renders from a farm with errors: renderers take a ValidFarm
            Err(_) => prop_assert!(report.has_errors()),
            Ok(farm) => check_scripts(farm, Some(&c.interface).filter(|i| !i.contains('\0')).map(String::as_str)),
        }
    }
}

/// A bigip.conf whose virtuals (named `names`, quoted as tmsh quotes them) all
/// forward DA1's prefix with the wrong mask: audit --fix deletes each of them.
fn hostile_config(names: &[String]) -> String {
    let mut s = String::new();
    for n in names {
        let quoted = format!("\"{}\"", n.replace('\\', "\\\\").replace('"', "\\\""));
        s.push_str(&format!(
            "ltm virtual {quoted} {{\n    destination /Common/2131:0:0:1000::.any\n    mask ffff:ffff:ffff:fff0::\n    pool /Common/x\n}}\n"
        ));
    }
    s
}

fn names_strategy() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(HOSTILE).prop_map(|h| format!("/Common/vs{h}")),
            "/Common/[ -~]{1,10}",
            Just("/Common/plain_vs".to_owned()),
        ],
        1..6,
    )
    .prop_map(|mut v| {
        v.sort();
        v.dedup();
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Object names from a running configuration are untrusted: `audit --fix`
    /// deletes exactly the virtuals it names (read back as tmsh reads them), and
    /// says (MO114) which it cannot write safely.
    #[test]
    fn audit_fix_deletes_exactly_the_hostile_virtuals_it_can_name(names in names_strategy()) {
        let farm = farm("../examples/seed-fixed.toml");
        let text = hostile_config(&names);
        let report = audit::audit(&farm, &[Source { name: "bigip.conf".into(), text }]);
        let fix = report.fix(&farm);
        let tmsh = tmsh_commands(&fix);
        let deleted: Vec<String> = tmsh
            .iter()
            .filter(|c| c.starts_with(&words("delete ltm virtual")))
            .map(|c| match &c[3] { Token::Word(n) => n.clone(), t => panic!("{t:?}") })
            .collect();
        for d in &deleted {
            prop_assert!(
                names.contains(d) || d.starts_with("/Common/article_"),
                "deleted {d:?}, which the configuration does not name"
            );
        }
        let unwritable: Vec<&String> = names
            .iter()
            .filter(|n| !deleted.contains(n))
            .collect();
        let mo114 = report.diagnostics.iter().filter(|d| d.code == "MO114").count();
        prop_assert_eq!(mo114, unwritable.len(), "{:?} {:?}", unwritable, report.diagnostics);
        for n in unwritable {
            // refused only when the name holds something tmsh could read specially
            prop_assert!(
                n.chars().any(|c| !(c.is_ascii_alphanumeric() || " _./:%,+=@()-".contains(c))),
                "{n:?} could have been written"
            );
        }
    }
}

#[test]
fn a_virtual_whose_name_holds_braces_unquoted_is_reported_not_skipped() {
    let farm = farm("../examples/seed-fixed.toml");
    let text = "ltm virtual /Common/vs${x} {\n    destination /Common/2131:0:0:1000::.any\n    mask ffff:ffff:ffff:fff0::\n}\n";
    let report = audit::audit(
        &farm,
        &[Source {
            name: "bigip.conf".into(),
            text: text.into(),
        }],
    );
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"MO115"), "{codes:?}");
    assert!(codes.contains(&"MO100"), "{codes:?}");
}
