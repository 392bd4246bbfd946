//! Bounded work on hostile input, through the command line: every case must end
//! (a generous process timeout guards against hangs; nothing here measures time)
//! with a clear answer, bounded output and bounded memory.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A hang guard, never a timing assertion: a run that is still going after this
/// long is killed and the test fails.
const HANG_GUARD: Duration = Duration::from_secs(300);

struct Done {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_manageout"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run manageout")
}

fn finish(mut child: Child, stdin: &[u8]) -> Done {
    let input = child.stdin.take();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(mut input) = input {
            let _ = input.write_all(&data);
        }
    });
    let out = child.stdout.take();
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(mut out) = out {
            let _ = out.read_to_end(&mut v);
        }
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait().expect("wait");
        let _ = tx.send(());
        status
    });
    if rx.recv_timeout(HANG_GUARD).is_err() {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!("manageout did not finish within the hang guard");
    }
    let status = waiter.join().expect("waiter");
    writer.join().expect("writer");
    Done {
        status,
        stdout: reader.join().expect("reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

fn run(args: &[&str], stdin: &[u8]) -> Done {
    finish(spawn(args), stdin)
}

/// The peak resident memory of this test process's largest waited-for child,
/// in bytes (Linux reports KiB).
fn children_peak_rss() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a full `rusage` into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn a_hundred_thousand_bare_server_tables_end_with_capped_diagnostics() {
    let text = "[[server]]\n".repeat(100_000);
    let out = run(&["check", "-", "--format", "json"], text.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let listed = v["diagnostics"].as_array().unwrap().len();
    assert_eq!(listed, 1000);
    let total = v["errors"].as_u64().unwrap() + v["warnings"].as_u64().unwrap();
    assert_eq!(v["omitted"].as_u64().unwrap(), total - 1000);
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "MO005")
    );
    // and the text form says how many were not shown, in one line
    let out = run(&["check", "-"], text.as_bytes());
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(s.matches("error[").count(), 1000);
    let omitted = total - 1000;
    let errors = v["errors"].as_u64().unwrap() - 1000;
    assert!(
        s.contains(&format!(
            "\n... and {omitted} more diagnostics ({errors} errors, 0 warnings) not shown\n"
        )),
        "{}",
        &s[s.len() - 300..]
    );
    assert!(
        s.trim_end()
            .ends_with(&format!("{} errors, 0 warnings", v["errors"]))
    );
}

#[test]
fn four_thousand_servers_sharing_one_59_give_one_mo022() {
    let mut text = String::new();
    for i in 0..4096 {
        text += &format!(
            "[[server]]\nname = \"N{i}\"\naddress = \"2131::{:x}\"\nclient_prefix = \"2131:0:0:1000::/59\"\n",
            i + 1
        );
    }
    let out = run(&["check", "-", "--format", "json"], text.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mo022: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "MO022")
        .collect();
    assert_eq!(mo022.len(), 1);
    assert!(
        mo022[0]["message"]
            .as_str()
            .unwrap()
            .contains("and 4091 more"),
        "{}",
        mo022[0]
    );
    assert_eq!(v["errors"], 1);
}

#[test]
fn an_audit_of_a_hundred_thousand_unbalanced_braces_is_capped() {
    let conf = "}\n".repeat(100_000);
    let out = run(
        &["audit", "examples/seed-fixed.toml", "-", "--format", "json"],
        conf.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1000);
    assert!(v["omitted"].as_u64().unwrap() >= 99_000);
}

#[test]
fn lookup_json_streams_a_million_answers_in_bounded_memory() {
    let mut input = String::with_capacity(24_000_000);
    for i in 0..1_000_000u64 {
        input += &format!(
            "2131:0:0:{:x}::{:x}:{:x}\n",
            0x1000 + (i % 64),
            i >> 16,
            i & 0xffff
        );
    }
    let out = run(
        &[
            "lookup",
            "examples/seed-fixed.toml",
            "-",
            "--format",
            "json",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1_000_000);
    assert_eq!(rows[0]["server"], "DA1");
    assert_eq!(rows[999_999]["address"], "2131:0:0:103f::f:423f");
    // the answers are written as they are found: what is held is the input
    let peak = children_peak_rss();
    assert!(
        peak < 400 << 20,
        "peak resident memory of the CLI runs: {} MiB",
        peak >> 20
    );
}

#[test]
fn a_bad_address_among_many_prints_nothing_and_exits_2() {
    let mut input = "2131:0:0:1005::1\n".repeat(10_000);
    input.push_str("2131::zz\n");
    let out = run(
        &[
            "lookup",
            "examples/seed-fixed.toml",
            "-",
            "--format",
            "json",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("<stdin>:10001"), "{}", out.stderr);
}

#[test]
fn a_fifo_is_refused_at_once_with_a_hint_to_use_stdin() {
    let dir = std::env::temp_dir().join(format!("manageout-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("farm.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    for args in [
        vec!["check", fifo],
        vec!["import", fifo, "--address", "2131::101"],
        vec!["audit", "examples/seed-fixed.toml", fifo],
        vec!["lookup", fifo, "2131::1"],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("FIFO") && out.stderr.contains("`-`"),
            "{}",
            out.stderr
        );
    }
    let out = run(&["check", "/dev/zero"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("device"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_is_reported_with_exit_2() {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(env!("CARGO_BIN_EXE_manageout"))
        .args(["render", "examples/seed-fixed.toml", "--target", "tmsh"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "manageout: cannot write output: No space left on device\n"
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let input = "2131:0:0:1005::1\n".repeat(200_000);
    let mut child = spawn(&["lookup", "examples/seed-fixed.toml", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    // read one line, then close the pipe (like `| head -1`)
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let n = stdout.read(&mut first).unwrap();
    assert!(n > 0);
    drop(stdout);
    let out = finish(child, b"");
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stderr, "");
}

#[test]
fn control_characters_in_values_never_reach_the_terminal_raw() {
    let farm = "[[server]]\nname = \"DA1\\u001b]0;owned\\u0007\\u001b[31m\"\naddress = \"2131::101\\u001b[2J\"\nclient_prefix = \"2131:0:0:1000::/59\"\n";
    for args in [vec!["check", "-"], vec!["check", "-", "--color", "always"]] {
        let out = run(&args, farm.as_bytes());
        let s = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(s.contains("\\u{1b}"), "{s}");
        if args.len() == 2 {
            assert!(!s.contains('\u{1b}'), "raw ESC in {s:?}");
        } else {
            // colour codes are manageout's own; no input byte is raw
            assert!(
                !s.contains("\u{1b}]0;") && !s.contains("\u{1b}[2J") && !s.contains('\u{7}'),
                "{s:?}"
            );
        }
    }
}

#[test]
fn stdin_is_one_input_of_every_command_and_only_one() {
    let farm = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/seed-fixed.toml"
    ))
    .unwrap();
    let out = run(&["check", "-"], &farm);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<stdin>: 2 servers"));
    let out = run(&["lookup", "-", "2131:0:0:1005::1"], &farm);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let out = run(&["render", "-", "--target", "linux"], &farm);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["lookup", "-", "-"], &farm);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("one input only"), "{}", out.stderr);
    let da = b"ClientIPv6Prefix : 2131:0:0:1000::/59\nTeredoState : Disabled\n";
    let out = run(&["import", "-", "--address", "2131::101"], da);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let conf = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/audit/correct.conf"
    ))
    .unwrap();
    let out = run(&["audit", "examples/seed-fixed.toml", "-"], &conf);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
}
