//! `manageout deploy` and `manageout audit --bigip` against the local test
//! BIG-IP: the session from dry run to applied, the exit codes of every failure,
//! and the password never shown.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use manageout_test_bigip::Server;
use serde_json::{Value, json};

const PASSWORD: &str = "Tr0ub4dor&3-secret";
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed-fixed.toml");

fn server(mut behaviour: Value) -> Server {
    behaviour["password"] = json!(PASSWORD);
    Server::start(behaviour)
}

/// Runs `manageout` with the password in the environment and `stdin` (closed
/// when `None`: not a terminal).
fn run_with(args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_manageout"));
    cmd.args(args)
        .env_remove("MANAGEOUT_BIGIP_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env("MANAGEOUT_BIGIP_PASSWORD", p);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(PASSWORD), "the password was shown:\n{all}");
    out
}

fn run(args: &[&str]) -> Output {
    run_with(args, Some(PASSWORD), None)
}

fn deploy_args<'a>(server: &'a Server, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "deploy",
        SEED,
        "--bigip",
        server.url(),
        "--ca-file",
        server.ca_file().to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_dry_run_prints_each_change_and_exits_4_then_yes_applies_and_nothing_is_left() {
    let server = server(json!({}));
    let dry = run(&deploy_args(&server, &["--dry-run"]));
    assert_eq!(dry.status.code(), Some(4), "{}", stderr(&dry));
    let text = stdout(&dry);
    assert!(text.starts_with("AS3 3.50.0 on 127.0.0.1:"), "{text}");
    assert!(
        text.contains("  + create  Service_L4  /Common/Shared/article_DA1_client  (server DA1, prefix 2131:0:0:1000::/59)"),
        "{text}"
    );
    assert!(
        text.contains("4 changes (4 to create, 0 to modify, 0 to delete)"),
        "{text}"
    );
    assert!(server.state().tenants.is_empty());

    let applied = run(&deploy_args(&server, &["--yes"]));
    assert_eq!(applied.status.code(), Some(0), "{}", stderr(&applied));
    assert!(stdout(&applied).contains("applied: tenant Common: success (code 200)"));
    assert!(
        stderr(&applied).contains("waiting for AS3 task"),
        "{}",
        stderr(&applied)
    );
    assert!(!server.state().tenants.is_empty());

    let again = run(&deploy_args(&server, &["--dry-run"]));
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stdout(&again).contains("no changes: the BIG-IP already holds the farm"));
    // every session's token was deleted
    assert!(server.state().tokens.is_empty());
}

#[test]
fn the_json_report_has_every_key() {
    let server = server(json!({}));
    let dry = run(&deploy_args(&server, &["--dry-run", "--format", "json"]));
    assert_eq!(dry.status.code(), Some(4));
    let v: Value = serde_json::from_str(&stdout(&dry)).unwrap();
    assert_eq!(v["applied"], false);
    assert_eq!(v["results"], json!([]));
    assert!(v["sync"].is_null());
    let first = &v["plan"][0];
    for key in ["action", "path", "class", "server", "prefix"] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    let applied = run(&deploy_args(&server, &["--yes", "--format", "json"]));
    let v: Value = serde_json::from_str(&stdout(&applied)).unwrap();
    assert_eq!(v["applied"], true);
    assert_eq!(v["plan"].as_array().unwrap().len(), 4);
    assert_eq!(v["results"][0]["code"], 200);
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_applied() {
    let server = server(json!({}));
    let out = run_with(&deploy_args(&server, &[]), Some(PASSWORD), Some("y\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert!(server.state().tenants.is_empty());
}

#[test]
fn each_remote_failure_exits_3_with_what_to_do() {
    let wrong = server(json!({}));
    let out = run_with(
        &deploy_args(&wrong, &["--dry-run"]),
        Some("not-the-password"),
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("refused the login of `admin`"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("not-the-password"));

    let no_as3 = server(json!({"as3": false}));
    let out = run(&deploy_args(&no_as3, &["--dry-run"]));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("AS3 is not installed"),
        "{}",
        stderr(&out)
    );

    let untrusted = server(json!({}));
    let out = run(&["deploy", SEED, "--bigip", untrusted.url(), "--dry-run"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("TLS with 127.0.0.1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn insecure_is_warned_on_every_run() {
    let server = server(json!({}));
    let out = run(&[
        "deploy",
        SEED,
        "--bigip",
        server.url(),
        "--insecure",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: --insecure"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_rejected_declaration_exits_1_naming_the_server() {
    let server = server(json!({"reject": ["/Common/Shared/article_DA1_pool/members/0: bad"]}));
    let out = run(&deploy_args(&server, &["--dry-run"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("rejected the declaration: server DA1 (pool article_DA1_pool)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2_before_anything_is_sent() {
    let server = server(json!({}));
    let out = run(&["deploy", SEED, "--bigip", "http://127.0.0.1:1", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only https://"), "{}", stderr(&out));
    let out = run_with(&deploy_args(&server, &["--dry-run"]), None, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("MANAGEOUT_BIGIP_PASSWORD"),
        "{}",
        stderr(&out)
    );
    assert!(server.state().log.is_empty());
}

#[test]
fn a_farm_with_errors_exits_1_without_contacting_the_bigip() {
    let server = server(json!({}));
    let dir = std::env::temp_dir().join(format!("manageout-deploy-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[server]]\nname = \"DA1\"\naddress = \"2131::101\"\nclient_prefix = \"2131:0:0:1001::/59\"\n").unwrap();
    let out = run(&[
        "deploy",
        bad.to_str().unwrap(),
        "--bigip",
        server.url(),
        "--ca-file",
        server.ca_file().to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(server.state().log.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn audit_bigip_reads_the_live_box_and_its_findings_name_the_object_url() {
    let server = server(json!({"page_max": 1, "objects": {"ltm/virtual": [{
        "name": "stale", "partition": "Common", "fullPath": "/Common/stale",
        "destination": "/Common/2131:0:0:1000::.0", "mask": "ffff:ffff:ffff:ffe0::",
        "disabled": true}]}}));
    let ca = server.ca_file().to_str().unwrap().to_owned();
    let out = run(&[
        "audit",
        SEED,
        "--bigip",
        server.url(),
        "--ca-file",
        &ca,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MO108")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        d["file"],
        format!("{}/mgmt/tm/ltm/virtual/~Common~stale", server.url())
    );
    assert!(d["line"].is_null() && d["column"].is_null());
    let fix = run(&[
        "audit",
        SEED,
        "--bigip",
        server.url(),
        "--ca-file",
        &ca,
        "--fix",
    ]);
    assert!(
        stdout(&fix).contains("tmsh delete ltm virtual /Common/stale"),
        "{}",
        stdout(&fix)
    );

    let clean = self::server(json!({}));
    let ca = clean.ca_file().to_str().unwrap().to_owned();
    assert_eq!(run(&deploy_args(&clean, &["--yes"])).status.code(), Some(0));
    let out = run(&["audit", SEED, "--bigip", clean.url(), "--ca-file", &ca]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("no problems found"),
        "{}",
        stdout(&out)
    );
}
