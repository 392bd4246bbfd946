//! Third-party reference documents (F5's AS3 schema, vendor samples) are not part of
//! the repository: tests find them through `MANAGEOUT_REFERENCE`, or in
//! `../shared/reference` beside the repository when that exists, and skip with one
//! line when neither is there.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support sits in the repository")
        .to_path_buf()
}

/// The reference folder: `$MANAGEOUT_REFERENCE` (which must then exist), else
/// `../shared/reference` beside the repository if it exists.
pub fn dir() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("MANAGEOUT_REFERENCE").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(v);
        assert!(
            p.is_dir(),
            "MANAGEOUT_REFERENCE={} is not a directory",
            p.display()
        );
        return Some(p);
    }
    let beside = repo_root().join("../shared/reference");
    beside.is_dir().then_some(beside)
}

/// A file of the reference folder, or `None` after printing one line saying what
/// `test` skipped.
pub fn file(relative: &str, test: &str) -> Option<PathBuf> {
    match dir().map(|d| d.join(relative)).filter(|p| p.exists()) {
        Some(p) => Some(p),
        None => {
            // straight to the process's stderr: libtest hides what a passing test
            // prints with eprintln!, and this line must be seen
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}: reference file {relative} not found (set MANAGEOUT_REFERENCE to the reference folder)"
            );
            None
        }
    }
}
