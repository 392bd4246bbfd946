//! Replaying fuzz corpora as ordinary tests: the seed folders of a target (from
//! `fuzz/corpus-dirs.txt`), its crash reproducers (`fuzz/regressions/<target>/`), and
//! a fixed-seed sweep of mutations of those inputs.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every seed input of `target`, with its path.
pub fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = root();
    let list =
        std::fs::read_to_string(root.join("fuzz/corpus-dirs.txt")).expect("fuzz/corpus-dirs.txt");
    let line = list
        .lines()
        .find(|l| l.split_whitespace().next() == Some(target))
        .unwrap_or_else(|| panic!("fuzz/corpus-dirs.txt has no line for {target}"));
    let mut dirs: Vec<PathBuf> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|d| match d.strip_prefix("@reference/") {
            Some(rel) => crate::reference::dir().map(|r| r.join(rel)),
            None => Some(root.join(d)),
        })
        .collect();
    dirs.push(root.join("fuzz/regressions").join(target));
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).expect("a readable seed");
            out.push((f, bytes));
        }
    }
    assert!(!out.is_empty(), "{target} has no seed inputs");
    out
}

pub use crate::rng::Rng;

/// One libFuzzer-like mutation: flip, insert, delete, duplicate or splice bytes.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(
                at,
                [
                    b'"', b'[', b']', b'{', b'}', b'=', b'\n', b':', b'/', 0, 0xff,
                ][rng.below(11)],
            ),
            2 if at < v.len() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            3 if at < v.len() => {
                let end = (at + 1 + rng.below(32)).min(v.len());
                let chunk = v[at..end].to_vec();
                v.splice(at..at, chunk);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(64)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            _ => v.truncate(at),
        }
    }
    v
}

/// Runs `check` on every seed of `target`, then on `sweep` mutations of them;
/// a panic names the input that caused it.
pub fn replay(target: &str, sweep: usize, check: fn(&[u8])) {
    let seeds = inputs(target);
    for (path, bytes) in &seeds {
        let r = std::panic::catch_unwind(|| check(bytes));
        assert!(
            r.is_ok(),
            "{target}: seed {} fails its check",
            path.display()
        );
    }
    let mut rng = Rng::new(0x5eed ^ target.len() as u64);
    for i in 0..sweep {
        let (_, a) = &seeds[rng.below(seeds.len())];
        let (_, b) = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, a, b);
        let r = std::panic::catch_unwind(|| check(&input));
        assert!(
            r.is_ok(),
            "{target}: sweep input {i} fails its check; reproduce it with this input: {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}
