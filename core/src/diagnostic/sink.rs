//! The bounded collection of diagnostics: the first [`MAX_DIAGNOSTICS`] in
//! order are kept, the others counted, so that hostile input never costs more
//! than that to report.

use serde::Serialize;

use super::Diagnostic;

/// The most diagnostics kept and rendered: 1,000. Past it, a report keeps the
/// first 1,000 in order and counts the rest ([`Omitted`]), so hostile input never
/// costs more than that to report.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// How many diagnostics were found but not kept (past [`MAX_DIAGNOSTICS`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Omitted {
    /// Errors not kept.
    pub errors: usize,
    /// Warnings not kept.
    pub warnings: usize,
}

impl Omitted {
    /// Errors and warnings not kept.
    pub const fn total(&self) -> usize {
        self.errors + self.warnings
    }

    pub(super) fn count(&mut self, d: &Diagnostic) {
        if d.is_error() {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
    }
}

/// Collects diagnostics with bounded memory: it keeps the first
/// [`MAX_DIAGNOSTICS`] in report order (position in the source, then arrival;
/// diagnostics without a position last) and counts the others.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sink {
    kept: Vec<((u32, usize, u64), Diagnostic)>,
    seq: u64,
    omitted: Omitted,
}

impl Sink {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        let position = d.span().map_or(usize::MAX, |s| s.start);
        self.push_keyed((0, position), d);
    }

    /// Pushes with an explicit (group, position) key.
    pub(crate) fn push_keyed(&mut self, key: (u32, usize), d: Diagnostic) {
        self.seq += 1;
        self.kept.push(((key.0, key.1, self.seq), d));
        if self.kept.len() >= 2 * MAX_DIAGNOSTICS {
            // what is dropped has MAX_DIAGNOSTICS diagnostics before it already,
            // so it can never be among the first MAX_DIAGNOSTICS
            self.shrink();
        }
    }

    fn shrink(&mut self) {
        self.kept.sort_by_key(|(k, _)| *k);
        for (_, d) in self.kept.drain(MAX_DIAGNOSTICS.min(self.kept.len())..) {
            self.omitted.count(&d);
        }
    }

    /// Counts `n` errors that were found but never built (past every limit).
    pub(crate) fn omit_errors(&mut self, n: usize) {
        self.omitted.errors += n;
    }

    /// The diagnostics kept so far (in no particular order).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.kept.iter().map(|(_, d)| d)
    }

    /// The kept diagnostics in order, and the count of the others.
    pub(crate) fn finish(mut self) -> (Vec<Diagnostic>, Omitted) {
        self.shrink();
        (
            self.kept.into_iter().map(|(_, d)| d).collect(),
            self.omitted,
        )
    }
}
