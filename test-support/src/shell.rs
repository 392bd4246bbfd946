//! Runs a generated bash script with stub commands that record their argv.
//!
//! The script runs in an empty temporary directory with a clean environment whose
//! `PATH` holds only the stubs: every command it may run is a stub (which records
//! its exact arguments and does nothing else), anything else fails with "command
//! not found" on stderr. A [`Run`] says what was called, what was printed, and what
//! files appeared, so a test can assert that exactly the intended commands ran.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a script did.
#[derive(Clone, Debug)]
pub struct Run {
    /// Every stub invocation in order: the command name, then its arguments.
    pub calls: Vec<Vec<String>>,
    /// What the script printed on stdout.
    pub stdout: String,
    /// What the script printed on stderr.
    pub stderr: String,
    /// The exit status (-1 when killed by a signal).
    pub status: i32,
    /// Files left in the working directory (it starts empty).
    pub leftovers: Vec<String>,
}

impl Run {
    /// Panics unless the script exited 0, printed nothing and left no file.
    #[track_caller]
    pub fn assert_clean(&self) {
        assert!(
            self.status == 0
                && self.stdout.is_empty()
                && self.stderr.is_empty()
                && self.leftovers.is_empty(),
            "the script did more than call its stubs: status {}, stdout {:?}, stderr {:?}, files {:?}",
            self.status,
            self.stdout,
            self.stderr,
            self.leftovers
        );
    }

    /// The calls of one command, without its name.
    pub fn calls_of(&self, name: &str) -> Vec<Vec<String>> {
        self.calls
            .iter()
            .filter(|c| c.first().is_some_and(|n| n == name))
            .map(|c| c[1..].to_vec())
            .collect()
    }
}

const STUB: &str = r#"#!/bin/bash
LC_ALL=C
n=${0##*/}
{ printf '%d\n' $(( $# + 1 )); printf '%d:%s' "${#n}" "$n"; for a in "$@"; do printf '%d:%s' "${#a}" "$a"; done; } >> "$MANAGEOUT_STUB_LOG"
"#;

/// Runs `script` with bash; `stubs` are the command names to provide.
pub fn run_bash(script: &str, stubs: &[&str]) -> Run {
    let dir = tempdir();
    let bin = dir.join("bin");
    let work = dir.join("work");
    std::fs::create_dir_all(&bin).expect("create the stub directory");
    std::fs::create_dir_all(&work).expect("create the work directory");
    for s in stubs {
        let p = bin.join(s);
        std::fs::write(&p, STUB).expect("write a stub");
        make_executable(&p);
    }
    let log = dir.join("calls.log");
    std::fs::write(&log, "").expect("create the call log");
    let script_path = dir.join("script.sh");
    std::fs::write(&script_path, script).expect("write the script");
    let out = Command::new("/bin/bash")
        .arg("--noprofile")
        .arg("--norc")
        .arg(&script_path)
        .current_dir(&work)
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", &work)
        .env("LC_ALL", "C")
        .env("MANAGEOUT_STUB_LOG", &log)
        .output()
        .expect("run /bin/bash");
    let calls = parse_log(&std::fs::read(&log).expect("read the call log"));
    let mut leftovers: Vec<String> = std::fs::read_dir(&work)
        .expect("list the work directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        calls,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
        leftovers,
    }
}

fn parse_log(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut calls = Vec::new();
    let mut i = 0;
    let number = |i: &mut usize, end: u8| -> usize {
        let start = *i;
        while bytes[*i] != end {
            *i += 1;
        }
        let n = std::str::from_utf8(&bytes[start..*i])
            .expect("a count")
            .parse()
            .expect("a number");
        *i += 1;
        n
    };
    while i < bytes.len() {
        let argc = number(&mut i, b'\n');
        let mut argv = Vec::with_capacity(argc);
        for _ in 0..argc {
            let len = number(&mut i, b':');
            argv.push(String::from_utf8_lossy(&bytes[i..i + len]).into_owned());
            i += len;
        }
        calls.push(argv);
    }
    calls
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "manageout-sh-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

#[cfg(unix)]
fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod a stub");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

/// Reads a generated script the way bash would, without running it, for the
/// subset of bash our renderers may emit: one simple command per line, words
/// separated by spaces, each a run of plain characters or `'single-quoted'`
/// text or a backslash-escaped character, a `#` word ending the line as a
/// comment; comment and blank lines. Anything else (`$`, backquotes,
/// double quotes, `;`, `&`, `|`, redirections, globs, a line continuation, a
/// control character in a quoted word) is an error naming the line, so a script that only bash could
/// read correctly fails here. `scripts.rs` checks that bash agrees on every
/// script it runs; the fuzz targets use this reading, which needs no process.
pub fn split_script(script: &str) -> Result<Vec<Vec<String>>, String> {
    let mut commands = Vec::new();
    for (n, line) in script.lines().enumerate() {
        let t = line.trim_start_matches(' ');
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        commands.push(split_line(t).map_err(|e| format!("line {}: {e}: {line:?}", n + 1))?);
    }
    Ok(commands)
}

/// Characters bash reads as themselves in an unquoted word (no glob, no
/// expansion, no operator, not a comment start inside a word either).
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_./:%,+=@{}#-".contains(c)
}

fn split_line(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        // a word that starts with `#` starts a comment that ends the line
        if chars.peek().is_none_or(|&c| c == '#') {
            return Ok(words);
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            match c {
                ' ' => break,
                '\'' => {
                    chars.next();
                    loop {
                        match chars.next() {
                            None => return Err("unterminated single quote".into()),
                            Some('\'') => break,
                            Some(c) if c.is_control() => {
                                return Err(format!("control character {c:?} in a quoted word"));
                            }
                            Some(c) => word.push(c),
                        }
                    }
                }
                '\\' => {
                    chars.next();
                    match chars.next() {
                        Some(c) if !c.is_control() => word.push(c),
                        c => return Err(format!("a backslash before {c:?}")),
                    }
                }
                c if plain(c) => {
                    chars.next();
                    word.push(c);
                }
                c => return Err(format!("`{}` outside single quotes", c.escape_debug())),
            }
        }
        words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stubs_record_exact_arguments_and_nothing_else_runs() {
        let run = run_bash("tmsh create 'a b' \"c\" ''\ntouch x\n", &["tmsh"]);
        assert_eq!(run.calls, vec![vec!["tmsh", "create", "a b", "c", ""]]);
        assert!(run.stderr.contains("touch"), "{}", run.stderr);
        assert!(run.leftovers.is_empty());
    }

    #[test]
    fn split_script_reads_plain_and_single_quoted_words_like_bash() {
        let script = "# a comment\n\ntmsh create 'a b' x'\"y\"'z { 1 } '' a#b 'a'\\''b' # c\n";
        let want = vec![vec![
            "tmsh", "create", "a b", "x\"y\"z", "{", "1", "}", "", "a#b", "a'b",
        ]];
        assert_eq!(split_script(script).unwrap(), want);
        assert_eq!(run_bash(script, &["tmsh"]).calls, want);
    }

    #[test]
    fn split_script_refuses_what_only_bash_could_read() {
        for bad in [
            "tmsh $(x)",
            "tmsh `x`",
            "tmsh a;b",
            "tmsh \"a\"",
            "tmsh a>b",
            "tmsh *",
            "tmsh 'a",
            "tmsh a\\",
            "tmsh a&",
        ] {
            assert!(split_script(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_injected_redirection_leaves_a_file() {
        let run = run_bash("tmsh x > PWNED\n", &["tmsh"]);
        assert_eq!(run.leftovers, vec!["PWNED"]);
    }
}
