//! Third-party reference documents (F5's AS3 schema, vendor samples) are not part of
//! the repository: tests find them through `MANAGEOUT_REFERENCE` (which
//! `scripts/test` sets from `scripts/reference-dir`, the one place the default
//! folder is written), and skip with one line when it is not set.

use std::path::PathBuf;

/// The reference folder: `$MANAGEOUT_REFERENCE` (which must then exist), else
/// none.
pub fn dir() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os("MANAGEOUT_REFERENCE").filter(|v| !v.is_empty())?);
    assert!(
        p.is_dir(),
        "MANAGEOUT_REFERENCE={} is not a directory",
        p.display()
    );
    Some(p)
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
