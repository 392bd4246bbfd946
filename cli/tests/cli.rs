//! The `manageout` command: outputs and exit codes as DESIGN.md §7 specifies.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_manageout"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn check_shows_the_host_bits_error_on_da2_with_the_fix_and_exits_1() {
    let out = run(&["check", "examples/seed.toml"], None);
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out.stdout);
    assert!(
        s.contains("error[MO012]: client_prefix `2131:0:0:1001::/59` has host bits set"),
        "{s}"
    );
    assert!(s.contains("--> examples/seed.toml:24:17"), "{s}");
    assert!(s.contains("client_prefix = \"2131:0:0:1001::/59\""), "{s}");
    assert!(s.contains("^^^^"), "{s}");
    assert!(
        s.contains("help: ") && s.contains("2131:0:0:1020::/59"),
        "{s}"
    );
    assert!(s.trim_end().ends_with("1 error, 0 warnings"), "{s}");
    assert!(!s.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn check_of_the_fixed_farm_is_clean() {
    let out = run(&["check", "examples/seed-fixed.toml"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("no problems found"));
}

#[test]
fn check_json_has_every_key_and_the_counts() {
    let out = run(&["check", "examples/seed.toml", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 0);
    let d = &v["diagnostics"][0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "severity", "code", "message", "server", "field", "file", "line", "column", "help"
        ]
    );
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "MO012");
    assert_eq!(d["server"], "DA2");
    assert_eq!(d["field"], "client_prefix");
    assert_eq!(d["file"], "examples/seed.toml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(24), Some(17))
    );
}

#[test]
fn warnings_pass_unless_denied() {
    assert_eq!(
        run(&["check", "examples/multisite.toml"], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(
            &["check", "examples/multisite.toml", "--deny-warnings"],
            None
        )
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn an_unreadable_farm_exits_2() {
    let out = run(&["check", "examples/nope.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.toml"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(run(&["check"], None).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(
        run(&["check", "examples/seed.toml", "--format", "xml"], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn lookup_answers_da1() {
    let out = run(
        &["lookup", "examples/seed-fixed.toml", "2131:0:0:1005::1"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.starts_with(
            "2131:0:0:1005::1\tDA1\tnext hop 2131::101\tclient prefix 2131:0:0:1000::/59"
        ),
        "{s}"
    );
}

#[test]
fn lookup_json_in_input_order_with_nulls_for_no_server() {
    let out = run(
        &[
            "lookup",
            "examples/seed-fixed.toml",
            "2131:0:0:1025::9",
            "2131::1",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"address": "2131:0:0:1025::9", "server": "DA2", "entry_point": null, "index": 1, "next_hop": "2131::201",
             "prefix": "2131:0:0:1020::/59", "kind": "client"},
            {"address": "2131::1", "server": null, "entry_point": null, "index": null, "next_hop": null, "prefix": null, "kind": null}
        ])
    );
    let keys: Vec<&str> = v[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "address",
            "server",
            "entry_point",
            "index",
            "next_hop",
            "prefix",
            "kind"
        ]
    );
}

#[test]
fn lookup_reads_addresses_from_stdin() {
    let out = run(
        &["lookup", "examples/multisite.toml", "-", "--format", "json"],
        Some("# clients\n2001:db8:1:1000::1\n\n2001:0:836b:14::1\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["server"], "EDGE1");
    assert_eq!(v[1]["server"], "2-EDGE1");
    assert_eq!(v[1]["kind"], "teredo");
    // the warnings went to stderr, not into the data
    assert!(text(&out.stderr).contains("MO016"));
}

#[test]
fn lookup_of_something_that_is_not_an_address_exits_2() {
    let out = run(&["lookup", "examples/seed-fixed.toml", "10.0.0.1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("IPv4"));
    let out = run(
        &["lookup", "examples/seed-fixed.toml", "-"],
        Some("2131::1\nbogus\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("<stdin>:2"));
}

#[test]
fn lookup_on_a_farm_with_errors_exits_1_with_diagnostics_on_stderr() {
    let out = run(&["lookup", "examples/seed.toml", "2131:0:0:1005::1"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("MO012"));
}

#[test]
fn render_prints_the_configuration_on_stdout() {
    let out = run(
        &["render", "examples/seed-fixed.toml", "--target", "tmsh"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.contains("tmsh create ltm virtual /Common/article_DA2_client"),
        "{s}"
    );
    assert!(
        s.contains("destination /Common/2131:0:0:1020::.any mask ffff:ffff:ffff:ffe0::"),
        "{s}"
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn render_refuses_a_farm_with_errors_and_prints_the_diagnostics() {
    let out = run(&["render", "examples/seed.toml", "--target", "as3"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("error[MO012]"));
}

#[test]
fn render_prints_warnings_on_stderr_and_proceeds() {
    let out = run(
        &["render", "examples/multisite.toml", "--target", "linux"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("ip -6 route replace 2001:0:836b:14::/64 via 2001:db8:2::20")
    );
    assert!(text(&out.stderr).contains("warning[MO016]"));
}

#[test]
fn render_netsh_without_an_interface_is_a_usage_error() {
    let out = run(
        &["render", "examples/multisite.toml", "--target", "netsh"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--interface"));
    let out = run(
        &[
            "render",
            "examples/multisite.toml",
            "--target",
            "netsh",
            "--interface",
            "Corpnet",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains(
            "netsh interface ipv6 add route 2001:db8:1:1000::/59 \"Corpnet\" 2001:db8:1::2"
        )
    );
}

#[test]
fn explain_decodes_rfc_4380s_teredo_example() {
    let out = run(
        &[
            "explain",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "teredo");
    assert_eq!(v["steerable"], false);
    assert_eq!(v["server"], serde_json::Value::Null);
    assert_eq!(v["details"]["teredo_server"], "65.54.227.120");
    assert_eq!(v["details"]["client_ipv4"], "192.0.2.45");
    assert_eq!(v["details"]["client_port"], 40000);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "address",
            "kind",
            "steerable",
            "server",
            "entry_point",
            "details"
        ]
    );
}

#[test]
fn explain_with_a_farm_names_the_server() {
    let out = run(
        &[
            "explain",
            "2131:0:0:1005::1",
            "--farm",
            "examples/seed-fixed.toml",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.starts_with("2131:0:0:1005::1: ip-https\n  server: DA1\n"),
        "{s}"
    );
    assert!(s.contains("manage out: reachable"), "{s}");
    assert_eq!(run(&["explain", "nonsense"], None).status.code(), Some(2));
    assert_eq!(
        run(
            &["explain", "2131::1", "--farm", "examples/seed.toml"],
            None
        )
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn import_prints_a_checked_farm_and_pairs_addresses_in_input_order() {
    let out = run(
        &[
            "import",
            "core/tests/fixtures/import/invoke-command.json",
            "--name",
            "DA1",
            "--address",
            "2131::101",
            "--name",
            "DA2",
            "--address",
            "2131::201",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("[[server]]\nname = \"DA2\"\naddress = \"2131::201\"\nclient_prefix = \"2131:0:0:1020::/59\""), "{s}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn import_with_too_few_pairs_exits_2_naming_the_record() {
    let out = run(
        &[
            "import",
            "core/tests/fixtures/import/cluster-nodes.txt",
            "--address",
            "2131::101",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("record 2"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn import_of_a_cluster_without_route_listings_says_how_to_find_each_nodes_64() {
    let out = run(
        &[
            "import",
            "core/tests/fixtures/import/cluster-nodes.txt",
            "--address",
            "2131::101",
            "--address",
            "2131::201",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let toml = text(&out.stdout);
    assert!(
        toml.contains("[[entry_point]]") && toml.contains("name = \"DA2\""),
        "{toml}"
    );
    let e = text(&out.stderr);
    assert_eq!(e.matches("error[MO027]").count(), 2, "{e}");
    assert!(
        e.contains("On DA2 run `Get-NetRoute -AddressFamily IPv6"),
        "{e}"
    );
    assert!(!e.contains("MO022"), "{e}");
}

#[test]
fn import_of_two_nodes_with_their_route_listings_renders_tmsh_forwarding_each_64_to_its_node() {
    let dir = "core/tests/fixtures/import";
    let files = [
        "node1-get-daserver-fl.txt",
        "node1-get-netroute-fl.txt",
        "get-remoteaccessloadbalancer-external-fl.txt",
        "node2-get-daserver-ft.txt",
        "node2-netsh-show-route.txt",
    ]
    .map(|f| format!("{dir}/{f}"));
    let mut args: Vec<&str> = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--name",
        "N1",
        "--address",
        "2131::11",
        "--name",
        "N2",
        "--address",
        "2131::12",
    ]);
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "",
        "a complete import has nothing to say"
    );
    let farm = text(&out.stdout);
    assert!(
        farm.contains("vip = \"2131::10\"") && farm.contains("load_balancer = \"external\""),
        "{farm}"
    );
    let out = run(&["render", "-", "--target", "tmsh"], Some(&farm));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tmsh = text(&out.stdout);
    for (node, net, member) in [
        ("N1", "2131:0:0:1000::", "2131::11"),
        ("N2", "2131:0:0:1001::", "2131::12"),
    ] {
        assert!(
            tmsh.contains(&format!("create ltm pool /Common/manageout_{node}_pool description '\"manageout:manageout pool of DA server {node}\"' members replace-all-with {{ {member}.0 {{ address {member} }} }}")),
            "{tmsh}"
        );
        assert!(
            tmsh.contains(&format!("destination /Common/{net}.any mask ffff:ffff:ffff:ffff:: ip-protocol any profiles replace-all-with {{ /Common/fastL4 }} pool /Common/manageout_{node}_pool ")),
            "{tmsh}"
        );
    }
}

#[test]
fn import_of_a_listing_without_the_nodes_64_exits_1_naming_the_node_and_what_was_seen() {
    let dir = "core/tests/fixtures/import";
    let out = run(
        &[
            "import",
            &format!("{dir}/node1-get-daserver-fl.txt"),
            &format!("{dir}/netroute-other-site.txt"),
            "--name",
            "N1",
            "--address",
            "2131::11",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "", "nothing half-made on stdout");
    let e = text(&out.stderr);
    assert!(
        e.starts_with("error: node N1 of 2131:0:0:1000::/59 (core/tests/fixtures/import/netroute-other-site.txt): its published IP-HTTPS /64 2131:0:0:2000::/64 lies outside"),
        "{e}"
    );
}

#[test]
fn import_of_something_else_names_the_file_and_what_was_expected() {
    let out = run(
        &[
            "import",
            "core/tests/fixtures/import/get-process.json",
            "--address",
            "2131::101",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.contains("get-process.json") && e.contains("ClientIPv6Prefix"),
        "{e}"
    );
}

#[test]
fn render_to_an_unknown_target_is_a_usage_error_listing_the_targets() {
    let out = run(
        &["render", "examples/seed-fixed.toml", "--target", "cisco"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains("tmsh, bigip-conf, tmsh-remove, as3, linux, netsh"),
        "{e}"
    );
}

const AUDIT: &str = "core/tests/fixtures/audit";

#[test]
fn audit_of_a_correct_configuration_is_clean_and_exits_0() {
    let conf = format!("{AUDIT}/correct.conf");
    let out = run(&["audit", "examples/seed-fixed.toml", &conf], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("no problems found"), "{s}");
}

#[test]
fn audit_names_the_planted_mistake_with_its_line_like_check_and_exits_1() {
    let conf = format!("{AUDIT}/translate-address.conf");
    let out = run(&["audit", "examples/seed-fixed.toml", &conf], None);
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out.stdout);
    assert!(s.contains("error[MO106]"), "{s}");
    assert!(s.contains(&format!("--> {conf}:76:5")), "{s}");
    assert!(s.contains("translate-address enabled"), "{s}");
    assert!(s.trim_end().ends_with("1 error, 0 warnings"), "{s}");
}

#[test]
fn audit_json_has_the_keys_of_check_and_warnings_exit_0_unless_denied() {
    let conf = format!("{AUDIT}/all-vlans.conf");
    let out = run(
        &[
            "audit",
            "examples/seed-fixed.toml",
            &conf,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 1);
    let d = &v["diagnostics"][0];
    for key in [
        "severity", "code", "message", "server", "field", "file", "line", "column", "help",
    ] {
        assert!(d.get(key).is_some(), "{key} missing: {d}");
    }
    assert_eq!(d["code"], "MO109");
    assert_eq!(d["line"], 29);
    let denied = run(
        &[
            "audit",
            "examples/seed-fixed.toml",
            &conf,
            "--deny-warnings",
        ],
        None,
    );
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn audit_fix_prints_tmsh_for_what_is_wrong_on_stdout_and_findings_on_stderr() {
    let conf = format!("{AUDIT}/missing-virtual.conf");
    let out = run(&["audit", "examples/seed-fixed.toml", &conf, "--fix"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[MO101]"));
    let fix = text(&out.stdout);
    assert!(
        fix.contains("tmsh create ltm virtual /Common/article_DA2_client"),
        "{fix}"
    );
    assert!(!fix.contains("article_DA1"), "{fix}");
}

#[test]
fn audit_of_an_unreadable_configuration_or_an_invalid_farm() {
    let out = run(&["audit", "examples/seed-fixed.toml", "nope.conf"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.conf"));
    let conf = format!("{AUDIT}/correct.conf");
    let out = run(&["audit", "examples/seed.toml", &conf], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("MO012"));
}

/// Every `$ manageout ...` example in the README (a `text` block whose first line
/// is the command) shows what the command prints on stdout, byte for byte.
#[test]
fn every_readme_example_shows_the_output_as_printed() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let mut examples = 0;
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start() != "```text" {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| l.trim_start() != "```")
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        let Some(command) = block.first().and_then(|l| l.strip_prefix("$ manageout ")) else {
            continue;
        };
        let args: Vec<&str> = command.split_whitespace().collect();
        let shown: String = block[1..].iter().map(|l| format!("{l}\n")).collect();
        let out = run(&args, None);
        assert_eq!(
            shown,
            text(&out.stdout),
            "README output of `manageout {command}`"
        );
        examples += 1;
    }
    assert!(examples >= 5, "only {examples} README examples found");
}

/// The subcommands `manageout --help` lists (without `help`).
fn commands() -> Vec<String> {
    let help = text(&run(&["--help"], None).stdout);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect()
}

/// The long flags a command's `--help` lists.
fn flags(command: &str) -> Vec<String> {
    let help = text(&run(&[command, "--help"], None).stdout);
    let mut flags: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_owned()
        })
        .collect();
    flags.sort();
    flags.dedup();
    flags
}

#[test]
fn every_command_and_flag_appears_in_every_completion_script_and_its_man_page() {
    let commands = commands();
    for c in [
        "check", "lookup", "render", "audit", "import", "explain", "schema", "man", "deploy",
    ] {
        assert!(
            commands.iter().any(|x| x == c),
            "{c} missing from --help: {commands:?}"
        );
    }
    let scripts: Vec<(String, String)> = ["bash", "zsh", "fish", "powershell", "elvish"]
        .iter()
        .map(|shell| {
            let out = run(&["completions", shell], None);
            assert_eq!(out.status.code(), Some(0), "{shell}");
            (shell.to_string(), text(&out.stdout))
        })
        .collect();
    let main_page = text(&run(&["man"], None).stdout);
    for c in &commands {
        let help = text(&run(&[c, "--help"], None).stdout);
        assert!(
            help.contains("Example"),
            "`manageout {c} --help` shows no example"
        );
        assert!(
            main_page.contains(&format!("manageout\\-{}(1)", c.replace('-', "\\-"))),
            "{c}"
        );
        let page = run(&["man", c], None);
        assert_eq!(page.status.code(), Some(0), "man {c}");
        let page = text(&page.stdout);
        assert!(
            page.starts_with(".ie") && page.contains(&format!(".TH manageout-{c} 1")),
            "{page}"
        );
        for (shell, script) in &scripts {
            assert!(
                script.contains(c.as_str()),
                "{c} missing from the {shell} completions"
            );
        }
        for flag in flags(c) {
            if flag == "--help" || flag == "--version" || flag == "--color" {
                continue;
            }
            assert!(
                page.contains(&flag.replace('-', "\\-")),
                "{flag} of {c} missing from its man page"
            );
            for (shell, script) in &scripts {
                let bare = flag.trim_start_matches('-');
                assert!(
                    script.contains(bare),
                    "{flag} of {c} missing from the {shell} completions"
                );
            }
        }
    }
}

#[test]
fn schema_prints_the_farm_file_schema_the_library_derives() {
    let out = run(&["schema"], None);
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, manageout::load::farm_file_schema());
    assert_eq!(printed["title"], "manageout farm file");
}

#[test]
fn check_whole_path_passes_deny_warnings_only_for_a_complete_farm() {
    let whole = run(
        &[
            "check",
            "examples/whole-path.toml",
            "--whole-path",
            "--deny-warnings",
        ],
        None,
    );
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole.stdout));
    let plain = run(&["check", "examples/seed-fixed.toml", "--whole-path"], None);
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(text(&plain.stdout).matches("warning[MO050]").count(), 4);
    let denied = run(
        &[
            "check",
            "examples/seed-fixed.toml",
            "--whole-path",
            "--deny-warnings",
        ],
        None,
    );
    assert_eq!(denied.status.code(), Some(1));
    // without the flag, check is unchanged
    let unchanged = run(
        &["check", "examples/seed-fixed.toml", "--deny-warnings"],
        None,
    );
    assert_eq!(unchanged.status.code(), Some(0));
}

#[test]
fn corp_routes_needs_a_dialect_and_the_farm_a_self_ip() {
    let no_dialect = run(
        &[
            "render",
            "examples/whole-path.toml",
            "--target",
            "corp-routes",
        ],
        None,
    );
    assert_eq!(no_dialect.status.code(), Some(2));
    assert!(text(&no_dialect.stderr).contains("--dialect ios, junos, linux or netsh"));
    let bad = run(
        &[
            "render",
            "examples/whole-path.toml",
            "--target",
            "corp-routes",
            "--dialect",
            "eos",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    let no_self_ip = run(
        &[
            "render",
            "examples/seed-fixed.toml",
            "--target",
            "corp-routes",
            "--dialect",
            "ios",
        ],
        None,
    );
    assert_eq!(no_self_ip.status.code(), Some(1));
    assert_eq!(text(&no_self_ip.stdout), "");
    assert!(
        text(&no_self_ip.stderr).contains("needs bigip.self_ip"),
        "{}",
        text(&no_self_ip.stderr)
    );
    let netsh = run(
        &[
            "render",
            "examples/whole-path.toml",
            "--target",
            "corp-routes",
            "--dialect",
            "netsh",
        ],
        None,
    );
    assert_eq!(netsh.status.code(), Some(2), "netsh needs --interface");
    let aggregate = run(
        &[
            "render",
            "examples/multisite.toml",
            "--target",
            "corp-routes",
            "--dialect",
            "linux",
            "--aggregate",
        ],
        None,
    );
    // multisite has no self IP: refused before anything is printed
    assert_eq!(aggregate.status.code(), Some(1));
}
